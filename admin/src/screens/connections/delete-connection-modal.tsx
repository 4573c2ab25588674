/**
 * WordPress dependencies
 */
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { Connection } from '../../api/types';
import ConfirmModal from '../../components/confirm-modal';

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
	return (
		<ConfirmModal
			title={ sprintf(
				/* translators: %s: connection name. */
				__( 'Delete “%s”?', 'email-piping' ),
				connection.name
			) }
			confirmLabel={ __( 'Delete connection', 'email-piping' ) }
			onConfirm={ onConfirm }
			onClose={ onClose }
			className="epipe-delete-connection"
		>
			<p>
				{ __(
					'Its emails stop becoming tickets. Tickets already created keep their history, and the mailbox itself is not changed.',
					'email-piping'
				) }
			</p>
		</ConfirmModal>
	);
}
