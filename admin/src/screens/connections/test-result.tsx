/**
 * WordPress dependencies
 */
import { Spinner } from '@wordpress/components';
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { ConnectionTest } from '../../hooks/use-connection-tests';
import TestOutcome from './test-outcome';

interface Props {
	test: ConnectionTest | undefined;
	/** The code of the connection's current status, shown above the test. */
	statusCode: string | null;
}

/**
 * What the last "Test connection" found: what the sidecar saw, or why it failed and the fix.
 *
 * @param props            Props.
 * @param props.test       The test of this connection, if one ran.
 * @param props.statusCode The code of the connection's status.
 */
export default function TestResult( { test, statusCode }: Props ) {
	// One live region per row, present before the result, so screen readers announce it.
	return (
		<div className="epipe-test-result" role="status" aria-live="polite">
			{ test?.isRunning && (
				<p className="epipe-test-result__running">
					<Spinner />
					{ __(
						'Testing: waiting for the sidecar to connect…',
						'email-piping'
					) }
				</p>
			) }
			{ test && ! test.isRunning && test.error !== null && (
				<p className="epipe-test-result__message is-error">
					{ test.error }
				</p>
			) }
			{ test && ! test.isRunning && test.job && (
				<TestOutcome
					job={ test.job }
					repeatsStatus={
						statusCode !== null && test.job.code === statusCode
					}
				/>
			) }
		</div>
	);
}
