<?php
/**
 * REST: piping rules.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\REST;

use Email_Piping\Domain\Pattern;
use Email_Piping\Domain\Ticket_Fields;
use Email_Piping\Exception\Validation_Exception;
use Email_Piping\Services\Job_Service;
use Email_Piping\Services\Rule_Service;

defined( 'ABSPATH' ) || exit;

/**
 * Ordered CRUD on /rules, PUT /rules/order, and POST /rules/test (a sidecar job).
 *
 * @since 0.2.0
 */
final class Rules_Controller extends Abstract_Controller {

	/** Largest email accepted by the rule tester, in bytes. */
	private const TEST_MAX_BYTES = 2 * 1024 * 1024;

	/**
	 * Wires the services.
	 *
	 * @since 0.2.0
	 * @param Rule_Service $rules Rules.
	 * @param Job_Service  $jobs  Jobs.
	 */
	public function __construct( private Rule_Service $rules, private Job_Service $jobs ) {}

	/**
	 * Registers the routes.
	 *
	 * @since 0.2.0
	 */
	public function register_routes(): void {
		register_rest_route(
			self::REST_NAMESPACE,
			'/rules',
			array(
				array(
					'methods'             => \WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_items' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
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
			'/rules/order',
			array(
				'methods'             => \WP_REST_Server::EDITABLE,
				'callback'            => array( $this, 'reorder' ),
				'permission_callback' => array( $this, 'manage_permissions_check' ),
				'args'                => array(
					'ids' => array(
						'description' => __( 'Every rule id, in the new order.', 'email-piping' ),
						'type'        => 'array',
						'items'       => array(
							'type'    => 'integer',
							'minimum' => 1,
						),
						'required'    => true,
					),
				),
			)
		);
		register_rest_route(
			self::REST_NAMESPACE,
			'/rules/test',
			array(
				'methods'             => \WP_REST_Server::CREATABLE,
				'callback'            => array( $this, 'test' ),
				'permission_callback' => array( $this, 'manage_permissions_check' ),
				'args'                => array(
					'raw'           => array(
						'description' => __( 'The email source to run through the pipeline.', 'email-piping' ),
						'type'        => 'string',
						'minLength'   => 1,
						'maxLength'   => self::TEST_MAX_BYTES,
						'required'    => true,
					),
					'connection_id' => array(
						'type'    => 'integer',
						'minimum' => 1,
					),
				),
			)
		);
		register_rest_route(
			self::REST_NAMESPACE,
			'/rules/(?P<id>\d+)',
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
	 * Every rule in order.
	 *
	 * @since 0.2.0
	 */
	public function get_items(): \WP_REST_Response {
		return new \WP_REST_Response( $this->rules->list() );
	}

	/**
	 * One rule.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function get_item( \WP_REST_Request $request ) {
		$rule = $this->rules->get( (int) $request['id'] );
		return null === $rule ? $this->not_found( __( 'Rule not found.', 'email-piping' ) ) : new \WP_REST_Response( $rule );
	}

	/**
	 * Adds a rule at the end of the order.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function create_item( \WP_REST_Request $request ) {
		try {
			$response = new \WP_REST_Response( $this->rules->create( $this->body( $request ) ) );
			$response->set_status( 201 );
			return $response;
		} catch ( Validation_Exception $e ) {
			return $this->invalid( $e );
		}
	}

	/**
	 * Changes a rule.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function update_item( \WP_REST_Request $request ) {
		if ( null === $this->rules->get( (int) $request['id'] ) ) {
			return $this->not_found( __( 'Rule not found.', 'email-piping' ) );
		}
		try {
			return new \WP_REST_Response( $this->rules->update( (int) $request['id'], $this->body( $request ) ) );
		} catch ( Validation_Exception $e ) {
			return $this->invalid( $e );
		}
	}

	/**
	 * Deletes a rule.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function delete_item( \WP_REST_Request $request ) {
		$rule = $this->rules->get( (int) $request['id'] );
		if ( null === $rule ) {
			return $this->not_found( __( 'Rule not found.', 'email-piping' ) );
		}
		$this->rules->delete( (int) $request['id'] );
		return new \WP_REST_Response(
			array(
				'deleted'  => true,
				'previous' => $rule,
			)
		);
	}

	/**
	 * Puts the rules in a new order.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function reorder( \WP_REST_Request $request ) {
		try {
			return new \WP_REST_Response( $this->rules->reorder( (array) $request['ids'] ) );
		} catch ( Validation_Exception $e ) {
			return $this->invalid( $e );
		}
	}

	/**
	 * Queues a rule test for the sidecar; poll GET /jobs/{id} for the result.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 */
	public function test( \WP_REST_Request $request ): \WP_REST_Response {
		$job      = $this->rules->test( (string) $request['raw'], null === $request['connection_id'] ? null : (int) $request['connection_id'] );
		$response = new \WP_REST_Response( $this->jobs->get( $job ) );
		$response->set_status( 202 );
		return $response;
	}

	/**
	 * Writable fields of a rule.
	 *
	 * @param bool $required Whether conditions and actions are required (create).
	 * @return array<string, array<string, mixed>>
	 */
	private function fields( bool $required ): array {
		return array(
			'name'              => array(
				'type'      => 'string',
				'maxLength' => 190,
			),
			'enabled'           => array( 'type' => 'boolean' ),
			'continue_matching' => array(
				'description' => __( 'Let later rules apply too when this one matches.', 'email-piping' ),
				'type'        => 'boolean',
			),
			'conditions'        => array(
				'description' => __( 'All must match.', 'email-piping' ),
				'type'        => 'array',
				'required'    => $required,
				'minItems'    => 1,
				'maxItems'    => Rule_Service::MAX_CONDITIONS,
				'items'       => array(
					'type'                 => 'object',
					'additionalProperties' => false,
					'properties'           => array(
						'field' => array(
							'description' => __( 'What the condition looks at: forwarding_address, from, from_name, recipients (any To or Cc address), subject, body, or header:<Name> (any value of that header).', 'email-piping' ),
							'type'        => 'string',
							'maxLength'   => 90,
							'required'    => true,
						),
						'match' => array(
							'type'     => 'string',
							'enum'     => Pattern::MATCH_TYPES,
							'required' => true,
						),
						'value' => array(
							'type'      => 'string',
							'minLength' => 1,
							'maxLength' => Pattern::MAX_LENGTH,
							'required'  => true,
						),
					),
				),
			),
			'actions'           => array(
				'type'                 => 'object',
				'required'             => $required,
				'additionalProperties' => false,
				'properties'           => array(
					'priority'       => array(
						'type' => 'string',
						'enum' => Ticket_Fields::PRIORITIES,
					),
					'status'         => array(
						'type' => 'string',
						'enum' => Ticket_Fields::STATUSES,
					),
					'category'       => array(
						'type'      => 'string',
						'maxLength' => Ticket_Fields::CATEGORY_MAX,
					),
					'assignee_id'    => array(
						'type'    => 'integer',
						'minimum' => 1,
					),
					'add_recipients' => array(
						'type'     => 'array',
						'maxItems' => 20,
						'items'    => array(
							'type'   => 'string',
							'format' => 'email',
						),
					),
				),
			),
		);
	}
}
