/**
 * WordPress dependencies
 */
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { Job } from '../../api/types';
import TechnicalDetail from './technical-detail';

interface Props {
	job: Job;
	/** Whether the connection's status already shows this failure with its fix. */
	repeatsStatus: boolean;
}

/**
 * A finished connection test: PHP's sentence for the sidecar's result, with the fix and the
 * sidecar's own words when it failed (unless the status above already says the same).
 *
 * @param props               Props.
 * @param props.job           The check_connection job.
 * @param props.repeatsStatus Whether the status shows the same failure.
 */
export default function TestOutcome( { job, repeatsStatus }: Props ) {
	const ok = job.status === 'done' && job.result?.[ 'ok' ] === true;
	const detail = job.result?.[ 'message' ];
	const message =
		job.message ??
		( ok
			? __( 'The connection works.', 'email-piping' )
			: __( 'The test failed.', 'email-piping' ) );
	return (
		<>
			<p
				className={ `epipe-test-result__message ${
					ok ? 'is-success' : 'is-error'
				}` }
			>
				{ ok
					? message
					: sprintf(
							/* translators: %s: why the connection test failed. */
							__( 'Test failed: %s', 'email-piping' ),
							message
						) }
			</p>
			{ ! ok && ! repeatsStatus && job.fix && (
				<p className="epipe-test-result__fix">{ job.fix }</p>
			) }
			{ ! ok && ! repeatsStatus && typeof detail === 'string' && (
				<TechnicalDetail detail={ detail } />
			) }
		</>
	);
}
