/**
 * WordPress dependencies
 */
import { Button, Modal } from '@wordpress/components';
import { useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';
import type { ReactNode } from 'react';

interface Props {
	title: string;
	/** The destructive button's label ("Delete rule"). */
	confirmLabel: string;
	/** What happens, and what stays. */
	children: ReactNode;
	/**
	 * Does it. The caller closes the dialog when it succeeded; on failure it reports the error
	 * and the dialog stays for another try.
	 */
	onConfirm: () => Promise< unknown >;
	onClose: () => void;
	/** Names the dialog for styles and tests. */
	className?: string;
}

/**
 * Asks before something is deleted or discarded. While the server works the dialog stays open
 * (Escape, a click outside and Cancel wait), so what the admin sees is always the outcome.
 *
 * @param props              Props.
 * @param props.title        Question.
 * @param props.confirmLabel Button label.
 * @param props.children     Explanation.
 * @param props.onConfirm    Does it.
 * @param props.onClose      Closes the dialog.
 * @param props.className    Class name.
 */
export default function ConfirmModal( {
	title,
	confirmLabel,
	children,
	onConfirm,
	onClose,
	className,
}: Props ) {
	const [ isBusy, setIsBusy ] = useState( false );
	const close = () => {
		if ( ! isBusy ) {
			onClose();
		}
	};
	return (
		<Modal
			title={ title }
			onRequestClose={ close }
			className={ [ 'epipe-confirm', className ]
				.filter( Boolean )
				.join( ' ' ) }
		>
			{ children }
			<div className="epipe-confirm__actions">
				<Button
					variant="primary"
					isDestructive
					isBusy={ isBusy }
					// Not disabled: a disabled button loses the focus, and the dialog would take
					// that for a click outside it and close before the server answered.
					aria-disabled={ isBusy }
					onClick={ () => {
						if ( isBusy ) {
							return;
						}
						setIsBusy( true );
						void onConfirm().finally( () => setIsBusy( false ) );
					} }
				>
					{ confirmLabel }
				</Button>
				<Button
					variant="tertiary"
					onClick={ close }
					disabled={ isBusy }
				>
					{ __( 'Cancel', 'email-piping' ) }
				</Button>
			</div>
		</Modal>
	);
}
