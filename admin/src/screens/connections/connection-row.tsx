/**
 * WordPress dependencies
 */
import { Button, ToggleControl } from '@wordpress/components';
import { useState } from '@wordpress/element';
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { Connection } from '../../api/types';
import type { ConnectionTest } from '../../hooks/use-connection-tests';
import { formatDateTime } from '../../utils/format-date';
import ConnectionStatus from './connection-status';
import TestResult from './test-result';
import TodayCounts from './today-counts';

interface Props {
	connection: Connection;
	test: ConnectionTest | undefined;
	onTest: () => void;
	onEdit: () => void;
	onDelete: () => void;
	onToggle: ( enabled: boolean ) => Promise< void >;
	/** Gmail and Microsoft: starts the provider's consent (leaves the page). */
	onConnect: () => Promise< void >;
}

/**
 * Where the connection reads from, in a few words.
 *
 * @param connection Connection.
 */
function source( connection: Connection ): string {
	switch ( connection.kind ) {
		case 'gmail':
			return sprintf(
				/* translators: %s: Gmail label. */
				__( 'Gmail, label %s', 'email-piping' ),
				connection.settings.folder
			);
		case 'graph':
			return sprintf(
				/* translators: %s: mail folder. */
				__( 'Microsoft 365, folder %s', 'email-piping' ),
				connection.settings.folder
			);
		default:
			return sprintf(
				/* translators: 1: IMAP host, 2: port, 3: folder. */
				__( 'IMAP %1$s:%2$d, folder %3$s', 'email-piping' ),
				connection.settings.host,
				connection.settings.port,
				connection.settings.folder
			);
	}
}

/**
 * One connection in the list: what it reads, its health, the last check, today's emails, on/off
 * and actions.
 *
 * @param props            Props.
 * @param props.connection Connection.
 * @param props.test       Its last "Test connection", if any.
 * @param props.onTest     Starts a test.
 * @param props.onEdit     Opens the form.
 * @param props.onDelete   Asks to delete it.
 * @param props.onToggle   Enables or disables it.
 * @param props.onConnect  Starts the OAuth consent (Gmail, Microsoft).
 */
export default function ConnectionRow( {
	connection,
	test,
	onTest,
	onEdit,
	onDelete,
	onToggle,
	onConnect,
}: Props ) {
	const [ isToggling, setIsToggling ] = useState( false );
	const [ isConnecting, setIsConnecting ] = useState( false );
	const lastChecked = connection.status.last_checked_at;
	return (
		<tr className="epipe-connections__row">
			<td className="epipe-connections__name">
				<strong>{ connection.name }</strong>
				<span className="epipe-connections__address">
					{ connection.mailbox_address }
				</span>
				<span className="epipe-connections__source">
					{ source( connection ) }
				</span>
			</td>
			<td className="epipe-connections__status">
				<ConnectionStatus connection={ connection } />
				<TestResult
					test={ test }
					statusCode={
						connection.enabled ? connection.status.code : null
					}
				/>
			</td>
			<td className="epipe-connections__checked">
				{ lastChecked
					? formatDateTime( lastChecked )
					: __( 'Never', 'email-piping' ) }
			</td>
			<td className="epipe-connections__counts">
				<TodayCounts today={ connection.today } />
			</td>
			<td className="epipe-connections__enabled">
				<ToggleControl
					__nextHasNoMarginBottom
					label={ __( 'Enabled', 'email-piping' ) }
					checked={ connection.enabled }
					disabled={ isToggling }
					onChange={ ( enabled: boolean ) => {
						setIsToggling( true );
						void onToggle( enabled ).finally( () =>
							setIsToggling( false )
						);
					} }
				/>
			</td>
			<td className="epipe-connections__actions">
				<Button
					variant="secondary"
					onClick={ onTest }
					isBusy={ test?.isRunning === true }
					disabled={ test?.isRunning === true }
				>
					{ __( 'Test connection', 'email-piping' ) }
				</Button>
				{ connection.kind !== 'imap' && (
					<Button
						variant={
							connection.secret === 'set'
								? 'secondary'
								: 'primary'
						}
						onClick={ () => {
							setIsConnecting( true );
							// On success the page is left for the provider's; stay busy until then.
							onConnect().catch( () => setIsConnecting( false ) );
						} }
						isBusy={ isConnecting }
						disabled={ isConnecting }
					>
						{ connection.secret === 'set'
							? __( 'Connect again', 'email-piping' )
							: __( 'Connect', 'email-piping' ) }
					</Button>
				) }
				<Button
					variant="link"
					onClick={ onEdit }
					aria-label={ sprintf(
						/* translators: %s: connection name. */
						__( 'Edit %s', 'email-piping' ),
						connection.name
					) }
				>
					{ __( 'Edit', 'email-piping' ) }
				</Button>
				<Button
					variant="link"
					isDestructive
					onClick={ onDelete }
					aria-label={ sprintf(
						/* translators: %s: connection name. */
						__( 'Delete %s', 'email-piping' ),
						connection.name
					) }
				>
					{ __( 'Delete', 'email-piping' ) }
				</Button>
			</td>
		</tr>
	);
}
