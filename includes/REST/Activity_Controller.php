<?php
/**
 * REST: the activity log.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\REST;

use Email_Piping\Services\Mail_Log_Service;

defined( 'ABSPATH' ) || exit;

/**
 * GET /activity: every email's outcome and reason, newest first, paged and filterable.
 *
 * @since 0.2.0
 */
final class Activity_Controller extends Abstract_Controller {

	/**
	 * Wires the service.
	 *
	 * @since 0.2.0
	 * @param Mail_Log_Service $log Mail log.
	 */
	public function __construct( private Mail_Log_Service $log ) {}

	/**
	 * Registers the route.
	 *
	 * @since 0.2.0
	 */
	public function register_routes(): void {
		register_rest_route(
			self::REST_NAMESPACE,
			'/activity',
			array(
				'methods'             => \WP_REST_Server::READABLE,
				'callback'            => array( $this, 'get_items' ),
				'permission_callback' => array( $this, 'manage_permissions_check' ),
				'args'                => $this->paging_args() + array(
					'connection_id' => array(
						'type'    => 'integer',
						'minimum' => 1,
					),
					'ticket_id'     => array(
						'type'    => 'integer',
						'minimum' => 1,
					),
					'outcome'       => array(
						'description' => __( 'What became of the email: ticket, reply, blocked (block lists), rejected (settings), skipped (the other skips) or quarantined.', 'email-piping' ),
						'type'        => 'string',
						'enum'        => Mail_Log_Service::KINDS,
					),
					'reason'        => array(
						'type'    => 'string',
						'pattern' => '^[a-z_]{1,60}$',
					),
					'search'        => array(
						'description' => __( 'Text in the subject, sender or Message-ID.', 'email-piping' ),
						'type'        => 'string',
						'maxLength'   => 200,
					),
					'after'         => array(
						'description' => __( 'Only rows at or after this time (ISO 8601).', 'email-piping' ),
						'type'        => 'string',
						'format'      => 'date-time',
					),
					'before'        => array(
						'description' => __( 'Only rows before this time (ISO 8601).', 'email-piping' ),
						'type'        => 'string',
						'format'      => 'date-time',
					),
				),
			)
		);
	}

	/**
	 * A page of the log.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 */
	public function get_items( \WP_REST_Request $request ): \WP_REST_Response {
		$filters = array();
		foreach ( array( 'connection_id', 'ticket_id' ) as $key ) {
			if ( null !== $request[ $key ] ) {
				$filters[ $key ] = (int) $request[ $key ];
			}
		}
		foreach ( array( 'outcome', 'reason', 'search' ) as $key ) {
			if ( null !== $request[ $key ] && '' !== $request[ $key ] ) {
				$filters[ $key ] = (string) $request[ $key ];
			}
		}
		foreach ( array( 'after', 'before' ) as $key ) {
			if ( null !== $request[ $key ] ) {
				$filters[ $key ] = gmdate( 'Y-m-d H:i:s', (int) strtotime( (string) $request[ $key ] ) );
			}
		}
		$per_page = (int) $request['per_page'];
		$result   = $this->log->activity( $filters, (int) $request['page'], $per_page );
		return $this->paged( $result['items'], $result['total'], $per_page );
	}
}
