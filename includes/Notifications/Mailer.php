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
 * Thin wrapper over wp_mail() that owns the header rules.
 *
 * @since 0.1.0
 */
final class Mailer {

	/**
	 * Sends a plain-text notification.
	 *
	 * @since 0.1.0
	 * @param array{to: string, subject: string, body: string, message_id: string, reply_to?: string, in_reply_to?: string, references?: string[]} $mail Message.
	 * @throws \RuntimeException When WordPress could not hand the message to the mail server.
	 */
	public function send( array $mail ): void {
		$headers = array(
			// RFC 3834: tells auto-responders not to answer, so no loop starts with us.
			'Auto-Submitted: auto-generated',
			'X-Auto-Response-Suppress: All',
			'Content-Type: text/plain; charset=UTF-8',
		);
		if ( ! empty( $mail['reply_to'] ) && is_email( $mail['reply_to'] ) ) {
			$headers[] = 'Reply-To: ' . self::header_safe( $mail['reply_to'] );
		}
		if ( ! empty( $mail['in_reply_to'] ) ) {
			$headers[] = 'In-Reply-To: ' . self::header_safe( $mail['in_reply_to'] );
		}
		if ( ! empty( $mail['references'] ) ) {
			$headers[] = 'References: ' . self::header_safe( implode( ' ', $mail['references'] ) );
		}

		// A Message-ID in $headers would be sent twice; PHPMailer's own property is the one place.
		$message_id  = $mail['message_id'];
		$set_id      = static function ( $phpmailer ) use ( $message_id ): void {
			$phpmailer->MessageID = $message_id; // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase
		};
		$last_error  = '';
		$note_failure = static function ( \WP_Error $error ) use ( &$last_error ): void {
			$last_error = $error->get_error_message();
		};
		add_action( 'phpmailer_init', $set_id );
		add_action( 'wp_mail_failed', $note_failure );
		try {
			$sent = wp_mail( $mail['to'], self::header_safe( $mail['subject'] ), $mail['body'], $headers );
		} finally {
			remove_action( 'phpmailer_init', $set_id );
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
		return trim( (string) preg_replace( '/[\r\n\t\x00]+/', ' ', $value ) );
	}
}
