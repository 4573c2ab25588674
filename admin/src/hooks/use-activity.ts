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

/**
 * How often the first page looks for new emails while it is shown: an admin who has just sent a
 * test email sees its outcome arrive without pressing Refresh.
 */
export const LIVE_INTERVAL_MS = 5_000;

const INITIAL: ActivityQuery = {
	page: 1,
	outcome: '',
	connectionId: null,
	search: '',
};

/**
 * A filtered page of the activity log, loaded again whenever the filters change, and the first
 * page every few seconds while the browser shows it (later pages stay still under the reader).
 */
export function useActivity(): ActivityState {
	const [ query, setQueryState ] = useState< ActivityQuery >( INITIAL );
	const [ page, setPage ] = useState< Page< ActivityEntry > | null >( null );
	const [ isLoading, setIsLoading ] = useState( true );
	const [ error, setError ] = useState< string | null >( null );
	const [ generation, setGeneration ] = useState( 0 );
	const latest = useRef( 0 );
	const inFlight = useRef( false );
	// A live update loads quietly: no spinner, no busy button, nothing for a screen reader.
	const quiet = useRef( false );

	useEffect( () => {
		// Only the answer to the newest request is shown, whatever order they arrive in.
		const ticket = ++latest.current;
		inFlight.current = true;
		if ( ! quiet.current ) {
			setIsLoading( true );
		}
		quiet.current = false;
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
					inFlight.current = false;
					setIsLoading( false );
				}
			} );
	}, [ query, generation ] );

	useEffect( () => {
		if ( query.page !== 1 ) {
			return undefined;
		}
		const timer = window.setInterval( () => {
			if (
				document.visibilityState === 'visible' &&
				! inFlight.current
			) {
				quiet.current = true;
				setGeneration( ( n ) => n + 1 );
			}
		}, LIVE_INTERVAL_MS );
		return () => window.clearInterval( timer );
	}, [ query.page ] );

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
