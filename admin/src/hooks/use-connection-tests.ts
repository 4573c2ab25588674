/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useRef, useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import { startConnectionTest } from '../api/connections';
import { followJob, type JobProgress } from '../api/jobs';

export type ConnectionTest = JobProgress;

export interface ConnectionTests {
	tests: Record< number, ConnectionTest >;
	start: ( connectionId: number ) => Promise< ConnectionTest >;
}

/**
 * "Test connection": queues a check_connection job for the sidecar and polls it.
 */
export function useConnectionTests(): ConnectionTests {
	const [ tests, setTests ] = useState< Record< number, ConnectionTest > >(
		{}
	);
	const mounted = useRef( true );
	useEffect( () => {
		mounted.current = true;
		return () => {
			mounted.current = false;
		};
	}, [] );

	const start = useCallback( async ( connectionId: number ) => {
		const record = ( test: ConnectionTest ) => {
			if ( mounted.current ) {
				setTests( ( all ) => ( { ...all, [ connectionId ]: test } ) );
			}
			return test;
		};
		record( { isRunning: true, job: null, error: null } );
		return record(
			await followJob( () => startConnectionTest( connectionId ), {
				timeoutMessage: __(
					'The sidecar did not finish the test within 90 seconds. Make sure it is running (email-piping run), then test again.',
					'email-piping'
				),
				isWanted: () => mounted.current,
				onRunning: ( job ) =>
					record( { isRunning: true, job, error: null } ),
			} )
		);
	}, [] );

	return { tests, start };
}
