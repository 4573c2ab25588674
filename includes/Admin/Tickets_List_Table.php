<?php
/**
 * The agents' ticket list in wp-admin.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Admin;

use Email_Piping\Domain\Ticket_Fields;
use Email_Piping\Services\Messages;
use Email_Piping\Services\Ticket_Service;

defined( 'ABSPATH' ) || exit;

if ( ! class_exists( '\WP_List_Table' ) ) {
	require_once ABSPATH . 'wp-admin/includes/class-wp-list-table.php';
}

/**
 * A WP_List_Table of tickets: status views with counts, search, paging; everything escaped.
 *
 * @since 0.2.0
 */
final class Tickets_List_Table extends \WP_List_Table {

	/** Tickets per page. */
	private const PER_PAGE = 20;

	/**
	 * Display names of agents by user id.
	 *
	 * @var array<int, string>
	 */
	private array $agent_names = array();

	/**
	 * Creates the table.
	 *
	 * @since 0.2.0
	 * @param Ticket_Service $tickets Tickets.
	 * @param string         $screen  Screen id (the page's hook suffix).
	 */
	public function __construct( private Ticket_Service $tickets, string $screen ) {
		parent::__construct(
			array(
				'singular' => 'ticket',
				'plural'   => 'tickets',
				'ajax'     => false,
				'screen'   => $screen,
			)
		);
	}

	/**
	 * Columns.
	 *
	 * @since 0.2.0
	 * @return array<string, string>
	 */
	public function get_columns() {
		return array(
			'subject'  => __( 'Ticket', 'email-piping' ),
			'customer' => __( 'Customer', 'email-piping' ),
			'status'   => __( 'Status', 'email-piping' ),
			'priority' => __( 'Priority', 'email-piping' ),
			'category' => __( 'Category', 'email-piping' ),
			'assignee' => __( 'Assignee', 'email-piping' ),
			'updated'  => __( 'Last activity', 'email-piping' ),
		);
	}

	/**
	 * Loads the current page.
	 *
	 * @since 0.2.0
	 */
	public function prepare_items(): void {
		$filters = array();
		$status  = $this->current_status();
		if ( '' !== $status ) {
			$filters['status'] = $status;
		}
		$search = isset( $_GET['s'] ) ? sanitize_text_field( wp_unslash( $_GET['s'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- a read-only filter.
		if ( '' !== $search ) {
			$filters['search'] = $search;
		}
		foreach ( $this->tickets->agents() as $agent ) {
			$this->agent_names[ $agent['id'] ] = $agent['name'];
		}
		$result                = $this->tickets->list( $this->get_pagenum(), self::PER_PAGE, $filters );
		$this->items           = $result['items'];
		$this->_column_headers = array( $this->get_columns(), array(), array(), 'subject' );
		$this->set_pagination_args(
			array(
				'total_items' => $result['total'],
				'per_page'    => self::PER_PAGE,
			)
		);
	}

	/**
	 * Status filter links with counts.
	 *
	 * @since 0.2.0
	 * @return array<string, string>
	 */
	protected function get_views() {
		$counts  = $this->tickets->counts();
		$current = $this->current_status();
		$base    = Tickets_Screen::url();
		$views   = array(
			'all' => sprintf(
				'<a href="%s"%s>%s <span class="count">(%d)</span></a>',
				esc_url( $base ),
				'' === $current ? ' class="current" aria-current="page"' : '',
				esc_html__( 'All', 'email-piping' ),
				array_sum( $counts )
			),
		);
		foreach ( Ticket_Fields::STATUSES as $status ) {
			$views[ $status ] = sprintf(
				'<a href="%s"%s>%s <span class="count">(%d)</span></a>',
				esc_url( add_query_arg( 'status', $status, $base ) ),
				$status === $current ? ' class="current" aria-current="page"' : '',
				esc_html( Messages::status_label( $status ) ),
				(int) ( $counts[ $status ] ?? 0 )
			);
		}
		return $views;
	}

	/**
	 * The subject cell: number, linked subject (the row's primary column).
	 *
	 * @since 0.2.0
	 * @param array<string, mixed> $item Row.
	 */
	protected function column_subject( $item ): string {
		return sprintf(
			'<strong><a class="row-title" href="%1$s">#%2$d %3$s</a></strong>',
			esc_url( Tickets_Screen::url( (int) $item['id'] ) ),
			(int) $item['id'],
			esc_html( '' !== (string) $item['subject'] ? (string) $item['subject'] : __( '(no subject)', 'email-piping' ) )
		);
	}

	/**
	 * The customer cell.
	 *
	 * @since 0.2.0
	 * @param array<string, mixed> $item Row.
	 */
	protected function column_customer( $item ): string {
		$name = (string) $item['customer_name'];
		return ( '' !== $name ? esc_html( $name ) . '<br />' : '' ) . '<span class="epipe-tickets__email">' . esc_html( (string) $item['customer_email'] ) . '</span>';
	}

	/**
	 * The status cell.
	 *
	 * @since 0.2.0
	 * @param array<string, mixed> $item Row.
	 */
	protected function column_status( $item ): string {
		return '<span class="epipe-tickets__status is-' . esc_attr( (string) $item['status'] ) . '">' . esc_html( Messages::status_label( (string) $item['status'] ) ) . '</span>';
	}

	/**
	 * The priority cell.
	 *
	 * @since 0.2.0
	 * @param array<string, mixed> $item Row.
	 */
	protected function column_priority( $item ): string {
		return esc_html( Messages::priority_label( (string) $item['priority'] ) );
	}

	/**
	 * The category cell.
	 *
	 * @since 0.2.0
	 * @param array<string, mixed> $item Row.
	 */
	protected function column_category( $item ): string {
		return '' !== (string) $item['category'] ? esc_html( (string) $item['category'] ) : '<span aria-hidden="true">—</span><span class="screen-reader-text">' . esc_html__( 'None', 'email-piping' ) . '</span>';
	}

	/**
	 * The assignee cell.
	 *
	 * @since 0.2.0
	 * @param array<string, mixed> $item Row.
	 */
	protected function column_assignee( $item ): string {
		$id = (int) $item['assignee_id'];
		return $id > 0 ? esc_html( $this->agent_names[ $id ] ?? '#' . $id ) : esc_html__( 'Unassigned', 'email-piping' );
	}

	/**
	 * The last-activity cell.
	 *
	 * @since 0.2.0
	 * @param array<string, mixed> $item Row.
	 */
	protected function column_updated( $item ): string {
		$time = (int) strtotime( (string) $item['updated_at'] . ' UTC' );
		return sprintf(
			'<time datetime="%1$s" title="%2$s">%3$s</time>',
			esc_attr( gmdate( 'c', $time ) ),
			esc_attr( wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), $time ) ),
			/* translators: %s: human time difference, e.g. "5 mins". */
			esc_html( sprintf( __( '%s ago', 'email-piping' ), human_time_diff( $time ) ) )
		);
	}

	/**
	 * Text when nothing matches.
	 *
	 * @since 0.2.0
	 */
	public function no_items(): void {
		esc_html_e( 'No tickets found.', 'email-piping' );
	}

	/**
	 * The status filter of the request.
	 */
	private function current_status(): string {
		$status = isset( $_GET['status'] ) ? sanitize_key( wp_unslash( $_GET['status'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- a read-only filter.
		return in_array( $status, Ticket_Fields::STATUSES, true ) ? $status : '';
	}
}
