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
	 * @param array{name: string, kind: string, mailbox_address: string, settings: array<string, mixed>, secret: ?string, client_secret?: ?string, enabled: bool} $row Values; secrets already sealed.
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
				'client_secret'   => $row['client_secret'] ?? null,
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

	/**
	 * Every connection row (secrets included, for server-side use only), oldest first.
	 *
	 * @since 0.2.0
	 * @return array<int, array<string, mixed>>
	 */
	public function list(): array {
		global $wpdb;
		$table = Schema::table( 'connections' );
		$rows  = $wpdb->get_results( "SELECT * FROM {$table} ORDER BY id", ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return is_array( $rows ) ? $rows : array();
	}

	/**
	 * Changes some columns of a connection.
	 *
	 * @since 0.2.0
	 * @param int                  $id     Connection id.
	 * @param array<string, mixed> $fields Columns: name, kind, enabled, mailbox_address, settings (array), secret, client_secret.
	 * @throws \RuntimeException When the row cannot be written.
	 */
	public function update( int $id, array $fields ): void {
		global $wpdb;
		if ( isset( $fields['settings'] ) ) {
			$fields['settings'] = wp_json_encode( $fields['settings'] );
		}
		if ( isset( $fields['enabled'] ) ) {
			$fields['enabled'] = $fields['enabled'] ? 1 : 0;
		}
		$fields['updated_at'] = current_time( 'mysql', true );
		if ( false === $wpdb->update( Schema::table( 'connections' ), $fields, array( 'id' => $id ) ) ) {
			throw new \RuntimeException( 'Could not save the connection: ' . $wpdb->last_error );
		}
	}

	/**
	 * Deletes a connection and its mailbox state; tickets keep their history.
	 *
	 * @since 0.2.0
	 * @param int $id Connection id.
	 */
	public function delete( int $id ): void {
		global $wpdb;
		Transaction::run(
			static function () use ( $wpdb, $id ): void {
				$wpdb->delete( Schema::table( 'mailbox_state' ), array( 'connection_id' => $id ) );
				$wpdb->delete( Schema::table( 'connections' ), array( 'id' => $id ) );
			}
		);
	}

	/**
	 * The sidecar's state row of a connection (status, codes, times), or null before its first run.
	 *
	 * @since 0.2.0
	 * @param int $id Connection id.
	 * @return array<string, mixed>|null
	 */
	public function state( int $id ): ?array {
		global $wpdb;
		$table = Schema::table( 'mailbox_state' );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT status, status_code, status_detail, last_checked_at, last_success_at, lease_owner, lease_until, grant_account, grant_expires_at FROM {$table} WHERE connection_id = %d", $id ), ARRAY_A );
		return is_array( $row ) ? $row : null;
	}
}
