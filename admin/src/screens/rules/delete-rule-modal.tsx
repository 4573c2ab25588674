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
	return (
		<Modal
			title={ sprintf(
				/* translators: %s: rule name. */
				__( 'Delete rule “%s”?', 'email-piping' ),
				rule.name
			) }
			onRequestClose={ onClose }
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
					disabled={ isDeleting }
					onClick={ () => {
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
					onClick={ onClose }
					disabled={ isDeleting }
				>
					{ __( 'Cancel', 'email-piping' ) }
				</Button>
			</div>
		</Modal>
	);
}
