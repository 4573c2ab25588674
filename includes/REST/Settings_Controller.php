<?php
/**
 * REST: general settings.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\REST;

use Email_Piping\Exception\Validation_Exception;
use Email_Piping\Services\Settings_Service;

defined( 'ABSPATH' ) || exit;

/**
 * GET /settings and PUT|PATCH /settings (partial: keys left out keep their values).
 *
 * @since 0.2.0
 */
final class Settings_Controller extends Abstract_Controller {

	/**
	 * Wires the service.
	 *
	 * @since 0.2.0
	 * @param Settings_Service $settings Settings.
	 */
	public function __construct( private Settings_Service $settings ) {}

	/**
	 * Registers the routes.
	 *
	 * @since 0.2.0
	 */
	public function register_routes(): void {
		register_rest_route(
			self::REST_NAMESPACE,
			'/settings',
			array(
				array(
					'methods'             => \WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_item' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
				),
				array(
					'methods'             => \WP_REST_Server::EDITABLE,
					'callback'            => array( $this, 'update_item' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
					'args'                => $this->without_defaults( Settings_Service::schema() ),
				),
				'schema' => array( $this, 'get_item_schema' ),
			)
		);
	}

	/**
	 * Every setting with its effective value.
	 *
	 * @since 0.2.0
	 */
	public function get_item(): \WP_REST_Response {
		return new \WP_REST_Response( $this->settings->all() );
	}

	/**
	 * Saves the settings given.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function update_item( \WP_REST_Request $request ) {
		try {
			return new \WP_REST_Response( $this->settings->update( $this->body( $request ) ) );
		} catch ( Validation_Exception $e ) {
			return $this->invalid( $e );
		}
	}

	/**
	 * JSON schema of the settings object.
	 *
	 * @since 0.2.0
	 * @return array<string, mixed>
	 */
	public function get_item_schema(): array {
		return array(
			'$schema'    => 'http://json-schema.org/draft-04/schema#',
			'title'      => 'epipe-settings',
			'type'       => 'object',
			'properties' => Settings_Service::schema(),
		);
	}
}
