/**
 * WordPress dependencies
 */
import {
	Button,
	Card,
	CardBody,
	CardHeader,
	Notice,
	Spinner,
} from '@wordpress/components';
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import Pagination from '../../components/pagination';
import { useActivity } from '../../hooks/use-activity';
import { useConnectionNames } from '../../hooks/use-connection-names';
import ActivityFilters from './activity-filters';
import ActivityRow from './activity-row';
import './style.scss';

/**
 * Activity: what became of every email the sidecar read, and why.
 */
export default function ActivityScreen() {
	const { query, setQuery, page, isLoading, error, reload } = useActivity();
	const connections = useConnectionNames();
	const names = new Map( connections.map( ( c ) => [ c.id, c.name ] ) );
	const filtered =
		query.outcome !== '' ||
		query.connectionId !== null ||
		query.search !== '';
	const items = page?.items ?? [];
	return (
		<Card className="epipe-activity">
			<CardHeader>
				<h2 className="epipe-activity__title">
					{ __( 'Activity', 'email-piping' ) }
				</h2>
				<Button
					variant="secondary"
					onClick={ reload }
					isBusy={ isLoading }
				>
					{ __( 'Refresh', 'email-piping' ) }
				</Button>
			</CardHeader>
			<CardBody>
				<p className="epipe-activity__intro">
					{ __(
						'Every email the sidecar read, newest first: whether it became a ticket or a reply, or why it did not. The first page shows new emails as they arrive.',
						'email-piping'
					) }
				</p>
				<ActivityFilters
					query={ query }
					connections={ connections }
					onChange={ setQuery }
				/>
				<div aria-live="polite" aria-busy={ isLoading }>
					{ isLoading && page === null && <Spinner /> }
					{ error !== null && (
						<Notice status="error" isDismissible={ false }>
							{ error }
						</Notice>
					) }
					{ page !== null && items.length === 0 && (
						<p className="epipe-activity__empty">
							{ filtered
								? __(
										'No email matches these filters.',
										'email-piping'
									)
								: __(
										'No email has been read yet. Once a connection is working, every email it receives appears here with its outcome.',
										'email-piping'
									) }
						</p>
					) }
				</div>
				{ items.length > 0 && (
					<table className="widefat striped epipe-activity__table">
						<thead>
							<tr>
								<th scope="col">
									{ __( 'Received', 'email-piping' ) }
								</th>
								<th scope="col">
									{ __( 'Email', 'email-piping' ) }
								</th>
								<th scope="col">
									{ __( 'Outcome', 'email-piping' ) }
								</th>
								<th scope="col">
									{ __( 'Connection', 'email-piping' ) }
								</th>
								<th scope="col">
									{ __( 'Ticket', 'email-piping' ) }
								</th>
							</tr>
						</thead>
						<tbody>
							{ items.map( ( entry ) => (
								<ActivityRow
									key={ entry.id }
									entry={ entry }
									connectionName={
										entry.connection_id === null
											? null
											: ( names.get(
													entry.connection_id
												) ?? null )
									}
								/>
							) ) }
						</tbody>
					</table>
				) }
				{ page !== null && page.total > 0 && (
					<Pagination
						page={ query.page }
						totalPages={ page.totalPages }
						total={ page.total }
						onChange={ ( next ) => setQuery( { page: next } ) }
						label={ __( 'Activity pages', 'email-piping' ) }
					/>
				) }
			</CardBody>
		</Card>
	);
}
