<?php
/**
 * Reads and discards quarantined emails.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Data;

use Email_Piping\Install\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * All SQL about epipe_quarantine (written by the sidecar).
 *
 * @since 0.2.0
 */
final class Quarantine_Repository {

	/** Columns listed (never the raw email). */
	private const COLUMNS = 'id, connection_id, source_key, message_id, from_address, subject, reason, detail, blob_id, size_bytes, attempts, status, created_at, updated_at';

	/**
	 * A filtered page, newest first.
	 *
	 * @since 0.2.0
	 * @param string|null $status        Status, or null for all but discarded.
	 * @param int|null    $connection_id Connection.
	 * @param int         $page          1-based page.
	 * @param int         $per_page      Rows per page.
	 * @return array{items: array<int, array<string, mixed>>, total: int}
	 */
	public function list( ?string $status, ?int $connection_id, int $page, int $per_page ): array {
		global $wpdb;
		$table = Schema::table( 'quarantine' );
		$where = null === $status ? "status <> 'discarded'" : $wpdb->prepare( 'status = %s', $status );
		if ( null !== $connection_id ) {
			$where .= $wpdb->prepare( ' AND connection_id = %d', $connection_id );
		}
		// phpcs:disable WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- $where is prepared above.
		$total = (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$table} WHERE {$where}" );
		$items = $wpdb->get_results( $wpdb->prepare( 'SELECT ' . self::COLUMNS . " FROM {$table} WHERE {$where} ORDER BY id DESC LIMIT %d OFFSET %d", $per_page, max( 0, ( $page - 1 ) * $per_page ) ), ARRAY_A );
		// phpcs:enable
		return array(
			'items' => is_array( $items ) ? $items : array(),
			'total' => $total,
		);
	}

	/**
	 * One quarantined email, or null.
	 *
	 * @since 0.2.0
	 * @param int $id Quarantine id.
	 * @return array<string, mixed>|null
	 */
	public function find( int $id ): ?array {
		global $wpdb;
		$table = Schema::table( 'quarantine' );
		$row   = $wpdb->get_row( $wpdb->prepare( 'SELECT ' . self::COLUMNS . " FROM {$table} WHERE id = %d", $id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return is_array( $row ) ? $row : null;
	}

	/**
	 * Marks an email discarded and deletes its raw content; the row stays so the sidecar knows
	 * not to quarantine the same source message again.
	 *
	 * @since 0.2.0
	 * @param int $id Quarantine id.
	 */
	public function discard( int $id ): void {
		global $wpdb;
		$row = $this->find( $id );
		if ( null === $row ) {
			return;
		}
		$blobs = new Blob_Repository();
		Transaction::run(
			static function () use ( $wpdb, $row, $id, $blobs ): void {
				if ( null !== $row['blob_id'] ) {
					$blobs->delete( (int) $row['blob_id'] );
				}
				$ok = $wpdb->update(
					Schema::table( 'quarantine' ),
					array(
						'status'     => 'discarded',
						'blob_id'    => null,
						'updated_at' => current_time( 'mysql', true ),
					),
					array( 'id' => $id )
				);
				Transaction::check( $ok, 'quarantine' );
			}
		);
	}
}
