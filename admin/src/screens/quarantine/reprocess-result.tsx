/**
 * WordPress dependencies
 */
import { Spinner } from '@wordpress/components';
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { Reprocessing } from '../../hooks/use-reprocess';
import { ticketUrl } from '../../utils/ticket-url';

interface Props {
	run: Reprocessing | undefined;
}

/**
 * What the last "Reprocess" of an email did: what became of it, or why it could not run.
 *
 * @param props     Props.
 * @param props.run The run of this email, if one was started.
 */
export default function ReprocessResult( { run }: Props ) {
	const job = run?.job ?? null;
	const result = job?.result ?? null;
	const ticketId = result?.[ 'ticket_id' ];
	const ok = job?.status === 'done' && result?.[ 'ok' ] === true;
	// One live region per row, present before the result, so screen readers announce it.
	return (
		<div
			className="epipe-reprocess-result"
			role="status"
			aria-live="polite"
		>
			{ run?.isRunning && (
				<p>
					<Spinner />
					{ __(
						'Reprocessing: waiting for the sidecar…',
						'email-piping'
					) }
				</p>
			) }
			{ run && ! run.isRunning && run.error !== null && (
				<p className="epipe-reprocess-result__message is-error">
					{ run.error }
				</p>
			) }
			{ run && ! run.isRunning && job !== null && (
				<p
					className={ `epipe-reprocess-result__message ${
						ok ? 'is-success' : 'is-error'
					}` }
				>
					{ sprintf(
						/* translators: %s: what became of the email, in words. */
						__( 'Reprocessed. %s', 'email-piping' ),
						job.message ??
							( ok
								? __( 'Done.', 'email-piping' )
								: __( 'It failed.', 'email-piping' ) )
					) }{ ' ' }
					{ typeof ticketId === 'number' && (
						<a href={ ticketUrl( ticketId ) }>
							{ sprintf(
								/* translators: %d: ticket number. */
								__( 'Open ticket #%d', 'email-piping' ),
								ticketId
							) }
						</a>
					) }
				</p>
			) }
			{ run && ! run.isRunning && job?.fix && (
				<p className="epipe-reprocess-result__fix">{ job.fix }</p>
			) }
		</div>
	);
}
