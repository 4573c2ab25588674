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
import { useEffect, useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import { startOAuth } from '../../api/connections';
import { errorMessage } from '../../api/errors';
import { fetchJob, followJob } from '../../api/jobs';
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

	// Back from Google's or Microsoft's consent: WordPress queued the code exchange; say how it
	// ended once the sidecar has done it, then show the connection's new state.
	useEffect( () => {
		const query = new URLSearchParams( window.location.search );
		const job = Number( query.get( 'job' ) );
		if ( query.get( 'epipe_oauth' ) !== 'exchanging' || ! ( job > 0 ) ) {
			return;
		}
		let wanted = true;
		void followJob( () => fetchJob( job ), {
			timeoutMessage: __(
				'The sidecar has not finished the authorisation yet. Make sure it is running; the connection’s status updates when it has.',
				'email-piping'
			),
			isWanted: () => wanted,
		} ).then( ( progress ) => {
			if ( ! wanted ) {
				return;
			}
			if ( progress.job?.status === 'done' ) {
				notices.success(
					progress.job.message ??
						__( 'The connection is authorised.', 'email-piping' )
				);
			} else {
				notices.error(
					[
						progress.job?.message ?? progress.error,
						progress.job?.fix,
					]
						.filter( Boolean )
						.join( ' ' )
				);
			}
			void reload();
		} );
		return () => {
			wanted = false;
		};
		// Once, for the page the provider sent the admin back to.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [] );

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

	const connect = async ( connection: Connection ) => {
		try {
			const { url } = await startOAuth( connection.id );
			window.location.assign( url );
		} catch ( err ) {
			notices.error( errorMessage( err ) );
			throw err;
		}
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
						{ __( 'Add connection', 'email-piping' ) }
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
							onConnect={ connect }
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
