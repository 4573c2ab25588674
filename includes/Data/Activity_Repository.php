<?php
/**
 * Reads and prunes the activity log.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Data;

use Email_Piping\Install\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * All SQL about epipe_activity (written by the sidecar, one row per email).
 *
 * @since 0.2.0
 */
final class Activity_Repository {

	/**
	 * A filtered page, newest first.
	 *
	 * @since 0.2.0
	 * @param array{connection_id?: int, outcome?: string, reason?: string, reasons?: string[], not_reasons?: string[], ticket_id?: int, search?: string, after?: string, before?: string} $filters Filters (dates are UTC 'Y-m-d H:i:s'; reasons / not_reasons: reason is / is not one of these).
	 * @param int                                                                                                                                                                      $page     1-based page.
	 * @param int                                                                                                                                                                      $per_page Rows per page.
	 * @return array{items: array<int, array<string, mixed>>, total: int}
	 */
	public function list( array $filters, int $page, int $per_page ): array {
		global $wpdb;
		$table = Schema::table( 'activity' );
		$where = array( '1=1' );
		$args  = array();
		foreach ( array( 'connection_id', 'ticket_id' ) as $key ) {
			if ( isset( $filters[ $key ] ) ) {
				$where[] = "{$key} = %d";
				$args[]  = $filters[ $key ];
			}
		}
		foreach ( array( 'outcome', 'reason' ) as $key ) {
			if ( isset( $filters[ $key ] ) ) {
				$where[] = "{$key} = %s";
				$args[]  = $filters[ $key ];
			}
		}
		if ( ! empty( $filters['reasons'] ) ) {
			$where[] = 'reason IN (' . implode( ', ', array_fill( 0, count( $filters['reasons'] ), '%s' ) ) . ')';
			array_push( $args, ...array_values( $filters['reasons'] ) );
		}
		if ( ! empty( $filters['not_reasons'] ) ) {
			// A NULL reason is not one of them either.
			$where[] = '(reason IS NULL OR reason NOT IN (' . implode( ', ', array_fill( 0, count( $filters['not_reasons'] ), '%s' ) ) . '))';
			array_push( $args, ...array_values( $filters['not_reasons'] ) );
		}
		if ( isset( $filters['after'] ) ) {
			$where[] = 'created_at >= %s';
			$args[]  = $filters['after'];
		}
		if ( isset( $filters['before'] ) ) {
			$where[] = 'created_at < %s';
			$args[]  = $filters['before'];
		}
		if ( isset( $filters['search'] ) && '' !== $filters['search'] ) {
			$like    = '%' . $wpdb->esc_like( $filters['search'] ) . '%';
			$where[] = '(subject LIKE %s OR from_address LIKE %s OR message_id LIKE %s)';
			array_push( $args, $like, $like, $like );
		}
		$sql_where = implode( ' AND ', $where );
		// phpcs:disable WordPress.DB.PreparedSQL.InterpolatedNotPrepared, WordPress.DB.PreparedSQLPlaceholders -- the WHERE is built from fixed fragments above.
		$count_sql = "SELECT COUNT(*) FROM {$table} WHERE {$sql_where}";
		$total     = (int) $wpdb->get_var( array() === $args ? $count_sql : $wpdb->prepare( $count_sql, $args ) );
		$items     = $wpdb->get_results(
			$wpdb->prepare( "SELECT * FROM {$table} WHERE {$sql_where} ORDER BY id DESC LIMIT %d OFFSET %d", array_merge( $args, array( $per_page, max( 0, ( $page - 1 ) * $per_page ) ) ) ),
			ARRAY_A
		);
		// phpcs:enable
		return array(
			'items' => is_array( $items ) ? $items : array(),
			'total' => $total,
		);
	}

	/**
	 * How many emails of each connection had each outcome and reason in a time range: one
	 * grouped query for every connection, read through the created_at index (a range of it;
	 * each row in the range is then read from the table). A covering index (created_at,
	 * connection_id, outcome, reason) would make it index-only on very busy sites; it is not
	 * added here, because a schema change needs a new schema version the sidecar agrees on.
	 *
	 * @since 0.3.0
	 * @param string $after  Start, inclusive (UTC 'Y-m-d H:i:s').
	 * @param string $before End, exclusive (UTC 'Y-m-d H:i:s').
	 * @return array<int, array{connection_id: int, outcome: string, reason: string, n: int}>
	 */
	public function count_by_connection( string $after, string $before ): array {
		global $wpdb;
		$table = Schema::table( 'activity' );
		$rows  = $wpdb->get_results(
			// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			$wpdb->prepare( "SELECT connection_id, outcome, reason, COUNT(*) AS n FROM {$table} WHERE created_at >= %s AND created_at < %s AND connection_id IS NOT NULL GROUP BY connection_id, outcome, reason", $after, $before ),
			ARRAY_A
		);
		return array_map(
			static fn ( array $row ): array => array(
				'connection_id' => (int) $row['connection_id'],
				'outcome'       => (string) $row['outcome'],
				'reason'        => (string) $row['reason'],
				'n'             => (int) $row['n'],
			),
			is_array( $rows ) ? $rows : array()
		);
	}

	/**
	 * Deletes rows older than the retention period, in small batches so no lock is held long.
	 *
	 * @since 0.2.0
	 * @param int $days Retention in days.
	 * @return int Rows deleted.
	 */
	public function prune( int $days ): int {
		global $wpdb;
		$table   = Schema::table( 'activity' );
		$deleted = 0;
		do {
			// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			$n        = (int) $wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE created_at < DATE_SUB(UTC_TIMESTAMP(), INTERVAL %d DAY) LIMIT 1000", $days ) );
			$deleted += $n;
		} while ( 1000 === $n );
		return $deleted;
	}
}
