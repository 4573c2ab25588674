<?php
/**
 * The events outbox: claim, complete, retry.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Data;

use Email_Piping\Install\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * Claims make two concurrent dispatchers (cron and a ping) take disjoint events.
 *
 * @since 0.1.0
 */
final class Event_Repository {

	/** Attempts before an event is parked as failed. */
	public const MAX_ATTEMPTS = 5;

	/**
	 * Adds an event to the outbox (call inside the transaction that made the change).
	 *
	 * @since 0.2.0
	 * @param string                    $type      Event type, e.g. agent_replied.
	 * @param int                       $ticket_id Ticket, 0 when there is none.
	 * @param int|null                  $thread_id Thread that caused it.
	 * @param array<string, mixed>|null $payload   JSON payload.
	 * @throws \RuntimeException When the row cannot be written.
	 */
	public function insert( string $type, int $ticket_id, ?int $thread_id, ?array $payload ): int {
		global $wpdb;
		$ok = $wpdb->insert(
			Schema::table( 'events' ),
			array(
				'type'       => $type,
				'ticket_id'  => $ticket_id,
				'thread_id'  => $thread_id,
				'payload'    => null === $payload ? null : (string) wp_json_encode( (object) $payload ),
				'status'     => 'pending',
				'created_at' => current_time( 'mysql', true ),
			)
		);
		Transaction::check( $ok, 'event' );
		return (int) $wpdb->insert_id;
	}

	/**
	 * Claims up to $limit due events for this dispatcher and returns them.
	 *
	 * The UPDATE is atomic in InnoDB, so an event is claimed by exactly one caller; a claim that
	 * is not completed within $lease_seconds (the worker died) becomes claimable again.
	 *
	 * @since 0.1.0
	 * @param string $claimer       Unique id of this dispatcher run.
	 * @param int    $limit         Most events to take.
	 * @param int    $lease_seconds How long the claim holds.
	 * @return array<int, array<string, mixed>>
	 */
	public function claim( string $claimer, int $limit, int $lease_seconds ): array {
		global $wpdb;
		$events = Schema::table( 'events' );
		// phpcs:disable WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$wpdb->query(
			$wpdb->prepare(
				"UPDATE {$events} SET status = 'sending', claimed_by = %s,
					claimed_until = DATE_ADD(UTC_TIMESTAMP(), INTERVAL %d SECOND), attempts = attempts + 1
				WHERE status = 'pending' OR (status = 'sending' AND claimed_until < UTC_TIMESTAMP())
				ORDER BY id LIMIT %d",
				$claimer,
				$lease_seconds,
				$limit
			)
		);
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$events} WHERE claimed_by = %s AND status = 'sending' ORDER BY id", $claimer ), ARRAY_A );
		// phpcs:enable
		return is_array( $rows ) ? $rows : array();
	}

	/**
	 * Marks an event done.
	 *
	 * @since 0.1.0
	 * @param int    $id      Event id.
	 * @param string $claimer The claim that did the work.
	 */
	public function complete( int $id, string $claimer ): void {
		global $wpdb;
		$wpdb->update(
			Schema::table( 'events' ),
			array(
				'status'       => 'sent',
				'processed_at' => current_time( 'mysql', true ),
				'last_error'   => null,
			),
			array(
				'id'         => $id,
				'claimed_by' => $claimer,
			)
		);
	}

	/**
	 * Releases a failed event for a later retry, or parks it after too many attempts.
	 *
	 * @since 0.1.0
	 * @param array<string, mixed> $event   The claimed row.
	 * @param string               $claimer The claim.
	 * @param string               $error   Technical reason.
	 */
	public function fail( array $event, string $claimer, string $error ): void {
		global $wpdb;
		$wpdb->update(
			Schema::table( 'events' ),
			array(
				'status'        => (int) $event['attempts'] >= self::MAX_ATTEMPTS ? 'failed' : 'pending',
				'claimed_until' => null,
				'last_error'    => substr( $error, 0, 2000 ),
			),
			array(
				'id'         => (int) $event['id'],
				'claimed_by' => $claimer,
			)
		);
	}
}
