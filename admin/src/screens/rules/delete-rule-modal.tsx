/**
 * WordPress dependencies
 */
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { Rule } from '../../api/types';
import ConfirmModal from '../../components/confirm-modal';

interface Props {
	rule: Rule;
	/** Deletes it; the dialog closes when it was deleted. */
	onConfirm: () => Promise< unknown >;
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
	return (
		<ConfirmModal
			title={ sprintf(
				/* translators: %s: rule name. */
				__( 'Delete rule “%s”?', 'email-piping' ),
				rule.name
			) }
			confirmLabel={ __( 'Delete rule', 'email-piping' ) }
			onConfirm={ onConfirm }
			onClose={ onClose }
			className="epipe-delete-rule"
		>
			<p>
				{ __(
					'New tickets no longer get its fields. Tickets it already set keep them. To stop it for a while instead, disable it.',
					'email-piping'
				) }
			</p>
		</ConfirmModal>
	);
}
