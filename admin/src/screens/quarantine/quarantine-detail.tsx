/**
 * WordPress dependencies
 */
import { Modal, Notice, Spinner } from '@wordpress/components';
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { QuarantineEntry } from '../../api/types';
import { useQuarantined } from '../../hooks/use-quarantined';
import TechnicalDetail from '../connections/technical-detail';

interface Props {
	entry: QuarantineEntry;
	onClose: () => void;
}

/**
 * A quarantined email as text: why it is held, its headers, its text (an HTML email reduced to
 * text by the server) and the start of its source. Nothing of the email is rendered as HTML.
 *
 * @param props         Props.
 * @param props.entry   The email.
 * @param props.onClose Closes the dialog.
 */
export default function QuarantineDetail( { entry, onClose }: Props ) {
	const { detail, isLoading, error } = useQuarantined( entry.id );
	return (
		<Modal
			title={
				entry.subject === ''
					? __( '(no subject)', 'email-piping' )
					: entry.subject
			}
			onRequestClose={ onClose }
			className="epipe-quarantine-detail"
		>
			<p className="epipe-quarantine-detail__reason">
				{ entry.reason_text }
			</p>
			{ entry.detail && <TechnicalDetail detail={ entry.detail } /> }
			{ isLoading && <Spinner /> }
			{ error !== null && (
				<Notice status="error" isDismissible={ false }>
					{ error }
				</Notice>
			) }
			{ detail !== null && ! detail.has_raw && (
				<p>
					{ __(
						'The content of this email was deleted.',
						'email-piping'
					) }
				</p>
			) }
			{ detail !== null && detail.has_raw && (
				<>
					<h3>{ __( 'Headers', 'email-piping' ) }</h3>
					<table className="widefat striped epipe-quarantine-detail__headers">
						<tbody>
							{ detail.headers.map( ( header, index ) => (
								<tr key={ index }>
									<th scope="row">{ header.name }</th>
									<td>{ header.value }</td>
								</tr>
							) ) }
						</tbody>
					</table>
					<h3>{ __( 'Text', 'email-piping' ) }</h3>
					{ detail.text.source === 'html' && (
						<p className="epipe-quarantine-detail__note">
							{ __(
								'This email has no plain-text part: its HTML is shown as text, without formatting, links or images.',
								'email-piping'
							) }
						</p>
					) }
					{ detail.text.source === 'none' ? (
						<p className="epipe-quarantine-detail__note">
							{ __(
								'No readable text was found; the source below shows the email as it arrived.',
								'email-piping'
							) }
						</p>
					) : (
						<pre className="epipe-quarantine-detail__text">
							{ detail.text.body }
						</pre>
					) }
					<details className="epipe-quarantine-detail__source">
						<summary>
							{ detail.raw_truncated
								? __(
										'Source (the first 64 KB)',
										'email-piping'
									)
								: __( 'Source', 'email-piping' ) }
						</summary>
						<pre>{ detail.raw_excerpt }</pre>
					</details>
				</>
			) }
		</Modal>
	);
}
