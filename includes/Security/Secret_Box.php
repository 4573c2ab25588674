<?php
/**
 * Authenticated encryption of stored secrets (mailbox passwords, OAuth tokens).
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Security;

defined( 'ABSPATH' ) || exit;

/**
 * AES-256-GCM with a random 96-bit nonce; format "epipe1:<key id>:<base64(nonce|ciphertext|tag)>".
 *
 * AES-GCM because both runtimes have it natively (PHP openssl, Node crypto); the key id lets a
 * later key rotation tell which key sealed a value.
 *
 * @since 0.1.0
 */
final class Secret_Box {

	private const PREFIX = 'epipe1';
	private const CIPHER = 'aes-256-gcm';
	private const AAD    = 'epipe-secret';

	/**
	 * Encrypts a secret.
	 *
	 * @since 0.1.0
	 * @param string $plaintext Secret to seal.
	 * @throws \RuntimeException When the key is missing or encryption fails.
	 */
	public static function seal( string $plaintext ): string {
		$nonce = random_bytes( 12 );
		$tag   = '';
		$ct    = openssl_encrypt( $plaintext, self::CIPHER, Keys::derive( Keys::LABEL_ENCRYPT ), OPENSSL_RAW_DATA, $nonce, $tag, self::AAD, 16 );
		if ( false === $ct ) {
			throw new \RuntimeException( 'Encryption failed.' );
		}
		// phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- binary ciphertext in a text column.
		return self::PREFIX . ':' . Keys::key_id() . ':' . base64_encode( $nonce . $ct . $tag );
	}

	/**
	 * Decrypts a value sealed by seal() here or by the sidecar.
	 *
	 * @since 0.1.0
	 * @param string $sealed Stored value.
	 * @throws \RuntimeException When the value was sealed with another key or was tampered with.
	 */
	public static function open( string $sealed ): string {
		$parts = explode( ':', $sealed, 3 );
		if ( 3 !== count( $parts ) || self::PREFIX !== $parts[0] ) {
			throw new \RuntimeException( 'Not an encrypted value.' );
		}
		if ( ! hash_equals( Keys::key_id(), $parts[1] ) ) {
			throw new \RuntimeException( 'The value was encrypted with another EPIPE_SECRET_KEY.' );
		}
		// phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode
		$raw = base64_decode( $parts[2], true );
		if ( false === $raw || strlen( $raw ) < 28 ) {
			throw new \RuntimeException( 'The encrypted value is damaged.' );
		}
		$plain = openssl_decrypt( substr( $raw, 12, -16 ), self::CIPHER, Keys::derive( Keys::LABEL_ENCRYPT ), OPENSSL_RAW_DATA, substr( $raw, 0, 12 ), substr( $raw, -16 ), self::AAD );
		if ( false === $plain ) {
			throw new \RuntimeException( 'The encrypted value is damaged.' );
		}
		return $plain;
	}
}
