/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useRef, useState } from '@wordpress/element';

/**
 * Internal dependencies
 */
import {
	createBlockPattern,
	deleteBlockPattern,
	fetchBlockPatterns,
	updateBlockPattern,
} from '../api/block-patterns';
import { errorMessage } from '../api/errors';
import type { BlockPattern, BlockPatternInput } from '../api/types';

export interface BlockPatternsState {
	patterns: BlockPattern[];
	isLoading: boolean;
	/** Why the lists could not be loaded, or null. */
	error: string | null;
	/** Adds (id null) or changes a pattern; rejects with the REST error. */
	save: (
		id: number | null,
		input: BlockPatternInput
	) => Promise< BlockPattern >;
	remove: ( id: number ) => Promise< void >;
}

/**
 * The block lists (senders and subjects), kept in step with what is saved.
 */
export function useBlockPatterns(): BlockPatternsState {
	const [ patterns, setPatterns ] = useState< BlockPattern[] >( [] );
	const [ isLoading, setIsLoading ] = useState( true );
	const [ error, setError ] = useState< string | null >( null );
	const mounted = useRef( true );

	useEffect( () => {
		mounted.current = true;
		fetchBlockPatterns()
			.then( ( list ) => mounted.current && setPatterns( list ) )
			.catch(
				( err ) => mounted.current && setError( errorMessage( err ) )
			)
			.finally( () => mounted.current && setIsLoading( false ) );
		return () => {
			mounted.current = false;
		};
	}, [] );

	const save = useCallback(
		async ( id: number | null, input: BlockPatternInput ) => {
			const saved =
				id === null
					? await createBlockPattern( input )
					: await updateBlockPattern( id, input );
			if ( mounted.current ) {
				setPatterns( ( list ) =>
					list.some( ( item ) => item.id === saved.id )
						? list.map( ( item ) =>
								item.id === saved.id ? saved : item
							)
						: [ ...list, saved ]
				);
			}
			return saved;
		},
		[]
	);

	const remove = useCallback( async ( id: number ) => {
		await deleteBlockPattern( id );
		if ( mounted.current ) {
			setPatterns( ( list ) =>
				list.filter( ( item ) => item.id !== id )
			);
		}
	}, [] );

	return { patterns, isLoading, error, save, remove };
}
