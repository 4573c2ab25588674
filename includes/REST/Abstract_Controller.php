<?php
/**
 * Shared error vocabulary of the REST API.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\REST;

defined( 'ABSPATH' ) || exit;

/**
 * Base of every controller under email-piping/v1: error codes map to HTTP status in one place.
 *
 * @since 0.1.0
 */
abstract class Abstract_Controller {

	public const REST_NAMESPACE = 'email-piping/v1';

	public const ERROR_FORBIDDEN     = 'epipe_forbidden';
	public const ERROR_UNAUTHORIZED  = 'epipe_unauthorized';
	public const ERROR_NOT_FOUND     = 'epipe_not_found';
	public const ERROR_BAD_SIGNATURE = 'epipe_bad_signature';

	/**
	 * Registers the controller's routes.
	 *
	 * @since 0.1.0
	 */
	abstract public function register_routes(): void;

	/**
	 * Builds a WP_Error with the status that belongs to its code.
	 *
	 * @since 0.1.0
	 * @param string $code    One of the ERROR_* constants.
	 * @param string $message Translated message.
	 */
	protected function error( string $code, string $message ): \WP_Error {
		$status = array(
			self::ERROR_FORBIDDEN     => 403,
			self::ERROR_UNAUTHORIZED  => 401,
			self::ERROR_NOT_FOUND     => 404,
			self::ERROR_BAD_SIGNATURE => 401,
		);
		return new \WP_Error( $code, $message, array( 'status' => $status[ $code ] ?? 400 ) );
	}

	/**
	 * Permission result for a capability: 401 when logged out, 403 when not allowed.
	 *
	 * @since 0.1.0
	 * @param string $capability Required capability.
	 * @return true|\WP_Error
	 */
	protected function require_capability( string $capability ) {
		if ( current_user_can( $capability ) ) {
			return true;
		}
		if ( ! is_user_logged_in() ) {
			return $this->error( self::ERROR_UNAUTHORIZED, __( 'Please log in.', 'email-piping' ) );
		}
		return $this->error( self::ERROR_FORBIDDEN, __( 'Sorry, you are not allowed to do that.', 'email-piping' ) );
	}
}
