/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useRef, useState } from '@wordpress/element';

/**
 * Internal dependencies
 */
import { errorMessage } from '../api/errors';
import {
	createRule,
	deleteRule,
	fetchRules,
	reorderRules,
	updateRule,
} from '../api/rules';
import type { Rule, RuleInput } from '../api/types';

export interface RulesState {
	/** The rules in the order they are tried. */
	rules: Rule[];
	isLoading: boolean;
	/** Why the list could not be loaded, or null. */
	error: string | null;
	reload: () => Promise< void >;
	/** Creates (id null) or changes a rule; rejects with the REST error. */
	save: ( id: number | null, input: Partial< RuleInput > ) => Promise< Rule >;
	remove: ( id: number ) => Promise< void >;
	/** Moves a rule one place up (-1) or down (1); rejects (and puts it back) when refused. */
	move: ( id: number, offset: -1 | 1 ) => Promise< void >;
}

/**
 * The piping rules in order, with the changes the Rules screen makes.
 */
export function useRules(): RulesState {
	const [ rules, setRules ] = useState< Rule[] >( [] );
	const [ isLoading, setIsLoading ] = useState( true );
	const [ error, setError ] = useState< string | null >( null );
	const mounted = useRef( true );
	// The order as last confirmed by the server, to put back after a refused move.
	const confirmed = useRef< Rule[] >( [] );

	const apply = useCallback( ( list: Rule[] ) => {
		confirmed.current = list;
		if ( mounted.current ) {
			setRules( list );
		}
	}, [] );

	const reload = useCallback( async () => {
		try {
			apply( await fetchRules() );
			if ( mounted.current ) {
				setError( null );
			}
		} catch ( err ) {
			if ( mounted.current ) {
				setError( errorMessage( err ) );
			}
		} finally {
			if ( mounted.current ) {
				setIsLoading( false );
			}
		}
	}, [ apply ] );

	useEffect( () => {
		mounted.current = true;
		void reload();
		return () => {
			mounted.current = false;
		};
	}, [ reload ] );

	const save = useCallback(
		async ( id: number | null, input: Partial< RuleInput > ) => {
			const saved =
				id === null
					? await createRule( input as RuleInput )
					: await updateRule( id, input );
			const list = confirmed.current;
			apply(
				list.some( ( item ) => item.id === saved.id )
					? list.map( ( item ) =>
							item.id === saved.id ? saved : item
						)
					: [ ...list, saved ]
			);
			return saved;
		},
		[ apply ]
	);

	const remove = useCallback(
		async ( id: number ) => {
			await deleteRule( id );
			apply( confirmed.current.filter( ( item ) => item.id !== id ) );
		},
		[ apply ]
	);

	const move = useCallback(
		async ( id: number, offset: -1 | 1 ) => {
			const list = [ ...confirmed.current ];
			const from = list.findIndex( ( item ) => item.id === id );
			const to = from + offset;
			const rule = list[ from ];
			if ( from < 0 || to < 0 || to >= list.length || ! rule ) {
				return;
			}
			list.splice( from, 1 );
			list.splice( to, 0, rule );
			// Shown at once; the server's answer is the order that counts.
			setRules( list );
			try {
				apply( await reorderRules( list.map( ( item ) => item.id ) ) );
			} catch ( err ) {
				if ( mounted.current ) {
					setRules( confirmed.current );
				}
				throw err;
			}
		},
		[ apply ]
	);

	return { rules, isLoading, error, reload, save, remove, move };
}
