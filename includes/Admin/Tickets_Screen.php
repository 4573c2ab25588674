<?php
/**
 * The agents' ticket screens in wp-admin: list and ticket view.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Admin;

use Email_Piping\Capabilities;
use Email_Piping\Domain\Ticket_Fields;
use Email_Piping\Exception\Validation_Exception;
use Email_Piping\Services\Attachment_Service;
use Email_Piping\Services\Messages;
use Email_Piping\Services\Settings_Service;
use Email_Piping\Services\Ticket_Service;

defined( 'ABSPATH' ) || exit;

/**
 * Server-rendered, so they work without JavaScript and load fast: "Email Piping › Tickets".
 *
 * Mail content is untrusted: text is escaped; HTML bodies (already sanitised by the sidecar)
 * pass a strict allow-list again here, with `cid:` images pointed at the attachment endpoint
 * and every other image dropped. Forms post to admin-post.php with a nonce per ticket, and go
 * through the same Ticket_Service — and so the same outbox and notifications — as REST.
 *
 * @since 0.2.0
 */
final class Tickets_Screen {

	public const SLUG = 'email-piping-tickets';

	/** Prefix of the one-shot notice transient, per user. */
	private const NOTICE = 'epipe_ticket_notice_';

	/**
	 * Hook suffix of the page.
	 *
	 * @var string
	 */
	private string $hook_suffix = '';

	/**
	 * Wires the services.
	 *
	 * @since 0.2.0
	 * @param Ticket_Service     $tickets     Tickets.
	 * @param Settings_Service   $settings    Settings (categories, body preference).
	 * @param Attachment_Service $attachments Attachments.
	 */
	public function __construct( private Ticket_Service $tickets, private Settings_Service $settings, private Attachment_Service $attachments ) {}

	/**
	 * Registers hooks.
	 *
	 * @since 0.2.0
	 */
	public function register(): void {
		add_action( 'admin_menu', array( $this, 'add_menu' ), 20 );
		add_action( 'admin_enqueue_scripts', array( $this, 'enqueue' ) );
		foreach ( array( 'reply', 'note', 'update' ) as $action ) {
			add_action( 'admin_post_epipe_ticket_' . $action, array( $this, 'handle_' . $action ) );
		}
	}

	/**
	 * URL of the list, or of one ticket.
	 *
	 * @since 0.2.0
	 * @param int $ticket_id Ticket, or 0 for the list.
	 */
	public static function url( int $ticket_id = 0 ): string {
		$args = array( 'page' => self::SLUG );
		if ( $ticket_id > 0 ) {
			$args['ticket'] = $ticket_id;
		}
		return add_query_arg( $args, admin_url( 'admin.php' ) );
	}

	/**
	 * Adds "Tickets" under the Email Piping menu.
	 *
	 * @since 0.2.0
	 */
	public function add_menu(): void {
		$this->hook_suffix = (string) add_submenu_page(
			Admin_Page::SLUG,
			__( 'Tickets', 'email-piping' ),
			__( 'Tickets', 'email-piping' ),
			Capabilities::WORK_TICKETS,
			self::SLUG,
			array( $this, 'render' )
		);
	}

	/**
	 * A few styles, on this page only.
	 *
	 * @since 0.2.0
	 * @param string $hook_suffix Current page.
	 */
	public function enqueue( string $hook_suffix ): void {
		if ( $hook_suffix !== $this->hook_suffix ) {
			return;
		}
		wp_register_style( 'epipe-tickets', false, array(), EPIPE_VERSION );
		wp_enqueue_style( 'epipe-tickets' );
		wp_add_inline_style(
			'epipe-tickets',
			'.epipe-ticket__layout{display:flex;gap:24px;align-items:flex-start;flex-wrap:wrap}'
			. '.epipe-ticket__main{flex:1 1 560px;min-width:0}.epipe-ticket__side{flex:0 1 300px}'
			. '.epipe-ticket__thread{list-style:none;margin:0;padding:0}'
			. '.epipe-ticket__message{background:#fff;border:1px solid #c3c4c7;border-left-width:4px;padding:12px 16px;margin:0 0 12px}'
			. '.epipe-ticket__message.is-agent{border-left-color:#2271b1}.epipe-ticket__message.is-note{background:#fcf9e8;border-left-color:#dba617}'
			. '.epipe-ticket__message h3{margin:0;font-size:14px}.epipe-ticket__meta{color:#50575e;margin:2px 0 8px}'
			. '.epipe-ticket__body{overflow-wrap:anywhere}.epipe-ticket__body img{max-width:100%;height:auto}'
			. '.epipe-ticket__text{white-space:pre-wrap;font-family:inherit;margin:0}'
			. '.epipe-ticket__side .postbox{padding:0 12px 12px}.epipe-ticket__field{margin:0 0 10px}.epipe-ticket__field label{display:block;font-weight:600;margin-bottom:2px}'
			. '.epipe-ticket__field select,.epipe-ticket__field textarea{width:100%}.epipe-ticket__reply textarea{width:100%}'
			. '.epipe-tickets__status.is-open{font-weight:600}.epipe-tickets__email{color:#50575e}'
		);
	}

	/**
	 * Prints the list or one ticket.
	 *
	 * @since 0.2.0
	 */
	public function render(): void {
		if ( ! current_user_can( Capabilities::WORK_TICKETS ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to see tickets.', 'email-piping' ), 403 );
		}
		$ticket_id = isset( $_GET['ticket'] ) ? absint( $_GET['ticket'] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- navigation.
		if ( $ticket_id > 0 ) {
			$this->render_ticket( $ticket_id );
			return;
		}
		$table = new Tickets_List_Table( $this->tickets, $this->hook_suffix );
		$table->prepare_items();
		echo '<div class="wrap epipe-tickets">';
		echo '<h1 class="wp-heading-inline">' . esc_html__( 'Tickets', 'email-piping' ) . '</h1><hr class="wp-header-end" />';
		$this->render_notice();
		$table->views();
		echo '<form method="get" action="' . esc_url( admin_url( 'admin.php' ) ) . '">';
		echo '<input type="hidden" name="page" value="' . esc_attr( self::SLUG ) . '" />';
		if ( isset( $_GET['status'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification.Recommended
			echo '<input type="hidden" name="status" value="' . esc_attr( sanitize_key( wp_unslash( $_GET['status'] ) ) ) . '" />'; // phpcs:ignore WordPress.Security.NonceVerification.Recommended
		}
		$table->search_box( __( 'Search tickets', 'email-piping' ), 'epipe-ticket-search' );
		$table->display();
		echo '</form></div>';
	}

	/**
	 * Agent reply from the ticket view.
	 *
	 * @since 0.2.0
	 */
	public function handle_reply(): void {
		$ticket_id = $this->verify_post();
		$status    = isset( $_POST['status'] ) ? sanitize_key( wp_unslash( $_POST['status'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Missing -- verified in verify_post().
		$body      = $this->posted_text();
		try {
			$this->tickets->reply( $ticket_id, $body, get_current_user_id(), '' !== $status ? $status : null );
			$this->finish( $ticket_id, 'success', __( 'Reply sent.', 'email-piping' ) );
		} catch ( Validation_Exception $e ) {
			$this->finish( $ticket_id, 'error', $e->getMessage() );
		}
	}

	/**
	 * Internal note from the ticket view.
	 *
	 * @since 0.2.0
	 */
	public function handle_note(): void {
		$ticket_id = $this->verify_post();
		$body      = $this->posted_text();
		try {
			$this->tickets->note( $ticket_id, $body, get_current_user_id() );
			$this->finish( $ticket_id, 'success', __( 'Note added.', 'email-piping' ) );
		} catch ( Validation_Exception $e ) {
			$this->finish( $ticket_id, 'error', $e->getMessage() );
		}
	}

	/**
	 * Field changes from the ticket view.
	 *
	 * @since 0.2.0
	 */
	public function handle_update(): void {
		$ticket_id = $this->verify_post();
		// phpcs:disable WordPress.Security.NonceVerification.Missing -- verified in verify_post().
		$changes = array();
		foreach ( array( 'status', 'priority' ) as $field ) {
			if ( isset( $_POST[ $field ] ) ) {
				$changes[ $field ] = sanitize_key( wp_unslash( $_POST[ $field ] ) );
			}
		}
		if ( isset( $_POST['category'] ) ) {
			$changes['category'] = sanitize_text_field( wp_unslash( $_POST['category'] ) );
		}
		if ( isset( $_POST['assignee_id'] ) ) {
			$changes['assignee_id'] = absint( $_POST['assignee_id'] );
		}
		$recipients = isset( $_POST['additional_recipients'] ) ? sanitize_textarea_field( wp_unslash( $_POST['additional_recipients'] ) ) : null;
		// phpcs:enable
		try {
			$this->tickets->change( $ticket_id, $changes, get_current_user_id() );
			if ( null !== $recipients ) {
				$this->tickets->set_recipients( $ticket_id, array_values( array_filter( array_map( 'trim', (array) preg_split( '/[\s,;]+/', $recipients ) ) ) ) );
			}
			$this->finish( $ticket_id, 'success', __( 'Ticket updated.', 'email-piping' ) );
		} catch ( Validation_Exception $e ) {
			$this->finish( $ticket_id, 'error', $e->getMessage() );
		}
	}

	/**
	 * One ticket: conversation, reply and note forms, fields.
	 *
	 * @param int $ticket_id Ticket.
	 */
	private function render_ticket( int $ticket_id ): void {
		$ticket = $this->tickets->get( $ticket_id );
		if ( null === $ticket ) {
			echo '<div class="wrap"><h1>' . esc_html__( 'Ticket not found', 'email-piping' ) . '</h1><p><a href="' . esc_url( self::url() ) . '">' . esc_html__( 'Back to tickets', 'email-piping' ) . '</a></p></div>';
			return;
		}
		$attachments = array();
		foreach ( $this->tickets->attachments( $ticket_id ) as $a ) {
			$attachments[ (int) $a['thread_id'] ][] = $a;
		}
		$subject = '' !== (string) $ticket['subject'] ? (string) $ticket['subject'] : __( '(no subject)', 'email-piping' );

		echo '<div class="wrap epipe-ticket">';
		/* translators: 1: ticket number, 2: subject. */
		echo '<h1 class="wp-heading-inline">' . esc_html( sprintf( __( 'Ticket #%1$d: %2$s', 'email-piping' ), $ticket_id, $subject ) ) . '</h1>';
		echo ' <a class="page-title-action" href="' . esc_url( self::url() ) . '">' . esc_html__( 'Back to tickets', 'email-piping' ) . '</a><hr class="wp-header-end" />';
		$this->render_notice();
		echo '<div class="epipe-ticket__layout"><div class="epipe-ticket__main">';
		echo '<h2>' . esc_html__( 'Conversation', 'email-piping' ) . '</h2><ol class="epipe-ticket__thread">';
		foreach ( $this->tickets->threads( $ticket_id ) as $thread ) {
			$this->render_thread( $thread, $attachments[ (int) $thread['id'] ] ?? array() );
		}
		echo '</ol>';
		$this->render_reply_forms( $ticket_id );
		echo '</div><div class="epipe-ticket__side">';
		$this->render_fields( $ticket );
		echo '</div></div></div>';
	}

	/**
	 * What to say about a message without text: signed or encrypted mail carries its content in
	 * an S/MIME or PGP attachment, anything else was sent empty.
	 *
	 * @param array<int, array<string, mixed>> $attachments The message's attachments.
	 */
	private function empty_body_notice( array $attachments ): string {
		foreach ( $attachments as $a ) {
			$name = strtolower( (string) $a['filename'] );
			$type = strtolower( (string) ( $a['content_type'] ?? '' ) );
			if ( str_ends_with( $name, '.p7m' ) || str_contains( $type, 'pkcs7-mime' ) || str_ends_with( $name, '.pgp' ) || str_ends_with( $name, '.asc' ) || str_contains( $type, 'pgp-encrypted' ) ) {
				return __( 'This email is signed or encrypted: its content is in the attachment below and cannot be shown here.', 'email-piping' );
			}
		}
		return __( 'This email has no text.', 'email-piping' );
	}

	/**
	 * One message of the conversation.
	 *
	 * @param array<string, mixed>             $thread      Thread row.
	 * @param array<int, array<string, mixed>> $attachments Its attachments.
	 */
	private function render_thread( array $thread, array $attachments ): void {
		$id     = (int) $thread['id'];
		$kind   = in_array( $thread['type'], array( 'note', 'bounce' ), true ) ? (string) $thread['type'] : ( 'agent' === $thread['author_kind'] ? 'agent' : 'customer' );
		$labels = array(
			'note'     => __( 'Internal note', 'email-piping' ),
			'bounce'   => __( 'Delivery failure: a notification could not be delivered', 'email-piping' ),
			'agent'    => __( 'Agent reply', 'email-piping' ),
			'customer' => 'report' === $thread['type'] ? __( 'Original request', 'email-piping' ) : __( 'Customer reply', 'email-piping' ),
		);
		$name   = '' !== (string) $thread['from_name'] ? (string) $thread['from_name'] : (string) $thread['from_address'];
		$time   = (int) strtotime( (string) $thread['created_at'] . ' UTC' );
		echo '<li><article class="epipe-ticket__message is-' . esc_attr( $kind ) . '" aria-labelledby="epipe-thread-' . esc_attr( (string) $id ) . '">';
		echo '<header><h3 id="epipe-thread-' . esc_attr( (string) $id ) . '">' . esc_html( $name );
		if ( '' !== (string) $thread['from_address'] && $name !== $thread['from_address'] ) {
			echo ' <span class="epipe-ticket__address">&lt;' . esc_html( (string) $thread['from_address'] ) . '&gt;</span>';
		}
		echo '</h3><p class="epipe-ticket__meta">' . esc_html( $labels[ $kind ] ) . ' · <time datetime="' . esc_attr( gmdate( 'c', $time ) ) . '">' . esc_html( wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), $time ) ) . '</time></p></header>';

		$visible = trim( (string) $thread['reply_text'] );
		$full    = trim( (string) $thread['body_text'] );
		$html    = null !== $thread['body_html'] && 'html' === $this->settings->get( 'body_preference' ) ? $this->safe_html( (string) $thread['body_html'], $attachments ) : '';
		echo '<div class="epipe-ticket__body">';
		if ( '' === $visible && '' === $full && '' === $html ) {
			echo '<p class="epipe-ticket__empty"><em>' . esc_html( $this->empty_body_notice( $attachments ) ) . '</em></p>';
		} elseif ( '' !== $html ) {
			echo $html; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- safe_html() is wp_kses with a strict allow-list.
		} else {
			echo '<pre class="epipe-ticket__text">' . esc_html( '' !== $visible ? $visible : $full ) . '</pre>';
			if ( '' !== $visible && '' !== $full && $visible !== $full ) {
				echo '<details><summary>' . esc_html__( 'Show the whole email', 'email-piping' ) . '</summary><pre class="epipe-ticket__text">' . esc_html( $full ) . '</pre></details>';
			}
		}
		echo '</div>';
		if ( array() !== $attachments ) {
			echo '<h4 class="screen-reader-text">' . esc_html__( 'Attachments', 'email-piping' ) . '</h4><ul class="epipe-ticket__attachments">';
			foreach ( $attachments as $a ) {
				$name = Attachment_Service::safe_filename( (string) $a['filename'] );
				if ( 'stored' === $a['status'] && null !== $a['blob_id'] ) {
					printf(
						'<li><a href="%1$s" download>%2$s</a> <span class="epipe-ticket__size">(%3$s)</span></li>',
						esc_url( $this->attachment_url( (int) $a['id'], false ) ),
						esc_html( $name ),
						esc_html( size_format( (int) $a['size_bytes'] ) )
					);
				} else {
					printf( '<li>%1$s — %2$s</li>', esc_html( $name ), esc_html( Messages::attachment_refused( (string) $a['reason'] ) ) );
				}
			}
			echo '</ul>';
		}
		echo '</article></li>';
	}

	/**
	 * Reply and note forms.
	 *
	 * @param int $ticket_id Ticket.
	 */
	private function render_reply_forms( int $ticket_id ): void {
		echo '<h2 id="epipe-reply-heading">' . esc_html__( 'Reply', 'email-piping' ) . '</h2>';
		echo '<form class="epipe-ticket__reply" method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" aria-labelledby="epipe-reply-heading">';
		$this->hidden_fields( 'reply', $ticket_id );
		echo '<p><label for="epipe-reply-body">' . esc_html__( 'Your reply to the customer (sent by email)', 'email-piping' ) . '</label><br />';
		echo '<textarea id="epipe-reply-body" name="body" rows="8" required></textarea></p>';
		echo '<p><label for="epipe-reply-status">' . esc_html__( 'Status after the reply', 'email-piping' ) . '</label> ';
		echo '<select id="epipe-reply-status" name="status"><option value="">' . esc_html__( '— keep —', 'email-piping' ) . '</option>';
		foreach ( Ticket_Fields::STATUSES as $status ) {
			echo '<option value="' . esc_attr( $status ) . '">' . esc_html( Messages::status_label( $status ) ) . '</option>';
		}
		echo '</select></p>';
		submit_button( __( 'Send reply', 'email-piping' ), 'primary', 'submit', false );
		echo '</form>';

		echo '<h2 id="epipe-note-heading">' . esc_html__( 'Internal note', 'email-piping' ) . '</h2>';
		echo '<form class="epipe-ticket__reply" method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" aria-labelledby="epipe-note-heading">';
		$this->hidden_fields( 'note', $ticket_id );
		echo '<p><label for="epipe-note-body">' . esc_html__( 'Note for agents (never sent to the customer)', 'email-piping' ) . '</label><br />';
		echo '<textarea id="epipe-note-body" name="body" rows="4" required></textarea></p>';
		submit_button( __( 'Add note', 'email-piping' ), 'secondary', 'submit', false );
		echo '</form>';
	}

	/**
	 * The ticket's fields and customer.
	 *
	 * @param array<string, mixed> $ticket Ticket row.
	 */
	private function render_fields( array $ticket ): void {
		$ticket_id  = (int) $ticket['id'];
		$categories = (array) $this->settings->get( 'categories' );
		echo '<div class="postbox"><h2>' . esc_html__( 'Details', 'email-piping' ) . '</h2>';
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
		$this->hidden_fields( 'update', $ticket_id );
		$this->select( 'status', __( 'Status', 'email-piping' ), array_combine( Ticket_Fields::STATUSES, array_map( array( Messages::class, 'status_label' ), Ticket_Fields::STATUSES ) ), (string) $ticket['status'] );
		$this->select( 'priority', __( 'Priority', 'email-piping' ), array_combine( Ticket_Fields::PRIORITIES, array_map( array( Messages::class, 'priority_label' ), Ticket_Fields::PRIORITIES ) ), (string) $ticket['priority'] );
		$current = (string) $ticket['category'];
		$options = array( '' => __( '— none —', 'email-piping' ) );
		foreach ( array_unique( array_merge( $categories, '' !== $current ? array( $current ) : array() ) ) as $category ) {
			$options[ (string) $category ] = (string) $category;
		}
		$this->select( 'category', __( 'Category', 'email-piping' ), $options, $current );
		$agents = array( '0' => __( '— unassigned —', 'email-piping' ) );
		foreach ( $this->tickets->agents() as $agent ) {
			$agents[ (string) $agent['id'] ] = $agent['name'];
		}
		$this->select( 'assignee_id', __( 'Assignee', 'email-piping' ), $agents, (string) (int) $ticket['assignee_id'] );
		$recipients = array_map( static fn ( array $r ): string => (string) $r['email'], $this->tickets->recipients( $ticket_id ) );
		echo '<p class="epipe-ticket__field"><label for="epipe-field-recipients">' . esc_html__( 'Additional recipients (one per line)', 'email-piping' ) . '</label>';
		echo '<textarea id="epipe-field-recipients" name="additional_recipients" rows="3">' . esc_textarea( implode( "\n", $recipients ) ) . '</textarea></p>';
		submit_button( __( 'Update ticket', 'email-piping' ), 'secondary', 'submit', false );
		echo '</form>';
		echo '<h3>' . esc_html__( 'Customer', 'email-piping' ) . '</h3><p>';
		if ( '' !== (string) $ticket['customer_name'] ) {
			echo esc_html( (string) $ticket['customer_name'] ) . '<br />';
		}
		echo '<a href="' . esc_url( 'mailto:' . (string) $ticket['customer_email'] ) . '">' . esc_html( (string) $ticket['customer_email'] ) . '</a></p>';
		if ( ! empty( $ticket['forwarded_from'] ) ) {
			/* translators: %s: email address. */
			echo '<p>' . esc_html( sprintf( __( 'Came in through %s', 'email-piping' ), (string) $ticket['forwarded_from'] ) ) . '</p>';
		}
		echo '</div>';
	}

	/**
	 * A labelled select.
	 *
	 * @param string                $name    Field name.
	 * @param string                $label   Label.
	 * @param array<string, string> $options Values and labels.
	 * @param string                $current Selected value.
	 */
	private function select( string $name, string $label, array $options, string $current ): void {
		$id = 'epipe-field-' . str_replace( '_', '-', $name );
		echo '<p class="epipe-ticket__field"><label for="' . esc_attr( $id ) . '">' . esc_html( $label ) . '</label>';
		echo '<select id="' . esc_attr( $id ) . '" name="' . esc_attr( $name ) . '">';
		foreach ( $options as $value => $text ) {
			echo '<option value="' . esc_attr( (string) $value ) . '"' . selected( (string) $value, $current, false ) . '>' . esc_html( $text ) . '</option>';
		}
		echo '</select></p>';
	}

	/**
	 * Action, ticket id and nonce of a form.
	 *
	 * @param string $action    reply | note | update.
	 * @param int    $ticket_id Ticket.
	 */
	private function hidden_fields( string $action, int $ticket_id ): void {
		echo '<input type="hidden" name="action" value="' . esc_attr( 'epipe_ticket_' . $action ) . '" />';
		echo '<input type="hidden" name="ticket" value="' . esc_attr( (string) $ticket_id ) . '" />';
		wp_nonce_field( 'epipe_ticket_' . $action . '_' . $ticket_id );
	}

	/**
	 * Checks capability, ticket and nonce of a posted form; dies otherwise.
	 *
	 * @return int The ticket id.
	 */
	private function verify_post(): int {
		if ( ! current_user_can( Capabilities::WORK_TICKETS ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to work tickets.', 'email-piping' ), 403 );
		}
		$ticket_id = isset( $_POST['ticket'] ) ? absint( $_POST['ticket'] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked right below.
		$action    = isset( $_POST['action'] ) ? sanitize_key( wp_unslash( $_POST['action'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Missing
		check_admin_referer( $action . '_' . $ticket_id );
		if ( null === $this->tickets->get( $ticket_id ) ) {
			wp_die( esc_html__( 'Ticket not found.', 'email-piping' ), 404 );
		}
		return $ticket_id;
	}

	/**
	 * The posted reply or note: plain text kept as typed (a "<" is text, not markup; it is
	 * escaped wherever it is shown and mailed as text/plain), valid UTF-8 only.
	 */
	private function posted_text(): string {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing, WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- verified in verify_post(); plain text stored as is and escaped on output.
		return isset( $_POST['body'] ) ? wp_check_invalid_utf8( (string) wp_unslash( $_POST['body'] ) ) : '';
	}

	/**
	 * Remembers a notice for the next page view and goes back to the ticket.
	 *
	 * @param int    $ticket_id Ticket.
	 * @param string $type      success | error.
	 * @param string $message   Text.
	 */
	private function finish( int $ticket_id, string $type, string $message ): void {
		set_transient(
			self::NOTICE . get_current_user_id(),
			array(
				'type'    => $type,
				'message' => $message,
			),
			MINUTE_IN_SECONDS
		);
		wp_safe_redirect( self::url( $ticket_id ) );
		exit;
	}

	/**
	 * Prints and forgets the pending notice.
	 */
	private function render_notice(): void {
		$notice = get_transient( self::NOTICE . get_current_user_id() );
		if ( ! is_array( $notice ) ) {
			return;
		}
		delete_transient( self::NOTICE . get_current_user_id() );
		$class = 'error' === $notice['type'] ? 'notice-error' : 'notice-success';
		echo '<div class="notice ' . esc_attr( $class ) . '" role="' . ( 'error' === $notice['type'] ? 'alert' : 'status' ) . '"><p>' . esc_html( (string) $notice['message'] ) . '</p></div>';
	}

	/**
	 * Download (or inline image) URL of an attachment for the logged-in agent.
	 *
	 * @param int  $attachment_id Attachment.
	 * @param bool $inline        Inline image.
	 */
	private function attachment_url( int $attachment_id, bool $inline ): string {
		$args = array( '_wpnonce' => wp_create_nonce( 'wp_rest' ) );
		if ( $inline ) {
			$args['inline'] = '1';
		}
		return add_query_arg( $args, rest_url( 'email-piping/v1/attachments/' . $attachment_id ) );
	}

	/**
	 * An email's HTML reduced to safe formatting; `cid:` images point at their attachment when
	 * it is a raster image, and every other image is removed.
	 *
	 * @param string                           $html        Sanitised HTML from the sidecar.
	 * @param array<int, array<string, mixed>> $attachments Attachments of the thread.
	 */
	private function safe_html( string $html, array $attachments ): string {
		$by_cid = array();
		foreach ( $attachments as $a ) {
			if ( 'stored' === $a['status'] && null !== $a['blob_id'] && ! empty( $a['content_id'] ) && $this->attachments->is_inline_image( $a ) ) {
				$by_cid[ strtolower( trim( (string) $a['content_id'], '<> ' ) ) ] = $this->attachment_url( (int) $a['id'], true );
			}
		}
		$html = (string) preg_replace_callback(
			'/\bsrc\s*=\s*(["\'])\s*cid:([^"\']+)\1/i',
			static function ( array $m ) use ( $by_cid ): string {
				$cid = strtolower( trim( rawurldecode( $m[2] ), '<> ' ) );
				return isset( $by_cid[ $cid ] ) ? 'src="' . esc_url( $by_cid[ $cid ] ) . '"' : 'data-epipe-missing=""';
			},
			$html
		);
		$allowed = array(
			'a'          => array(
				'href'  => true,
				'title' => true,
			),
			'img'        => array(
				'src'    => true,
				'alt'    => true,
				'width'  => true,
				'height' => true,
			),
			'table'      => array(),
			'thead'      => array(),
			'tbody'      => array(),
			'tr'         => array(),
			'th'         => array( 'colspan' => true, 'rowspan' => true ),
			'td'         => array( 'colspan' => true, 'rowspan' => true ),
			'blockquote' => array(),
		);
		foreach ( array( 'p', 'br', 'div', 'span', 'strong', 'b', 'em', 'i', 'u', 's', 'ul', 'ol', 'li', 'pre', 'code', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'small', 'sub', 'sup' ) as $tag ) {
			$allowed[ $tag ] = array();
		}
		$clean = wp_kses( $html, $allowed, array( 'http', 'https', 'mailto' ) );
		// Only our own attachment URLs may load; a remote image would tell the sender the agent read it.
		$ours  = rest_url( 'email-piping/v1/attachments/' );
		$clean = (string) preg_replace_callback(
			'/<img\b[^>]*>/i',
			static function ( array $m ) use ( $ours ): string {
				return 1 === preg_match( '/\ssrc="([^"]*)"/i', $m[0], $src ) && 0 === strpos( html_entity_decode( $src[1] ), $ours ) ? $m[0] : '';
			},
			$clean
		);
		return (string) preg_replace( '/<a\s/i', '<a rel="noopener noreferrer nofollow" target="_blank" ', $clean );
	}
}
