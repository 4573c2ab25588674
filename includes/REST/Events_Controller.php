<?php
/**
 * REST: the sidecar's signed "events are waiting" ping.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\REST;

use Email_Piping\Security\Signer;
use Email_Piping\Services\Notification_Dispatcher;

defined( 'ABSPATH' ) || exit;

/**
 * POST /events/dispatch — sends due notifications now instead of at the next cron tick.
 *
 * No user is logged in: the caller proves itself with an HMAC over a fresh timestamp, keyed by
 * EPIPE_SECRET_KEY, which only the site and its sidecar know.
 *
 * @since 0.1.0
 */
final class Events_Controller extends Abstract_Controller {

	/**
	 * Wires the dispatcher.
	 *
	 * @since 0.1.0
	 * @param Notification_Dispatcher $dispatcher Outbox dispatcher.
	 */
	public function __construct( private Notification_Dispatcher $dispatcher ) {}

	/**
	 * Registers the route.
	 *
	 * @since 0.1.0
	 */
	public function register_routes(): void {
		register_rest_route(
			self::REST_NAMESPACE,
			'/events/dispatch',
			array(
				'methods'             => \WP_REST_Server::CREATABLE,
				'callback'            => array( $this, 'dispatch' ),
				'permission_callback' => array( $this, 'verify_signature' ),
			)
		);
	}

	/**
	 * Accepts only a fresh, correctly signed ping.
	 *
	 * @since 0.1.0
	 * @param \WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function verify_signature( \WP_REST_Request $request ) {
		$timestamp = (string) $request->get_header( 'x_epipe_timestamp' );
		$signature = (string) $request->get_header( 'x_epipe_signature' );
		if ( Signer::verify_ping( $timestamp, $signature ) ) {
			return true;
		}
		return $this->error( self::ERROR_BAD_SIGNATURE, __( 'The request signature is missing, expired or wrong.', 'email-piping' ) );
	}

	/**
	 * Runs the dispatcher once.
	 *
	 * @since 0.1.0
	 */
	public function dispatch(): \WP_REST_Response {
		// The sidecar stops waiting after a few seconds; the mail must still all go out.
		ignore_user_abort( true );
		return new \WP_REST_Response( $this->dispatcher->run() );
	}
}
