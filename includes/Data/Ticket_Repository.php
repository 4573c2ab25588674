<?php
/**
 * Reads tickets, their threads and customers.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Data;

use Email_Piping\Install\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * All SQL about tickets.
 *
 * @since 0.1.0
 */
final class Ticket_Repository {

	/**
	 * Newest tickets first, with the customer's address and the number of threads.
	 *
	 * @since 0.1.0
	 * @param int $page     1-based page.
	 * @param int $per_page Rows per page.
	 * @return array{items: array<int, array<string, mixed>>, total: int}
	 */
	public function list( int $page, int $per_page ): array {
		global $wpdb;
		$tickets   = Schema::table( 'tickets' );
		$customers = Schema::table( 'customers' );
		$threads   = Schema::table( 'threads' );
		$offset    = max( 0, ( $page - 1 ) * $per_page );
		// phpcs:disable WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names are ours.
		$items = $wpdb->get_results(
			$wpdb->prepare(
				"SELECT t.id, t.subject, t.status, t.priority, t.created_at, t.updated_at,
					c.email AS customer_email, c.name AS customer_name,
					(SELECT COUNT(*) FROM {$threads} th WHERE th.ticket_id = t.id) AS thread_count
				FROM {$tickets} t JOIN {$customers} c ON c.id = t.customer_id
				ORDER BY t.updated_at DESC, t.id DESC LIMIT %d OFFSET %d",
				$per_page,
				$offset
			),
			ARRAY_A
		);
		$total = (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$tickets}" );
		// phpcs:enable
		return array(
			'items' => is_array( $items ) ? $items : array(),
			'total' => $total,
		);
	}

	/**
	 * One ticket with its customer, or null.
	 *
	 * @since 0.1.0
	 * @param int $id Ticket id.
	 * @return array<string, mixed>|null
	 */
	public function find( int $id ): ?array {
		global $wpdb;
		$tickets   = Schema::table( 'tickets' );
		$customers = Schema::table( 'customers' );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT t.*, c.email AS customer_email, c.name AS customer_name FROM {$tickets} t JOIN {$customers} c ON c.id = t.customer_id WHERE t.id = %d", $id ), ARRAY_A );
		return is_array( $row ) ? $row : null;
	}

	/**
	 * Threads of a ticket, oldest first.
	 *
	 * @since 0.1.0
	 * @param int $ticket_id Ticket id.
	 * @return array<int, array<string, mixed>>
	 */
	public function threads( int $ticket_id ): array {
		global $wpdb;
		$threads = Schema::table( 'threads' );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT id, type, author_kind, from_address, from_name, body_text, body_html, reply_text, message_id, source, created_at FROM {$threads} WHERE ticket_id = %d ORDER BY id", $ticket_id ), ARRAY_A );
		return is_array( $rows ) ? $rows : array();
	}

	/**
	 * One thread, or null.
	 *
	 * @since 0.1.0
	 * @param int $thread_id Thread id.
	 * @return array<string, mixed>|null
	 */
	public function thread( int $thread_id ): ?array {
		global $wpdb;
		$threads = Schema::table( 'threads' );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$threads} WHERE id = %d", $thread_id ), ARRAY_A );
		return is_array( $row ) ? $row : null;
	}
}
