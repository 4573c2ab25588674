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

	/** Days a permanently bouncing address is not written to, unless it writes to us first. */
	public const BOUNCE_HOLD_DAYS = 60;

	/**
	 * The addresses among these that bounced for good within BOUNCE_HOLD_DAYS and have not
	 * written to us since (on this ticket or one of their own).
	 *
	 * @since 0.3.0
	 * @param string[] $addresses Lower-case addresses.
	 * @param int      $ticket_id The ticket being notified about.
	 * @return string[]
	 */
	public function bouncing( array $addresses, int $ticket_id ): array {
		global $wpdb;
		if ( array() === $addresses ) {
			return array();
		}
		$bounced   = Schema::table( 'bounced_addresses' );
		$threads   = Schema::table( 'threads' );
		$tickets   = Schema::table( 'tickets' );
		$customers = Schema::table( 'customers' );
		$in        = implode( ',', array_fill( 0, count( $addresses ), '%s' ) );
		// phpcs:disable WordPress.DB.PreparedSQL.InterpolatedNotPrepared, WordPress.DB.PreparedSQLPlaceholders.UnfinishedPrepare
		$sql  = "SELECT b.email FROM {$bounced} b
			WHERE b.email IN ({$in})
			AND b.bounced_at > UTC_TIMESTAMP() - INTERVAL %d DAY
			AND NOT EXISTS (
				SELECT 1 FROM {$threads} th
				WHERE th.from_address = b.email AND th.created_at > b.bounced_at AND th.type <> 'bounce'
				AND ( th.ticket_id = %d OR th.ticket_id IN (
					SELECT tk.id FROM {$tickets} tk JOIN {$customers} cu ON cu.id = tk.customer_id WHERE cu.email = b.email
				) )
			)";
		$rows = $wpdb->get_col( $wpdb->prepare( $sql, array_merge( $addresses, array( self::BOUNCE_HOLD_DAYS, $ticket_id ) ) ) );
		// phpcs:enable
		return array_map( 'strval', is_array( $rows ) ? $rows : array() );
	}
}
