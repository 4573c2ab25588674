<?php
/**
 * REST: tickets for agents.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\REST;

use Email_Piping\Capabilities;
use Email_Piping\Data\Ticket_Repository;

defined( 'ABSPATH' ) || exit;

/**
 * GET /tickets and GET /tickets/{id}.
 *
 * @since 0.1.0
 */
final class Tickets_Controller extends Abstract_Controller {

	/**
	 * Wires the repository.
	 *
	 * @since 0.1.0
	 * @param Ticket_Repository $tickets Tickets.
	 */
	public function __construct( private Ticket_Repository $tickets ) {}

	/**
	 * Registers the routes.
	 *
	 * @since 0.1.0
	 */
	public function register_routes(): void {
		register_rest_route(
			self::REST_NAMESPACE,
			'/tickets',
			array(
				'methods'             => \WP_REST_Server::READABLE,
				'callback'            => array( $this, 'get_items' ),
				'permission_callback' => array( $this, 'permissions_check' ),
				'args'                => array(
					'page'     => array(
						'type'    => 'integer',
						'default' => 1,
						'minimum' => 1,
					),
					'per_page' => array(
						'type'    => 'integer',
						'default' => 20,
						'minimum' => 1,
						'maximum' => 100,
					),
				),
			)
		);
		register_rest_route(
			self::REST_NAMESPACE,
			'/tickets/(?P<id>\d+)',
			array(
				'methods'             => \WP_REST_Server::READABLE,
				'callback'            => array( $this, 'get_item' ),
				'permission_callback' => array( $this, 'permissions_check' ),
				'args'                => array(
					'id' => array(
						'type'    => 'integer',
						'minimum' => 1,
					),
				),
			)
		);
	}

	/**
	 * Agents only.
	 *
	 * @since 0.1.0
	 * @return true|\WP_Error
	 */
	public function permissions_check() {
		return $this->require_capability( Capabilities::WORK_TICKETS );
	}

	/**
	 * Paged list, newest activity first.
	 *
	 * @since 0.1.0
	 * @param \WP_REST_Request $request Request.
	 */
	public function get_items( \WP_REST_Request $request ): \WP_REST_Response {
		$page     = (int) $request['page'];
		$per_page = (int) $request['per_page'];
		$result   = $this->tickets->list( $page, $per_page );
		$items    = array_map( array( $this, 'shape_ticket' ), $result['items'] );
		$response = new \WP_REST_Response( $items );
		$response->header( 'X-WP-Total', (string) $result['total'] );
		$response->header( 'X-WP-TotalPages', (string) (int) ceil( $result['total'] / max( 1, $per_page ) ) );
		return $response;
	}

	/**
	 * One ticket with its threads.
	 *
	 * @since 0.1.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function get_item( \WP_REST_Request $request ) {
		$ticket = $this->tickets->find( (int) $request['id'] );
		if ( null === $ticket ) {
			return $this->error( self::ERROR_NOT_FOUND, __( 'Ticket not found.', 'email-piping' ) );
		}
		$data            = $this->shape_ticket( $ticket );
		$data['threads'] = array_map(
			static fn ( array $t ): array => array(
				'id'           => (int) $t['id'],
				'type'         => (string) $t['type'],
				'author_kind'  => (string) $t['author_kind'],
				'from_address' => (string) $t['from_address'],
				'from_name'    => (string) $t['from_name'],
				'body_text'    => (string) $t['body_text'],
				// Sanitised by the sidecar on write; filtered again here because it will be shown.
				'body_html'    => wp_kses_post( (string) $t['body_html'] ),
				'reply_text'   => (string) $t['reply_text'],
				'source'       => (string) $t['source'],
				'created_at'   => mysql_to_rfc3339( (string) $t['created_at'] ),
			),
			$this->tickets->threads( (int) $ticket['id'] )
		);
		return new \WP_REST_Response( $data );
	}

	/**
	 * Public shape of a ticket row.
	 *
	 * @param array<string, mixed> $row Row from the repository.
	 * @return array<string, mixed>
	 */
	private function shape_ticket( array $row ): array {
		$shaped = array(
			'id'             => (int) $row['id'],
			'subject'        => (string) $row['subject'],
			'status'         => (string) $row['status'],
			'priority'       => (string) $row['priority'],
			'customer_email' => (string) $row['customer_email'],
			'customer_name'  => (string) $row['customer_name'],
			'created_at'     => mysql_to_rfc3339( (string) $row['created_at'] ),
			'updated_at'     => mysql_to_rfc3339( (string) $row['updated_at'] ),
		);
		if ( isset( $row['thread_count'] ) ) {
			$shaped['thread_count'] = (int) $row['thread_count'];
		}
		return $shaped;
	}
}
