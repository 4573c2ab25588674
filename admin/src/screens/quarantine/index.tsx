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
import { useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import { errorMessage } from '../../api/errors';
import type { QuarantineEntry } from '../../api/types';
import Pagination from '../../components/pagination';
import { useConnectionNames } from '../../hooks/use-connection-names';
import { useNotices } from '../../hooks/use-notices';
import { useQuarantine } from '../../hooks/use-quarantine';
import { useReprocess } from '../../hooks/use-reprocess';
import DiscardModal from './discard-modal';
import QuarantineDetail from './quarantine-detail';
import QuarantineRow from './quarantine-row';
import './style.scss';

/**
 * Quarantine: emails kept aside because they could not safely become a ticket, to inspect,
 * reprocess or discard.
 */
export default function QuarantineScreen() {
	const {
		page,
		pageNumber,
		setPageNumber,
		isLoading,
		error,
		reload,
		discard,
	} = useQuarantine();
	const { runs, start } = useReprocess();
	const connections = useConnectionNames();
	const names = new Map( connections.map( ( c ) => [ c.id, c.name ] ) );
	const notices = useNotices();
	const [ inspecting, setInspecting ] = useState< QuarantineEntry | null >(
		null
	);
	const [ discarding, setDiscarding ] = useState< QuarantineEntry | null >(
		null
	);
	const items = page?.items ?? [];

	const reprocess = async ( entry: QuarantineEntry ) => {
		const run = await start( entry.id );
		if ( run.job?.status === 'done' && run.job.result?.[ 'ok' ] === true ) {
			// The row stays, with what became of the email, until the list is refreshed.
			notices.success(
				__(
					'The email was reprocessed and has left the quarantine.',
					'email-piping'
				)
			);
		} else if ( run.job !== null ) {
			// Held again: its attempts changed.
			await reload();
		}
	};

	return (
		<>
			<Card className="epipe-quarantine">
				<CardHeader>
					<h2 className="epipe-quarantine__title">
						{ __( 'Quarantine', 'email-piping' ) }
					</h2>
					<Button
						variant="secondary"
						onClick={ () => void reload() }
						isBusy={ isLoading }
					>
						{ __( 'Refresh', 'email-piping' ) }
					</Button>
				</CardHeader>
				<CardBody>
					<p className="epipe-quarantine__intro">
						{ __(
							'Emails kept aside because they could not safely become a ticket. They stay unread in the mailbox. Inspect one, then reprocess it (after fixing the cause) or discard it.',
							'email-piping'
						) }
					</p>
					<div aria-live="polite" aria-busy={ isLoading }>
						{ isLoading && page === null && <Spinner /> }
						{ error !== null && (
							<Notice status="error" isDismissible={ false }>
								{ error }
							</Notice>
						) }
						{ page !== null && items.length === 0 && (
							<p className="epipe-quarantine__empty">
								{ __(
									'No email is in quarantine. Emails that cannot be read, have no sender, or look like a loop or forgery are held here instead of being lost.',
									'email-piping'
								) }
							</p>
						) }
					</div>
					{ items.length > 0 && (
						<table className="widefat striped epipe-quarantine__table">
							<thead>
								<tr>
									<th scope="col">
										{ __( 'Received', 'email-piping' ) }
									</th>
									<th scope="col">
										{ __( 'Email', 'email-piping' ) }
									</th>
									<th scope="col">
										{ __(
											'Why it is held',
											'email-piping'
										) }
									</th>
									<th scope="col">
										<span className="screen-reader-text">
											{ __( 'Actions', 'email-piping' ) }
										</span>
									</th>
								</tr>
							</thead>
							<tbody>
								{ items.map( ( entry ) => (
									<QuarantineRow
										key={ entry.id }
										entry={ entry }
										connectionName={
											names.get( entry.connection_id ) ??
											null
										}
										run={ runs[ entry.id ] }
										onInspect={ () =>
											setInspecting( entry )
										}
										onReprocess={ () =>
											void reprocess( entry )
										}
										onDiscard={ () =>
											setDiscarding( entry )
										}
									/>
								) ) }
							</tbody>
						</table>
					) }
					{ page !== null && page.total > 0 && (
						<Pagination
							page={ pageNumber }
							totalPages={ page.totalPages }
							total={ page.total }
							onChange={ setPageNumber }
							label={ __( 'Quarantine pages', 'email-piping' ) }
						/>
					) }
				</CardBody>
			</Card>
			{ inspecting !== null && (
				<QuarantineDetail
					entry={ inspecting }
					onClose={ () => setInspecting( null ) }
				/>
			) }
			{ discarding !== null && (
				<DiscardModal
					entry={ discarding }
					onClose={ () => setDiscarding( null ) }
					onConfirm={ async () => {
						try {
							await discard( discarding.id );
							setDiscarding( null );
							notices.success(
								__( 'Email discarded.', 'email-piping' )
							);
						} catch ( err ) {
							notices.error( errorMessage( err ) );
						}
					} }
				/>
			) }
		</>
	);
}
