<?php
/**
 * Requests for the sidecar.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Data;

use Email_Piping\Install\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * All SQL about epipe_jobs. WordPress inserts pending jobs; the sidecar claims, runs and
 * finishes them (status running → done | failed, result JSON).
 *
 * @since 0.2.0
 */
final class Job_Repository {

	/**
	 * Adds a pending job.
	 *
	 * @since 0.2.0
	 * @param string                    $type          check_connection | reprocess_quarantine | test_rules | oauth_exchange.
	 * @param int|null                  $connection_id Connection concerned.
	 * @param array<string, mixed>|null $payload       JSON payload.
	 */
	public function insert( string $type, ?int $connection_id, ?array $payload ): int {
		global $wpdb;
		$now = current_time( 'mysql', true );
		$ok  = $wpdb->insert(
			Schema::table( 'jobs' ),
			array(
				'type'          => $type,
				'connection_id' => $connection_id,
				'payload'       => null === $payload ? null : (string) wp_json_encode( (object) $payload ),
				'status'        => 'pending',
				'created_at'    => $now,
				'updated_at'    => $now,
			)
		);
		Transaction::check( $ok, 'job' );
		return (int) $wpdb->insert_id;
	}

	/**
	 * One job with payload and result decoded, or null.
	 *
	 * @since 0.2.0
	 * @param int $id Job id.
	 * @return array<string, mixed>|null
	 */
	public function find( int $id ): ?array {
		global $wpdb;
		$table = Schema::table( 'jobs' );
		$row   = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE id = %d", $id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		if ( ! is_array( $row ) ) {
			return null;
		}
		$row['payload'] = null === $row['payload'] ? null : json_decode( (string) $row['payload'], true );
		$row['result']  = null === $row['result'] ? null : json_decode( (string) $row['result'], true );
		return $row;
	}
}
