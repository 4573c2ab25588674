<?php
/**
 * What agents do with tickets.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Services;

use Email_Piping\Capabilities;
use Email_Piping\Data\Attachment_Repository;
use Email_Piping\Data\Event_Repository;
use Email_Piping\Data\Ticket_Repository;
use Email_Piping\Data\Transaction;
use Email_Piping\Domain\Ticket_Fields;
use Email_Piping\Exception\Validation_Exception;

defined( 'ABSPATH' ) || exit;

/**
 * Reads tickets and records agents' replies, notes and field changes.
 *
 * Every change is written together with its outbox event in one transaction — the same
 * outbox the sidecar writes for emails — so a web reply is notified exactly like an email
 * reply. Hook `epipe_events_added` fires after the commit.
 *
 * @since 0.2.0
 */
final class Ticket_Service {

	/** Longest reply or note accepted, in characters. */
	public const BODY_MAX = 100000;

	/**
	 * Wires the repositories.
	 *
	 * @since 0.2.0
	 * @param Ticket_Repository     $tickets     Tickets.
	 * @param Event_Repository      $events      Outbox.
	 * @param Attachment_Repository $attachments Attachments.
	 * @param Settings_Service      $settings    Settings (categories).
	 */
	public function __construct(
		private Ticket_Repository $tickets,
		private Event_Repository $events,
		private Attachment_Repository $attachments,
		private Settings_Service $settings
	) {}

	/**
	 * A filtered page of tickets.
	 *
	 * @since 0.2.0
	 * @param int                                                        $page     1-based page.
	 * @param int                                                        $per_page Rows per page.
	 * @param array{status?: string, search?: string, assignee_id?: int} $filters  Filters.
	 * @return array{items: array<int, array<string, mixed>>, total: int}
	 */
	public function list( int $page, int $per_page, array $filters ): array {
		return $this->tickets->list( $page, $per_page, $filters );
	}

	/**
	 * Tickets per status.
	 *
	 * @since 0.2.0
	 * @return array<string, int>
	 */
	public function counts(): array {
		return $this->tickets->count_by_status();
	}

	/**
	 * One ticket row with its customer, or null.
	 *
	 * @since 0.2.0
	 * @param int $id Ticket id.
	 * @return array<string, mixed>|null
	 */
	public function get( int $id ): ?array {
		return $this->tickets->find( $id );
	}

	/**
	 * Threads of a ticket, oldest first.
	 *
	 * @since 0.2.0
	 * @param int $id Ticket id.
	 * @return array<int, array<string, mixed>>
	 */
	public function threads( int $id ): array {
		return $this->tickets->threads( $id );
	}

	/**
	 * Attachments of a ticket, stored and refused.
	 *
	 * @since 0.2.0
	 * @param int $id Ticket id.
	 * @return array<int, array<string, mixed>>
	 */
	public function attachments( int $id ): array {
		return $this->attachments->for_ticket( $id );
	}

	/**
	 * Additional recipients of a ticket.
	 *
	 * @since 0.2.0
	 * @param int $id Ticket id.
	 * @return array<int, array{email: string, name: string, source: string}>
	 */
	public function recipients( int $id ): array {
		return $this->tickets->recipients( $id );
	}

	/**
	 * Users who work tickets, by display name.
	 *
	 * @since 0.2.0
	 * @return array<int, array{id: int, name: string, email: string}>
	 */
	public function agents(): array {
		$users = get_users(
			array(
				'capability' => Capabilities::WORK_TICKETS,
				'orderby'    => 'display_name',
				'fields'     => array( 'ID', 'display_name', 'user_email' ),
			)
		);
		return array_map(
			static fn ( $u ): array => array(
				'id'    => (int) $u->ID,
				'name'  => (string) $u->display_name,
				'email' => (string) $u->user_email,
			),
			$users
		);
	}

	/**
	 * Changes status, priority, category and/or assignee; each real change becomes a
	 * ticket_changed event {field, from, to, user_id}.
	 *
	 * @since 0.2.0
	 * @param int                  $id      Ticket id.
	 * @param array<string, mixed> $changes Field values.
	 * @param int                  $user_id Acting agent.
	 * @return string[] Fields that changed.
	 * @throws Validation_Exception Naming each invalid field.
	 */
	public function change( int $id, array $changes, int $user_id ): array {
		$ticket = (array) $this->tickets->find( $id );
		$clean  = $this->validate_changes( $changes );
		$diff   = array();
		foreach ( $clean as $field => $value ) {
			$from = 'assignee_id' === $field ? ( null === $ticket['assignee_id'] ? null : (int) $ticket['assignee_id'] ) : (string) $ticket[ $field ];
			if ( $from !== $value ) {
				$diff[ $field ] = array( $from, $value );
			}
		}
		if ( array() === $diff ) {
			return array();
		}
		Transaction::run(
			function () use ( $id, $diff, $user_id ): void {
				$columns = array();
				foreach ( $diff as $field => $pair ) {
					$columns[ $field ] = $pair[1];
				}
				if ( isset( $diff['status'] ) ) {
					$columns['closed_at'] = 'closed' === $diff['status'][1] ? current_time( 'mysql', true ) : null;
				}
				$this->tickets->update( $id, $columns );
				foreach ( $diff as $field => $pair ) {
					$this->events->insert(
						'ticket_changed',
						$id,
						null,
						array(
							'field'   => $field,
							'from'    => $pair[0],
							'to'      => $pair[1],
							'user_id' => $user_id,
						)
					);
				}
			}
		);
		$this->announce();
		return array_keys( $diff );
	}

	/**
	 * Adds an agent's reply (event agent_replied: the customer and additional recipients are
	 * mailed); optionally changes the status in the same step.
	 *
	 * @since 0.2.0
	 * @param int         $id      Ticket id.
	 * @param string      $body    Plain text.
	 * @param int         $user_id Agent.
	 * @param string|null $status  New status, or null to keep it.
	 * @return int Thread id.
	 * @throws Validation_Exception When the text is empty or the status unknown.
	 */
	public function reply( int $id, string $body, int $user_id, ?string $status = null ): int {
		$thread_id = $this->add_thread( $id, 'reply', 'agent_replied', $body, $user_id );
		if ( null !== $status && '' !== $status ) {
			$this->change( $id, array( 'status' => $status ), $user_id );
		}
		return $thread_id;
	}

	/**
	 * Adds an internal note (event note_added: other agents are told; never the customer).
	 *
	 * @since 0.2.0
	 * @param int    $id      Ticket id.
	 * @param string $body    Plain text.
	 * @param int    $user_id Agent.
	 * @return int Thread id.
	 * @throws Validation_Exception When the text is empty.
	 */
	public function note( int $id, string $body, int $user_id ): int {
		return $this->add_thread( $id, 'note', 'note_added', $body, $user_id );
	}

	/**
	 * Replaces the additional recipients of a ticket.
	 *
	 * @since 0.2.0
	 * @param int      $id     Ticket id.
	 * @param string[] $emails Addresses.
	 * @throws Validation_Exception When an address is invalid.
	 */
	public function set_recipients( int $id, array $emails ): void {
		$clean = array();
		foreach ( array_values( $emails ) as $i => $email ) {
			$email = strtolower( trim( (string) $email ) );
			if ( ! is_email( $email ) ) {
				throw new Validation_Exception( array( "additional_recipients[{$i}]" => __( 'Enter valid email addresses.', 'email-piping' ) ) );
			}
			$clean[] = $email;
		}
		$this->tickets->set_recipients( $id, $clean, 'agent' );
	}

	/**
	 * Writes a thread and its event in one transaction.
	 *
	 * @param int    $id         Ticket id.
	 * @param string $type       reply | note.
	 * @param string $event_type agent_replied | note_added.
	 * @param string $body       Plain text.
	 * @param int    $user_id    Agent.
	 * @throws Validation_Exception When the text is empty or too long.
	 */
	private function add_thread( int $id, string $type, string $event_type, string $body, int $user_id ): int {
		$body = trim( str_replace( "\r\n", "\n", $body ) );
		if ( '' === $body ) {
			throw new Validation_Exception( array( 'body' => __( 'Write some text first.', 'email-piping' ) ) );
		}
		if ( mb_strlen( $body ) > self::BODY_MAX ) {
			/* translators: %d: maximum number of characters. */
			throw new Validation_Exception( array( 'body' => sprintf( __( 'The text is longer than %d characters.', 'email-piping' ), self::BODY_MAX ) ) );
		}
		$user      = get_userdata( $user_id );
		$thread_id = Transaction::run(
			function () use ( $id, $type, $event_type, $body, $user_id, $user ): int {
				$thread_id = $this->tickets->insert_thread(
					array(
						'ticket_id'    => $id,
						'type'         => $type,
						'author_kind'  => 'agent',
						'user_id'      => $user_id,
						'from_address' => false === $user ? '' : strtolower( (string) $user->user_email ),
						'from_name'    => false === $user ? '' : (string) $user->display_name,
						'body_text'    => $body,
					)
				);
				$this->events->insert( $event_type, $id, $thread_id, array( 'user_id' => $user_id ) );
				return $thread_id;
			}
		);
		$this->announce();
		return (int) $thread_id;
	}

	/**
	 * Checks field changes and returns them in canonical form.
	 *
	 * @param array<string, mixed> $changes Given values.
	 * @return array<string, mixed>
	 * @throws Validation_Exception Naming each invalid field.
	 */
	private function validate_changes( array $changes ): array {
		$errors = array();
		$clean  = array();
		if ( array_key_exists( 'status', $changes ) ) {
			if ( ! in_array( $changes['status'], Ticket_Fields::STATUSES, true ) ) {
				/* translators: %s: list of statuses. */
				$errors['status'] = sprintf( __( 'Choose one of: %s.', 'email-piping' ), implode( ', ', Ticket_Fields::STATUSES ) );
			}
			$clean['status'] = (string) $changes['status'];
		}
		if ( array_key_exists( 'priority', $changes ) ) {
			if ( ! in_array( $changes['priority'], Ticket_Fields::PRIORITIES, true ) ) {
				/* translators: %s: list of priorities. */
				$errors['priority'] = sprintf( __( 'Choose one of: %s.', 'email-piping' ), implode( ', ', Ticket_Fields::PRIORITIES ) );
			}
			$clean['priority'] = (string) $changes['priority'];
		}
		if ( array_key_exists( 'category', $changes ) ) {
			$category = sanitize_text_field( (string) $changes['category'] );
			$problem  = '' !== $category ? self::category_problem( $category, (array) $this->settings->get( 'categories' ) ) : null;
			if ( null !== $problem ) {
				$errors['category'] = $problem;
			}
			$clean['category'] = mb_substr( $category, 0, Ticket_Fields::CATEGORY_MAX );
		}
		if ( array_key_exists( 'assignee_id', $changes ) ) {
			$assignee = (int) $changes['assignee_id'];
			$problem  = $assignee > 0 ? self::assignee_problem( $assignee ) : null;
			if ( null !== $problem ) {
				$errors['assignee_id'] = $problem;
			}
			$clean['assignee_id'] = $assignee > 0 ? $assignee : null;
		}
		if ( array() !== $errors ) {
			throw new Validation_Exception( $errors );
		}
		return $clean;
	}

	/**
	 * Why a user cannot be a ticket's assignee, or null when they can (also for rule actions).
	 *
	 * @since 0.2.0
	 * @param int $user_id User.
	 */
	public static function assignee_problem( int $user_id ): ?string {
		$user = get_userdata( $user_id );
		if ( false === $user || ! user_can( $user, Capabilities::WORK_TICKETS ) ) {
			return __( 'The assignee must be a user who works tickets.', 'email-piping' );
		}
		return null;
	}

	/**
	 * Why a category cannot be used, or null when it can: with categories configured, only
	 * those (also for rule actions).
	 *
	 * @since 0.2.0
	 * @param string   $category Category.
	 * @param string[] $known    Configured categories.
	 */
	public static function category_problem( string $category, array $known ): ?string {
		if ( array() === $known || in_array( $category, $known, true ) ) {
			return null;
		}
		/* translators: %s: comma-separated list of categories. */
		return sprintf( __( 'Choose one of the categories: %s.', 'email-piping' ), implode( ', ', $known ) );
	}

	/**
	 * Tells the plugin that outbox events wait, so it can send them now.
	 */
	private function announce(): void {
		/**
		 * Fires after web actions wrote outbox events.
		 *
		 * @since 0.2.0
		 */
		do_action( 'epipe_events_added' );
	}
}
