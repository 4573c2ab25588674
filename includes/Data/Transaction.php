<?php
/**
 * One database transaction around several repository calls.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Data;

defined( 'ABSPATH' ) || exit;

/**
 * Runs a callable in a transaction: everything commits together or nothing does, exactly as
 * the sidecar stores an email (a web reply and its outbox event are one unit).
 *
 * @since 0.2.0
 */
final class Transaction {

	/**
	 * Whether a transaction is open in this request.
	 *
	 * @var int
	 */
	private static int $depth = 0;

	/**
	 * Runs $work inside START TRANSACTION … COMMIT, rolling back on any throwable.
	 *
	 * @since 0.2.0
	 * @template T
	 * @param callable():T $work Work.
	 * @return T
	 * @throws \Throwable Whatever $work throws, after the rollback.
	 */
	public static function run( callable $work ) {
		global $wpdb;
		// MySQL has no nested transactions (START TRANSACTION commits the open one): an inner
		// run() joins the outer unit instead.
		if ( self::$depth > 0 ) {
			return $work();
		}
		$wpdb->query( 'START TRANSACTION' );
		self::$depth = 1;
		try {
			$result = $work();
			$wpdb->query( 'COMMIT' );
			return $result;
		} catch ( \Throwable $e ) {
			$wpdb->query( 'ROLLBACK' );
			throw $e;
		} finally {
			self::$depth = 0;
		}
	}

	/**
	 * Throws when the last query failed, so a failed write inside run() rolls the unit back.
	 *
	 * @since 0.2.0
	 * @param mixed  $result What $wpdb returned.
	 * @param string $what   What was being written, for the message.
	 * @throws \RuntimeException When $result is false.
	 */
	public static function check( $result, string $what ): void {
		global $wpdb;
		if ( false === $result ) {
			throw new \RuntimeException( 'Could not write ' . $what . ': ' . $wpdb->last_error );
		}
	}
}
