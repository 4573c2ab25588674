<?php
/**
 * Signed references in outgoing mail and signed pings from the sidecar.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Security;

defined( 'ABSPATH' ) || exit;

/**
 * HMAC tokens that prove a reply really answers our notification to that participant.
 *
 * Message-ID format (contract with sidecar/src/security/signer.ts):
 * "<epipe.{ticket id}.{unique}.{token}@{host}>", token = first 24 hex of
 * HMAC-SHA256(sign key, "ticket:{id}:{lower-case participant address}").
 *
 * @since 0.1.0
 */
final class Signer {

	/** Seconds a sidecar ping stays valid (clock skew included). */
	public const PING_MAX_AGE = 300;

	/**
	 * Token binding a ticket to one participant address.
	 *
	 * @since 0.1.0
	 * @param int    $ticket_id   Ticket.
	 * @param string $participant Recipient address.
	 */
	public static function ticket_token( int $ticket_id, string $participant ): string {
		$data = 'ticket:' . $ticket_id . ':' . strtolower( trim( $participant ) );
		return substr( hash_hmac( 'sha256', $data, Keys::derive( Keys::LABEL_SIGN ) ), 0, 24 );
	}

	/**
	 * A signed Message-ID for a notification about a ticket sent to one participant.
	 *
	 * @since 0.1.0
	 * @param int    $ticket_id   Ticket.
	 * @param string $participant Recipient address.
	 * @param string $host        Right-hand side of the Message-ID.
	 */
	public static function message_id( int $ticket_id, string $participant, string $host ): string {
		$unique = bin2hex( random_bytes( 6 ) );
		return '<epipe.' . $ticket_id . '.' . $unique . '.' . self::ticket_token( $ticket_id, $participant ) . '@' . $host . '>';
	}

	/**
	 * Signature of a dispatch ping sent at a given Unix time.
	 *
	 * @since 0.1.0
	 * @param string $timestamp Unix seconds as sent.
	 */
	public static function ping_signature( string $timestamp ): string {
		return hash_hmac( 'sha256', "dispatch\n" . $timestamp, Keys::derive( Keys::LABEL_SIGN ) );
	}

	/**
	 * Whether a ping's timestamp and signature are fresh and genuine.
	 *
	 * @since 0.1.0
	 * @param string $timestamp Header value.
	 * @param string $signature Header value.
	 */
	public static function verify_ping( string $timestamp, string $signature ): bool {
		if ( ! Keys::is_configured() || ! ctype_digit( $timestamp ) || abs( time() - (int) $timestamp ) > self::PING_MAX_AGE ) {
			return false;
		}
		return hash_equals( self::ping_signature( $timestamp ), strtolower( $signature ) );
	}
}
