/**
 * WordPress dependencies
 */
import apiFetch from '@wordpress/api-fetch';

/**
 * Internal dependencies
 */
import { errorMessage } from './errors';
import type { Job } from './types';

/** Pause between two looks at a running job. */
const POLL_MS = 1000;

/** A job still running after this long is given up (the sidecar may have stopped mid-way). */
const GIVE_UP_MS = 90_000;

/** Where a followed job stands. */
export interface JobProgress {
	isRunning: boolean;
	/** The job as last seen; its message (and fix) say what the sidecar found. */
	job: Job | null;
	/** Why the job could not be started or followed, or null. */
	error: string | null;
}

/**
 * One sidecar job, for polling.
 *
 * @param id Job id.
 */
export function fetchJob( id: number ): Promise< Job > {
	return apiFetch< Job >( { path: `/email-piping/v1/jobs/${ id }` } );
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
 * Starts a sidecar job and follows it until it is done, failed, or given up after GIVE_UP_MS.
 *
 * @param start                  Queues the job; resolves with its first state.
 * @param options
 * @param options.timeoutMessage What to tell the admin when the sidecar did not finish in time.
 * @param options.isWanted       Whether the screen still wants to know (polling stops when not).
 * @param options.onRunning      Told every state seen while the job runs.
 * @return The final state: the finished job, or the error.
 */
export async function followJob(
	start: () => Promise< Job >,
	options: {
		timeoutMessage: string;
		isWanted: () => boolean;
		onRunning?: ( job: Job ) => void;
	}
): Promise< JobProgress > {
	const deadline = Date.now() + GIVE_UP_MS;
	try {
		let job = await start();
		while ( ! isFinished( job ) && options.isWanted() ) {
			if ( Date.now() > deadline ) {
				return {
					isRunning: false,
					job: null,
					error: options.timeoutMessage,
				};
			}
			options.onRunning?.( job );
			await new Promise( ( resolve ) =>
				window.setTimeout( resolve, POLL_MS )
			);
			job = await fetchJob( job.id );
		}
		return { isRunning: false, job, error: null };
	} catch ( err ) {
		return { isRunning: false, job: null, error: errorMessage( err ) };
	}
}
