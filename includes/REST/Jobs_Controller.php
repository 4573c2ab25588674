<?php
/**
 * REST: sidecar jobs.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\REST;

use Email_Piping\Services\Job_Service;

defined( 'ABSPATH' ) || exit;

/**
 * GET /jobs/{id}: the status and result of a job the admin started (connection test,
 * reprocessing, rule test, OAuth exchange), for polling.
 *
 * @since 0.2.0
 */
final class Jobs_Controller extends Abstract_Controller {

	/**
	 * Wires the service.
	 *
	 * @since 0.2.0
	 * @param Job_Service $jobs Jobs.
	 */
	public function __construct( private Job_Service $jobs ) {}

	/**
	 * Registers the route.
	 *
	 * @since 0.2.0
	 */
	public function register_routes(): void {
		register_rest_route(
			self::REST_NAMESPACE,
			'/jobs/(?P<id>\d+)',
			array(
				'methods'             => \WP_REST_Server::READABLE,
				'callback'            => array( $this, 'get_item' ),
				'permission_callback' => array( $this, 'manage_permissions_check' ),
				'args'                => $this->id_arg(),
			)
		);
	}

	/**
	 * One job.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function get_item( \WP_REST_Request $request ) {
		$job = $this->jobs->get( (int) $request['id'] );
		return null === $job ? $this->not_found( __( 'Job not found.', 'email-piping' ) ) : new \WP_REST_Response( $job );
	}
}
