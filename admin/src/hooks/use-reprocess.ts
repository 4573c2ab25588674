/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useRef, useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import { followJob, type JobProgress } from '../api/jobs';
import { startReprocess } from '../api/quarantine';

export type Reprocessing = JobProgress;

export interface ReprocessState {
	runs: Record< number, Reprocessing >;
	start: ( quarantineId: number ) => Promise< Reprocessing >;
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
		return record(
			await followJob( () => startReprocess( quarantineId ), {
				timeoutMessage: __(
					'The sidecar did not finish within 90 seconds. Make sure it is running (email-piping run), then try again.',
					'email-piping'
				),
				isWanted: () => mounted.current,
				onRunning: ( job ) =>
					record( { isRunning: true, job, error: null } ),
			} )
		);
	}, [] );

	return { runs, start };
}
