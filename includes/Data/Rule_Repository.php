<?php
/**
 * Stores piping rules.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Data;

use Email_Piping\Install\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * All SQL about epipe_rules. Conditions and actions are JSON, decoded here.
 *
 * @since 0.2.0
 */
final class Rule_Repository {

	/**
	 * Every rule in the order the sidecar applies them.
	 *
	 * @since 0.2.0
	 * @return array<int, array<string, mixed>>
	 */
	public function list(): array {
		global $wpdb;
		$table = Schema::table( 'rules' );
		$rows  = $wpdb->get_results( "SELECT * FROM {$table} ORDER BY position, id", ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return array_map( array( $this, 'decode' ), is_array( $rows ) ? $rows : array() );
	}

	/**
	 * One rule, or null.
	 *
	 * @since 0.2.0
	 * @param int $id Rule id.
	 * @return array<string, mixed>|null
	 */
	public function find( int $id ): ?array {
		global $wpdb;
		$table = Schema::table( 'rules' );
		$row   = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE id = %d", $id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return is_array( $row ) ? $this->decode( $row ) : null;
	}

	/**
	 * Adds a rule at the end of the order.
	 *
	 * @since 0.2.0
	 * @param array{name: string, enabled: bool, conditions: array<int, array<string, string>>, actions: array<string, mixed>, continue_matching: bool} $rule Values.
	 */
	public function insert( array $rule ): int {
		global $wpdb;
		$table = Schema::table( 'rules' );
		$next  = (int) $wpdb->get_var( "SELECT COALESCE(MAX(position), 0) + 1 FROM {$table}" ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$now   = current_time( 'mysql', true );
		$ok    = $wpdb->insert( $table, $this->encode( $rule ) + array( 'position' => $next, 'created_at' => $now, 'updated_at' => $now ) );
		Transaction::check( $ok, 'rule' );
		return (int) $wpdb->insert_id;
	}

	/**
	 * Replaces a rule's values (not its position).
	 *
	 * @since 0.2.0
	 * @param int                                                                                                                                      $id   Rule id.
	 * @param array{name: string, enabled: bool, conditions: array<int, array<string, string>>, actions: array<string, mixed>, continue_matching: bool} $rule Values.
	 */
	public function update( int $id, array $rule ): void {
		global $wpdb;
		$ok = $wpdb->update( Schema::table( 'rules' ), $this->encode( $rule ) + array( 'updated_at' => current_time( 'mysql', true ) ), array( 'id' => $id ) );
		Transaction::check( $ok, 'rule' );
	}

	/**
	 * Deletes a rule.
	 *
	 * @since 0.2.0
	 * @param int $id Rule id.
	 */
	public function delete( int $id ): void {
		global $wpdb;
		$wpdb->delete( Schema::table( 'rules' ), array( 'id' => $id ) );
	}

	/**
	 * Gives the listed rules positions 1..n in the given order, in one transaction.
	 *
	 * @since 0.2.0
	 * @param int[] $ids Every rule id, in the new order.
	 */
	public function reorder( array $ids ): void {
		global $wpdb;
		$table = Schema::table( 'rules' );
		Transaction::run(
			static function () use ( $wpdb, $table, $ids ): void {
				foreach ( array_values( $ids ) as $index => $id ) {
					$ok = $wpdb->query( $wpdb->prepare( "UPDATE {$table} SET position = %d WHERE id = %d", $index + 1, $id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
					Transaction::check( $ok, 'rule order' );
				}
			}
		);
	}

	/**
	 * Row values for a rule.
	 *
	 * @param array<string, mixed> $rule Rule.
	 * @return array<string, mixed>
	 */
	private function encode( array $rule ): array {
		return array(
			'name'              => (string) $rule['name'],
			'enabled'           => $rule['enabled'] ? 1 : 0,
			'conditions'        => (string) wp_json_encode( array_values( $rule['conditions'] ) ),
			// An empty actions list must still be a JSON object for the sidecar.
			'actions'           => (string) wp_json_encode( (object) $rule['actions'] ),
			'continue_matching' => $rule['continue_matching'] ? 1 : 0,
		);
	}

	/**
	 * A row with its JSON decoded and types restored.
	 *
	 * @param array<string, mixed> $row Row.
	 * @return array<string, mixed>
	 */
	private function decode( array $row ): array {
		$conditions = json_decode( (string) $row['conditions'], true );
		$actions    = json_decode( (string) $row['actions'], true );
		return array(
			'id'                => (int) $row['id'],
			'position'          => (int) $row['position'],
			'name'              => (string) $row['name'],
			'enabled'           => 1 === (int) $row['enabled'],
			'conditions'        => is_array( $conditions ) ? $conditions : array(),
			'actions'           => is_array( $actions ) ? $actions : array(),
			'continue_matching' => 1 === (int) $row['continue_matching'],
			'created_at'        => (string) $row['created_at'],
			'updated_at'        => (string) $row['updated_at'],
		);
	}
}
