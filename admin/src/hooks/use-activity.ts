/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useRef, useState } from '@wordpress/element';

/**
 * Internal dependencies
 */
import { fetchActivity } from '../api/activity';
import { errorMessage } from '../api/errors';
import type { ActivityEntry, ActivityQuery, Page } from '../api/types';

export interface ActivityState {
	query: ActivityQuery;
	/** Changes filters (back to the first page unless a page is given). */
	setQuery: ( change: Partial< ActivityQuery > ) => void;
	page: Page< ActivityEntry > | null;
	isLoading: boolean;
	/** Why the page could not be loaded, or null. */
	error: string | null;
	reload: () => void;
}

const INITIAL: ActivityQuery = {
	page: 1,
	outcome: '',
	connectionId: null,
	search: '',
};

/**
 * A filtered page of the activity log, loaded again whenever the filters change.
 */
export function useActivity(): ActivityState {
	const [ query, setQueryState ] = useState< ActivityQuery >( INITIAL );
	const [ page, setPage ] = useState< Page< ActivityEntry > | null >( null );
	const [ isLoading, setIsLoading ] = useState( true );
	const [ error, setError ] = useState< string | null >( null );
	const [ generation, setGeneration ] = useState( 0 );
	const latest = useRef( 0 );

	useEffect( () => {
		// Only the answer to the newest request is shown, whatever order they arrive in.
		const ticket = ++latest.current;
		setIsLoading( true );
		fetchActivity( query )
			.then( ( result ) => {
				if ( ticket === latest.current ) {
					setPage( result );
					setError( null );
				}
			} )
			.catch( ( err: unknown ) => {
				if ( ticket === latest.current ) {
					setError( errorMessage( err ) );
				}
			} )
			.finally( () => {
				if ( ticket === latest.current ) {
					setIsLoading( false );
				}
			} );
	}, [ query, generation ] );

	useEffect(
		() => () => {
			// Unmounted: ignore answers still on their way.
			latest.current = -1;
		},
		[]
	);

	const setQuery = useCallback( ( change: Partial< ActivityQuery > ) => {
		setQueryState( ( current ) => ( {
			...current,
			page: 1,
			...change,
		} ) );
	}, [] );
	const reload = useCallback( () => setGeneration( ( n ) => n + 1 ), [] );

	return { query, setQuery, page, isLoading, error, reload };
}
