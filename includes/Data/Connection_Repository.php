<?php
/**
 * Stores mail connections.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Data;

use Email_Piping\Install\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * All SQL about connections.
 *
 * @since 0.1.0
 */
final class Connection_Repository {

	/**
	 * Inserts a connection and returns its id.
	 *
	 * @since 0.1.0
	 * @param array{name: string, kind: string, mailbox_address: string, settings: array<string, mixed>, secret: ?string, enabled: bool} $row Values; secret already sealed.
	 * @throws \RuntimeException When the row cannot be written.
	 */
	public function insert( array $row ): int {
		global $wpdb;
		$now = current_time( 'mysql', true );
		$ok  = $wpdb->insert(
			Schema::table( 'connections' ),
			array(
				'name'            => $row['name'],
				'kind'            => $row['kind'],
				'enabled'         => $row['enabled'] ? 1 : 0,
				'mailbox_address' => $row['mailbox_address'],
				'settings'        => wp_json_encode( $row['settings'] ),
				'secret'          => $row['secret'],
				'created_at'      => $now,
				'updated_at'      => $now,
			)
		);
		if ( false === $ok ) {
			throw new \RuntimeException( 'Could not save the connection: ' . $wpdb->last_error );
		}
		return (int) $wpdb->insert_id;
	}

	/**
	 * One connection row (secret included, for server-side use only), or null.
	 *
	 * @since 0.1.0
	 * @param int $id Connection id.
	 * @return array<string, mixed>|null
	 */
	public function find( int $id ): ?array {
		global $wpdb;
		$table = Schema::table( 'connections' );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE id = %d", $id ), ARRAY_A );
		return is_array( $row ) ? $row : null;
	}
}
