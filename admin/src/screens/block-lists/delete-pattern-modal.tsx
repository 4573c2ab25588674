/**
 * WordPress dependencies
 */
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { BlockPattern } from '../../api/types';
import ConfirmModal from '../../components/confirm-modal';

interface Props {
	pattern: BlockPattern;
	onConfirm: () => Promise< void >;
	onClose: () => void;
}

/**
 * Asks before a block pattern is deleted.
 *
 * @param props           Props.
 * @param props.pattern   The pattern.
 * @param props.onConfirm Deletes it.
 * @param props.onClose   Closes the dialog.
 */
export default function DeletePatternModal( {
	pattern,
	onConfirm,
	onClose,
}: Props ) {
	return (
		<ConfirmModal
			title={ __( 'Delete this block pattern?', 'email-piping' ) }
			confirmLabel={ __( 'Delete pattern', 'email-piping' ) }
			onConfirm={ onConfirm }
			onClose={ onClose }
			className="epipe-delete-pattern"
		>
			<p>
				<code>{ pattern.pattern }</code>
			</p>
			<p>
				{ pattern.kind === 'sender'
					? __(
							'Emails from addresses it matches will open tickets again (unless another pattern blocks them).',
							'email-piping'
						)
					: __(
							'Emails with subjects it matches will open tickets again (unless another pattern blocks them).',
							'email-piping'
						) }
			</p>
		</ConfirmModal>
	);
}
