<?php
/**
 * Sentences for the machine codes the sidecar and the domain layer store.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Services;

use Email_Piping\Domain\Pattern;

defined( 'ABSPATH' ) || exit;

/**
 * The sidecar writes no user-facing strings (ARCHITECTURE §4): it stores codes such as
 * auth_failed, and this class says what they mean and how to fix them, translated.
 *
 * @since 0.2.0
 */
final class Messages {

	/**
	 * What is wrong with a pattern, in words.
	 *
	 * @since 0.2.0
	 * @param string $problem One of Pattern::PROBLEM_*.
	 * @param string $detail  The compiler's message or the refused construct.
	 */
	public static function pattern_problem( string $problem, string $detail ): string {
		switch ( $problem ) {
			case Pattern::PROBLEM_EMPTY:
				return __( 'Enter a pattern.', 'email-piping' );
			case Pattern::PROBLEM_TOO_LONG:
				/* translators: %d: maximum number of characters. */
				return sprintf( __( 'The pattern is longer than %d characters.', 'email-piping' ), Pattern::MAX_LENGTH );
			case Pattern::PROBLEM_CONTROL:
				return __( 'The pattern contains line breaks or other control characters.', 'email-piping' );
			case Pattern::PROBLEM_MATCH_TYPE:
				return __( 'Choose exact, wildcard or regex matching.', 'email-piping' );
			case Pattern::PROBLEM_INVALID:
				/* translators: %s: the regular expression engine's error message. */
				return sprintf( __( 'The regular expression does not compile: %s. Write it without delimiters or flags, e.g. ^out of office.', 'email-piping' ), $detail );
			case Pattern::PROBLEM_UNSUPPORTED:
				/* translators: %s: the refused regular expression construct. */
				return sprintf( __( 'The regular expression uses %s, which the sidecar cannot apply the same way. Rewrite it without it.', 'email-piping' ), $detail );
			case Pattern::PROBLEM_RUNAWAY:
				return __( 'The regular expression could run away (catastrophic backtracking, e.g. a repeated group such as (a+)+ that itself repeats). A crafted email could then stall mail processing; simplify it, e.g. (a+)+ → a+.', 'email-piping' );
			default:
				return __( 'The pattern is not valid.', 'email-piping' );
		}
	}

	/**
	 * Why an email got its outcome (activity log and receipts).
	 *
	 * @since 0.2.0
	 * @param string $reason Machine code.
	 */
	public static function activity_reason( string $reason ): string {
		$map = array(
			'new_ticket'             => __( 'A new ticket was created.', 'email-piping' ),
			'reply_signed_reference' => __( 'Added as a reply: it answers one of our notifications (signed reference).', 'email-piping' ),
			'reply_reference'        => __( 'Added as a reply: it references the ticket and comes from its customer.', 'email-piping' ),
			'reply_subject_token'    => __( 'Added as a reply: its subject names the ticket and it comes from its customer.', 'email-piping' ),
			'reply_address'          => __( 'Added as a reply: it was sent to the ticket\'s signed reply address.', 'email-piping' ),
			'agent_reply'            => __( 'Added as an agent\'s reply: an agent answered a notification from their mail client; the customer is notified.', 'email-piping' ),
			'from_piped_address'     => __( 'Skipped: it was sent from the piped mailbox itself.', 'email-piping' ),
			'own_notification'       => __( 'Skipped: it is one of our own notifications.', 'email-piping' ),
			'auto_reply'             => __( 'Skipped: an automatic reply (out of office, auto-responder).', 'email-piping' ),
			'bounce'                 => __( 'Skipped: a bounce or delivery report.', 'email-piping' ),
			'bulk'                   => __( 'Skipped: bulk or mailing-list mail.', 'email-piping' ),
			'no_sender'              => __( 'Quarantined: the email has no usable sender address.', 'email-piping' ),
			'parse_failed'           => __( 'Quarantined: the email could not be read.', 'email-piping' ),
			'too_large'              => __( 'Quarantined: the email is larger than the size limit.', 'email-piping' ),
			'store_failed'           => __( 'Quarantined: the email could not be stored.', 'email-piping' ),
			'crash_loop'             => __( 'Quarantined: processing this email stopped the sidecar three times in a row.', 'email-piping' ),
			'duplicate'              => __( 'Skipped: a duplicate of an email already piped.', 'email-piping' ),
			'message_id_collision'   => __( 'Quarantined: it has the Message-ID of an email already piped but different content (a sender reusing IDs, or a forgery). Read it, then reprocess it to take it in as an email of its own, or discard it.', 'email-piping' ),
			'sender_flood'           => __( 'Quarantined: this sender opened more than 100 tickets within an hour (a mail loop or a flood). Nothing was lost: read it, then reprocess it to open the ticket, or discard it.', 'email-piping' ),
			'blocked_sender'         => __( 'Rejected: the sender is on the block list.', 'email-piping' ),
			'blocked_subject'        => __( 'Rejected: the subject is on the block list.', 'email-piping' ),
			'reply_not_allowed'      => __( 'Rejected: replies by email are not allowed.', 'email-piping' ),
			'new_ticket_not_allowed' => __( 'Rejected: new tickets by email are not allowed.', 'email-piping' ),
			'sender_not_registered'  => __( 'Rejected: only registered users may open tickets by email.', 'email-piping' ),
			'ticket_closed'          => __( 'Rejected: the ticket is closed.', 'email-piping' ),
			'rate_limited'           => __( 'Skipped: too many emails from this sender in a short time (loop protection).', 'email-piping' ),
		);
		/* translators: %s: machine code of the outcome. */
		return $map[ $reason ] ?? sprintf( __( 'Outcome: %s.', 'email-piping' ), $reason );
	}

	/**
	 * What a connection status code means and how to fix it.
	 *
	 * The sidecar's detail (its English sentence, which quotes the system's error code) narrows a
	 * few codes down: a host name that does not resolve is not a port nobody listens on.
	 *
	 * @since 0.2.0
	 * @param string $code   Machine code from epipe_mailbox_state.status_code or a job result.
	 * @param string $detail The sidecar's detail (status_detail or the job's message), if any.
	 * @return array{message: string, fix: string}
	 */
	public static function connection_status( string $code, string $detail = '' ): array {
		$refined = self::connection_detail( $code, $detail );
		if ( null !== $refined ) {
			return $refined;
		}
		$map = array(
			'auth_failed'          => array( __( 'The mail server refused the login.', 'email-piping' ), __( 'Check the user name and enter the password again; for Gmail or Microsoft, authorise the connection again.', 'email-piping' ) ),
			'tls_failed'           => array( __( 'The secure (TLS) connection to the mail server failed.', 'email-piping' ), __( 'Check the TLS mode and port (993 for TLS, 143 for STARTTLS); for a self-signed certificate give its CA file.', 'email-piping' ) ),
			'connect_failed'       => array( __( 'The mail server could not be reached.', 'email-piping' ), __( 'Check the host name and port, and that the firewall lets the sidecar connect.', 'email-piping' ) ),
			'timeout'              => array( __( 'The mail server did not answer in time.', 'email-piping' ), __( 'Check the host and port; if the server is slow, the sidecar retries by itself.', 'email-piping' ) ),
			'folder_not_found'     => array( __( 'The folder to read does not exist in the mailbox.', 'email-piping' ), __( 'Check the folder name (usually INBOX).', 'email-piping' ) ),
			'secret_undecryptable' => array( __( 'The stored password can no longer be read: the secret key in wp-config.php changed.', 'email-piping' ), __( 'Re-enter the password (or authorise the connection again). Other connections are not affected.', 'email-piping' ) ),
			'secret_missing'       => array( __( 'No password is stored for this connection.', 'email-piping' ), __( 'Re-enter the password.', 'email-piping' ) ),
			'lease_held'           => array( __( 'Another sidecar process is working this mailbox right now.', 'email-piping' ), __( 'Nothing to do; it takes over automatically if that process stops.', 'email-piping' ) ),
			'connection_invalid'   => array( __( 'The connection settings are incomplete or unreadable.', 'email-piping' ), __( 'Edit the connection and save it again.', 'email-piping' ) ),
			'throttled'            => array( __( 'The mail provider is limiting requests.', 'email-piping' ), __( 'Nothing to do; the sidecar waits as the provider asks and retries.', 'email-piping' ) ),
			'consent_required'     => array( __( 'The connection is not authorised yet, or its authorisation expired or was revoked.', 'email-piping' ), __( 'Authorise the connection again.', 'email-piping' ) ),
			'oauth_failed'         => array( __( 'The provider refused the authorisation.', 'email-piping' ), __( 'Check the client ID and client secret, and authorise the connection again.', 'email-piping' ) ),
			'sidecar_idle'         => array( __( 'The sidecar has not picked up this request yet.', 'email-piping' ), __( 'Make sure the sidecar daemon (email-piping run) is running.', 'email-piping' ) ),
			'protocol_error'       => array( __( 'The mail server answered in a way the sidecar did not expect.', 'email-piping' ), __( 'Check that the host and port are those of an IMAP server and that the TLS mode matches the port; the details show the server\'s words.', 'email-piping' ) ),
			'connection_not_found' => array( __( 'This connection no longer exists.', 'email-piping' ), __( 'Reload the page; it may have been deleted in another window.', 'email-piping' ) ),
			'not_supported'        => array( __( 'The running sidecar cannot do this yet.', 'email-piping' ), __( 'Update the sidecar to the same version as the plugin and restart it.', 'email-piping' ) ),
		);
		if ( isset( $map[ $code ] ) ) {
			return array(
				'message' => $map[ $code ][0],
				'fix'     => $map[ $code ][1],
			);
		}
		return array(
			/* translators: %s: machine code of the error. */
			'message' => sprintf( __( 'The connection reported an error (%s).', 'email-piping' ), $code ),
			'fix'     => __( 'Look at the sidecar log for details.', 'email-piping' ),
		);
	}

	/**
	 * How the sidecar watches a working connection, in words: listening with IMAP IDLE, or
	 * polling because the server offers no IDLE.
	 *
	 * @since 0.3.0
	 * @param string $mode         The sidecar's status: idle | polling.
	 * @param int    $poll_seconds Seconds between polls.
	 */
	public static function connection_mode( string $mode, int $poll_seconds ): string {
		if ( 'idle' === $mode ) {
			return __( 'Listening (IDLE)', 'email-piping' );
		}
		/* translators: %d: seconds between two looks into the mailbox. */
		return sprintf( _n( 'Polling every %d s', 'Polling every %d s', $poll_seconds, 'email-piping' ), $poll_seconds );
	}

	/**
	 * A more precise sentence for a connection failure whose detail names its cause, or null.
	 *
	 * @param string $code   Machine code.
	 * @param string $detail The sidecar's detail.
	 * @return array{message: string, fix: string}|null
	 */
	private static function connection_detail( string $code, string $detail ): ?array {
		if ( 'connect_failed' === $code && str_contains( $detail, 'ENOTFOUND' ) ) {
			return array(
				'message' => __( 'The mail server\'s host name could not be found (DNS).', 'email-piping' ),
				'fix'     => __( 'Check the spelling of the host name; it must resolve on the machine the sidecar runs on.', 'email-piping' ),
			);
		}
		if ( 'connect_failed' === $code && str_contains( $detail, 'ECONNREFUSED' ) ) {
			return array(
				'message' => __( 'The mail server refused the connection on this port.', 'email-piping' ),
				'fix'     => __( 'Check the port and TLS mode (993 for TLS, 143 for STARTTLS) and that the IMAP service is running.', 'email-piping' ),
			);
		}
		if ( 'protocol_error' === $code && 1 === preg_match( '/\b(?:ENOENT|EACCES|EISDIR)\b/', $detail ) ) {
			return array(
				'message' => __( 'The sidecar cannot read the CA certificate file of this connection.', 'email-piping' ),
				'fix'     => __( 'Check the path of the CA file: it must be a PEM file readable by the sidecar on the machine it runs on.', 'email-piping' ),
			);
		}
		return null;
	}

	/**
	 * Label of a ticket status.
	 *
	 * @since 0.2.0
	 * @param string $status Machine value.
	 */
	public static function status_label( string $status ): string {
		$map = array(
			'open'     => __( 'Open', 'email-piping' ),
			'pending'  => __( 'Waiting for customer', 'email-piping' ),
			'resolved' => __( 'Resolved', 'email-piping' ),
			'closed'   => __( 'Closed', 'email-piping' ),
		);
		return $map[ $status ] ?? $status;
	}

	/**
	 * Label of a ticket priority.
	 *
	 * @since 0.2.0
	 * @param string $priority Machine value.
	 */
	public static function priority_label( string $priority ): string {
		$map = array(
			'low'    => __( 'Low', 'email-piping' ),
			'normal' => __( 'Normal', 'email-piping' ),
			'high'   => __( 'High', 'email-piping' ),
			'urgent' => __( 'Urgent', 'email-piping' ),
		);
		return $map[ $priority ] ?? $priority;
	}

	/**
	 * Why an attachment was refused.
	 *
	 * @since 0.2.0
	 * @param string $reason Machine code.
	 */
	public static function attachment_refused( string $reason ): string {
		$map = array(
			'extension_not_allowed' => __( 'not stored: this file type is not allowed', 'email-piping' ),
			'blocked_extension'     => __( 'not stored: programs and scripts are never accepted', 'email-piping' ),
			'too_large'             => __( 'not stored: larger than the size limit', 'email-piping' ),
			'too_many_attachments'  => __( 'not stored: the email has more than 100 attachments', 'email-piping' ),
		);
		/* translators: %s: machine code of the reason. */
		return $map[ $reason ] ?? sprintf( __( 'not stored (%s)', 'email-piping' ), $reason );
	}
}
