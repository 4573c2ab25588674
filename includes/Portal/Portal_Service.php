<?php
/**
 * What a customer may do with a ticket through its link: read it, reply, close it.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Portal;

use Email_Piping\Data\Event_Repository;
use Email_Piping\Data\Ticket_Repository;
use Email_Piping\Data\Transaction;
use Email_Piping\Exception\Validation_Exception;
use Email_Piping\Notifications\Mailer;
use Email_Piping\Services\Attachment_Service;
use Email_Piping\Services\Settings_Service;
use Email_Piping\Services\Ticket_Service;

defined( 'ABSPATH' ) || exit;

/**
 * Only participants (the customer and the ticket's additional recipients) are ever shown a
 * ticket; internal notes never. A reply goes through the outbox like an emailed one
 * (customer_replied: the agents are told); closing is a status change (ticket_changed).
 *
 * @since 0.3.0
 */
final class Portal_Service {

	/** A fresh link is mailed to a participant at most this often per ticket. */
	public const RESEND_EVERY = 15 * MINUTE_IN_SECONDS;

	/** And at most this many fresh links an hour to one address, whatever the tickets. */
	public const RESEND_PER_HOUR = 5;

	/** Longest reply accepted. */
	public const BODY_MAX = 20000;

	/**
	 * Wires the repositories.
	 *
	 * @since 0.3.0
	 * @param Ticket_Repository  $tickets     Tickets.
	 * @param Event_Repository   $events      Outbox.
	 * @param Ticket_Service     $service     Ticket changes (status), attachments.
	 * @param Mailer             $mailer      Mail.
	 * @param Attachment_Service $attachments Signed download links.
	 * @param Settings_Service   $settings    Whether closed tickets take replies.
	 */
	public function __construct(
		private Ticket_Repository $tickets,
		private Event_Repository $events,
		private Ticket_Service $service,
		private Mailer $mailer,
		private Attachment_Service $attachments,
		private Settings_Service $settings
	) {}

	/**
	 * Whether the participant may still answer: not on a closed ticket when the site refuses
	 * replies to closed tickets (as it does by email).
	 *
	 * @since 0.3.0
	 * @param array<string, mixed> $ticket Ticket.
	 */
	public function may_reply( array $ticket ): bool {
		return ! ( 'closed' === $ticket['status'] && 'reject' === $this->settings->get( 'closed_ticket_replies' ) );
	}

	/**
	 * The stored attachments of a ticket by thread, each with a signed, expiring download link
	 * (refused ones are named, without a link).
	 *
	 * @since 0.3.0
	 * @param int $ticket_id Ticket.
	 * @return array<int, array<int, array{filename: string, size: int, url: ?string}>> By thread id.
	 */
	public function attachments_by_thread( int $ticket_id ): array {
		$out = array();
		foreach ( $this->service->attachments( $ticket_id ) as $row ) {
			$stored                             = 'stored' === $row['status'];
			$out[ (int) $row['thread_id'] ][] = array(
				'filename' => (string) $row['filename'],
				'size'     => (int) $row['size_bytes'],
				'url'      => $stored ? $this->attachments->signed_url( (int) $row['id'] ) : null,
			);
		}
		return $out;
	}

	/**
	 * The ticket, when the address is one of its participants.
	 *
	 * @since 0.3.0
	 * @param int    $ticket_id   Ticket.
	 * @param string $participant Address.
	 * @return array<string, mixed>|null
	 */
	public function ticket_for( int $ticket_id, string $participant ): ?array {
		$ticket = $ticket_id > 0 ? $this->tickets->find( $ticket_id ) : null;
		if ( null === $ticket || ! $this->is_participant( $ticket, $participant ) ) {
			return null;
		}
		return $ticket;
	}

	/**
	 * What the customer sees of a ticket: the messages between them and the agents, oldest
	 * first — never an internal note.
	 *
	 * @since 0.3.0
	 * @param int $ticket_id Ticket.
	 * @return array<int, array<string, mixed>>
	 */
	public function visible_threads( int $ticket_id ): array {
		return array_values(
			array_filter(
				$this->tickets->threads( $ticket_id ),
				static fn( array $t ): bool => 'reply' === $t['type'] || 'report' === $t['type']
			)
		);
	}

	/**
	 * The tickets of the logged-in customer, each with its link.
	 *
	 * @since 0.3.0
	 * @param string $email Their address.
	 * @return array<int, array<string, mixed>>
	 */
	public function tickets_of( string $email ): array {
		$out = array();
		foreach ( $this->tickets->for_customer_email( $email, 50 ) as $row ) {
			$row['url'] = Portal_Link::url( (int) $row['id'], $email );
			$out[]      = $row;
		}
		return $out;
	}

	/**
	 * Adds the customer's reply.
	 *
	 * @since 0.3.0
	 * @param array<string, mixed> $ticket      Ticket (from ticket_for()).
	 * @param string               $participant Who writes.
	 * @param string               $body        Plain text.
	 * @return int Thread id.
	 * @throws Validation_Exception When the text is empty (body) or too long (body_length), or the ticket takes no replies (status).
	 */
	public function reply( array $ticket, string $participant, string $body ): int {
		if ( ! $this->may_reply( $ticket ) ) {
			throw new Validation_Exception( array( 'status' => __( 'This ticket is closed and takes no more replies.', 'email-piping' ) ) );
		}
		$body = trim( str_replace( "\r\n", "\n", $body ) );
		if ( '' === $body ) {
			throw new Validation_Exception( array( 'body' => __( 'Write your reply first.', 'email-piping' ) ) );
		}
		if ( mb_strlen( $body ) > self::BODY_MAX ) {
			/* translators: %d: maximum number of characters. */
			throw new Validation_Exception( array( 'body_length' => sprintf( __( 'Your reply is longer than %d characters.', 'email-piping' ), self::BODY_MAX ) ) );
		}
		$ticket_id   = (int) $ticket['id'];
		$is_customer = strtolower( (string) $ticket['customer_email'] ) === strtolower( $participant );
		$thread_id   = Transaction::run(
			function () use ( $ticket, $ticket_id, $participant, $body, $is_customer ): int {
				$thread_id = $this->tickets->insert_thread(
					array(
						'ticket_id'    => $ticket_id,
						'type'         => 'reply',
						'author_kind'  => 'customer',
						'customer_id'  => $is_customer ? (int) $ticket['customer_id'] : null,
						'user_id'      => null,
						'from_address' => strtolower( $participant ),
						'from_name'    => $is_customer ? (string) $ticket['customer_name'] : '',
						'body_text'    => $body,
					)
				);
				if ( 'closed' === $ticket['status'] || 'resolved' === $ticket['status'] ) {
					// Writing again means it is not settled: back to the agents' open tickets.
					$this->tickets->update(
						$ticket_id,
						array(
							'status'    => 'open',
							'closed_at' => null,
						)
					);
				}
				$this->events->insert( 'customer_replied', $ticket_id, $thread_id, array( 'via' => 'portal' ) );
				return $thread_id;
			}
		);
		/** This action is documented in includes/Services/Ticket_Service.php. */
		do_action( 'epipe_events_added' );
		return (int) $thread_id;
	}

	/**
	 * Closes the ticket at the customer's request (a status change the agents are told of).
	 *
	 * @since 0.3.0
	 * @param array<string, mixed> $ticket Ticket (from ticket_for()).
	 */
	public function close( array $ticket ): void {
		$this->service->change( (int) $ticket['id'], array( 'status' => 'closed' ), 0 );
	}

	/**
	 * Mails the participant a refused link names a fresh link, after the page has been sent:
	 * every refused link costs the visitor the same time, so the response does not tell which
	 * tickets and addresses exist (where the server can finish a response early, PHP-FPM), and
	 * a mail server that fails never breaks the page.
	 *
	 * @since 0.3.0
	 * @param int    $ticket_id   Ticket the link named.
	 * @param string $participant Address it named.
	 */
	public function resend_link_later( int $ticket_id, string $participant ): void {
		if ( $ticket_id <= 0 || '' === $participant ) {
			return;
		}
		add_action(
			'shutdown',
			function () use ( $ticket_id, $participant ): void {
				if ( function_exists( 'fastcgi_finish_request' ) ) {
					fastcgi_finish_request();
				}
				try {
					$this->resend_link( $ticket_id, $participant );
				} catch ( \Throwable $e ) {
					// Nothing to show: the page is sent. The next refused link tries again.
					error_log( 'Email Piping: could not mail a fresh ticket link: ' . $e->getMessage() ); // phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_error_log
				}
			}
		);
	}

	/**
	 * Mails a participant a fresh link, at most once per RESEND_EVERY and ticket and
	 * RESEND_PER_HOUR times an hour per address; a link that names no participant of an
	 * existing ticket gets nothing (and the page says the same).
	 *
	 * @since 0.3.0
	 * @param int    $ticket_id   Ticket the link named.
	 * @param string $participant Address it named.
	 * @return bool Whether a link was sent.
	 * @throws \RuntimeException When WordPress could not hand the mail to the mail server.
	 */
	public function resend_link( int $ticket_id, string $participant ): bool {
		$ticket = $this->ticket_for( $ticket_id, $participant );
		if ( null === $ticket ) {
			return false;
		}
		$participant = strtolower( trim( $participant ) );
		$per_ticket  = 'epipe_portal_resend_' . substr( hash( 'sha256', $ticket_id . ':' . $participant ), 0, 32 );
		$per_address = 'epipe_portal_resend_' . substr( hash( 'sha256', 'address:' . $participant ), 0, 32 );
		$sent        = (int) get_transient( $per_address );
		if ( false !== get_transient( $per_ticket ) || $sent >= self::RESEND_PER_HOUR ) {
			return false;
		}
		set_transient( $per_ticket, 1, self::RESEND_EVERY );
		set_transient( $per_address, $sent + 1, HOUR_IN_SECONDS );
		$host = (string) wp_parse_url( home_url(), PHP_URL_HOST );
		$this->mailer->send(
			array(
				'to'         => $participant,
				/* translators: 1: ticket number, 2: ticket subject. */
				'subject'    => sprintf( __( '[#%1$d] Your new link: %2$s', 'email-piping' ), $ticket_id, (string) $ticket['subject'] ),
				'body'       => sprintf(
					/* translators: 1: ticket number, 2: link. */
					__( "You opened a link to ticket #%1\$d that is no longer valid. Here is a new one:\n\n%2\$s\n\nIt works for 30 days. If you did not ask for it, you can ignore this email.", 'email-piping' ),
					$ticket_id,
					Portal_Link::url( $ticket_id, $participant )
				),
				'message_id' => '<epipe.link.' . $ticket_id . '.' . bin2hex( random_bytes( 6 ) ) . '@' . ( '' !== $host ? $host : 'localhost' ) . '>',
			)
		);
		return true;
	}

	/**
	 * Whether an address takes part in a ticket.
	 *
	 * @param array<string, mixed> $ticket      Ticket.
	 * @param string               $participant Address.
	 */
	private function is_participant( array $ticket, string $participant ): bool {
		$participant = strtolower( trim( $participant ) );
		if ( '' === $participant ) {
			return false;
		}
		if ( strtolower( (string) $ticket['customer_email'] ) === $participant ) {
			return true;
		}
		foreach ( $this->tickets->recipients( (int) $ticket['id'] ) as $recipient ) {
			if ( strtolower( (string) $recipient['email'] ) === $participant ) {
				return true;
			}
		}
		return false;
	}
}
