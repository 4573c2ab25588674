<?php
/**
 * REST: quarantined emails.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\REST;

use Email_Piping\Services\Job_Service;
use Email_Piping\Services\Mail_Log_Service;

defined( 'ABSPATH' ) || exit;

/**
 * GET /quarantine, GET /quarantine/{id} (inspect, with the start of the raw email),
 * POST /quarantine/{id}/reprocess (a sidecar job) and DELETE /quarantine/{id} (discard).
 *
 * @since 0.2.0
 */
final class Quarantine_Controller extends Abstract_Controller {

	/**
	 * Wires the services.
	 *
	 * @since 0.2.0
	 * @param Mail_Log_Service $log  Mail log.
	 * @param Job_Service      $jobs Jobs.
	 */
	public function __construct( private Mail_Log_Service $log, private Job_Service $jobs ) {}

	/**
	 * Registers the routes.
	 *
	 * @since 0.2.0
	 */
	public function register_routes(): void {
		register_rest_route(
			self::REST_NAMESPACE,
			'/quarantine',
			array(
				'methods'             => \WP_REST_Server::READABLE,
				'callback'            => array( $this, 'get_items' ),
				'permission_callback' => array( $this, 'manage_permissions_check' ),
				'args'                => $this->paging_args() + array(
					'status'        => array(
						'type' => 'string',
						'enum' => array( 'held', 'retrying', 'discarded', 'reprocessed' ),
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
			'/quarantine/(?P<id>\d+)',
			array(
				'args' => $this->id_arg(),
				array(
					'methods'             => \WP_REST_Server::READABLE,
					'callback'            => array( $this, 'get_item' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
				),
				array(
					'methods'             => \WP_REST_Server::DELETABLE,
					'callback'            => array( $this, 'delete_item' ),
					'permission_callback' => array( $this, 'manage_permissions_check' ),
				),
			)
		);
		register_rest_route(
			self::REST_NAMESPACE,
			'/quarantine/(?P<id>\d+)/reprocess',
			array(
				'methods'             => \WP_REST_Server::CREATABLE,
				'callback'            => array( $this, 'reprocess' ),
				'permission_callback' => array( $this, 'manage_permissions_check' ),
				'args'                => $this->id_arg(),
			)
		);
	}

	/**
	 * A page of quarantined emails.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 */
	public function get_items( \WP_REST_Request $request ): \WP_REST_Response {
		$per_page = (int) $request['per_page'];
		$result   = $this->log->quarantine(
			null === $request['status'] ? null : (string) $request['status'],
			null === $request['connection_id'] ? null : (int) $request['connection_id'],
			(int) $request['page'],
			$per_page
		);
		return $this->paged( $result['items'], $result['total'], $per_page );
	}

	/**
	 * One quarantined email with the start of its source.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function get_item( \WP_REST_Request $request ) {
		$item = $this->log->quarantined( (int) $request['id'] );
		return null === $item ? $this->missing() : new \WP_REST_Response( $item );
	}

	/**
	 * Discards a quarantined email and its raw content.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function delete_item( \WP_REST_Request $request ) {
		if ( null === $this->log->quarantined( (int) $request['id'] ) ) {
			return $this->missing();
		}
		$this->log->discard( (int) $request['id'] );
		return new \WP_REST_Response( $this->log->quarantined( (int) $request['id'] ) );
	}

	/**
	 * Queues a reprocess_quarantine job; poll GET /jobs/{id}.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function reprocess( \WP_REST_Request $request ) {
		$item = $this->log->quarantined( (int) $request['id'] );
		if ( null === $item ) {
			return $this->missing();
		}
		if ( ! $item['has_raw'] ) {
			return $this->error( self::ERROR_INVALID_PARAM, __( 'This email was discarded; there is nothing left to reprocess.', 'email-piping' ), array( 'params' => array( 'id' => __( 'Discarded emails cannot be reprocessed.', 'email-piping' ) ) ) );
		}
		$response = new \WP_REST_Response( $this->jobs->get( $this->log->reprocess( (int) $request['id'] ) ) );
		$response->set_status( 202 );
		return $response;
	}

	/**
	 * The 404 of this resource.
	 */
	private function missing(): \WP_Error {
		return $this->not_found( __( 'Quarantined email not found.', 'email-piping' ) );
	}
}
