/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useRef, useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import { startConnectionTest } from '../api/connections';
import { errorMessage } from '../api/errors';
import { fetchJob } from '../api/jobs';
import type { Job } from '../api/types';

/** Pause between two looks at a running test. */
const POLL_MS = 1000;

/** A test still running after this long is given up (the sidecar may have stopped mid-way). */
const GIVE_UP_MS = 90_000;

export interface ConnectionTest {
	isRunning: boolean;
	/** The job as last seen; its message and fix say what the sidecar found. */
	job: Job | null;
	/** Why the test could not be started or followed, or null. */
	error: string | null;
}

export interface ConnectionTests {
	tests: Record< number, ConnectionTest >;
	start: ( connectionId: number ) => Promise< ConnectionTest >;
}

function isFinished( job: Job ): boolean {
	// sidecar_idle: nothing picked the job up; say so rather than wait for ever.
	return (
		job.status === 'done' ||
		job.status === 'failed' ||
		job.code === 'sidecar_idle'
	);
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
		const deadline = Date.now() + GIVE_UP_MS;
		try {
			let job = await startConnectionTest( connectionId );
			while ( ! isFinished( job ) && mounted.current ) {
				if ( Date.now() > deadline ) {
					return record( {
						isRunning: false,
						job: null,
						error: __(
							'The sidecar did not finish the test within 90 seconds. Make sure it is running (email-piping run), then test again.',
							'email-piping'
						),
					} );
				}
				record( { isRunning: true, job, error: null } );
				await new Promise( ( resolve ) =>
					window.setTimeout( resolve, POLL_MS )
				);
				job = await fetchJob( job.id );
			}
			return record( { isRunning: false, job, error: null } );
		} catch ( err ) {
			return record( {
				isRunning: false,
				job: null,
				error: errorMessage( err ),
			} );
		}
	}, [] );

	return { tests, start };
}
