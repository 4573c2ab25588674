<?php
/**
 * The site key shared with the sidecar, and the keys derived from it.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Security;

defined( 'ABSPATH' ) || exit;

/**
 * Reads EPIPE_SECRET_KEY from wp-config.php and derives one key per purpose.
 *
 * The sidecar reads the same constant from the same file and derives the same keys
 * (sidecar/src/security/keys.ts); the labels below are part of that contract.
 *
 * @since 0.1.0
 */
final class Keys {

	/** Name of the wp-config.php constant. */
	public const CONSTANT = 'EPIPE_SECRET_KEY';

	/** Shortest key accepted, in characters. */
	public const MIN_LENGTH = 32;

	public const LABEL_ENCRYPT = 'epipe-encrypt-v1';
	public const LABEL_SIGN    = 'epipe-sign-v1';

	/**
	 * Whether a usable key is configured.
	 *
	 * @since 0.1.0
	 */
	public static function is_configured(): bool {
		return defined( self::CONSTANT ) && is_string( constant( self::CONSTANT ) ) && strlen( constant( self::CONSTANT ) ) >= self::MIN_LENGTH;
	}

	/**
	 * The key derived for one purpose.
	 *
	 * @since 0.1.0
	 * @param string $label One of the LABEL_* constants.
	 * @throws \RuntimeException When no usable key is configured; never falls back to no key.
	 */
	public static function derive( string $label ): string {
		return hash_hmac( 'sha256', $label, self::master(), true );
	}

	/**
	 * Short public identifier of the master key, stored beside each ciphertext.
	 *
	 * @since 0.1.0
	 */
	public static function key_id(): string {
		return substr( hash( 'sha256', self::master() ), 0, 8 );
	}

	/**
	 * The configured master key.
	 *
	 * @throws \RuntimeException When no usable key is configured.
	 */
	private static function master(): string {
		if ( ! self::is_configured() ) {
			throw new \RuntimeException( 'EPIPE_SECRET_KEY is missing or shorter than 32 characters in wp-config.php.' );
		}
		return (string) constant( self::CONSTANT );
	}
}
