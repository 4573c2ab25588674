/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useRef, useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import { errorMessage } from '../api/errors';
import { fetchJob } from '../api/jobs';
import { startReprocess } from '../api/quarantine';
import type { Job } from '../api/types';

/** Pause between two looks at a running job. */
const POLL_MS = 1000;

/** A job still running after this long is given up (the sidecar may have stopped mid-way). */
const GIVE_UP_MS = 90_000;

export interface Reprocessing {
	isRunning: boolean;
	/** The job as last seen; its message says what became of the email. */
	job: Job | null;
	/** Why it could not be started or followed, or null. */
	error: string | null;
}

export interface ReprocessState {
	runs: Record< number, Reprocessing >;
	start: ( quarantineId: number ) => Promise< Reprocessing >;
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
 * "Reprocess": queues a reprocess_quarantine job for the sidecar and polls it.
 */
export function useReprocess(): ReprocessState {
	const [ runs, setRuns ] = useState< Record< number, Reprocessing > >( {} );
	const mounted = useRef( true );
	useEffect( () => {
		mounted.current = true;
		return () => {
			mounted.current = false;
		};
	}, [] );

	const start = useCallback( async ( quarantineId: number ) => {
		const record = ( run: Reprocessing ) => {
			if ( mounted.current ) {
				setRuns( ( all ) => ( { ...all, [ quarantineId ]: run } ) );
			}
			return run;
		};
		record( { isRunning: true, job: null, error: null } );
		const deadline = Date.now() + GIVE_UP_MS;
		try {
			let job = await startReprocess( quarantineId );
			while ( ! isFinished( job ) && mounted.current ) {
				if ( Date.now() > deadline ) {
					return record( {
						isRunning: false,
						job: null,
						error: __(
							'The sidecar did not finish within 90 seconds. Make sure it is running (email-piping run), then try again.',
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

	return { runs, start };
}
