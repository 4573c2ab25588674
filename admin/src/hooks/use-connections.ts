/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useRef, useState } from '@wordpress/element';

/**
 * Internal dependencies
 */
import {
	createConnection,
	deleteConnection,
	fetchConnections,
	updateConnection,
} from '../api/connections';
import { errorMessage } from '../api/errors';
import type { Connection, ConnectionInput } from '../api/types';

/** How often the list refreshes its statuses while it is shown. */
const REFRESH_MS = 10_000;

export interface ConnectionsState {
	connections: Connection[];
	isLoading: boolean;
	/** Why the list could not be loaded, or null. */
	error: string | null;
	reload: () => Promise< void >;
	/** Creates (id null) or changes a connection; rejects with the REST error. */
	save: (
		id: number | null,
		input: ConnectionInput
	) => Promise< Connection >;
	remove: ( id: number ) => Promise< void >;
}

/**
 * The connections with their live status, refreshed every few seconds.
 */
export function useConnections(): ConnectionsState {
	const [ connections, setConnections ] = useState< Connection[] >( [] );
	const [ isLoading, setIsLoading ] = useState( true );
	const [ error, setError ] = useState< string | null >( null );
	const mounted = useRef( true );

	const reload = useCallback( async () => {
		try {
			const list = await fetchConnections();
			if ( mounted.current ) {
				setConnections( list );
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
	}, [] );

	useEffect( () => {
		mounted.current = true;
		void reload();
		const timer = window.setInterval( () => {
			// Nobody is looking at a hidden tab; it refreshes when it is shown again.
			if ( ! document.hidden ) {
				void reload();
			}
		}, REFRESH_MS );
		const onVisible = () => {
			if ( ! document.hidden ) {
				void reload();
			}
		};
		document.addEventListener( 'visibilitychange', onVisible );
		return () => {
			mounted.current = false;
			window.clearInterval( timer );
			document.removeEventListener( 'visibilitychange', onVisible );
		};
	}, [ reload ] );

	const save = useCallback(
		async ( id: number | null, input: ConnectionInput ) => {
			const saved =
				id === null
					? await createConnection( input )
					: await updateConnection( id, input );
			if ( mounted.current ) {
				setConnections( ( list ) =>
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
		await deleteConnection( id );
		if ( mounted.current ) {
			setConnections( ( list ) =>
				list.filter( ( item ) => item.id !== id )
			);
		}
	}, [] );

	return { connections, isLoading, error, reload, save, remove };
}
