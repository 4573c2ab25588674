<?php
/**
 * REST: mail connections.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\REST;

use Email_Piping\Exception\Secret_Key_Missing_Exception;
use Email_Piping\Exception\Validation_Exception;
use Email_Piping\Services\Connection_Service;
use Email_Piping\Services\Job_Service;
use Email_Piping\Services\OAuth_Service;

defined( 'ABSPATH' ) || exit;

/**
 * CRUD on /connections with write-only secrets, plus GET …/status, POST …/test (a sidecar job)
 * and POST …/oauth (the consent URL of a Gmail or Microsoft connection). Every connection comes
 * with its `status` and `today`: what its emails became since midnight in the site's time zone.
 *
 * `password` and `client_secret` are accepted on create and update ("set / replace") and never
 * returned: responses carry `secret` and `client_secret` as "set" | "missing" | "unreadable".
 *
 * @since 0.2.0
 */
final class Connections_Controller extends Abstract_Controller {

	/**
	 * Wires the services.
	 *
	 * @since 0.2.0
	 * @param Connection_Service $connections Connections.
	 * @param Job_Service        $jobs        Jobs.
	 * @param OAuth_Service      $oauth       OAuth.
	 */
	public function __construct( private Connection_Service $connections, private Job_Service $jobs, private OAuth_Service $oauth ) {}

	/**
	 * Registers the routes.
	 *
	 * @since 0.2.0
	 */
	public function register_routes(): void {
		register_rest_route(
			self::REST_NAMESPACE,
			'/connections',
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
			'/connections/(?P<id>\d+)',
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
		foreach ( array(
			'status' => array( \WP_REST_Server::READABLE, 'status' ),
			'test'   => array( \WP_REST_Server::CREATABLE, 'test' ),
			'oauth'  => array( \WP_REST_Server::CREATABLE, 'oauth' ),
		) as $path => $route ) {
			register_rest_route(
				self::REST_NAMESPACE,
				'/connections/(?P<id>\d+)/' . $path,
				array(
					'methods'             => $route[0],
					'callback'            => array( $this, $route[1] ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
					'args'                => $this->id_arg(),
				)
			);
		}
	}

	/**
	 * Every connection with its status.
	 *
	 * @since 0.2.0
	 */
	public function get_items(): \WP_REST_Response {
		$today = $this->connections->today_counts();
		return new \WP_REST_Response(
			array_map(
				fn ( array $connection ): array => $this->with_status( $connection, $today ),
				$this->connections->list()
			)
		);
	}

	/**
	 * One connection with its status.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function get_item( \WP_REST_Request $request ) {
		$connection = $this->connections->get( (int) $request['id'] );
		if ( null === $connection ) {
			return $this->missing();
		}
		return new \WP_REST_Response( $this->with_status( $connection ) );
	}

	/**
	 * Adds a connection.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function create_item( \WP_REST_Request $request ) {
		try {
			$response = new \WP_REST_Response( $this->with_status( $this->connections->create( $this->body( $request ) ) ) );
			$response->set_status( 201 );
			return $response;
		} catch ( Validation_Exception $e ) {
			return $this->invalid( $e );
		} catch ( Secret_Key_Missing_Exception $e ) {
			return $this->secret_key_missing();
		}
	}

	/**
	 * Changes a connection; a secret is replaced only when a new one is sent.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function update_item( \WP_REST_Request $request ) {
		if ( null === $this->connections->get( (int) $request['id'] ) ) {
			return $this->missing();
		}
		try {
			return new \WP_REST_Response( $this->with_status( $this->connections->update( (int) $request['id'], $this->body( $request ) ) ) );
		} catch ( Validation_Exception $e ) {
			return $this->invalid( $e );
		} catch ( Secret_Key_Missing_Exception $e ) {
			return $this->secret_key_missing();
		}
	}

	/**
	 * Deletes a connection.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function delete_item( \WP_REST_Request $request ) {
		$connection = $this->connections->get( (int) $request['id'] );
		if ( null === $connection ) {
			return $this->missing();
		}
		$this->connections->delete( (int) $request['id'] );
		return new \WP_REST_Response(
			array(
				'deleted'  => true,
				'previous' => $connection,
			)
		);
	}

	/**
	 * The connection's health in words, with a fix.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function status( \WP_REST_Request $request ) {
		if ( null === $this->connections->get( (int) $request['id'] ) ) {
			return $this->missing();
		}
		return new \WP_REST_Response( $this->connections->status( (int) $request['id'] ) );
	}

	/**
	 * Queues a check_connection job; poll GET /jobs/{id}.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function test( \WP_REST_Request $request ) {
		if ( null === $this->connections->get( (int) $request['id'] ) ) {
			return $this->missing();
		}
		$response = new \WP_REST_Response( $this->jobs->get( $this->connections->test( (int) $request['id'] ) ) );
		$response->set_status( 202 );
		return $response;
	}

	/**
	 * Starts the OAuth consent for a Gmail or Microsoft connection.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function oauth( \WP_REST_Request $request ) {
		if ( null === $this->connections->get( (int) $request['id'] ) ) {
			return $this->missing();
		}
		try {
			return new \WP_REST_Response( $this->oauth->start( (int) $request['id'], get_current_user_id() ) );
		} catch ( Validation_Exception $e ) {
			return $this->invalid( $e );
		} catch ( Secret_Key_Missing_Exception $e ) {
			return $this->secret_key_missing();
		}
	}

	/**
	 * A connection's public view with its status in words and what its emails became today.
	 *
	 * @param array<string, mixed>                $connection Public view.
	 * @param array<int, array<string, int>>|null $today      Today's counts of every connection, or null to read them.
	 * @return array<string, mixed>
	 */
	private function with_status( array $connection, ?array $today = null ): array {
		$id      = (int) $connection['id'];
		$today ??= $this->connections->today_counts();
		return $connection + array(
			'status' => $this->connections->status( $id ),
			'today'  => $today[ $id ] ?? Connection_Service::empty_counts(),
		);
	}

	/**
	 * The 404 of this resource.
	 */
	private function missing(): \WP_Error {
		return $this->not_found( __( 'Connection not found.', 'email-piping' ) );
	}

	/**
	 * Writable fields.
	 *
	 * @param bool $creating Whether kind and mailbox_address are required.
	 * @return array<string, array<string, mixed>>
	 */
	private function fields( bool $creating ): array {
		$text = array(
			'type'      => 'string',
			'maxLength' => 500,
		);
		return array(
			'kind'            => array(
				'type'     => 'string',
				'enum'     => Connection_Service::KINDS,
				'required' => $creating,
			),
			'name'            => array(
				'type'      => 'string',
				'maxLength' => 190,
			),
			'enabled'         => array( 'type' => 'boolean' ),
			'mailbox_address' => array(
				'description' => __( 'Address of the piped mailbox.', 'email-piping' ),
				'type'        => 'string',
				'format'      => 'email',
				'required'    => $creating,
			),
			'password'        => array(
				'description' => __( 'IMAP password; write-only.', 'email-piping' ),
				'type'        => 'string',
				'maxLength'   => 1000,
			),
			'client_secret'   => array(
				'description' => __( 'OAuth client secret; write-only.', 'email-piping' ),
				'type'        => 'string',
				'maxLength'   => 1000,
			),
			'settings'        => array(
				'type'                 => 'object',
				'additionalProperties' => false,
				'properties'           => array(
					'host'                 => $text,
					'port'                 => array(
						'type'    => 'integer',
						'minimum' => 1,
						'maximum' => 65535,
					),
					'security'             => array(
						'type' => 'string',
						'enum' => Connection_Service::IMAP_SECURITY,
					),
					'verify_tls'           => array( 'type' => 'boolean' ),
					'ca_file'              => $text,
					'username'             => $text,
					'folder'               => $text,
					'start_from'           => array(
						'type' => 'string',
						'enum' => array( 'now', 'all' ),
					),
					'after_import'         => array(
						'type' => 'string',
						'enum' => Connection_Service::AFTER_IMPORT,
					),
					'move_folder'          => $text,
					'signed_reply_address' => array(
						'description' => __( 'Send a signed reply address (mailbox+t{ticket}-{token}@domain) as Reply-To; needs a mail server with sub-addressing.', 'email-piping' ),
						'type'        => 'boolean',
					),
					'client_id'            => $text,
					'tenant'               => array(
						'type'    => 'string',
						'pattern' => '^[A-Za-z0-9.-]{1,100}$',
					),
				),
			),
		);
	}
}
