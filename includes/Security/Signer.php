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
	 * Token of a signed reply address: first 20 hex of
	 * HMAC-SHA256(sign key, "reply-address:{ticket id}:{lower-case participant}").
	 *
	 * @since 0.2.0
	 * @param int    $ticket_id   Ticket.
	 * @param string $participant Recipient address.
	 */
	public static function reply_token( int $ticket_id, string $participant ): string {
		$data = 'reply-address:' . $ticket_id . ':' . strtolower( trim( $participant ) );
		return substr( hash_hmac( 'sha256', $data, Keys::derive( Keys::LABEL_SIGN ) ), 0, 20 );
	}

	/**
	 * Signed reply address "{local}+t{ticket}-{token20}@{domain}" on the piped mailbox
	 * (contract with sidecar/src/security/signer.ts). A reply sent to it proves, without any
	 * header, which ticket and participant it answers.
	 *
	 * @since 0.2.0
	 * @param string $mailbox     The connection's mailbox address.
	 * @param int    $ticket_id   Ticket.
	 * @param string $participant Recipient address.
	 */
	public static function reply_address( string $mailbox, int $ticket_id, string $participant ): string {
		$mailbox = strtolower( trim( $mailbox ) );
		$at      = strrpos( $mailbox, '@' );
		if ( false === $at ) {
			return $mailbox;
		}
		return substr( $mailbox, 0, $at ) . '+t' . $ticket_id . '-' . self::reply_token( $ticket_id, $participant ) . substr( $mailbox, $at );
	}

	/**
	 * Token letting the holder of a link download one attachment until $expires.
	 *
	 * @since 0.2.0
	 * @param int $attachment_id Attachment.
	 * @param int $expires       Unix time the link stops working.
	 */
	public static function attachment_token( int $attachment_id, int $expires ): string {
		return substr( hash_hmac( 'sha256', 'attachment:' . $attachment_id . ':' . $expires, Keys::derive( Keys::LABEL_SIGN ) ), 0, 32 );
	}

	/**
	 * Whether an attachment link is genuine and not expired.
	 *
	 * @since 0.2.0
	 * @param int    $attachment_id Attachment.
	 * @param string $expires       Unix time from the link.
	 * @param string $token         Token from the link.
	 */
	public static function verify_attachment_token( int $attachment_id, string $expires, string $token ): bool {
		if ( ! Keys::is_configured() || ! ctype_digit( $expires ) || (int) $expires < time() ) {
			return false;
		}
		return hash_equals( self::attachment_token( $attachment_id, (int) $expires ), strtolower( $token ) );
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
