<?php
/**
 * The customer portal: its block, its page, and what its forms do.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Portal;

use Email_Piping\Exception\Validation_Exception;

defined( 'ABSPATH' ) || exit;

/**
 * Registers the block `email-piping/ticket-portal` (blocks/ticket-portal, rendered on the server
 * by render.php) and handles its two forms through admin-post.php, for visitors with a link and
 * logged-in customers alike: every request is checked against the link it carries again, and
 * answered by a redirect back to the ticket with the outcome.
 *
 * @since 0.3.0
 */
final class Portal {

	/** What the page the plugin creates holds. */
	private const PAGE_CONTENT = '<!-- wp:email-piping/ticket-portal /-->';

	/** Outcome flag in the redirect after a form. */
	public const DONE_ARG = 'epipe_done';

	/**
	 * Wires the service.
	 *
	 * @since 0.3.0
	 * @param Portal_Service $service Portal rules.
	 * @param string         $dir     Plugin directory (with trailing slash).
	 */
	public function __construct( private Portal_Service $service, private string $dir ) {}

	/**
	 * Hooks the block and the forms.
	 *
	 * @since 0.3.0
	 */
	public function register(): void {
		add_action( 'init', array( $this, 'register_block' ) );
		add_action( 'template_redirect', array( $this, 'protect_link_pages' ) );
		foreach ( array( 'reply', 'close' ) as $action ) {
			add_action( 'admin_post_epipe_portal_' . $action, array( $this, 'handle_' . $action ) );
			add_action( 'admin_post_nopriv_epipe_portal_' . $action, array( $this, 'handle_' . $action ) );
		}
	}

	/**
	 * Registers the block from its block.json.
	 *
	 * @since 0.3.0
	 */
	public function register_block(): void {
		register_block_type( $this->dir . 'blocks/ticket-portal' );
	}

	/**
	 * A page opened through a ticket link is private to its reader: never cached, and the link
	 * (a credential) is not passed on to other sites as the referrer.
	 *
	 * @since 0.3.0
	 */
	public function protect_link_pages(): void {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- only looks whether a link is present.
		if ( ! isset( $_GET['epipe_token'] ) && ! isset( $_GET['epipe_ticket'] ) ) {
			return;
		}
		nocache_headers();
		header( 'Referrer-Policy: no-referrer' );
		header( 'X-Robots-Tag: noindex, nofollow' );
	}

	/**
	 * The service, for the block's render.php.
	 *
	 * @since 0.3.0
	 */
	public function service(): Portal_Service {
		return $this->service;
	}

	/**
	 * Creates the page holding the portal (on activation), unless one exists.
	 *
	 * @since 0.3.0
	 */
	public static function ensure_page(): void {
		$page = (int) get_option( Portal_Link::PAGE_OPTION, 0 );
		if ( $page > 0 && null !== get_post( $page ) && 'trash' !== get_post_status( $page ) ) {
			return;
		}
		$id = wp_insert_post(
			array(
				'post_type'      => 'page',
				'post_status'    => 'publish',
				'post_title'     => __( 'Your support ticket', 'email-piping' ),
				'post_name'      => 'support-ticket',
				'post_content'   => self::PAGE_CONTENT,
				'comment_status' => 'closed',
			),
			true
		);
		if ( ! is_wp_error( $id ) ) {
			update_option( Portal_Link::PAGE_OPTION, (int) $id, false );
		}
	}

	/**
	 * Uninstall: forgets the portal page, and deletes it when it holds nothing but the block
	 * (a page the admin has written on is theirs and stays).
	 *
	 * @since 0.3.0
	 */
	public static function remove_page(): void {
		$page = (int) get_option( Portal_Link::PAGE_OPTION, 0 );
		$post = $page > 0 ? get_post( $page ) : null;
		if ( null !== $post && self::PAGE_CONTENT === trim( (string) $post->post_content ) ) {
			wp_delete_post( $page, true );
		}
		delete_option( Portal_Link::PAGE_OPTION );
	}

	/**
	 * The portal's reply form.
	 *
	 * @since 0.3.0
	 */
	public function handle_reply(): void {
		$this->act(
			'reply',
			function ( array $ticket, string $participant ): string {
				// phpcs:ignore WordPress.Security.NonceVerification.Missing,WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- checked in act(); plain text kept as written (escaped wherever shown), less invalid UTF-8 and control characters.
				$raw  = isset( $_POST['body'] ) && is_string( $_POST['body'] ) ? wp_unslash( $_POST['body'] ) : '';
				$body = (string) preg_replace( '/[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/', '', wp_check_invalid_utf8( $raw, true ) );
				$this->service->reply( $ticket, $participant, $body );
				return 'replied';
			}
		);
	}

	/**
	 * The portal's "close this ticket" button.
	 *
	 * @since 0.3.0
	 */
	public function handle_close(): void {
		$this->act(
			'close',
			function ( array $ticket ): string {
				$this->service->close( $ticket );
				return 'closed';
			}
		);
	}

	/**
	 * Checks a form's link and nonce, runs the action and goes back to the ticket.
	 *
	 * @param string   $action reply | close.
	 * @param callable $run    ( ticket, participant ) → outcome flag.
	 */
	private function act( string $action, callable $run ): void {
		$args  = Portal_Link::args_of( wp_unslash( $_POST ) ); // phpcs:ignore WordPress.Security.NonceVerification.Missing -- the link's signature and the nonce are checked next.
		$link  = Portal_Link::check( $args );
		$nonce = isset( $_POST['_wpnonce'] ) && is_string( $_POST['_wpnonce'] ) ? sanitize_text_field( wp_unslash( $_POST['_wpnonce'] ) ) : '';
		// Back to the page the form was on (the block may sit on any page), else the portal page.
		$from  = isset( $_POST['epipe_back'] ) && is_string( $_POST['epipe_back'] ) ? esc_url_raw( wp_unslash( $_POST['epipe_back'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked next; only a same-site address is used.
		$page  = wp_validate_redirect( remove_query_arg( array_merge( Portal_Link::ARGS, array( self::DONE_ARG ) ), $from ), Portal_Link::page_url() );
		$back  = add_query_arg( $args, $page );
		$ok    = 'valid' === $link['status'] && false !== wp_verify_nonce( $nonce, 'epipe_portal_' . $action . '_' . $link['ticket_id'] );
		$ticket = $ok ? $this->service->ticket_for( $link['ticket_id'], $link['participant'] ) : null;
		if ( null === $ticket ) {
			// The page says why (and mails a fresh link when the link named a participant).
			wp_safe_redirect( add_query_arg( self::DONE_ARG, 'refused', $back ) );
			exit;
		}
		try {
			$done = $run( $ticket, $link['participant'] );
		} catch ( Validation_Exception $e ) {
			$outcomes = array(
				'status'      => 'no_replies',
				'body_length' => 'too_long',
			);
			$done     = $outcomes[ array_key_first( $e->errors() ) ] ?? 'empty';
		}
		wp_safe_redirect( add_query_arg( self::DONE_ARG, $done, $back ) . '#epipe-portal' );
		exit;
	}
}
