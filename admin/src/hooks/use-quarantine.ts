/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useRef, useState } from '@wordpress/element';

/**
 * Internal dependencies
 */
import { errorMessage } from '../api/errors';
import { discardQuarantined, fetchQuarantine } from '../api/quarantine';
import type { Page, QuarantineEntry } from '../api/types';

export interface QuarantineState {
	page: Page< QuarantineEntry > | null;
	pageNumber: number;
	setPageNumber: ( page: number ) => void;
	isLoading: boolean;
	/** Why the list could not be loaded, or null. */
	error: string | null;
	reload: () => Promise< void >;
	/** Discards an email; rejects with the REST error. */
	discard: ( id: number ) => Promise< void >;
}

/**
 * The held emails, a page at a time.
 */
export function useQuarantine(): QuarantineState {
	const [ pageNumber, setPageNumber ] = useState( 1 );
	const [ page, setPage ] = useState< Page< QuarantineEntry > | null >(
		null
	);
	const [ isLoading, setIsLoading ] = useState( true );
	const [ error, setError ] = useState< string | null >( null );
	const latest = useRef( 0 );

	const load = useCallback( async ( number: number ) => {
		const ticket = ++latest.current;
		setIsLoading( true );
		try {
			const result = await fetchQuarantine( number );
			if ( ticket === latest.current ) {
				setPage( result );
				setError( null );
			}
		} catch ( err ) {
			if ( ticket === latest.current ) {
				setError( errorMessage( err ) );
			}
		} finally {
			if ( ticket === latest.current ) {
				setIsLoading( false );
			}
		}
	}, [] );

	useEffect( () => {
		void load( pageNumber );
	}, [ load, pageNumber ] );

	useEffect(
		() => () => {
			latest.current = -1;
		},
		[]
	);

	const reload = useCallback(
		() => load( pageNumber ),
		[ load, pageNumber ]
	);

	const discard = useCallback(
		async ( id: number ) => {
			await discardQuarantined( id );
			await reload();
		},
		[ reload ]
	);

	return {
		page,
		pageNumber,
		setPageNumber,
		isLoading,
		error,
		reload,
		discard,
	};
}
