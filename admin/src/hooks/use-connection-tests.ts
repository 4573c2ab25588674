/**
 * WordPress dependencies
 */
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import { startConnectionTest } from '../api/connections';
import type { JobProgress } from '../api/jobs';
import { useJobRuns } from './use-job-runs';

export type ConnectionTest = JobProgress;

export interface ConnectionTests {
	tests: Record< number, ConnectionTest >;
	start: ( connectionId: number ) => Promise< ConnectionTest >;
}

/**
 * "Test connection": queues a check_connection job for the sidecar and polls it.
 */
export function useConnectionTests(): ConnectionTests {
	const { runs, start } = useJobRuns(
		startConnectionTest,
		__(
			'The sidecar did not finish the test within 90 seconds. Make sure it is running (email-piping run), then test again.',
			'email-piping'
		)
	);
	return { tests: runs, start };
}
