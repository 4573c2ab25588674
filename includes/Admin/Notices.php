<?php
/**
 * Admin notices about configuration that stops the plugin from working.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Admin;

use Email_Piping\Capabilities;
use Email_Piping\Security\Keys;

defined( 'ABSPATH' ) || exit;

/**
 * Tells admins what to fix, in words they can act on.
 *
 * @since 0.1.0
 */
final class Notices {

	/**
	 * Registers hooks.
	 *
	 * @since 0.1.0
	 */
	public function register(): void {
		add_action( 'admin_notices', array( $this, 'missing_key' ) );
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
}
