/**
 * WordPress dependencies
 */
import { __ } from '@wordpress/i18n';

interface Props {
	detail: string;
}

/**
 * The sidecar's own words about a failure (English, technical), folded away by default.
 *
 * @param props        Props.
 * @param props.detail The sidecar's message.
 */
export default function TechnicalDetail( { detail }: Props ) {
	if ( detail === '' ) {
		return null;
	}
	return (
		<details className="epipe-technical-detail">
			<summary>{ __( 'Technical details', 'email-piping' ) }</summary>
			<code>{ detail }</code>
		</details>
	);
}
