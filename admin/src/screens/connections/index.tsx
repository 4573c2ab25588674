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
import type { Connection } from '../../api/types';
import { useConnectionTests } from '../../hooks/use-connection-tests';
import { useConnections } from '../../hooks/use-connections';
import { useNotices } from '../../hooks/use-notices';
import ConnectionForm from './connection-form';
import ConnectionTable from './connection-table';
import DeleteConnectionModal from './delete-connection-modal';
import ForwardingAddresses from './forwarding-addresses';

/**
 * Connections: the mailboxes whose mail becomes tickets, their health, and the addresses that
 * forward into them.
 */
export default function ConnectionsScreen() {
	const { connections, isLoading, error, reload, save, remove } =
		useConnections();
	const { tests, start } = useConnectionTests();
	const notices = useNotices();
	const [ editing, setEditing ] = useState< Connection | 'new' | null >(
		null
	);
	const [ deleting, setDeleting ] = useState< Connection | null >( null );

	if ( editing !== null ) {
		return (
			<ConnectionForm
				connection={ editing === 'new' ? null : editing }
				save={ save }
				onCancel={ () => setEditing( null ) }
				onSaved={ ( _saved, isNew ) => {
					setEditing( null );
					notices.success(
						isNew
							? __(
									'Connection added. Use “Test connection” to check that it works.',
									'email-piping'
								)
							: __( 'Connection saved.', 'email-piping' )
					);
					void reload();
				} }
			/>
		);
	}

	const test = async ( connection: Connection ) => {
		const result = await start( connection.id );
		if (
			result.job?.status === 'done' &&
			result.job.result?.[ 'ok' ] === true
		) {
			notices.success(
				result.job.message ??
					__( 'The connection works.', 'email-piping' )
			);
		}
		await reload();
	};

	const toggle = async ( connection: Connection, enabled: boolean ) => {
		try {
			await save( connection.id, { enabled } );
			notices.success(
				enabled
					? __( 'Connection enabled.', 'email-piping' )
					: __(
							'Connection disabled: its mailbox is no longer read.',
							'email-piping'
						)
			);
		} catch ( err ) {
			notices.error( errorMessage( err ) );
		}
	};

	return (
		<>
			<Card className="epipe-connections">
				<CardHeader>
					<h2 className="epipe-connections__title">
						{ __( 'Connections', 'email-piping' ) }
					</h2>
					<Button
						variant="primary"
						onClick={ () => setEditing( 'new' ) }
					>
						{ __( 'Add IMAP connection', 'email-piping' ) }
					</Button>
				</CardHeader>
				<CardBody>
					{ isLoading && <Spinner /> }
					{ error !== null && (
						<Notice status="error" isDismissible={ false }>
							{ error }
						</Notice>
					) }
					{ ! isLoading &&
						error === null &&
						connections.length === 0 && (
							<div className="epipe-connections__empty">
								<p>
									{ __(
										'No mailbox is connected yet. Connect your support address: every email it receives becomes a ticket, and replies to our notifications are added to their ticket.',
										'email-piping'
									) }
								</p>
								<Button
									variant="primary"
									onClick={ () => setEditing( 'new' ) }
								>
									{ __(
										'Connect your first mailbox',
										'email-piping'
									) }
								</Button>
							</div>
						) }
					{ connections.length > 0 && (
						<ConnectionTable
							connections={ connections }
							tests={ tests }
							onTest={ ( connection ) => void test( connection ) }
							onEdit={ setEditing }
							onDelete={ setDeleting }
							onToggle={ toggle }
						/>
					) }
				</CardBody>
			</Card>
			<ForwardingAddresses />
			{ deleting !== null && (
				<DeleteConnectionModal
					connection={ deleting }
					onClose={ () => setDeleting( null ) }
					onConfirm={ async () => {
						try {
							await remove( deleting.id );
							setDeleting( null );
							notices.success(
								__( 'Connection deleted.', 'email-piping' )
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
