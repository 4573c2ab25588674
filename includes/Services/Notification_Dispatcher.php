<?php
/**
 * Turns outbox events into notifications, each event once.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Services;

use Email_Piping\Data\Connection_Repository;
use Email_Piping\Data\Event_Repository;
use Email_Piping\Data\Ticket_Repository;
use Email_Piping\Notifications\Mailer;
use Email_Piping\Notifications\Templates;
use Email_Piping\Security\Signer;

defined( 'ABSPATH' ) || exit;

/**
 * Claims pending events and sends what each one calls for.
 *
 * @since 0.1.0
 */
final class Notification_Dispatcher {

	/** Events handled per run; the rest wait for the next ping or cron tick. */
	private const BATCH = 25;

	/** Seconds a claim holds before another dispatcher may retry the event. */
	private const LEASE_SECONDS = 300;

	/**
	 * Wires the collaborators.
	 *
	 * @since 0.1.0
	 * @param Event_Repository      $events      Outbox.
	 * @param Ticket_Repository     $tickets     Tickets.
	 * @param Connection_Repository $connections Connections (for the reply address).
	 * @param Mailer                $mailer      Mail sender.
	 */
	public function __construct(
		private Event_Repository $events,
		private Ticket_Repository $tickets,
		private Connection_Repository $connections,
		private Mailer $mailer
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
		$ticket = $this->tickets->find( (int) $event['ticket_id'] );
		if ( null === $ticket ) {
			throw new \RuntimeException( 'Ticket ' . (int) $event['ticket_id'] . ' no longer exists.' );
		}
		$thread = null !== $event['thread_id'] ? $this->tickets->thread( (int) $event['thread_id'] ) : null;

		switch ( $event['type'] ) {
			case 'ticket_created':
				$this->notify_customer( $ticket, $thread, Templates::ticket_created( $ticket, $thread ) );
				$this->notify_agents( $ticket, $thread, Templates::agent_new_ticket( $ticket, $thread ) );
				break;
			case 'customer_replied':
				$this->notify_agents( $ticket, $thread, Templates::agent_customer_reply( $ticket, $thread ) );
				break;
			default:
				// Unknown types come from a newer sidecar; finishing them keeps the outbox moving.
				break;
		}
	}

	/**
	 * Mails the ticket's customer, threaded under their own message.
	 *
	 * @param array<string, mixed>      $ticket  Ticket row.
	 * @param array<string, mixed>|null $thread  Thread that caused the event.
	 * @param array{subject: string, body: string} $content Rendered template.
	 */
	private function notify_customer( array $ticket, ?array $thread, array $content ): void {
		$this->send( (string) $ticket['customer_email'], $ticket, $thread, $content );
	}

	/**
	 * Mails the agents (the site's admin address until agent assignment exists).
	 *
	 * @param array<string, mixed>      $ticket  Ticket row.
	 * @param array<string, mixed>|null $thread  Thread that caused the event.
	 * @param array{subject: string, body: string} $content Rendered template.
	 */
	private function notify_agents( array $ticket, ?array $thread, array $content ): void {
		$admin = (string) get_option( 'admin_email' );
		if ( is_email( $admin ) ) {
			$this->send( $admin, $ticket, $thread, $content );
		}
	}

	/**
	 * Sends one message with a Message-ID signed for its recipient.
	 *
	 * @param string                    $to      Recipient.
	 * @param array<string, mixed>      $ticket  Ticket row.
	 * @param array<string, mixed>|null $thread  Thread that caused the event.
	 * @param array{subject: string, body: string} $content Rendered template.
	 */
	private function send( string $to, array $ticket, ?array $thread, array $content ): void {
		$host       = (string) wp_parse_url( home_url(), PHP_URL_HOST );
		$connection = null !== $ticket['connection_id'] ? $this->connections->find( (int) $ticket['connection_id'] ) : null;
		$mail       = array(
			'to'         => $to,
			'subject'    => $content['subject'],
			'body'       => $content['body'],
			'message_id' => Signer::message_id( (int) $ticket['id'], $to, '' !== $host ? $host : 'localhost' ),
			// Replies must reach the piped mailbox, not the site's From address.
			'reply_to'   => null !== $connection ? (string) $connection['mailbox_address'] : '',
		);
		if ( null !== $thread && ! empty( $thread['message_id'] ) ) {
			$mail['in_reply_to'] = (string) $thread['message_id'];
			$mail['references']  = array( (string) $thread['message_id'] );
		}
		$this->mailer->send( $mail );
	}
}
