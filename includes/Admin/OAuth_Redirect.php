<?php
/**
 * Where Google and Microsoft send the admin back after the consent screen.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Admin;

use Email_Piping\Capabilities;
use Email_Piping\Services\OAuth_Service;

defined( 'ABSPATH' ) || exit;

/**
 * Handles wp-admin/admin.php?state=epipe.…&code=… (the redirect URI to register with the
 * provider is OAuth_Service::redirect_uri()). WordPress has already required a login; this
 * checks the capability, lets the service check `state` and queue the code exchange for the
 * sidecar, then shows the outcome on the Email Piping page.
 *
 * @since 0.2.0
 */
final class OAuth_Redirect {

	/** Query argument carrying the outcome to the notice. */
	private const RESULT_ARG = 'epipe_oauth';

	/**
	 * Wires the service.
	 *
	 * @since 0.2.0
	 * @param OAuth_Service $oauth OAuth.
	 */
	public function __construct( private OAuth_Service $oauth ) {}

	/**
	 * Registers hooks.
	 *
	 * @since 0.2.0
	 */
	public function register(): void {
		add_action( 'admin_init', array( $this, 'handle' ), 1 );
		add_action( 'admin_notices', array( $this, 'notice' ) );
	}

	/**
	 * Handles a provider redirect; ignores every other request.
	 *
	 * @since 0.2.0
	 */
	public function handle(): void {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- the OAuth `state` is this request's CSRF token, checked by the service.
		if ( ! OAuth_Service::is_redirect( $_GET ) || isset( $_GET['page'] ) ) {
			return;
		}
		if ( ! current_user_can( Capabilities::MANAGE ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to authorise mail connections.', 'email-piping' ), 403 );
		}
		$query = array();
		foreach ( array( 'state', 'code', 'error', 'error_description' ) as $key ) {
			if ( isset( $_GET[ $key ] ) && is_string( $_GET[ $key ] ) ) {
				$query[ $key ] = sanitize_text_field( wp_unslash( $_GET[ $key ] ) );
			}
		}
		// phpcs:enable
		$result = $this->oauth->finish( $query, get_current_user_id() );
		wp_safe_redirect(
			add_query_arg(
				array(
					'page'           => Admin_Page::SLUG,
					self::RESULT_ARG => $result['reason'],
					'connection'     => $result['connection_id'],
					'job'            => $result['job_id'],
				),
				admin_url( 'admin.php' )
			)
		);
		exit;
	}

	/**
	 * Says how the authorisation went.
	 *
	 * @since 0.2.0
	 */
	public function notice(): void {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- display only.
		if ( ! isset( $_GET[ self::RESULT_ARG ] ) || ! current_user_can( Capabilities::MANAGE ) ) {
			return;
		}
		$reason     = sanitize_key( wp_unslash( $_GET[ self::RESULT_ARG ] ) );
		$connection = isset( $_GET['connection'] ) ? absint( $_GET['connection'] ) : 0;
		// phpcs:enable
		$messages = array(
			'exchanging'    => array( 'success', __( 'Authorisation received. The sidecar is finishing the connection now; its status updates within seconds.', 'email-piping' ) ),
			'denied'        => array( 'error', __( 'The provider did not authorise the connection (consent was refused or the app is misconfigured). Try again, or check the client ID and secret.', 'email-piping' ) ),
			'missing_code'  => array( 'error', __( 'The provider sent no authorisation code. Start the authorisation again.', 'email-piping' ) ),
			'state_invalid' => array( 'error', __( 'This authorisation link is not valid: it expired, was already used, or was started by another user. Start the authorisation again from the connection.', 'email-piping' ) ),
		);
		$message  = $messages[ $reason ] ?? $messages['state_invalid'];
		echo '<div class="notice notice-' . esc_attr( $message[0] ) . '"><p>';
		if ( $connection > 0 ) {
			/* translators: %d: connection number. */
			echo esc_html( sprintf( __( 'Connection #%d:', 'email-piping' ), $connection ) ) . ' ';
		}
		echo esc_html( $message[1] ) . '</p></div>';
	}
}
