/**
 * WordPress dependencies
 */
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { JobProgress } from '../api/jobs';
import { startReprocess } from '../api/quarantine';
import { useJobRuns } from './use-job-runs';

export type Reprocessing = JobProgress;

export interface ReprocessState {
	runs: Record< number, Reprocessing >;
	start: ( quarantineId: number ) => Promise< Reprocessing >;
}

/**
 * "Reprocess": queues a reprocess_quarantine job for the sidecar and polls it.
 */
export function useReprocess(): ReprocessState {
	return useJobRuns(
		startReprocess,
		__(
			'The sidecar did not finish within 90 seconds. Make sure it is running (email-piping run), then try again.',
			'email-piping'
		)
	);
}
