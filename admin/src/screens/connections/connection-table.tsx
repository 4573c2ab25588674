/**
 * WordPress dependencies
 */
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { Connection } from '../../api/types';
import type { ConnectionTest } from '../../hooks/use-connection-tests';
import ConnectionRow from './connection-row';

interface Props {
	connections: Connection[];
	tests: Record< number, ConnectionTest >;
	onTest: ( connection: Connection ) => void;
	onEdit: ( connection: Connection ) => void;
	onDelete: ( connection: Connection ) => void;
	onToggle: ( connection: Connection, enabled: boolean ) => Promise< void >;
	onConnect: ( connection: Connection ) => Promise< void >;
}

/**
 * The connections as a wp-admin list table.
 *
 * @param props             Props.
 * @param props.connections Connections.
 * @param props.tests       Connection tests by connection id.
 * @param props.onTest      Starts a test.
 * @param props.onEdit      Opens the form.
 * @param props.onDelete    Asks to delete one.
 * @param props.onToggle    Enables or disables one.
 * @param props.onConnect   Starts one's OAuth consent.
 */
export default function ConnectionTable( {
	connections,
	tests,
	onTest,
	onEdit,
	onDelete,
	onToggle,
	onConnect,
}: Props ) {
	return (
		<table className="widefat striped epipe-connections__table">
			<thead>
				<tr>
					<th scope="col">{ __( 'Connection', 'email-piping' ) }</th>
					<th scope="col">{ __( 'Status', 'email-piping' ) }</th>
					<th scope="col">{ __( 'Last check', 'email-piping' ) }</th>
					<th scope="col">{ __( 'Today', 'email-piping' ) }</th>
					<th scope="col">{ __( 'Enabled', 'email-piping' ) }</th>
					<th scope="col">
						<span className="screen-reader-text">
							{ __( 'Actions', 'email-piping' ) }
						</span>
					</th>
				</tr>
			</thead>
			<tbody>
				{ connections.map( ( connection ) => (
					<ConnectionRow
						key={ connection.id }
						connection={ connection }
						test={ tests[ connection.id ] }
						onTest={ () => onTest( connection ) }
						onEdit={ () => onEdit( connection ) }
						onDelete={ () => onDelete( connection ) }
						onConnect={ () => onConnect( connection ) }
						onToggle={ ( enabled ) =>
							onToggle( connection, enabled )
						}
					/>
				) ) }
			</tbody>
		</table>
	);
}
