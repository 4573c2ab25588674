<?php
/**
 * Admin notices about configuration that stops the plugin from working.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Admin;

use Email_Piping\Capabilities;
use Email_Piping\Options;
use Email_Piping\Security\Keys;
use Email_Piping\Services\Connection_Service;

defined( 'ABSPATH' ) || exit;

/**
 * Tells admins what to fix, in words they can act on.
 *
 * @since 0.1.0
 */
final class Notices {

	/**
	 * Wires the connections.
	 *
	 * @since 0.2.0
	 * @param Connection_Service $connections Connections.
	 */
	public function __construct( private Connection_Service $connections ) {}

	/**
	 * Registers hooks.
	 *
	 * @since 0.1.0
	 */
	public function register(): void {
		add_action( 'admin_notices', array( $this, 'missing_key' ) );
		add_action( 'admin_notices', array( $this, 'unreadable_secrets' ) );
		add_action( 'admin_notices', array( $this, 'upgrade_failed' ) );
	}

	/**
	 * Without EPIPE_SECRET_KEY no password can be stored and no reply can be verified.
	 *
	 * @since 0.1.0
	 */
	public function missing_key(): void {
		if ( Keys::is_configured() || ! current_user_can( Capabilities::MANAGE ) ) {
			return;
		}
		echo '<div class="notice notice-error"><p><strong>' . esc_html__( 'Email Piping needs a secret key.', 'email-piping' ) . '</strong> ';
		printf(
			/* translators: 1: constant name, 2: example line. */
			esc_html__( 'Add %1$s to wp-config.php, for example: %2$s — mailbox passwords are encrypted with it and the sidecar reads it too.', 'email-piping' ),
			'<code>' . esc_html( Keys::CONSTANT ) . '</code>',
			'<code>' . esc_html( "define( '" . Keys::CONSTANT . "', '" . wp_generate_password( 48, false ) . "' );" ) . '</code>'
		);
		echo '</p></div>';
	}

	/**
	 * A connection whose stored password no longer opens (the key changed) stops alone; say which.
	 *
	 * @since 0.2.0
	 */
	public function unreadable_secrets(): void {
		if ( ! Keys::is_configured() || ! current_user_can( Capabilities::MANAGE ) ) {
			return;
		}
		foreach ( $this->connections->unreadable() as $connection ) {
			echo '<div class="notice notice-warning"><p>';
			printf(
				/* translators: 1: connection name, 2: connection number. */
				esc_html__( 'Email Piping: the stored password of connection "%1$s" (#%2$d) can no longer be read, because the secret key changed. Re-enter the password (or authorise the connection again); until then only this connection is stopped.', 'email-piping' ),
				esc_html( $connection['name'] ),
				(int) $connection['id']
			);
			echo '</p></div>';
		}
	}

	/**
	 * An upgrade step failed: the site runs on the old schema and the sidecar refuses to start.
	 *
	 * @since 0.2.0
	 */
	public function upgrade_failed(): void {
		$error = get_option( Options::UPGRADE_ERROR );
		if ( ! is_array( $error ) || ! current_user_can( 'activate_plugins' ) ) {
			return;
		}
		echo '<div class="notice notice-error"><p><strong>' . esc_html__( 'Email Piping could not upgrade its database tables.', 'email-piping' ) . '</strong> ';
		printf(
			/* translators: 1: schema version, 2: error message. */
			esc_html__( 'The upgrade to schema version %1$d stopped: %2$s. It is retried on every admin page load; until it succeeds the sidecar does not import mail.', 'email-piping' ),
			(int) $error['to'],
			esc_html( (string) $error['message'] )
		);
		echo '</p></div>';
	}
}
