<?php
/**
 * Rules about email addresses that need no WordPress.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Domain;

defined( 'ABSPATH' ) || exit;

/**
 * Address normalisation and the addresses we never write to.
 *
 * @since 0.2.0
 */
final class Address {

	/** Local parts of machine mailboxes: answering them starts loops or bounces. */
	private const MACHINE_LOCAL_PART = '/^(mailer[-_.]?daemon|mail[-_.]?daemon|postmaster|no[-_.]?reply|not?[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|auto[-_.]?reply)([+-].*)?$/i';

	/**
	 * Lower-cased, trimmed address.
	 *
	 * @since 0.2.0
	 * @param string $address Address.
	 */
	public static function normalise( string $address ): string {
		return strtolower( trim( $address ) );
	}

	/**
	 * Whether the address belongs to a mail system rather than a person (mailer-daemon, no-reply …).
	 *
	 * @since 0.2.0
	 * @param string $address Address.
	 */
	public static function is_machine( string $address ): bool {
		$address = trim( $address );
		$at      = strrpos( $address, '@' );
		if ( false === $at ) {
			return true;
		}
		return 1 === preg_match( self::MACHINE_LOCAL_PART, substr( $address, 0, $at ) );
	}

	/**
	 * Whether two addresses name the same mailbox, ignoring case and a "+tag" sub-address
	 * (support+t12-abc@example.com is support@example.com).
	 *
	 * @since 0.2.0
	 * @param string $a One address.
	 * @param string $b Other address.
	 */
	public static function same_mailbox( string $a, string $b ): bool {
		return '' !== trim( $a ) && self::strip_tag( $a ) === self::strip_tag( $b );
	}

	/**
	 * The address without its "+tag".
	 *
	 * @since 0.2.0
	 * @param string $address Address.
	 */
	public static function strip_tag( string $address ): string {
		$address = self::normalise( $address );
		$at      = strrpos( $address, '@' );
		if ( false === $at ) {
			return $address;
		}
		$local = substr( $address, 0, $at );
		$plus  = strpos( $local, '+' );
		return ( false === $plus ? $local : substr( $local, 0, $plus ) ) . substr( $address, $at );
	}
}
