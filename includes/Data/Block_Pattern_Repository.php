<?php
/**
 * Stores the block lists.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Data;

use Email_Piping\Install\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * All SQL about epipe_block_patterns.
 *
 * @since 0.2.0
 */
final class Block_Pattern_Repository {

	/**
	 * Patterns, optionally of one kind, oldest first.
	 *
	 * @since 0.2.0
	 * @param string|null $kind "sender", "subject" or null for both.
	 * @return array<int, array<string, mixed>>
	 */
	public function list( ?string $kind = null ): array {
		global $wpdb;
		$table = Schema::table( 'block_patterns' );
		// phpcs:disable WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$rows = null === $kind
			? $wpdb->get_results( "SELECT * FROM {$table} ORDER BY kind, id", ARRAY_A )
			: $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE kind = %s ORDER BY id", $kind ), ARRAY_A );
		// phpcs:enable
		return array_map( array( $this, 'shape' ), is_array( $rows ) ? $rows : array() );
	}

	/**
	 * One pattern, or null.
	 *
	 * @since 0.2.0
	 * @param int $id Pattern id.
	 * @return array<string, mixed>|null
	 */
	public function find( int $id ): ?array {
		global $wpdb;
		$table = Schema::table( 'block_patterns' );
		$row   = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE id = %d", $id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return is_array( $row ) ? $this->shape( $row ) : null;
	}

	/**
	 * Number of stored patterns.
	 *
	 * @since 0.2.0
	 */
	public function count(): int {
		global $wpdb;
		$table = Schema::table( 'block_patterns' );
		return (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$table}" ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Adds a pattern.
	 *
	 * @since 0.2.0
	 * @param string $kind       sender | subject.
	 * @param string $pattern    Pattern.
	 * @param string $match_type exact | wildcard | regex.
	 */
	public function insert( string $kind, string $pattern, string $match_type ): int {
		global $wpdb;
		$ok = $wpdb->insert(
			Schema::table( 'block_patterns' ),
			array(
				'kind'       => $kind,
				'pattern'    => $pattern,
				'match_type' => $match_type,
				'created_at' => current_time( 'mysql', true ),
			)
		);
		Transaction::check( $ok, 'block pattern' );
		return (int) $wpdb->insert_id;
	}

	/**
	 * Changes a pattern.
	 *
	 * @since 0.2.0
	 * @param int    $id         Pattern id.
	 * @param string $kind       sender | subject.
	 * @param string $pattern    Pattern.
	 * @param string $match_type exact | wildcard | regex.
	 */
	public function update( int $id, string $kind, string $pattern, string $match_type ): void {
		global $wpdb;
		$ok = $wpdb->update(
			Schema::table( 'block_patterns' ),
			array(
				'kind'       => $kind,
				'pattern'    => $pattern,
				'match_type' => $match_type,
			),
			array( 'id' => $id )
		);
		Transaction::check( $ok, 'block pattern' );
	}

	/**
	 * Deletes a pattern.
	 *
	 * @since 0.2.0
	 * @param int $id Pattern id.
	 */
	public function delete( int $id ): void {
		global $wpdb;
		$wpdb->delete( Schema::table( 'block_patterns' ), array( 'id' => $id ) );
	}

	/**
	 * Row with typed values.
	 *
	 * @param array<string, mixed> $row Row.
	 * @return array<string, mixed>
	 */
	private function shape( array $row ): array {
		return array(
			'id'         => (int) $row['id'],
			'kind'       => (string) $row['kind'],
			'pattern'    => (string) $row['pattern'],
			'match_type' => (string) $row['match_type'],
			'created_at' => (string) $row['created_at'],
		);
	}
}
