/**
 * WordPress dependencies
 */
import { Button } from '@wordpress/components';
import { __, _n, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { QuarantineEntry } from '../../api/types';
import type { Reprocessing } from '../../hooks/use-reprocess';
import { formatDateTime } from '../../utils/format-date';
import ReprocessResult from './reprocess-result';

interface Props {
	entry: QuarantineEntry;
	connectionName: string | null;
	run: Reprocessing | undefined;
	onInspect: () => void;
	onReprocess: () => void;
	onDiscard: () => void;
}

/**
 * One held email: when, what, why it is held, and what can be done with it.
 *
 * @param props                Props.
 * @param props.entry          The email.
 * @param props.connectionName Name of its connection.
 * @param props.run            Its last reprocessing, if any.
 * @param props.onInspect      Opens it.
 * @param props.onReprocess    Runs it through the pipeline again.
 * @param props.onDiscard      Asks to discard it.
 */
export default function QuarantineRow( {
	entry,
	connectionName,
	run,
	onInspect,
	onReprocess,
	onDiscard,
}: Props ) {
	const subject =
		entry.subject === ''
			? __( '(no subject)', 'email-piping' )
			: entry.subject;
	// Reprocessed into a ticket, reply or skip: nothing is left to do until the list refreshes.
	const done =
		run?.job?.status === 'done' && run.job.result?.[ 'ok' ] === true;
	const busy = run?.isRunning === true || done;
	return (
		<tr className="epipe-quarantine__row">
			<td className="epipe-quarantine__time">
				{ formatDateTime( entry.created_at ) }
			</td>
			<td className="epipe-quarantine__email">
				<strong>{ subject }</strong>
				<span className="epipe-quarantine__from">
					{ entry.from_address === ''
						? __( '(no sender)', 'email-piping' )
						: entry.from_address }
				</span>
				<span className="epipe-quarantine__connection">
					{ connectionName ??
						sprintf(
							/* translators: %d: connection id. */
							__( 'Connection #%d', 'email-piping' ),
							entry.connection_id
						) }
				</span>
			</td>
			<td className="epipe-quarantine__reason">
				<p>{ entry.reason_text }</p>
				{ entry.attempts > 1 && (
					<p className="epipe-quarantine__attempts">
						{ sprintf(
							/* translators: %d: number of attempts. */
							_n(
								'Tried %d time.',
								'Tried %d times.',
								entry.attempts,
								'email-piping'
							),
							entry.attempts
						) }
					</p>
				) }
				<ReprocessResult run={ run } />
			</td>
			<td className="epipe-quarantine__actions">
				<Button
					variant="secondary"
					onClick={ onInspect }
					aria-label={ sprintf(
						/* translators: %s: subject. */
						__( 'Inspect “%s”', 'email-piping' ),
						subject
					) }
				>
					{ __( 'Inspect', 'email-piping' ) }
				</Button>
				<Button
					variant="secondary"
					onClick={ onReprocess }
					isBusy={ run?.isRunning === true }
					disabled={ busy || ! entry.has_raw }
					aria-label={ sprintf(
						/* translators: %s: subject. */
						__( 'Reprocess “%s”', 'email-piping' ),
						subject
					) }
				>
					{ __( 'Reprocess', 'email-piping' ) }
				</Button>
				<Button
					variant="link"
					isDestructive
					onClick={ onDiscard }
					disabled={ busy }
					aria-label={ sprintf(
						/* translators: %s: subject. */
						__( 'Discard “%s”', 'email-piping' ),
						subject
					) }
				>
					{ __( 'Discard', 'email-piping' ) }
				</Button>
			</td>
		</tr>
	);
}
