/**
 * WordPress dependencies
 */
import { Button, Modal } from '@wordpress/components';
import { useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { BlockPattern } from '../../api/types';

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
	const [ isDeleting, setIsDeleting ] = useState( false );
	return (
		<Modal
			title={ __( 'Delete this block pattern?', 'email-piping' ) }
			onRequestClose={ onClose }
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
			<div className="epipe-delete-pattern__actions">
				<Button
					variant="primary"
					isDestructive
					isBusy={ isDeleting }
					// Not disabled: a disabled button drops the focus, and a Modal closes
					// when the focus leaves it.
					aria-disabled={ isDeleting }
					onClick={ () => {
						if ( isDeleting ) {
							return;
						}
						setIsDeleting( true );
						void onConfirm().finally( () =>
							setIsDeleting( false )
						);
					} }
				>
					{ __( 'Delete pattern', 'email-piping' ) }
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
