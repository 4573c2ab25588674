/**
 * WordPress dependencies
 */
import { Button, Modal } from '@wordpress/components';
import { useState } from '@wordpress/element';
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { Rule } from '../../api/types';

interface Props {
	rule: Rule;
	/** Deletes it; resolves whether it was deleted (the dialog then closes). */
	onConfirm: () => Promise< boolean >;
	onClose: () => void;
}

/**
 * Asks before a rule is deleted, saying what changes and what stays.
 *
 * @param props           Props.
 * @param props.rule      The rule.
 * @param props.onConfirm Deletes it.
 * @param props.onClose   Closes the dialog.
 */
export default function DeleteRuleModal( { rule, onConfirm, onClose }: Props ) {
	const [ isDeleting, setIsDeleting ] = useState( false );
	// While the rule is being deleted the dialog stays: it closes when the server has answered.
	const close = () => {
		if ( ! isDeleting ) {
			onClose();
		}
	};
	return (
		<Modal
			title={ sprintf(
				/* translators: %s: rule name. */
				__( 'Delete rule “%s”?', 'email-piping' ),
				rule.name
			) }
			onRequestClose={ close }
			className="epipe-delete-rule"
		>
			<p>
				{ __(
					'New tickets no longer get its fields. Tickets it already set keep them. To stop it for a while instead, disable it.',
					'email-piping'
				) }
			</p>
			<div className="epipe-delete-rule__actions">
				<Button
					variant="primary"
					isDestructive
					isBusy={ isDeleting }
					// Not disabled: a disabled button loses the focus, and the dialog would take
					// that for a click outside it and close before the server answered.
					aria-disabled={ isDeleting }
					onClick={ () => {
						if ( isDeleting ) {
							return;
						}
						setIsDeleting( true );
						void onConfirm().then( ( deleted ) => {
							if ( ! deleted ) {
								setIsDeleting( false );
							}
						} );
					} }
				>
					{ __( 'Delete rule', 'email-piping' ) }
				</Button>
				<Button
					variant="tertiary"
					onClick={ close }
					disabled={ isDeleting }
				>
					{ __( 'Cancel', 'email-piping' ) }
				</Button>
			</div>
		</Modal>
	);
}
