<?php
/**
 * Reads attachment rows.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Data;

use Email_Piping\Install\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * All SQL about epipe_attachments (written by the sidecar).
 *
 * @since 0.2.0
 */
final class Attachment_Repository {

	/**
	 * One attachment, or null.
	 *
	 * @since 0.2.0
	 * @param int $id Attachment id.
	 * @return array<string, mixed>|null
	 */
	public function find( int $id ): ?array {
		global $wpdb;
		$table = Schema::table( 'attachments' );
		$row   = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE id = %d", $id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return is_array( $row ) ? $row : null;
	}

	/**
	 * Every attachment of a ticket, stored or refused, in thread order.
	 *
	 * @since 0.2.0
	 * @param int $ticket_id Ticket.
	 * @return array<int, array<string, mixed>>
	 */
	public function for_ticket( int $ticket_id ): array {
		global $wpdb;
		$table = Schema::table( 'attachments' );
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE ticket_id = %d ORDER BY thread_id, id", $ticket_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return is_array( $rows ) ? $rows : array();
	}
}
