/**
 * WordPress dependencies
 */
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { ActivityEntry } from '../../api/types';
import { formatDateTime } from '../../utils/format-date';
import { ticketUrl } from '../../utils/ticket-url';
import { outcomeLabel } from './outcomes';

interface Props {
	entry: ActivityEntry;
	/** The connection's name, or null when it is unknown (deleted). */
	connectionName: string | null;
}

/**
 * The rules that set the fields of a new ticket, if any.
 *
 * @param entry Row.
 */
function rulesOf( entry: ActivityEntry ): string[] {
	const rules = entry.details?.rules;
	return Array.isArray( rules )
		? rules.filter( ( r ): r is string => typeof r === 'string' )
		: [];
}

/**
 * One email in the activity log: when, what, what became of it and why, and its ticket.
 *
 * @param props                Props.
 * @param props.entry          Row.
 * @param props.connectionName Name of its connection.
 */
export default function ActivityRow( { entry, connectionName }: Props ) {
	const rules = rulesOf( entry );
	let connection: string = __( '—', 'email-piping' );
	if ( connectionName !== null ) {
		connection = connectionName;
	} else if ( entry.connection_id !== null ) {
		connection = sprintf(
			/* translators: %d: connection id. */
			__( 'Connection #%d', 'email-piping' ),
			entry.connection_id
		);
	}
	return (
		<tr className="epipe-activity__row">
			<td className="epipe-activity__time">
				{ formatDateTime( entry.created_at ) }
			</td>
			<td className="epipe-activity__email">
				<strong>
					{ entry.subject === ''
						? __( '(no subject)', 'email-piping' )
						: entry.subject }
				</strong>
				<span className="epipe-activity__from">
					{ entry.from_address === ''
						? __( '(no sender)', 'email-piping' )
						: entry.from_address }
				</span>
			</td>
			<td className="epipe-activity__outcome">
				<span className={ `epipe-outcome is-${ entry.kind }` }>
					{ outcomeLabel( entry.kind ) }
				</span>
				<p className="epipe-activity__reason">{ entry.reason_text }</p>
				{ rules.length > 0 && (
					<p className="epipe-activity__rules">
						{ sprintf(
							/* translators: %s: comma-separated rule names. */
							__( 'Rules applied: %s', 'email-piping' ),
							rules.join( ', ' )
						) }
					</p>
				) }
			</td>
			<td className="epipe-activity__connection">{ connection }</td>
			<td className="epipe-activity__ticket">
				{ entry.ticket_id !== null && (
					<a href={ ticketUrl( entry.ticket_id ) }>
						{ sprintf(
							/* translators: %d: ticket number. */
							__( 'Ticket #%d', 'email-piping' ),
							entry.ticket_id
						) }
					</a>
				) }
			</td>
		</tr>
	);
}
