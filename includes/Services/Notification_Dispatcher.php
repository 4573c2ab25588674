<?php
/**
 * Turns outbox events into notifications, each event once.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Services;

use Email_Piping\Data\Event_Repository;
use Email_Piping\Data\Notification_Repository;
use Email_Piping\Data\Ticket_Repository;
use Email_Piping\Domain\Address;
use Email_Piping\Notifications\Mailer;
use Email_Piping\Notifications\Templates;
use Email_Piping\Portal\Portal_Link;
use Email_Piping\Security\Signer;

defined( 'ABSPATH' ) || exit;

/**
 * Claims pending events and sends what each one calls for.
 *
 * Exactly once: Event_Repository's claim gives each event to one dispatcher (cron and a ping
 * may run together); a claim that dies is retried after its lease; and every message sent is
 * logged per event, template and recipient, so a retry never mails the same person twice.
 *
 * Who gets what (templates in Notifications\Templates):
 * - ticket_created:   customer + additional recipients (confirmation), agents (alert);
 * - customer_replied: agents;
 * - agent_replied:    customer + additional recipients;
 * - note_added:       agents except the author;
 * - ticket_changed:   agents except the actor; a status change also the customer;
 * - reject_notice:    payload.to.
 * "Agents" are the assignee when there is one, otherwise every user with epipe_work_tickets.
 * Never mailed: machine addresses (mailer-daemon, no-reply …), the piped mailboxes and the
 * forwarding addresses (mail to them comes straight back in).
 *
 * @since 0.1.0
 */
final class Notification_Dispatcher {

	/** Events handled per run; the rest wait for the next ping or cron tick. */
	private const BATCH = 25;

	/** Seconds a claim holds before another dispatcher may retry the event. */
	private const LEASE_SECONDS = 300;

	/** Most earlier messages quoted by {{ticket_history}}. */
	private const HISTORY_ENTRIES = 10;

	/**
	 * Wires the collaborators.
	 *
	 * @since 0.1.0
	 * @param Event_Repository        $events        Outbox.
	 * @param Ticket_Repository       $tickets       Tickets.
	 * @param Connection_Service      $connections   Connections (reply address, piped addresses).
	 * @param Mailer                  $mailer        Mail sender.
	 * @param Templates               $templates     Notification texts.
	 * @param Settings_Service        $settings      Settings.
	 * @param Notification_Repository $notifications Log of sent notifications.
	 * @param Ticket_Service          $ticket_service Agents.
	 */
	public function __construct(
		private Event_Repository $events,
		private Ticket_Repository $tickets,
		private Connection_Service $connections,
		private Mailer $mailer,
		private Templates $templates,
		private Settings_Service $settings,
		private Notification_Repository $notifications,
		private Ticket_Service $ticket_service
	) {}

	/**
	 * Sends notifications for due events.
	 *
	 * @since 0.1.0
	 * @return array{sent: int, failed: int}
	 */
	public function run(): array {
		$claimer = wp_generate_uuid4();
		$result  = array(
			'sent'   => 0,
			'failed' => 0,
		);
		foreach ( $this->events->claim( $claimer, self::BATCH, self::LEASE_SECONDS ) as $event ) {
			try {
				$this->handle( $event );
				$this->events->complete( (int) $event['id'], $claimer );
				++$result['sent'];
			} catch ( \Throwable $e ) {
				$this->events->fail( $event, $claimer, $e->getMessage() );
				++$result['failed'];
			}
		}
		return $result;
	}

	/**
	 * Sends the notifications of one event.
	 *
	 * @param array<string, mixed> $event Claimed outbox row.
	 * @throws \RuntimeException When the ticket is gone or mail fails.
	 */
	private function handle( array $event ): void {
		$payload = json_decode( (string) ( $event['payload'] ?? '' ), true );
		$payload = is_array( $payload ) ? $payload : array();
		if ( 'reject_notice' === $event['type'] ) {
			$this->reject_notice( $event, $payload );
			return;
		}
		$ticket = $this->tickets->find( (int) $event['ticket_id'] );
		if ( null === $ticket ) {
			throw new \RuntimeException( 'Ticket ' . (int) $event['ticket_id'] . ' no longer exists.' );
		}
		$thread = null !== $event['thread_id'] ? $this->tickets->thread( (int) $event['thread_id'] ) : null;
		$actor  = (int) ( $payload['user_id'] ?? 0 );
		$plan   = array();

		switch ( $event['type'] ) {
			case 'ticket_created':
				// No confirmation to a sender the receiving server found forged (it would go to whoever
				// was impersonated), nor to a mailing list taken in as a ticket.
				if ( empty( $payload['no_confirmation'] ) ) {
					$plan[] = array( 'customer_ticket_created', $this->customer_side( $ticket ) );
				}
				$plan[] = array( 'agent_ticket_created', $this->agents( $ticket, 0 ) );
				break;
			case 'customer_replied':
				$plan[] = array( 'agent_customer_replied', $this->agents( $ticket, 0 ) );
				break;
			case 'agent_replied':
				$plan[] = array( 'customer_agent_replied', $this->customer_side( $ticket ) );
				break;
			case 'note_added':
				$plan[] = array( 'agent_note_added', $this->agents( $ticket, $actor ) );
				break;
			case 'ticket_changed':
				if ( 'status' === ( $payload['field'] ?? '' ) ) {
					$plan[] = array( 'customer_status_changed', array( (string) $ticket['customer_email'] ) );
				}
				$plan[] = array( 'agent_ticket_changed', $this->agents( $ticket, $actor ) );
				break;
			default:
				// Unknown types come from a newer sidecar; finishing them keeps the outbox moving.
				return;
		}

		$threads = $this->tickets->threads( (int) $ticket['id'] );
		$values  = $this->ticket_values( $ticket, $threads, $thread, $payload );
		// Thread under the email that caused the event, or the ticket's first email.
		$references = array();
		foreach ( $threads as $t ) {
			if ( ! empty( $t['message_id'] ) ) {
				$references[] = (string) $t['message_id'];
				break;
			}
		}
		if ( null !== $thread && ! empty( $thread['message_id'] ) ) {
			$references[] = (string) $thread['message_id'];
		}
		$references = array_values( array_unique( $references ) );
		$errors     = array();
		$done   = array();
		foreach ( $plan as list( $template, $recipients ) ) {
			$allowed = $this->allowed( $recipients );
			// Addresses our mail bounced from for good are not written to (the bounce is on the ticket).
			$bouncing = $this->notifications->bouncing( $allowed, (int) $ticket['id'] );
			foreach ( array_diff( $allowed, $bouncing ) as $to ) {
				// One message per person and event, even when they appear in two audiences.
				if ( isset( $done[ $to ] ) ) {
					continue;
				}
				$done[ $to ] = true;
				try {
					$this->send( $event, $template, $to, $ticket, $references, $values );
				} catch ( \RuntimeException $e ) {
					$errors[] = $to . ': ' . $e->getMessage();
				}
			}
		}
		if ( array() !== $errors ) {
			throw new \RuntimeException( implode( '; ', $errors ) );
		}
	}

	/**
	 * Sends one of SupportCandy's four reject notices to the sender of a refused email.
	 *
	 * @param array<string, mixed> $event   Outbox row.
	 * @param array<string, mixed> $payload {notice, to, subject, in_reply_to, connection_id}.
	 */
	private function reject_notice( array $event, array $payload ): void {
		$template = 'reject_' . (string) ( $payload['notice'] ?? '' );
		$to       = Address::normalise( (string) ( $payload['to'] ?? '' ) );
		if ( null === $this->templates->get( $template ) || ! is_email( $to ) || array() === $this->allowed( array( $to ) ) ) {
			return;
		}
		$ticket_id = (int) $event['ticket_id'];
		$ticket    = $ticket_id > 0 ? $this->tickets->find( $ticket_id ) : null;
		$rendered  = $this->templates->render(
			$template,
			array(
				'ticket_id'        => (string) $ticket_id,
				'original_subject' => (string) ( $payload['subject'] ?? '' ),
				'customer_email'   => $to,
				'ticket_url'       => null !== $ticket ? $this->customer_url( $ticket_id, $to ) : '',
				'site_name'        => wp_specialchars_decode( get_bloginfo( 'name' ), ENT_QUOTES ),
			),
			null !== $ticket ? $ticket_id : 0
		);
		if ( ! $rendered['enabled'] || $this->notifications->was_sent( (int) $event['id'], $template, $to ) ) {
			return;
		}
		$connection = $this->connection( isset( $payload['connection_id'] ) ? (int) $payload['connection_id'] : null );
		$message_id = Signer::message_id( null !== $ticket ? $ticket_id : 0, $to, $this->host() );
		$original   = Mailer::message_id_or_empty( (string) ( $payload['in_reply_to'] ?? '' ) );
		$this->mailer->send(
			array(
				'to'             => $to,
				'subject'        => $rendered['subject'],
				'body'           => $rendered['body'],
				'message_id'     => $message_id,
				'reply_to'       => null !== $connection ? (string) $connection['mailbox_address'] : '',
				'in_reply_to'    => $original,
				'references'     => '' !== $original ? array( $original ) : array(),
				'auto_submitted' => 'auto-replied',
			)
		);
		$this->notifications->record( (int) $event['id'], null !== $ticket ? $ticket_id : 0, $template, $to, $message_id );
	}

	/**
	 * Sends one rendered template to one recipient, unless this event already did.
	 *
	 * @param array<string, mixed>  $event      Outbox row.
	 * @param string                $template   Template name.
	 * @param string                $to         Recipient.
	 * @param array<string, mixed>  $ticket     Ticket row.
	 * @param string[]              $references Message-IDs the notification answers, oldest first.
	 * @param array<string, string> $values     Macro values shared by all recipients.
	 */
	private function send( array $event, string $template, string $to, array $ticket, array $references, array $values ): void {
		$ticket_id = (int) $ticket['id'];
		if ( $this->notifications->was_sent( (int) $event['id'], $template, $to ) ) {
			return;
		}
		$is_agent             = 0 === strpos( $template, 'agent_' );
		$values['ticket_url'] = $is_agent ? $this->agent_url( $ticket_id ) : $this->customer_url( $ticket_id, $to );
		$rendered             = $this->templates->render( $template, $values, $ticket_id );
		if ( ! $rendered['enabled'] ) {
			return;
		}
		$marker     = (string) $this->settings->get( 'reply_above_text' );
		$connection = $this->connection( null !== $ticket['connection_id'] ? (int) $ticket['connection_id'] : null );
		$message_id = Signer::message_id( $ticket_id, $to, $this->host() );
		$mail       = array(
			'to'         => $to,
			'subject'    => $rendered['subject'],
			// The marker on top tells the sidecar where the new text of a reply ends.
			'body'       => $marker . "\n\n" . $rendered['body'],
			'message_id' => $message_id,
		);

		// Replies must reach the piped mailbox: its signed reply address when the mail server
		// supports sub-addressing (connection setting), else the mailbox or forwarding address.
		$forwarded = (string) ( $ticket['forwarded_from'] ?? '' );
		$use_fwd   = '' !== $forwarded && is_email( $forwarded ) && true === $this->settings->get( 'forwarding_as_from' );
		if ( $use_fwd ) {
			$mail['from'] = $forwarded;
		}
		if ( null !== $connection && ! empty( $connection['settings']['signed_reply_address'] ) ) {
			$mail['reply_to'] = Signer::reply_address( (string) $connection['mailbox_address'], $ticket_id, $to );
		} elseif ( $use_fwd ) {
			$mail['reply_to'] = $forwarded;
		} elseif ( null !== $connection ) {
			$mail['reply_to'] = (string) $connection['mailbox_address'];
		}

		if ( array() !== $references ) {
			$mail['in_reply_to'] = (string) end( $references );
			$mail['references']  = $references;
		}
		$this->mailer->send( $mail );
		$this->notifications->record( (int) $event['id'], $ticket_id, $template, $to, $message_id );
	}

	/**
	 * The customer and the additional recipients.
	 *
	 * @param array<string, mixed> $ticket Ticket row.
	 * @return string[]
	 */
	private function customer_side( array $ticket ): array {
		$out = array( (string) $ticket['customer_email'] );
		foreach ( $this->tickets->recipients( (int) $ticket['id'] ) as $r ) {
			$out[] = (string) $r['email'];
		}
		return $out;
	}

	/**
	 * The assignee, or every agent when the ticket has none; never the acting agent.
	 *
	 * @param array<string, mixed> $ticket Ticket row.
	 * @param int                  $actor  User who caused the event (0: none).
	 * @return string[]
	 */
	private function agents( array $ticket, int $actor ): array {
		$out      = array();
		$assignee = (int) ( $ticket['assignee_id'] ?? 0 );
		foreach ( $this->ticket_service->agents() as $agent ) {
			if ( $agent['id'] === $actor || ( $assignee > 0 && $agent['id'] !== $assignee ) ) {
				continue;
			}
			$out[] = $agent['email'];
		}
		return $out;
	}

	/**
	 * Recipients we may write to: valid, no machine address, no piped or forwarding address.
	 *
	 * @param string[] $recipients Addresses.
	 * @return string[]
	 */
	private function allowed( array $recipients ): array {
		$ours = array_merge( $this->connections->mailbox_addresses(), (array) $this->settings->get( 'forwarding_addresses' ) );
		$out  = array();
		foreach ( $recipients as $address ) {
			$address = Address::normalise( $address );
			if ( ! is_email( $address ) || Address::is_machine( $address ) ) {
				continue;
			}
			foreach ( $ours as $own ) {
				if ( Address::same_mailbox( $address, (string) $own ) ) {
					continue 2;
				}
			}
			$out[] = $address;
		}
		return array_values( array_unique( $out ) );
	}

	/**
	 * Macro values that do not depend on the recipient.
	 *
	 * @param array<string, mixed>             $ticket  Ticket row with customer fields.
	 * @param array<int, array<string, mixed>> $threads The ticket's threads, oldest first.
	 * @param array<string, mixed>|null        $thread  Thread that caused the event.
	 * @param array<string, mixed>             $payload Event payload.
	 * @return array<string, string>
	 */
	private function ticket_values( array $ticket, array $threads, ?array $thread, array $payload ): array {
		$customer = '' !== (string) $ticket['customer_name'] ? (string) $ticket['customer_name'] : (string) $ticket['customer_email'];
		$assignee = ! empty( $ticket['assignee_id'] ) ? get_userdata( (int) $ticket['assignee_id'] ) : false;
		$actor    = ! empty( $payload['user_id'] ) ? get_userdata( (int) $payload['user_id'] ) : false;

		$last_reply = null;
		$last_note  = null;
		foreach ( $threads as $t ) {
			if ( 'bounce' === $t['type'] ) {
				continue;
			}
			if ( 'note' === $t['type'] ) {
				$last_note = $t;
			} else {
				$last_reply = $t;
			}
		}
		// The thread that caused the event is "the last reply" even if a newer one exists.
		if ( null !== $thread ) {
			if ( 'note' === $thread['type'] ) {
				$last_note = $thread;
			} else {
				$last_reply = $thread;
			}
		}
		$field = (string) ( $payload['field'] ?? '' );
		return array(
			'ticket_id'                     => (string) (int) $ticket['id'],
			'ticket_subject'                => (string) $ticket['subject'],
			'ticket_status'                 => Messages::status_label( (string) $ticket['status'] ),
			'ticket_priority'               => Messages::priority_label( (string) $ticket['priority'] ),
			'ticket_category'               => (string) ( $ticket['category'] ?? '' ),
			'ticket_url'                    => '',
			'customer_name'                 => $customer,
			'customer_first_name'           => (string) strtok( $customer, ' ' ),
			'customer_email'                => (string) $ticket['customer_email'],
			'assignee_name'                 => false !== $assignee ? (string) $assignee->display_name : __( 'nobody', 'email-piping' ),
			'last_reply'                    => null !== $last_reply ? $this->text_of( $last_reply ) : '',
			'last_reply_user_name'          => null !== $last_reply ? ( '' !== (string) $last_reply['from_name'] ? (string) $last_reply['from_name'] : (string) $last_reply['from_address'] ) : '',
			'last_reply_user_email'         => null !== $last_reply ? (string) $last_reply['from_address'] : '',
			'last_note'                     => null !== $last_note ? $this->text_of( $last_note ) : '',
			'last_note_user_name'           => null !== $last_note ? (string) $last_note['from_name'] : '',
			'ticket_history'                => $this->history( $threads, null !== $last_reply ? (int) $last_reply['id'] : 0, false ),
			'ticket_history_all_with_notes' => $this->history( $threads, 0, true ),
			'agent_name'                    => false !== $actor ? (string) $actor->display_name : '',
			'changed_field'                 => $this->field_label( $field ),
			'changed_from'                  => $this->field_value( $field, $payload['from'] ?? null ),
			'changed_to'                    => $this->field_value( $field, $payload['to'] ?? null ),
			'site_name'                     => wp_specialchars_decode( get_bloginfo( 'name' ), ENT_QUOTES ),
		);
	}

	/**
	 * Earlier messages, newest first, as quoted plain text.
	 *
	 * @param array<int, array<string, mixed>> $threads   Threads, oldest first.
	 * @param int                              $except_id Thread left out (the one shown above).
	 * @param bool                             $notes     Whether notes are included.
	 */
	private function history( array $threads, int $except_id, bool $notes ): string {
		$parts = array();
		foreach ( array_reverse( $threads ) as $t ) {
			// Delivery failures are for agents' eyes on the ticket screen, never quoted in mail.
			if ( (int) $t['id'] === $except_id || 'bounce' === $t['type'] || ( ! $notes && 'note' === $t['type'] ) ) {
				continue;
			}
			$who     = '' !== (string) $t['from_name'] ? $t['from_name'] . ' <' . $t['from_address'] . '>' : (string) $t['from_address'];
			$lines   = preg_split( '/\r\n|\r|\n/', $this->text_of( $t ) );
			$parts[] = sprintf(
				/* translators: 1: date, 2: author, 3: "(note)" or empty. */
				__( 'On %1$s, %2$s wrote%3$s:', 'email-piping' ),
				mysql2date( 'Y-m-d H:i', (string) $t['created_at'] ) . ' UTC',
				$who,
				'note' === $t['type'] ? ' ' . __( '(internal note)', 'email-piping' ) : ''
			) . "\n> " . implode( "\n> ", is_array( $lines ) ? $lines : array() );
			if ( count( $parts ) >= self::HISTORY_ENTRIES ) {
				break;
			}
		}
		return implode( "\n\n", $parts );
	}

	/**
	 * The visible text of a thread.
	 *
	 * @param array<string, mixed> $thread Thread row.
	 */
	private function text_of( array $thread ): string {
		$text = (string) ( $thread['reply_text'] ?? '' );
		if ( '' === trim( $text ) ) {
			$text = (string) ( $thread['body_text'] ?? '' );
		}
		return trim( $text );
	}

	/**
	 * Label of a changed field.
	 *
	 * @param string $field Field name.
	 */
	private function field_label( string $field ): string {
		$map = array(
			'status'      => __( 'status', 'email-piping' ),
			'priority'    => __( 'priority', 'email-piping' ),
			'category'    => __( 'category', 'email-piping' ),
			'assignee_id' => __( 'assignee', 'email-piping' ),
		);
		return $map[ $field ] ?? $field;
	}

	/**
	 * Words for a field value.
	 *
	 * @param string $field Field name.
	 * @param mixed  $value Value.
	 */
	private function field_value( string $field, $value ): string {
		switch ( $field ) {
			case 'status':
				return Messages::status_label( (string) $value );
			case 'priority':
				return Messages::priority_label( (string) $value );
			case 'assignee_id':
				$user = ! empty( $value ) ? get_userdata( (int) $value ) : false;
				return false !== $user ? (string) $user->display_name : __( 'nobody', 'email-piping' );
			default:
				return '' !== (string) $value ? (string) $value : __( 'none', 'email-piping' );
		}
	}

	/**
	 * A connection with decoded settings: the given one, else the first (tickets created on
	 * the web have none).
	 *
	 * @param int|null $id Connection id.
	 * @return array<string, mixed>|null
	 */
	private function connection( ?int $id ): ?array {
		$row = null !== $id ? $this->connections->row( $id ) : null;
		if ( null === $row ) {
			$all = $this->connections->list();
			$row = array() !== $all ? $this->connections->row( (int) $all[0]['id'] ) : null;
		}
		return $row;
	}

	/**
	 * Where an agent opens the ticket.
	 *
	 * @param int $ticket_id Ticket.
	 */
	private function agent_url( int $ticket_id ): string {
		return add_query_arg(
			array(
				'page'   => 'email-piping-tickets',
				'ticket' => $ticket_id,
			),
			admin_url( 'admin.php' )
		);
	}

	/**
	 * A participant's signed link to the ticket in the customer portal.
	 *
	 * @param int    $ticket_id   Ticket.
	 * @param string $participant Address.
	 */
	private function customer_url( int $ticket_id, string $participant ): string {
		return Portal_Link::url( $ticket_id, $participant );
	}

	/**
	 * Right-hand side of our Message-IDs.
	 */
	private function host(): string {
		$host = (string) wp_parse_url( home_url(), PHP_URL_HOST );
		return '' !== $host ? $host : 'localhost';
	}
}
