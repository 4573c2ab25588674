/**
 * WordPress dependencies
 */
import { Notice } from '@wordpress/components';
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { Connection } from '../../api/types';
import TechnicalDetail from './technical-detail';

interface Props {
	connection: Connection;
}

/**
 * The short word for a connection's state.
 *
 * @param connection Connection.
 */
function label( connection: Connection ): string {
	const { status } = connection;
	if ( ! connection.enabled ) {
		return __( 'Disabled', 'email-piping' );
	}
	if ( status.state === 'error' ) {
		return __( 'Error', 'email-piping' );
	}
	if ( status.state === 'unknown' || status.sidecar_status === 'new' ) {
		return __( 'Not checked yet', 'email-piping' );
	}
	return __( 'Connected', 'email-piping' );
}

/**
 * A connection's health: a word, then how the sidecar watches it, or PHP's sentence for the
 * sidecar's code and its fix.
 *
 * @param props            Props.
 * @param props.connection Connection with its status.
 */
export default function ConnectionStatus( { connection }: Props ) {
	const { status } = connection;
	const tone = ! connection.enabled ? 'off' : status.state;
	// A disabled connection is not read, so its last problem is no longer current.
	const explain = connection.enabled && status.state !== 'ok';
	return (
		<div className="epipe-connection-status">
			<span className={ `epipe-connection-status__badge is-${ tone }` }>
				{ label( connection ) }
			</span>
			{ connection.enabled &&
				status.state === 'ok' &&
				status.mode_text && (
					// PHP's words for how the sidecar watches it: "Listening (IDLE)", "Polling every 30 s".
					<p className="epipe-connection-status__mode">
						{ status.mode_text }
					</p>
				) }
			{ explain && status.message && (
				<p className="epipe-connection-status__message">
					{ status.message }
				</p>
			) }
			{ explain && status.fix && (
				<p className="epipe-connection-status__fix">{ status.fix }</p>
			) }
			{ explain && status.detail && (
				<TechnicalDetail detail={ status.detail } />
			) }
			{ status.grant?.account && (
				<p className="epipe-connection-status__grant">
					{ sprintf(
						/* translators: %s: email address the authorisation reads. */
						__( 'Authorised for %s', 'email-piping' ),
						status.grant.account
					) }
				</p>
			) }
			{ connection.enabled && status.grant?.warning && (
				<Notice
					status="warning"
					isDismissible={ false }
					className="epipe-connection-status__grant-warning"
				>
					{ status.grant.warning }
				</Notice>
			) }
		</div>
	);
}
