<?php
/**
 * Stores general settings as JSON rows.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Data;

use Email_Piping\Install\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * All SQL about epipe_settings. Values are JSON (never PHP-serialised) because the sidecar reads them.
 *
 * @since 0.2.0
 */
final class Settings_Repository {

	/**
	 * Every stored setting, decoded; rows whose JSON is unreadable are left out (default applies).
	 *
	 * @since 0.2.0
	 * @return array<string, mixed>
	 */
	public function all(): array {
		global $wpdb;
		$table = Schema::table( 'settings' );
		$rows  = $wpdb->get_results( "SELECT name, value FROM {$table}", ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- our table.
		$out   = array();
		foreach ( is_array( $rows ) ? $rows : array() as $row ) {
			$value = json_decode( (string) $row['value'], true );
			if ( null !== $value || 'null' === $row['value'] ) {
				$out[ (string) $row['name'] ] = $value;
			}
		}
		return $out;
	}

	/**
	 * Writes one setting.
	 *
	 * @since 0.2.0
	 * @param string $name  Key.
	 * @param mixed  $value JSON-encodable value.
	 * @throws \RuntimeException When the row cannot be written.
	 */
	public function put( string $name, $value ): void {
		global $wpdb;
		$ok = $wpdb->replace(
			Schema::table( 'settings' ),
			array(
				'name'       => $name,
				'value'      => (string) wp_json_encode( $value ),
				'updated_at' => current_time( 'mysql', true ),
			)
		);
		Transaction::check( $ok, 'setting ' . $name );
	}
}
