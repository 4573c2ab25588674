<?php
/**
 * Shared error vocabulary of the REST API.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\REST;

use Email_Piping\Capabilities;
use Email_Piping\Exception\Validation_Exception;

defined( 'ABSPATH' ) || exit;

/**
 * Base of every controller under email-piping/v1: error codes map to HTTP status in one place,
 * and the two permission checks every route uses live here.
 *
 * @since 0.1.0
 */
abstract class Abstract_Controller {

	public const REST_NAMESPACE = 'email-piping/v1';

	public const ERROR_FORBIDDEN          = 'epipe_forbidden';
	public const ERROR_UNAUTHORIZED       = 'epipe_unauthorized';
	public const ERROR_NOT_FOUND          = 'epipe_not_found';
	public const ERROR_BAD_SIGNATURE      = 'epipe_bad_signature';
	public const ERROR_INVALID_PARAM      = 'epipe_invalid_param';
	public const ERROR_SECRET_KEY_MISSING = 'epipe_secret_key_missing';
	public const ERROR_INTERNAL           = 'epipe_internal_error';

	/** HTTP status of each error code. */
	private const STATUS = array(
		self::ERROR_FORBIDDEN          => 403,
		self::ERROR_UNAUTHORIZED       => 401,
		self::ERROR_NOT_FOUND          => 404,
		self::ERROR_BAD_SIGNATURE      => 401,
		self::ERROR_INVALID_PARAM      => 400,
		self::ERROR_SECRET_KEY_MISSING => 503,
		self::ERROR_INTERNAL           => 500,
	);

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
	 * @param string               $code    One of the ERROR_* constants.
	 * @param string               $message Translated message.
	 * @param array<string, mixed> $data    Extra data (merged with the status).
	 */
	protected function error( string $code, string $message, array $data = array() ): \WP_Error {
		return new \WP_Error( $code, $message, array( 'status' => self::STATUS[ $code ] ?? 400 ) + $data );
	}

	/**
	 * A 400 naming each invalid field in data.params, like WordPress's rest_invalid_param.
	 *
	 * @since 0.2.0
	 * @param Validation_Exception $e Field errors.
	 */
	protected function invalid( Validation_Exception $e ): \WP_Error {
		return $this->error(
			self::ERROR_INVALID_PARAM,
			/* translators: %s: comma-separated field names. */
			sprintf( __( 'Invalid parameter(s): %s', 'email-piping' ), implode( ', ', array_keys( $e->errors() ) ) ),
			array( 'params' => $e->errors() )
		);
	}

	/**
	 * The error for a secret that cannot be stored because no key is configured.
	 *
	 * @since 0.2.0
	 */
	protected function secret_key_missing(): \WP_Error {
		return $this->error( self::ERROR_SECRET_KEY_MISSING, __( 'Email Piping has no secret key, so it cannot store passwords or tokens safely (and never stores them in clear). Add EPIPE_SECRET_KEY to wp-config.php as the admin notice shows, then try again.', 'email-piping' ) );
	}

	/**
	 * The error for a missing item.
	 *
	 * @since 0.2.0
	 * @param string $message Translated message.
	 */
	protected function not_found( string $message ): \WP_Error {
		return $this->error( self::ERROR_NOT_FOUND, $message );
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

	/**
	 * Permission check of configuration routes (connections, rules, settings …).
	 *
	 * @since 0.2.0
	 * @return true|\WP_Error
	 */
	public function manage_permissions_check() {
		return $this->require_capability( Capabilities::MANAGE );
	}

	/**
	 * Permission check of ticket routes.
	 *
	 * @since 0.2.0
	 * @return true|\WP_Error
	 */
	public function work_permissions_check() {
		return $this->require_capability( Capabilities::WORK_TICKETS );
	}

	/**
	 * Paging arguments.
	 *
	 * @since 0.2.0
	 * @return array<string, array<string, mixed>>
	 */
	protected function paging_args(): array {
		return array(
			'page'     => array(
				'description' => __( 'Page of the collection.', 'email-piping' ),
				'type'        => 'integer',
				'default'     => 1,
				'minimum'     => 1,
			),
			'per_page' => array(
				'description' => __( 'Items per page.', 'email-piping' ),
				'type'        => 'integer',
				'default'     => 20,
				'minimum'     => 1,
				'maximum'     => 100,
			),
		);
	}

	/**
	 * The id argument of item routes.
	 *
	 * @since 0.2.0
	 * @return array<string, array<string, mixed>>
	 */
	protected function id_arg(): array {
		return array(
			'id' => array(
				'description' => __( 'Unique identifier.', 'email-piping' ),
				'type'        => 'integer',
				'minimum'     => 1,
			),
		);
	}

	/**
	 * A collection response with WordPress's paging headers.
	 *
	 * @since 0.2.0
	 * @param array<int, mixed> $items    Items of this page.
	 * @param int               $total    Items in the whole collection.
	 * @param int               $per_page Page size.
	 */
	protected function paged( array $items, int $total, int $per_page ): \WP_REST_Response {
		$response = new \WP_REST_Response( array_values( $items ) );
		$response->header( 'X-WP-Total', (string) $total );
		$response->header( 'X-WP-TotalPages', (string) (int) ceil( $total / max( 1, $per_page ) ) );
		return $response;
	}

	/**
	 * The JSON (or form) body of a request, without URL query arguments such as rest_route.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return array<string, mixed>
	 */
	protected function body( \WP_REST_Request $request ): array {
		$json = $request->get_json_params();
		return is_array( $json ) ? $json : (array) $request->get_body_params();
	}

	/**
	 * Drops defaults from a schema, so arguments left out of a PATCH stay left out.
	 *
	 * @since 0.2.0
	 * @param array<string, array<string, mixed>> $schema Properties.
	 * @return array<string, array<string, mixed>>
	 */
	protected function without_defaults( array $schema ): array {
		foreach ( $schema as $key => $property ) {
			unset( $property['default'] );
			$schema[ $key ] = $property;
		}
		return $schema;
	}
}
