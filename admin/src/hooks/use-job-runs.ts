/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useRef, useState } from '@wordpress/element';

/**
 * Internal dependencies
 */
import { followJob, type JobProgress } from '../api/jobs';
import type { Job } from '../api/types';

export interface JobRuns {
	/** Each item's job as last seen, by the item's id. */
	runs: Record< number, JobProgress >;
	start: ( id: number ) => Promise< JobProgress >;
}

/**
 * A sidecar job per item of a list (a connection's test, a quarantined email's reprocessing),
 * started on demand and followed until it finished.
 *
 * @param startJob       Queues the job for an item.
 * @param timeoutMessage What to tell the admin when the sidecar did not finish in time.
 */
export function useJobRuns(
	startJob: ( id: number ) => Promise< Job >,
	timeoutMessage: string
): JobRuns {
	const [ runs, setRuns ] = useState< Record< number, JobProgress > >( {} );
	const mounted = useRef( true );
	useEffect( () => {
		mounted.current = true;
		return () => {
			mounted.current = false;
		};
	}, [] );

	const start = useCallback(
		async ( id: number ) => {
			const record = ( run: JobProgress ) => {
				if ( mounted.current ) {
					setRuns( ( all ) => ( { ...all, [ id ]: run } ) );
				}
				return run;
			};
			record( { isRunning: true, job: null, error: null } );
			return record(
				await followJob( () => startJob( id ), {
					timeoutMessage,
					isWanted: () => mounted.current,
					onRunning: ( job ) =>
						record( { isRunning: true, job, error: null } ),
				} )
			);
		},
		[ startJob, timeoutMessage ]
	);

	return { runs, start };
}
