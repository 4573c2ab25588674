<?php
/**
 * The log of sent notifications.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Data;

use Email_Piping\Install\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * All SQL about epipe_notifications: one row per event, template and recipient.
 *
 * @since 0.2.0
 */
final class Notification_Repository {

	/**
	 * Whether this event already reached this recipient with this template (a retried event
	 * must not mail the recipients it reached before it failed).
	 *
	 * @since 0.2.0
	 * @param int    $event_id  Event.
	 * @param string $template  Template name.
	 * @param string $recipient Address.
	 */
	public function was_sent( int $event_id, string $template, string $recipient ): bool {
		global $wpdb;
		$table = Schema::table( 'notifications' );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return null !== $wpdb->get_var( $wpdb->prepare( "SELECT id FROM {$table} WHERE event_id = %d AND template = %s AND recipient = %s", $event_id, $template, $recipient ) );
	}

	/**
	 * Records a sent notification.
	 *
	 * @since 0.2.0
	 * @param int    $event_id   Event.
	 * @param int    $ticket_id  Ticket (0 without one).
	 * @param string $template   Template name.
	 * @param string $recipient  Address.
	 * @param string $message_id Our Message-ID.
	 */
	public function record( int $event_id, int $ticket_id, string $template, string $recipient, string $message_id ): void {
		global $wpdb;
		$wpdb->query(
			$wpdb->prepare(
				'INSERT IGNORE INTO ' . Schema::table( 'notifications' ) . ' (event_id, ticket_id, template, recipient, message_id, created_at) VALUES (%d, %d, %s, %s, %s, UTC_TIMESTAMP())', // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
				$event_id,
				$ticket_id,
				$template,
				$recipient,
				$message_id
			)
		);
	}

	/**
	 * Notifications of a ticket, oldest first.
	 *
	 * @since 0.2.0
	 * @param int $ticket_id Ticket.
	 * @return array<int, array<string, mixed>>
	 */
	public function for_ticket( int $ticket_id ): array {
		global $wpdb;
		$table = Schema::table( 'notifications' );
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE ticket_id = %d ORDER BY id", $ticket_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return is_array( $rows ) ? $rows : array();
	}
}
