/**
 * WordPress dependencies
 */
import { Button, Modal } from '@wordpress/components';
import { useState } from '@wordpress/element';
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { Connection } from '../../api/types';

interface Props {
	connection: Connection;
	onConfirm: () => Promise< void >;
	onClose: () => void;
}

/**
 * Asks before a connection is deleted, saying what stays.
 *
 * @param props            Props.
 * @param props.connection The connection.
 * @param props.onConfirm  Deletes it.
 * @param props.onClose    Closes the dialog.
 */
export default function DeleteConnectionModal( {
	connection,
	onConfirm,
	onClose,
}: Props ) {
	const [ isDeleting, setIsDeleting ] = useState( false );
	return (
		<Modal
			title={ sprintf(
				/* translators: %s: connection name. */
				__( 'Delete “%s”?', 'email-piping' ),
				connection.name
			) }
			onRequestClose={ onClose }
			className="epipe-delete-connection"
		>
			<p>
				{ __(
					'Its emails stop becoming tickets. Tickets already created keep their history, and the mailbox itself is not changed.',
					'email-piping'
				) }
			</p>
			<div className="epipe-delete-connection__actions">
				<Button
					variant="primary"
					isDestructive
					isBusy={ isDeleting }
					disabled={ isDeleting }
					onClick={ () => {
						setIsDeleting( true );
						void onConfirm().finally( () =>
							setIsDeleting( false )
						);
					} }
				>
					{ __( 'Delete connection', 'email-piping' ) }
				</Button>
				<Button
					variant="tertiary"
					onClick={ onClose }
					disabled={ isDeleting }
				>
					{ __( 'Cancel', 'email-piping' ) }
				</Button>
			</div>
		</Modal>
	);
}
