/**
 * WordPress dependencies
 */
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { QuarantineEntry } from '../../api/types';
import ConfirmModal from '../../components/confirm-modal';

interface Props {
	entry: QuarantineEntry;
	onConfirm: () => Promise< void >;
	onClose: () => void;
}

/**
 * Asks before a quarantined email is discarded, saying that this cannot be undone.
 *
 * @param props           Props.
 * @param props.entry     The email.
 * @param props.onConfirm Discards it.
 * @param props.onClose   Closes the dialog.
 */
export default function DiscardModal( { entry, onConfirm, onClose }: Props ) {
	return (
		<ConfirmModal
			title={ __( 'Discard this email?', 'email-piping' ) }
			confirmLabel={ __( 'Discard email', 'email-piping' ) }
			onConfirm={ onConfirm }
			onClose={ onClose }
			className="epipe-discard-modal"
		>
			<p>
				{ sprintf(
					/* translators: 1: subject, 2: sender. */
					__( '“%1$s” from %2$s', 'email-piping' ),
					entry.subject === ''
						? __( '(no subject)', 'email-piping' )
						: entry.subject,
					entry.from_address === ''
						? __( '(no sender)', 'email-piping' )
						: entry.from_address
				) }
			</p>
			<p>
				{ __(
					'Its content is deleted and it will not become a ticket. This cannot be undone. The email stays in the mailbox itself and is not read again.',
					'email-piping'
				) }
			</p>
		</ConfirmModal>
	);
}
