<?php
/**
 * Sends one notification through wp_mail with our threading and loop-safety headers.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Notifications;

defined( 'ABSPATH' ) || exit;

/**
 * Thin wrapper over wp_mail() that owns the header rules: every header value passes through
 * header_safe(), so no CR/LF from an email (subject, name, Message-ID) can add a header.
 *
 * @since 0.1.0
 */
final class Mailer {

	/** A Message-ID we may repeat in In-Reply-To/References: "<local@domain>", no spaces or brackets inside. */
	private const MESSAGE_ID = '/^<[^<>\s"]{1,250}@[^<>\s"]{1,250}>$/';

	/**
	 * Sends a plain-text notification.
	 *
	 * @since 0.1.0
	 * @param array{to: string, subject: string, body: string, message_id: string, reply_to?: string, in_reply_to?: string, references?: string[], from?: string, from_name?: string, auto_submitted?: string} $mail Message.
	 * @throws \RuntimeException When WordPress could not hand the message to the mail server.
	 */
	public function send( array $mail ): void {
		$headers = array(
			// RFC 3834: tells auto-responders not to answer, so no loop starts with us.
			'Auto-Submitted: ' . ( 'auto-replied' === ( $mail['auto_submitted'] ?? '' ) ? 'auto-replied' : 'auto-generated' ),
			'X-Auto-Response-Suppress: All',
			'Content-Type: text/plain; charset=UTF-8',
		);
		if ( ! empty( $mail['reply_to'] ) && is_email( $mail['reply_to'] ) ) {
			$headers[] = 'Reply-To: ' . self::header_safe( $mail['reply_to'] );
		}
		$in_reply_to = self::message_id_or_empty( (string) ( $mail['in_reply_to'] ?? '' ) );
		if ( '' !== $in_reply_to ) {
			$headers[] = 'In-Reply-To: ' . $in_reply_to;
		}
		$references = array_values( array_filter( array_map( array( self::class, 'message_id_or_empty' ), $mail['references'] ?? array() ) ) );
		if ( array() !== $references ) {
			$headers[] = 'References: ' . implode( ' ', array_unique( $references ) );
		}

		// A Message-ID in $headers would be sent twice, and a From header is overridden by the
		// wp_mail_from filter; PHPMailer's own properties are the one reliable place for both.
		$message_id = self::header_safe( $mail['message_id'] );
		$from       = ! empty( $mail['from'] ) && is_email( $mail['from'] ) ? (string) $mail['from'] : '';
		$from_name  = self::header_safe( (string) ( $mail['from_name'] ?? '' ) );
		$set_ids    = static function ( $phpmailer ) use ( $message_id, $from, $from_name ): void {
			// phpcs:disable WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase
			$phpmailer->MessageID = $message_id;
			if ( '' !== $from ) {
				$phpmailer->setFrom( $from, '' !== $from_name ? $from_name : $phpmailer->FromName, false );
			}
			// phpcs:enable
		};
		$last_error   = '';
		$note_failure = static function ( \WP_Error $error ) use ( &$last_error ): void {
			$last_error = $error->get_error_message();
		};
		// Late priority: after SMTP plugins (and the test stack's mu-plugin) set their defaults.
		add_action( 'phpmailer_init', $set_ids, 1000 );
		add_action( 'wp_mail_failed', $note_failure );
		try {
			$sent = wp_mail( $mail['to'], self::header_safe( $mail['subject'] ), $mail['body'], $headers );
		} finally {
			remove_action( 'phpmailer_init', $set_ids, 1000 );
			remove_action( 'wp_mail_failed', $note_failure );
		}
		if ( ! $sent ) {
			throw new \RuntimeException( '' !== $last_error ? $last_error : 'wp_mail() returned false.' );
		}
	}

	/**
	 * Removes characters that could end a header and start another (header injection).
	 *
	 * @since 0.1.0
	 * @param string $value Untrusted text, e.g. a subject taken from an email.
	 */
	public static function header_safe( string $value ): string {
		// CR, LF, NUL, tab and the Unicode line/paragraph separators some clients also break on.
		$clean = preg_replace( '/[\r\n\t\x00\x{2028}\x{2029}\x{85}]+/u', ' ', $value );
		// Not valid UTF-8: the byte-level rule still removes every ASCII line break.
		return trim( (string) ( $clean ?? preg_replace( '/[\r\n\t\x00]+/', ' ', $value ) ) );
	}

	/**
	 * A Message-ID taken from an email, if it is one; otherwise ''.
	 *
	 * @since 0.2.0
	 * @param string $value Untrusted value.
	 */
	public static function message_id_or_empty( string $value ): string {
		$value = trim( $value );
		if ( '' !== $value && '<' !== $value[0] ) {
			$value = '<' . $value . '>';
		}
		return 1 === preg_match( self::MESSAGE_ID, $value ) ? $value : '';
	}
}
