/**
 * WordPress dependencies
 */
import {
	Card,
	CardBody,
	CardHeader,
	Notice,
	Spinner,
} from '@wordpress/components';
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import { useTickets } from '../../hooks/use-tickets';

/**
 * The ticket list: every email that became a ticket, newest activity first.
 */
export default function TicketsScreen() {
	const { tickets, isLoading, error } = useTickets();
	return (
		<Card className="epipe-tickets">
			<CardHeader>
				<h2 className="epipe-tickets__title">
					{ __( 'Tickets', 'email-piping' ) }
				</h2>
			</CardHeader>
			<CardBody>
				{ isLoading && <Spinner /> }
				{ error !== null && (
					<Notice status="error" isDismissible={ false }>
						{ error }
					</Notice>
				) }
				{ ! isLoading && error === null && tickets.length === 0 && (
					<p className="epipe-tickets__empty">
						{ __(
							'No tickets yet. Emails to a connected mailbox will appear here.',
							'email-piping'
						) }
					</p>
				) }
				{ tickets.length > 0 && (
					<table className="widefat striped epipe-tickets__table">
						<thead>
							<tr>
								<th scope="col">
									{ __( 'Ticket', 'email-piping' ) }
								</th>
								<th scope="col">
									{ __( 'Subject', 'email-piping' ) }
								</th>
								<th scope="col">
									{ __( 'Customer', 'email-piping' ) }
								</th>
								<th scope="col">
									{ __( 'Status', 'email-piping' ) }
								</th>
								<th scope="col">
									{ __( 'Messages', 'email-piping' ) }
								</th>
							</tr>
						</thead>
						<tbody>
							{ tickets.map( ( ticket ) => (
								<tr key={ ticket.id }>
									<td>{ sprintf( '#%d', ticket.id ) }</td>
									<td>{ ticket.subject }</td>
									<td>{ ticket.customer_email }</td>
									<td>{ ticket.status }</td>
									<td>{ ticket.thread_count }</td>
								</tr>
							) ) }
						</tbody>
					</table>
				) }
			</CardBody>
		</Card>
	);
}
