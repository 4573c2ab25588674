<?php
/**
 * General settings: definitions, defaults, validation.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Services;

use Email_Piping\Data\Settings_Repository;
use Email_Piping\Exception\Validation_Exception;

defined( 'ABSPATH' ) || exit;

/**
 * Every general setting of the plugin, stored as one JSON row per key in epipe_settings.
 *
 * A missing row means the default. The sidecar reads the same rows (keys marked "sidecar"),
 * so names, types and defaults below are a contract; includes/README.md lists them too.
 *
 * | key                   | type      | default                        | read by          |
 * |-----------------------|-----------|--------------------------------|------------------|
 * | allowed_emails        | string    | "all" (all, new, reply)        | sidecar          |
 * | allowed_senders       | string    | "anyone" (anyone, registered)  | sidecar          |
 * | body_preference       | string    | "text" (text, html)            | sidecar          |
 * | import_cc             | bool      | false                          | sidecar          |
 * | reply_above_text      | string    | "-- Reply above this line --"  | sidecar and PHP  |
 * | forwarding_addresses  | string[]  | []                             | sidecar and PHP  |
 * | forwarding_as_from    | bool      | false                          | PHP              |
 * | duplicate_filter      | bool      | true                           | sidecar          |
 * | bulk_mail             | string    | "skip" (skip, ticket)          | sidecar          |
 * | log_retention_days    | int       | 30 (1–3650)                    | PHP (pruning)    |
 * | max_attachment_mb     | int       | 20 (1–100)                     | sidecar          |
 * | sender_tickets_quiet  | int       | 20 (0 = never)                 | sidecar          |
 * | sender_tickets_limit  | int       | 100 (0 = never)                | sidecar          |
 * | allowed_extensions    | string[]  | SupportCandy's list            | sidecar          |
 * | closed_ticket_replies | string    | "reopen" (reopen, reject)      | sidecar          |
 * | categories            | string[]  | ["General"]                    | PHP (agents)     |
 *
 * SupportCandy's "time frequency" has no counterpart: the sidecar picks mail up within
 * seconds (IMAP IDLE); its single "connection" became any number of connections.
 *
 * @since 0.2.0
 */
final class Settings_Service {

	/** Default reply marker (kept from 0.1, where it was the option epipe_reply_above_text). */
	public const DEFAULT_REPLY_ABOVE_TEXT = '-- Reply above this line --';

	/**
	 * Cached values for this request.
	 *
	 * @var array<string, mixed>|null
	 */
	private ?array $cache = null;

	/**
	 * Wires the repository.
	 *
	 * @since 0.2.0
	 * @param Settings_Repository $settings Storage.
	 */
	public function __construct( private Settings_Repository $settings ) {}

	/**
	 * JSON schema of every setting (also the REST arguments of PUT /settings).
	 *
	 * @since 0.2.0
	 * @return array<string, array<string, mixed>>
	 */
	public static function schema(): array {
		$email_list = array(
			'type'     => 'array',
			'items'    => array(
				'type'   => 'string',
				'format' => 'email',
			),
			'maxItems' => 100,
		);
		return array(
			'allowed_emails'        => array(
				'description' => __( 'Which emails are accepted: all, only new tickets, or only replies.', 'email-piping' ),
				'type'        => 'string',
				'enum'        => array( 'all', 'new', 'reply' ),
				'default'     => 'all',
			),
			'allowed_senders'       => array(
				'description' => __( 'Who may open tickets by email: anyone, or only registered users.', 'email-piping' ),
				'type'        => 'string',
				'enum'        => array( 'anyone', 'registered' ),
				'default'     => 'anyone',
			),
			'body_preference'       => array(
				'description' => __( 'Which part of an email becomes the ticket text when both exist.', 'email-piping' ),
				'type'        => 'string',
				'enum'        => array( 'text', 'html' ),
				'default'     => 'text',
			),
			'import_cc'             => array(
				'description' => __( 'Add the other To and Cc addresses of an email as additional recipients.', 'email-piping' ),
				'type'        => 'boolean',
				'default'     => false,
			),
			'reply_above_text'      => array(
				'description' => __( 'Line on top of every notification; replies are cut where it appears.', 'email-piping' ),
				'type'        => 'string',
				'minLength'   => 3,
				'maxLength'   => 200,
				'default'     => self::DEFAULT_REPLY_ABOVE_TEXT,
			),
			'forwarding_addresses'  => array(
				'description' => __( 'Customer-facing addresses that forward into a piped mailbox.', 'email-piping' ),
				'default'     => array(),
			) + $email_list,
			'forwarding_as_from'    => array(
				'description' => __( 'Send notifications of a forwarded ticket from the address it was sent to.', 'email-piping' ),
				'type'        => 'boolean',
				'default'     => false,
			),
			'bulk_mail'             => array(
				'description' => __( 'Mailing-list and bulk mail (newsletters, notifications): skip it, or open tickets from it without sending a confirmation.', 'email-piping' ),
				'type'        => 'string',
				'enum'        => array( 'skip', 'ticket' ),
				'default'     => 'skip',
			),
			'duplicate_filter'      => array(
				'description' => __( 'Record an email that another piped mailbox already took in (the same email sent to two of your addresses) as a duplicate of that ticket instead of opening a second one. Repeats within one mailbox are always dropped.', 'email-piping' ),
				'type'        => 'boolean',
				'default'     => true,
			),
			'log_retention_days'    => array(
				'description' => __( 'Days the activity log is kept.', 'email-piping' ),
				'type'        => 'integer',
				'minimum'     => 1,
				'maximum'     => 3650,
				'default'     => 30,
			),
			'max_attachment_mb'     => array(
				'description' => __( 'Largest attachment stored, in megabytes.', 'email-piping' ),
				'type'        => 'integer',
				'minimum'     => 1,
				'maximum'     => 100,
				'default'     => 20,
			),
			'sender_tickets_quiet'  => array(
				'description' => __( 'New tickets one sender may open within an hour before they are opened without notifying anyone (loop protection; 0 turns it off).', 'email-piping' ),
				'type'        => 'integer',
				'minimum'     => 0,
				'maximum'     => 100000,
				'default'     => 20,
			),
			'sender_tickets_limit'  => array(
				'description' => __( 'New tickets one sender may open within an hour before their emails wait in quarantine (flood protection; 0 turns it off).', 'email-piping' ),
				'type'        => 'integer',
				'minimum'     => 0,
				'maximum'     => 100000,
				'default'     => 100,
			),
			'allowed_extensions'    => array(
				'description' => __( 'File extensions of attachments that are stored; others are refused and noted on the ticket.', 'email-piping' ),
				'type'        => 'array',
				'items'       => array(
					'type'    => 'string',
					'pattern' => '^[A-Za-z0-9]{1,16}$',
				),
				'maxItems'    => 200,
				'default'     => array( 'jpg', 'jpeg', 'png', 'gif', 'pdf', 'doc', 'docx', 'ppt', 'pptx', 'pps', 'ppsx', 'odt', 'xls', 'xlsx', 'mp3', 'm4a', 'ogg', 'wav', 'mp4', 'm4v', 'mov', 'wmv', 'avi', 'mpg', 'ogv', '3gp', '3g2', 'zip', 'eml', 'txt', 'csv' ),
			),
			'closed_ticket_replies' => array(
				'description' => __( 'What a reply to a closed ticket does: reopen it, or be refused with the "ticket closed" notice.', 'email-piping' ),
				'type'        => 'string',
				'enum'        => array( 'reopen', 'reject' ),
				'default'     => 'reopen',
			),
			'categories'            => array(
				'description' => __( 'Ticket categories agents can choose from.', 'email-piping' ),
				'type'        => 'array',
				'items'       => array(
					'type'      => 'string',
					'minLength' => 1,
					'maxLength' => 60,
				),
				'maxItems'    => 100,
				'default'     => array( 'General' ),
			),
		);
	}

	/**
	 * Every setting, stored value or default.
	 *
	 * @since 0.2.0
	 * @return array<string, mixed>
	 */
	public function all(): array {
		if ( null === $this->cache ) {
			$stored = $this->settings->all();
			$out    = array();
			foreach ( self::schema() as $key => $schema ) {
				$value       = $stored[ $key ] ?? null;
				$out[ $key ] = null !== $value && true === rest_validate_value_from_schema( $value, $schema, $key ) ? $value : $schema['default'];
			}
			$this->cache = $out;
		}
		return $this->cache;
	}

	/**
	 * One setting.
	 *
	 * @since 0.2.0
	 * @param string $key Setting key.
	 * @return mixed
	 */
	public function get( string $key ) {
		return $this->all()[ $key ] ?? null;
	}

	/**
	 * Saves the given settings (others keep their values) after validating every one.
	 *
	 * @since 0.2.0
	 * @param array<string, mixed> $values Values by key; unknown keys are refused.
	 * @return array<string, mixed> Every setting afterwards.
	 * @throws Validation_Exception Naming each invalid field.
	 */
	public function update( array $values ): array {
		$schema = self::schema();
		$errors = array();
		$clean  = array();
		foreach ( $values as $key => $value ) {
			if ( ! isset( $schema[ $key ] ) ) {
				/* translators: %s: setting name. */
				$errors[ (string) $key ] = sprintf( __( '%s is not a setting.', 'email-piping' ), (string) $key );
				continue;
			}
			$valid = rest_validate_value_from_schema( $value, $schema[ $key ], $key );
			if ( is_wp_error( $valid ) ) {
				$errors[ $key ] = $valid->get_error_message();
				continue;
			}
			$clean[ $key ] = $this->normalise( $key, rest_sanitize_value_from_schema( $value, $schema[ $key ], $key ) );
		}
		if ( array() !== $errors ) {
			throw new Validation_Exception( $errors );
		}
		foreach ( $clean as $key => $value ) {
			$this->settings->put( $key, $value );
		}
		$this->cache = null;
		return $this->all();
	}

	/**
	 * Canonical form of a valid value (lower-case unique addresses, trimmed texts).
	 *
	 * @param string $key   Setting key.
	 * @param mixed  $value Valid value.
	 * @return mixed
	 */
	private function normalise( string $key, $value ) {
		switch ( $key ) {
			case 'forwarding_addresses':
			case 'allowed_extensions':
				return array_values( array_unique( array_map( static fn ( $v ): string => strtolower( trim( (string) $v ) ), $value ) ) );
			case 'categories':
				return array_values( array_unique( array_filter( array_map( static fn ( $v ): string => sanitize_text_field( (string) $v ), $value ) ) ) );
			case 'reply_above_text':
				return sanitize_text_field( (string) $value );
			default:
				return $value;
		}
	}
}
