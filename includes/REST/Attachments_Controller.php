<?php
/**
 * REST: attachment downloads.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\REST;

use Email_Piping\Capabilities;
use Email_Piping\Services\Attachment_Service;

defined( 'ABSPATH' ) || exit;

/**
 * GET /attachments/{id}: the file, for an agent (capability epipe_work_tickets; in the browser
 * the REST nonce travels as _wpnonce) or for whoever holds a signed, expiring link
 * (?expires=…&token=…). Served as a download; with ?inline=1 raster images keep their type.
 *
 * WordPress's REST server writes JSON; this route writes the file itself from
 * rest_pre_serve_request, one database chunk at a time.
 *
 * @since 0.2.0
 */
final class Attachments_Controller extends Abstract_Controller {

	/**
	 * The attachment the current request serves, set by the callback.
	 *
	 * @var array<string, mixed>|null
	 */
	private ?array $serving = null;

	/**
	 * Wires the service.
	 *
	 * @since 0.2.0
	 * @param Attachment_Service $attachments Attachments.
	 */
	public function __construct( private Attachment_Service $attachments ) {}

	/**
	 * Registers the route and the streaming filter.
	 *
	 * @since 0.2.0
	 */
	public function register_routes(): void {
		register_rest_route(
			self::REST_NAMESPACE,
			'/attachments/(?P<id>\d+)',
			array(
				'methods'             => \WP_REST_Server::READABLE,
				'callback'            => array( $this, 'get_item' ),
				'permission_callback' => array( $this, 'permissions_check' ),
				'args'                => $this->id_arg() + array(
					'inline'  => array(
						'type'    => 'boolean',
						'default' => false,
					),
					'expires' => array(
						'type'    => 'string',
						'pattern' => '^[0-9]{1,12}$',
					),
					'token'   => array(
						'type'    => 'string',
						'pattern' => '^[0-9a-fA-F]{32}$',
					),
				),
			)
		);
		// Last, so the headers other filters send (CORS) go out before the first byte of the file.
		add_filter( 'rest_pre_serve_request', array( $this, 'serve' ), PHP_INT_MAX, 3 );
	}

	/**
	 * Agents, or the holder of a valid signed link.
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return true|\WP_Error
	 */
	public function permissions_check( \WP_REST_Request $request ) {
		if ( null !== $request['token'] && null !== $request['expires'] ) {
			if ( $this->attachments->verify_link( (int) $request['id'], (string) $request['expires'], (string) $request['token'] ) ) {
				return true;
			}
			return $this->error( self::ERROR_FORBIDDEN, __( 'This download link is not valid or has expired.', 'email-piping' ) );
		}
		return $this->require_capability( Capabilities::WORK_TICKETS );
	}

	/**
	 * Checks the attachment exists and holds content; the bytes follow in serve().
	 *
	 * @since 0.2.0
	 * @param \WP_REST_Request $request Request.
	 * @return \WP_REST_Response|\WP_Error
	 */
	public function get_item( \WP_REST_Request $request ) {
		$attachment = $this->attachments->get( (int) $request['id'] );
		if ( null === $attachment || 'stored' !== $attachment['status'] || null === $attachment['blob_id'] ) {
			return $this->not_found( __( 'Attachment not found.', 'email-piping' ) );
		}
		$this->serving = $attachment;
		$response      = new \WP_REST_Response( null );
		foreach ( $this->attachments->headers( $attachment, (bool) $request['inline'] ) as $name => $value ) {
			$response->header( $name, $value );
		}
		return $response;
	}

	/**
	 * Writes the file instead of JSON when this route succeeded.
	 *
	 * @since 0.2.0
	 * @param bool              $served  Whether the request was already served.
	 * @param \WP_HTTP_Response $result  Result.
	 * @param \WP_REST_Request  $request Request.
	 * @return bool
	 */
	public function serve( $served, $result, $request ) {
		if ( $served || null === $this->serving || ! $request instanceof \WP_REST_Request || 200 !== $result->get_status() ) {
			return $served;
		}
		$attachment    = $this->serving;
		$this->serving = null;
		// WordPress sends its no-cache headers after this filter, too late once the file is out;
		// the response already says Cache-Control: private, no-store.
		add_filter( 'rest_send_nocache_headers', '__return_false' );
		if ( 'HEAD' !== $request->get_method() ) {
			$this->attachments->stream( $attachment );
		}
		return true;
	}
}
