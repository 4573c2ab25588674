<?php
/**
 * Built-in texts of the notifications.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Notifications;

use Email_Piping\Options;

defined( 'ABSPATH' ) || exit;

/**
 * Renders subject and plain-text body for each notification.
 *
 * Values from emails are untrusted: they go into text bodies only, and into subjects through
 * Mailer::header_safe().
 *
 * @since 0.1.0
 */
final class Templates {

	/** Longest subject text taken from a ticket, so notification subjects stay readable. */
	private const SUBJECT_MAX = 110;

	/**
	 * Confirmation to the customer that their email became a ticket.
	 *
	 * @since 0.1.0
	 * @param array<string, mixed>      $ticket Ticket row with customer fields.
	 * @param array<string, mixed>|null $thread First thread.
	 * @return array{subject: string, body: string}
	 */
	public static function ticket_created( array $ticket, ?array $thread ): array {
		$name = '' !== (string) $ticket['customer_name'] ? (string) $ticket['customer_name'] : (string) $ticket['customer_email'];
		$body = Options::reply_above_text() . "\n\n"
			/* translators: %s: customer name. */
			. sprintf( __( 'Hello %s,', 'email-piping' ), $name ) . "\n\n"
			/* translators: 1: ticket number, 2: ticket subject. */
			. sprintf( __( 'We have received your request and opened ticket #%1$d: "%2$s".', 'email-piping' ), (int) $ticket['id'], (string) $ticket['subject'] ) . "\n"
			. __( 'Reply to this email to add anything to your ticket.', 'email-piping' ) . "\n\n"
			. self::quote( $thread );
		return array(
			'subject' => self::subject( $ticket ),
			'body'    => $body,
		);
	}

	/**
	 * Alert to agents about a new ticket.
	 *
	 * @since 0.1.0
	 * @param array<string, mixed>      $ticket Ticket row with customer fields.
	 * @param array<string, mixed>|null $thread First thread.
	 * @return array{subject: string, body: string}
	 */
	public static function agent_new_ticket( array $ticket, ?array $thread ): array {
		/* translators: 1: ticket number, 2: customer email address. */
		$body = sprintf( __( 'New ticket #%1$d from %2$s.', 'email-piping' ), (int) $ticket['id'], (string) $ticket['customer_email'] ) . "\n\n" . self::quote( $thread );
		return array(
			'subject' => self::subject( $ticket ),
			'body'    => $body,
		);
	}

	/**
	 * Alert to agents about a customer's reply.
	 *
	 * @since 0.1.0
	 * @param array<string, mixed>      $ticket Ticket row with customer fields.
	 * @param array<string, mixed>|null $thread The reply.
	 * @return array{subject: string, body: string}
	 */
	public static function agent_customer_reply( array $ticket, ?array $thread ): array {
		$from = null !== $thread ? (string) $thread['from_address'] : (string) $ticket['customer_email'];
		/* translators: 1: ticket number, 2: email address of the person who replied. */
		$body = sprintf( __( 'New reply on ticket #%1$d from %2$s.', 'email-piping' ), (int) $ticket['id'], $from ) . "\n\n" . self::quote( $thread );
		return array(
			'subject' => self::subject( $ticket ),
			'body'    => $body,
		);
	}

	/**
	 * "[Ticket #N] subject", the token the sidecar also recognises.
	 *
	 * @param array<string, mixed> $ticket Ticket row.
	 */
	private static function subject( array $ticket ): string {
		$subject = Mailer::header_safe( (string) $ticket['subject'] );
		if ( mb_strlen( $subject ) > self::SUBJECT_MAX ) {
			$subject = mb_substr( $subject, 0, self::SUBJECT_MAX - 1 ) . '…';
		}
		return '[Ticket #' . (int) $ticket['id'] . '] ' . $subject;
	}

	/**
	 * The visible text of a thread, quoted for the mail body.
	 *
	 * @param array<string, mixed>|null $thread Thread row.
	 */
	private static function quote( ?array $thread ): string {
		if ( null === $thread ) {
			return '';
		}
		$text = (string) ( $thread['reply_text'] ?? '' );
		if ( '' === trim( $text ) ) {
			$text = (string) ( $thread['body_text'] ?? '' );
		}
		$lines = preg_split( '/\r\n|\r|\n/', trim( $text ) );
		return '> ' . implode( "\n> ", is_array( $lines ) ? $lines : array() ) . "\n";
	}
}
