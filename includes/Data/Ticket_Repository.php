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
	 * Tickets by latest activity, with the customer's address and the number of threads.
	 *
	 * @since 0.1.0
	 * @param int                                                   $page     1-based page.
	 * @param int                                                   $per_page Rows per page.
	 * @param array{status?: string, search?: string, assignee_id?: int} $filters  Filters.
	 * @return array{items: array<int, array<string, mixed>>, total: int}
	 */
	public function list( int $page, int $per_page, array $filters = array() ): array {
		global $wpdb;
		$tickets   = Schema::table( 'tickets' );
		$customers = Schema::table( 'customers' );
		$threads   = Schema::table( 'threads' );
		$offset    = max( 0, ( $page - 1 ) * $per_page );
		$where     = array( '1=1' );
		$args      = array();
		if ( isset( $filters['status'] ) && '' !== $filters['status'] ) {
			$where[] = 't.status = %s';
			$args[]  = $filters['status'];
		}
		if ( isset( $filters['assignee_id'] ) ) {
			$where[] = 't.assignee_id = %d';
			$args[]  = $filters['assignee_id'];
		}
		if ( isset( $filters['search'] ) && '' !== trim( $filters['search'] ) ) {
			$search = trim( $filters['search'] );
			$like   = '%' . $wpdb->esc_like( $search ) . '%';
			$where[] = '(t.subject LIKE %s OR c.email LIKE %s OR c.name LIKE %s OR t.id = %d)';
			array_push( $args, $like, $like, $like, ctype_digit( ltrim( $search, '#' ) ) ? (int) ltrim( $search, '#' ) : 0 );
		}
		$sql_where = implode( ' AND ', $where );
		// phpcs:disable WordPress.DB.PreparedSQL.InterpolatedNotPrepared, WordPress.DB.PreparedSQLPlaceholders -- table names are ours; the WHERE is built from fixed fragments.
		$items = $wpdb->get_results(
			$wpdb->prepare(
				"SELECT t.id, t.subject, t.status, t.priority, t.category, t.assignee_id, t.created_at, t.updated_at,
					c.email AS customer_email, c.name AS customer_name,
					(SELECT COUNT(*) FROM {$threads} th WHERE th.ticket_id = t.id) AS thread_count
				FROM {$tickets} t JOIN {$customers} c ON c.id = t.customer_id
				WHERE {$sql_where}
				ORDER BY t.updated_at DESC, t.id DESC LIMIT %d OFFSET %d",
				array_merge( $args, array( $per_page, $offset ) )
			),
			ARRAY_A
		);
		$count_sql = "SELECT COUNT(*) FROM {$tickets} t JOIN {$customers} c ON c.id = t.customer_id WHERE {$sql_where}";
		$total     = (int) $wpdb->get_var( array() === $args ? $count_sql : $wpdb->prepare( $count_sql, $args ) );
		// phpcs:enable
		return array(
			'items' => is_array( $items ) ? $items : array(),
			'total' => $total,
		);
	}

	/**
	 * Number of tickets per status.
	 *
	 * @since 0.2.0
	 * @return array<string, int>
	 */
	public function count_by_status(): array {
		global $wpdb;
		$tickets = Schema::table( 'tickets' );
		$rows    = $wpdb->get_results( "SELECT status, COUNT(*) AS n FROM {$tickets} GROUP BY status", ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$out     = array();
		foreach ( is_array( $rows ) ? $rows : array() as $row ) {
			$out[ (string) $row['status'] ] = (int) $row['n'];
		}
		return $out;
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
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT id, type, author_kind, customer_id, user_id, from_address, from_name, body_text, body_html, reply_text, message_id, source, created_at FROM {$threads} WHERE ticket_id = %d ORDER BY id", $ticket_id ), ARRAY_A );
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
	/**
	 * Changes ticket columns and moves its activity time.
	 *
	 * @since 0.2.0
	 * @param int                  $id     Ticket id.
	 * @param array<string, mixed> $fields Columns: status, priority, category, assignee_id, closed_at.
	 */
	public function update( int $id, array $fields ): void {
		global $wpdb;
		$fields['updated_at'] = current_time( 'mysql', true );
		Transaction::check( $wpdb->update( Schema::table( 'tickets' ), $fields, array( 'id' => $id ) ), 'ticket' );
	}

	/**
	 * Adds a thread written on the web (agent reply or note) and moves the ticket's activity time.
	 *
	 * @since 0.2.0
	 * @param array{ticket_id: int, type: string, author_kind: string, user_id: int, from_address: string, from_name: string, body_text: string} $row Values.
	 */
	public function insert_thread( array $row ): int {
		global $wpdb;
		$now = current_time( 'mysql', true );
		$ok  = $wpdb->insert(
			Schema::table( 'threads' ),
			array(
				'ticket_id'    => $row['ticket_id'],
				'type'         => $row['type'],
				'author_kind'  => $row['author_kind'],
				'customer_id'  => $row['customer_id'] ?? null,
				'user_id'      => $row['user_id'],
				'from_address' => $row['from_address'],
				'from_name'    => $row['from_name'],
				'body_text'    => $row['body_text'],
				'reply_text'   => $row['body_text'],
				'source'       => 'web',
				'created_at'   => $now,
			)
		);
		Transaction::check( $ok, 'thread' );
		$thread_id = (int) $wpdb->insert_id;
		$this->update( $row['ticket_id'], array() );
		return $thread_id;
	}

	/**
	 * Additional recipients of a ticket.
	 *
	 * @since 0.2.0
	 * @param int $ticket_id Ticket.
	 * @return array<int, array{email: string, name: string, source: string}>
	 */
	public function recipients( int $ticket_id ): array {
		global $wpdb;
		$table = Schema::table( 'ticket_recipients' );
		$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT email, name, source FROM {$table} WHERE ticket_id = %d ORDER BY id", $ticket_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return is_array( $rows ) ? $rows : array();
	}

	/**
	 * Replaces the additional recipients of a ticket.
	 *
	 * @since 0.2.0
	 * @param int      $ticket_id Ticket.
	 * @param string[] $emails    Lower-case addresses.
	 * @param string   $source    Who added them (agent, rule, cc).
	 */
	public function set_recipients( int $ticket_id, array $emails, string $source ): void {
		global $wpdb;
		$table = Schema::table( 'ticket_recipients' );
		Transaction::run(
			static function () use ( $wpdb, $table, $ticket_id, $emails, $source ): void {
				$wpdb->delete( $table, array( 'ticket_id' => $ticket_id ) );
				foreach ( array_unique( $emails ) as $email ) {
					Transaction::check(
						$wpdb->insert(
							$table,
							array(
								'ticket_id'  => $ticket_id,
								'email'      => $email,
								'source'     => $source,
								'created_at' => current_time( 'mysql', true ),
							)
						),
						'recipient'
					);
				}
			}
		);
	}

	/**
	 * The tickets of a customer, newest first (the portal's list for a logged-in customer).
	 *
	 * @since 0.3.0
	 * @param string $email Customer address.
	 * @param int    $limit Most rows.
	 * @return array<int, array<string, mixed>>
	 */
	public function for_customer_email( string $email, int $limit ): array {
		global $wpdb;
		$tickets   = Schema::table( 'tickets' );
		$customers = Schema::table( 'customers' );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT t.id, t.subject, t.status, t.updated_at, c.email AS customer_email FROM {$tickets} t JOIN {$customers} c ON c.id = t.customer_id WHERE c.email = %s ORDER BY t.id DESC LIMIT %d", strtolower( trim( $email ) ), $limit ), ARRAY_A );
		return is_array( $rows ) ? $rows : array();
	}

}
