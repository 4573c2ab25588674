/**
 * WordPress dependencies
 */
import { Button, Modal } from '@wordpress/components';
import { useState } from '@wordpress/element';
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { QuarantineEntry } from '../../api/types';

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
	const [ isDiscarding, setIsDiscarding ] = useState( false );
	return (
		<Modal
			title={ __( 'Discard this email?', 'email-piping' ) }
			onRequestClose={ onClose }
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
			<div className="epipe-discard-modal__actions">
				<Button
					variant="primary"
					isDestructive
					isBusy={ isDiscarding }
					disabled={ isDiscarding }
					onClick={ () => {
						setIsDiscarding( true );
						void onConfirm().finally( () =>
							setIsDiscarding( false )
						);
					} }
				>
					{ __( 'Discard email', 'email-piping' ) }
				</Button>
				<Button
					variant="tertiary"
					onClick={ onClose }
					disabled={ isDiscarding }
				>
					{ __( 'Cancel', 'email-piping' ) }
				</Button>
			</div>
		</Modal>
	);
}
