<?php
/**
 * The signed, expiring link to one ticket that every customer notification carries.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Portal;

use Email_Piping\Security\Keys;

defined( 'ABSPATH' ) || exit;

/**
 * A link grants one participant (the customer or an additional recipient) access to one
 * ticket until it expires: `epipe_ticket`, `epipe_for` (the participant's address,
 * base64url), `epipe_expires` (Unix time) and `epipe_token` (HMAC-SHA256 under the site's
 * signing key of all three, 32 hex). Nothing in it can be changed without the key; the address
 * in it says whom to send a fresh link when it is no longer valid.
 *
 * @since 0.3.0
 */
final class Portal_Link {

	/** How long a link works. */
	public const LIFETIME = 30 * DAY_IN_SECONDS;

	/** Option holding the id of the page with the portal block. */
	public const PAGE_OPTION = 'epipe_portal_page';

	/** Query arguments of a link. */
	public const ARGS = array( 'epipe_ticket', 'epipe_for', 'epipe_expires', 'epipe_token' );

	/**
	 * A participant's link to a ticket, on the portal page (the home page when it is gone).
	 *
	 * @since 0.3.0
	 * @param int      $ticket_id   Ticket.
	 * @param string   $participant Address.
	 * @param int|null $now         Unix time standing for now (tests), or null.
	 */
	public static function url( int $ticket_id, string $participant, ?int $now = null ): string {
		$participant = strtolower( trim( $participant ) );
		$expires     = ( $now ?? time() ) + self::LIFETIME;
		$url         = add_query_arg(
			array(
				'epipe_ticket'  => $ticket_id,
				'epipe_for'     => rtrim( strtr( base64_encode( $participant ), '+/', '-_' ), '=' ), // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- an address in a URL, not obfuscation.
				'epipe_expires' => $expires,
				'epipe_token'   => self::token( $ticket_id, $participant, $expires ),
			),
			self::page_url()
		);
		/**
		 * Filters a participant's link to a ticket (e.g. to point at another page holding the
		 * portal block): in notifications, fresh-link emails and a logged-in customer's list.
		 *
		 * @since 0.2.0
		 * @param string $url         Link.
		 * @param int    $ticket_id   Ticket.
		 * @param string $participant Address the link is for.
		 */
		return (string) apply_filters( 'epipe_customer_ticket_url', $url, $ticket_id, $participant );
	}

	/**
	 * The portal page's address.
	 *
	 * @since 0.3.0
	 */
	public static function page_url(): string {
		$page = (int) get_option( self::PAGE_OPTION, 0 );
		$url  = $page > 0 && 'publish' === get_post_status( $page ) ? get_permalink( $page ) : false;
		return false !== $url ? (string) $url : home_url( '/' );
	}

	/**
	 * What a link's arguments grant.
	 *
	 * @since 0.3.0
	 * @param array<string, mixed> $args Query (or form) arguments.
	 * @param int|null             $now  Unix time standing for now (tests), or null.
	 * @return array{status: string, ticket_id: int, participant: string} status: valid | expired | invalid; the
	 *         ticket and address are what the link names (unverified unless valid), 0 and '' when unreadable.
	 */
	public static function check( array $args, ?int $now = null ): array {
		$ticket_id = isset( $args['epipe_ticket'] ) && is_scalar( $args['epipe_ticket'] ) && ctype_digit( (string) $args['epipe_ticket'] ) ? (int) $args['epipe_ticket'] : 0;
		$for       = isset( $args['epipe_for'] ) && is_string( $args['epipe_for'] ) ? $args['epipe_for'] : '';
		$decoded   = 1 === preg_match( '/^[A-Za-z0-9_-]{1,400}$/', $for ) ? base64_decode( strtr( $for, '-_', '+/' ), true ) : false; // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode
		$address   = false !== $decoded && is_email( $decoded ) ? strtolower( $decoded ) : '';
		$expires   = isset( $args['epipe_expires'] ) && is_scalar( $args['epipe_expires'] ) && ctype_digit( (string) $args['epipe_expires'] ) ? (int) $args['epipe_expires'] : 0;
		$token     = isset( $args['epipe_token'] ) && is_string( $args['epipe_token'] ) ? strtolower( $args['epipe_token'] ) : '';
		$out       = array(
			'status'      => 'invalid',
			'ticket_id'   => $ticket_id,
			'participant' => $address,
		);
		if ( 0 === $ticket_id || '' === $address || 0 === $expires || ! hash_equals( self::token( $ticket_id, $address, $expires ), $token ) ) {
			return $out;
		}
		$out['status'] = $expires < ( $now ?? time() ) ? 'expired' : 'valid';
		return $out;
	}

	/**
	 * The link's arguments again (for forms that act on the ticket).
	 *
	 * @since 0.3.0
	 * @param array<string, mixed> $args Query arguments.
	 * @return array<string, string>
	 */
	public static function args_of( array $args ): array {
		$out = array();
		foreach ( self::ARGS as $name ) {
			$out[ $name ] = isset( $args[ $name ] ) && is_scalar( $args[ $name ] ) ? (string) $args[ $name ] : '';
		}
		return $out;
	}

	/**
	 * The signature of a link.
	 *
	 * @param int    $ticket_id   Ticket.
	 * @param string $participant Lower-case address.
	 * @param int    $expires     Unix time.
	 */
	private static function token( int $ticket_id, string $participant, int $expires ): string {
		return substr( hash_hmac( 'sha256', 'portal-link:' . $ticket_id . ':' . $participant . ':' . $expires, Keys::derive( Keys::LABEL_SIGN ) ), 0, 32 );
	}
}
