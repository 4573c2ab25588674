<?php
/**
 * REST: tickets for agents.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\REST;

use Email_Piping\Domain\Ticket_Fields;
use Email_Piping\Exception\Validation_Exception;
use Email_Piping\Services\Attachment_Service;
use Email_Piping\Services\Messages;
use Email_Piping\Services\Ticket_Service;

defined( 'ABSPATH' ) || exit;

/**
 * GET /tickets (filter by status, assignee, search), GET|PATCH /tickets/{id} (status,
 * priority, category, assignee, additional recipients), POST /tickets/{id}/replies,
 * POST /tickets/{id}/notes, GET /agents.
 *
 * @since 0.1.0
 */
final class Tickets_Controller extends Abstract_Controller {

	/**
	 * Wires the services.
	 *
	 * @since 0.1.0
	 * @param Ticket_Service     $tickets     Tickets.
	 * @param Attachment_Service $attachments Attachments.
	 */
	public function __construct( private Ticket_Service $tickets, private Attachment_Service $attachments ) {}

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
				'permission_callback' => array( $this, 'work_permissions_check' ),
				'args'                => $this->paging_args() + array(
					'status'      => array(
						'type' => 'string',
						'enum' => Ticket_Fields::STATUSES,
					),
					'assignee_id' => array(
						'type'    => 'integer',
						'minimum' => 1,
					),
					'search'      => array(
						'description' => __( 'Text in the subject or the customer\'s name or address, or a ticket number.', 'email-piping' ),
						'type'        => 'string',
						'maxLength'   => 200,
					),
				),
			)
		);
		register_rest_route(
			self::REST_NAMESPACE,
			'/tickets/(?P<id>\d+)',
			array(
				'args' => $this->id_arg(),
				array(
					'methods'             => \WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_item' ),
					'permission_callback' => array( $this, 'work_permissions_check' ),
				),
				array(
					'methods'             => \WP_REST_Server::EDITABLE,
					'callback'            => array( $this, 'update_item' ),
					'permission_callback' => array( $this, 'work_permissions_check' ),
					'args'                => array(
						'status'                => array(
							'type' => 'string',
							'enum' => Ticket_Fields::STATUSES,
						),
						'priority'              => array(
							'type' => 'string',
							'enum' => Ticket_Fields::PRIORITIES,
						),
						'category'              => array(
							'type'      => 'string',
							'maxLength' => Ticket_Fields::CATEGORY_MAX,
						),
						'assignee_id'           => array(
							'description' => __( 'Agent user id; 0 to unassign.', 'email-piping' ),
							'type'        => 'integer',
							'minimum'     => 0,
						),
						'additional_recipients' => array(
							'type'     => 'array',
							'maxItems' => 50,
							'items'    => array(
								'type'   => 'string',
								'format' => 'email',
							),
						),
					),
				),
			)
		);
		$body = array(
			'body' => array(
				'description' => __( 'Plain text.', 'email-piping' ),
				'type'        => 'string',
				'minLength'   => 1,
				'maxLength'   => Ticket_Service::BODY_MAX,
				'required'    => true,
			),
		);
		register_rest_route(
			self::REST_NAMESPACE,
			'/tickets/(?P<id>\d+)/replies',
			array(
				'methods'             => \WP_REST_Server::CREATABLE,
				'callback'            => array( $this, 'create_reply' ),
				'permission_callback' => array( $this, 'work_permissions_check' ),
				'args'                => $this->id_arg() + $body + array(
					'status' => array(
						'description' => __( 'Status to set together with the reply.', 'email-piping' ),
						'type'        => 'string',
						'enum'        => Ticket_Fields::STATUSES,
					),
				),
			)
		);
		register_rest_route(
			self::REST_NAMESPACE,
			'/tickets/(?P<id>\d+)/notes',
			array(
				'methods'             => \WP_REST_Server::CREATABLE,
				'callback'            => array( $this, 'create_note' ),
				'permission_callback' => array( $this, 'work_permissions_check' ),
				'args'                => $this->id_arg() + $body,
			)
		);
		register_rest_route(
			self::REST_NAMESPACE,
			'/agents',
			array(
				'methods'             => \WP_REST_Server::READABLE,
				'callback'            => array( $this, 'get_agents' ),
				'permission_callback' => array( $this, 'work_permissions_check' ),
			)
		);
	}

	/**
	 * Paged list, newest activity first.
	 *
	 * @since 0.1.0
	 * @param \WP_REST_Request $request Request.
	 */
	public function get_items( \WP_REST_Request $request ): \WP_REST_Response {
		$per_page = (int) $request['per_page'];
		$filters  = array();
		if ( null !== $request['status'] ) {
			$filters['status'] = (string) $request['status'];
		}
		if ( null !== $request['assignee_id'] ) {
			$filters['assignee_id'] = (int) $request['assignee_id'];
		}
		if ( null !== $request['search'] ) {
			$filters['search'] = (string) $request['search'];
		}
		$result = $this->tickets->list( (int) $request['page'], $per_page, $filters );
		return $this->paged( array_map( array( $this, 'shape_ticket' ), $result['items'] ), $result['total'], $per_page );
	}

	/**
	 * One ticket with its threads, attachments and additional recipients.
	 *
	 * @since 0.1.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function get_item( \WP_REST_Request $request ) {
		$ticket = $this->tickets->get( (int) $request['id'] );
		if ( null === $ticket ) {
			return $this->missing();
		}
		$data        = $this->shape_ticket( $ticket );
		$attachments = array();
		foreach ( $this->tickets->attachments( (int) $ticket['id'] ) as $a ) {
			$attachments[ (int) $a['thread_id'] ][] = $this->shape_attachment( $a );
		}
		$data['threads']               = array_map(
			static fn ( array $t ): array => array(
				'id'           => (int) $t['id'],
				'type'         => (string) $t['type'],
				'author_kind'  => (string) $t['author_kind'],
				'user_id'      => null === $t['user_id'] ? null : (int) $t['user_id'],
				'from_address' => (string) $t['from_address'],
				'from_name'    => (string) $t['from_name'],
				'body_text'    => (string) $t['body_text'],
				// Sanitised by the sidecar on write; filtered again here because it will be shown.
				'body_html'    => null === $t['body_html'] ? null : wp_kses_post( (string) $t['body_html'] ),
				'reply_text'   => (string) $t['reply_text'],
				'source'       => (string) $t['source'],
				'created_at'   => mysql_to_rfc3339( (string) $t['created_at'] ),
				'attachments'  => $attachments[ (int) $t['id'] ] ?? array(),
			),
			$this->tickets->threads( (int) $ticket['id'] )
		);
		$data['additional_recipients'] = array_map( static fn ( array $r ): string => (string) $r['email'], $this->tickets->recipients( (int) $ticket['id'] ) );
		return new \WP_REST_Response( $data );
	}

	/**
	 * Changes fields of a ticket; every real change is notified through the outbox.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function update_item( \WP_REST_Request $request ) {
		$id = (int) $request['id'];
		if ( null === $this->tickets->get( $id ) ) {
			return $this->missing();
		}
		$changes = array_intersect_key( $this->body( $request ), array_flip( Ticket_Fields::CHANGEABLE ) );
		try {
			$this->tickets->change( $id, $changes, get_current_user_id() );
			if ( null !== $request['additional_recipients'] ) {
				$this->tickets->set_recipients( $id, (array) $request['additional_recipients'] );
			}
		} catch ( Validation_Exception $e ) {
			return $this->invalid( $e );
		}
		return $this->get_item( $request );
	}

	/**
	 * Adds an agent's reply; the customer and additional recipients are mailed.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function create_reply( \WP_REST_Request $request ) {
		if ( null === $this->tickets->get( (int) $request['id'] ) ) {
			return $this->missing();
		}
		try {
			$thread_id = $this->tickets->reply( (int) $request['id'], (string) $request['body'], get_current_user_id(), null === $request['status'] ? null : (string) $request['status'] );
		} catch ( Validation_Exception $e ) {
			return $this->invalid( $e );
		}
		return $this->created( $request, $thread_id );
	}

	/**
	 * Adds an internal note; other agents are told, never the customer.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function create_note( \WP_REST_Request $request ) {
		if ( null === $this->tickets->get( (int) $request['id'] ) ) {
			return $this->missing();
		}
		try {
			$thread_id = $this->tickets->note( (int) $request['id'], (string) $request['body'], get_current_user_id() );
		} catch ( Validation_Exception $e ) {
			return $this->invalid( $e );
		}
		return $this->created( $request, $thread_id );
	}

	/**
	 * Users who work tickets (for the assignee field).
	 *
	 * @since 0.2.0
	 */
	public function get_agents(): \WP_REST_Response {
		return new \WP_REST_Response( $this->tickets->agents() );
	}

	/**
	 * 201 with the ticket as it is now and the new thread's id.
	 *
	 * @param \WP_REST_Request $request   Request.
	 * @param int              $thread_id New thread.
	 */
	private function created( \WP_REST_Request $request, int $thread_id ): \WP_REST_Response {
		$response = $this->get_item( $request );
		$data     = $response instanceof \WP_REST_Response ? (array) $response->get_data() : array();
		$out      = new \WP_REST_Response(
			array(
				'thread_id' => $thread_id,
				'ticket'    => $data,
			)
		);
		$out->set_status( 201 );
		return $out;
	}

	/**
	 * The 404 of this resource.
	 */
	private function missing(): \WP_Error {
		return $this->not_found( __( 'Ticket not found.', 'email-piping' ) );
	}

	/**
	 * Public shape of an attachment.
	 *
	 * @param array<string, mixed> $a Row.
	 * @return array<string, mixed>
	 */
	private function shape_attachment( array $a ): array {
		$stored = 'stored' === $a['status'] && null !== $a['blob_id'];
		return array(
			'id'           => (int) $a['id'],
			'filename'     => Attachment_Service::safe_filename( (string) $a['filename'] ),
			'content_type' => (string) $a['content_type'],
			'size_bytes'   => (int) $a['size_bytes'],
			'inline'       => 1 === (int) $a['inline'],
			'status'       => (string) $a['status'],
			'reason'       => null === $a['reason'] ? null : (string) $a['reason'],
			'reason_text'  => $stored ? null : Messages::attachment_refused( (string) $a['reason'] ),
			'url'          => $stored ? rest_url( self::REST_NAMESPACE . '/attachments/' . (int) $a['id'] ) : null,
			'signed_url'   => $stored ? $this->attachments->signed_url( (int) $a['id'] ) : null,
		);
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
			'status_label'   => Messages::status_label( (string) $row['status'] ),
			'priority'       => (string) $row['priority'],
			'category'       => (string) ( $row['category'] ?? '' ),
			'assignee_id'    => empty( $row['assignee_id'] ) ? null : (int) $row['assignee_id'],
			'customer_email' => (string) $row['customer_email'],
			'customer_name'  => (string) $row['customer_name'],
			'created_at'     => mysql_to_rfc3339( (string) $row['created_at'] ),
			'updated_at'     => mysql_to_rfc3339( (string) $row['updated_at'] ),
		);
		if ( isset( $row['thread_count'] ) ) {
			$shaped['thread_count'] = (int) $row['thread_count'];
		}
		if ( array_key_exists( 'forwarded_from', $row ) ) {
			$shaped['forwarded_from'] = $row['forwarded_from'];
		}
		return $shaped;
	}
}
