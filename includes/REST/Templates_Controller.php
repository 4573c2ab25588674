<?php
/**
 * REST: notification templates.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\REST;

use Email_Piping\Exception\Validation_Exception;
use Email_Piping\Notifications\Templates;

defined( 'ABSPATH' ) || exit;

/**
 * GET /templates, GET|PUT /templates/{name}, DELETE /templates/{name} (back to the built-in text).
 *
 * @since 0.2.0
 */
final class Templates_Controller extends Abstract_Controller {

	/**
	 * Wires the templates.
	 *
	 * @since 0.2.0
	 * @param Templates $templates Templates.
	 */
	public function __construct( private Templates $templates ) {}

	/**
	 * Registers the routes.
	 *
	 * @since 0.2.0
	 */
	public function register_routes(): void {
		register_rest_route(
			self::REST_NAMESPACE,
			'/templates',
			array(
				'methods'             => \WP_REST_Server::READABLE,
				'callback'            => array( $this, 'get_items' ),
				'permission_callback' => array( $this, 'manage_permissions_check' ),
			)
		);
		register_rest_route(
			self::REST_NAMESPACE,
			'/templates/(?P<name>[a-z_]+)',
			array(
				'args' => array(
					'name' => array(
						'type' => 'string',
						'enum' => array_keys( Templates::kinds() ),
					),
				),
				array(
					'methods'             => \WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_item' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
				),
				array(
					'methods'             => \WP_REST_Server::EDITABLE,
					'callback'            => array( $this, 'update_item' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
					'args'                => array(
						'enabled' => array( 'type' => 'boolean' ),
						'subject' => array(
							'type'      => 'string',
							'maxLength' => 255,
						),
						'body'    => array(
							'type'      => 'string',
							'maxLength' => Templates::BODY_MAX,
						),
					),
				),
				array(
					'methods'             => \WP_REST_Server::DELETABLE,
					'callback'            => array( $this, 'delete_item' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
				),
			)
		);
	}

	/**
	 * Every template.
	 *
	 * @since 0.2.0
	 */
	public function get_items(): \WP_REST_Response {
		return new \WP_REST_Response( $this->templates->all() );
	}

	/**
	 * One template.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function get_item( \WP_REST_Request $request ) {
		$template = $this->templates->get( (string) $request['name'] );
		return null === $template ? $this->not_found( __( 'Template not found.', 'email-piping' ) ) : new \WP_REST_Response( $template );
	}

	/**
	 * Saves a template; fields left out keep their current values.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function update_item( \WP_REST_Request $request ) {
		$current = $this->templates->get( (string) $request['name'] );
		if ( null === $current ) {
			return $this->not_found( __( 'Template not found.', 'email-piping' ) );
		}
		try {
			return new \WP_REST_Response(
				$this->templates->save(
					(string) $request['name'],
					null === $request['enabled'] ? (bool) $current['enabled'] : (bool) $request['enabled'],
					null === $request['subject'] ? (string) $current['subject'] : (string) $request['subject'],
					null === $request['body'] ? (string) $current['body'] : (string) $request['body']
				)
			);
		} catch ( Validation_Exception $e ) {
			return $this->invalid( $e );
		}
	}

	/**
	 * Restores the built-in text.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function delete_item( \WP_REST_Request $request ) {
		if ( null === $this->templates->get( (string) $request['name'] ) ) {
			return $this->not_found( __( 'Template not found.', 'email-piping' ) );
		}
		$this->templates->reset( (string) $request['name'] );
		return new \WP_REST_Response( $this->templates->get( (string) $request['name'] ) );
	}
}
