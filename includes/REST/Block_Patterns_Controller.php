<?php
/**
 * REST: block lists.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\REST;

use Email_Piping\Domain\Pattern;
use Email_Piping\Exception\Validation_Exception;
use Email_Piping\Services\Block_List_Service;

defined( 'ABSPATH' ) || exit;

/**
 * CRUD on /block-patterns: {id, kind: sender|subject, pattern, match_type: exact|wildcard|regex}.
 *
 * @since 0.2.0
 */
final class Block_Patterns_Controller extends Abstract_Controller {

	/**
	 * Wires the service.
	 *
	 * @since 0.2.0
	 * @param Block_List_Service $blocks Block lists.
	 */
	public function __construct( private Block_List_Service $blocks ) {}

	/**
	 * Registers the routes.
	 *
	 * @since 0.2.0
	 */
	public function register_routes(): void {
		register_rest_route(
			self::REST_NAMESPACE,
			'/block-patterns',
			array(
				array(
					'methods'             => \WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_items' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
					'args'                => array(
						'kind' => array(
							'type' => 'string',
							'enum' => Block_List_Service::KINDS,
						),
					),
				),
				array(
					'methods'             => \WP_REST_Server::CREATABLE,
					'callback'            => array( $this, 'create_item' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
					'args'                => $this->fields( true ),
				),
			)
		);
		register_rest_route(
			self::REST_NAMESPACE,
			'/block-patterns/check',
			array(
				'methods'             => \WP_REST_Server::READABLE,
				'callback'            => array( $this, 'check' ),
				'permission_callback' => array( $this, 'manage_permissions_check' ),
				'args'                => array(
					'sender'  => array(
						'description' => __( 'A sender address to try the sender list on.', 'email-piping' ),
						'type'        => 'string',
						'maxLength'   => 320,
						'default'     => '',
					),
					'subject' => array(
						'description' => __( 'A subject to try the subject list on.', 'email-piping' ),
						'type'        => 'string',
						'maxLength'   => 2000,
						'default'     => '',
					),
				),
			)
		);
		register_rest_route(
			self::REST_NAMESPACE,
			'/block-patterns/(?P<id>\d+)',
			array(
				'args' => $this->id_arg(),
				array(
					'methods'             => \WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_item' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
				),
				array(
					'methods'             => \WP_REST_Server::EDITABLE,
					'callback'            => array( $this, 'update_item' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
					'args'                => $this->fields( false ),
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
	 * Every pattern, optionally of one kind.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 */
	public function get_items( \WP_REST_Request $request ): \WP_REST_Response {
		return new \WP_REST_Response( $this->blocks->list( null === $request['kind'] ? null : (string) $request['kind'] ) );
	}

	/**
	 * Would an email from this sender, or with this subject, be skipped? Answered with the
	 * sidecar's own matching, naming the pattern that matched.
	 *
	 * @since 0.3.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function check( \WP_REST_Request $request ) {
		$sender  = (string) $request['sender'];
		$subject = (string) $request['subject'];
		if ( '' === trim( $sender ) && '' === trim( $subject ) ) {
			return $this->invalid(
				new Validation_Exception(
					array(
						'sender'  => __( 'Enter a sender address, a subject, or both.', 'email-piping' ),
						'subject' => __( 'Enter a sender address, a subject, or both.', 'email-piping' ),
					)
				)
			);
		}
		return new \WP_REST_Response( $this->blocks->check( $sender, $subject ) );
	}

	/**
	 * One pattern.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function get_item( \WP_REST_Request $request ) {
		$pattern = $this->blocks->get( (int) $request['id'] );
		return null === $pattern ? $this->not_found( __( 'Block pattern not found.', 'email-piping' ) ) : new \WP_REST_Response( $pattern );
	}

	/**
	 * Adds a pattern.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function create_item( \WP_REST_Request $request ) {
		try {
			$response = new \WP_REST_Response( $this->blocks->create( (string) $request['kind'], (string) $request['pattern'], (string) $request['match_type'] ) );
			$response->set_status( 201 );
			return $response;
		} catch ( Validation_Exception $e ) {
			return $this->invalid( $e );
		}
	}

	/**
	 * Changes a pattern.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function update_item( \WP_REST_Request $request ) {
		$current = $this->blocks->get( (int) $request['id'] );
		if ( null === $current ) {
			return $this->not_found( __( 'Block pattern not found.', 'email-piping' ) );
		}
		try {
			return new \WP_REST_Response(
				$this->blocks->update(
					(int) $request['id'],
					(string) ( $request['kind'] ?? $current['kind'] ),
					(string) ( $request['pattern'] ?? $current['pattern'] ),
					(string) ( $request['match_type'] ?? $current['match_type'] )
				)
			);
		} catch ( Validation_Exception $e ) {
			return $this->invalid( $e );
		}
	}

	/**
	 * Deletes a pattern.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function delete_item( \WP_REST_Request $request ) {
		$current = $this->blocks->get( (int) $request['id'] );
		if ( null === $current ) {
			return $this->not_found( __( 'Block pattern not found.', 'email-piping' ) );
		}
		$this->blocks->delete( (int) $request['id'] );
		return new \WP_REST_Response(
			array(
				'deleted'  => true,
				'previous' => $current,
			)
		);
	}

	/**
	 * Writable fields.
	 *
	 * @param bool $required Whether they are required (create) or optional (update).
	 * @return array<string, array<string, mixed>>
	 */
	private function fields( bool $required ): array {
		return array(
			'kind'       => array(
				'description' => __( 'What is matched: the sender address or the subject.', 'email-piping' ),
				'type'        => 'string',
				'enum'        => Block_List_Service::KINDS,
				'required'    => $required,
			),
			'pattern'    => array(
				'description' => __( 'The pattern.', 'email-piping' ),
				'type'        => 'string',
				'minLength'   => 1,
				'maxLength'   => Pattern::MAX_LENGTH,
				'required'    => $required,
			),
			'match_type' => array(
				'description' => __( 'exact, wildcard (* for any text) or regex (without delimiters, case-insensitive).', 'email-piping' ),
				'type'        => 'string',
				'enum'        => Pattern::MATCH_TYPES,
				'required'    => $required,
			),
		);
	}
}
