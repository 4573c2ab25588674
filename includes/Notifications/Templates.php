<?php
/**
 * Notification templates: built-in texts, the admin's edits, macros.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Notifications;

use Email_Piping\Data\Template_Repository;
use Email_Piping\Domain\Macros;
use Email_Piping\Exception\Validation_Exception;

defined( 'ABSPATH' ) || exit;

/**
 * Every notification kind with its default text; the admin may edit subject, body and the
 * enabled flag of each (stored in epipe_templates). Bodies are plain text: values taken from
 * emails can never become markup or script in a notification.
 *
 * @since 0.1.0
 */
final class Templates {

	/** Longest subject text taken from a ticket, so notification subjects stay readable. */
	private const SUBJECT_MAX = 110;

	/** Longest body an admin may save. */
	public const BODY_MAX = 20000;

	/** Macros every ticket template can use. */
	public const TICKET_MACROS = array(
		'ticket_id',
		'ticket_subject',
		'ticket_status',
		'ticket_priority',
		'ticket_category',
		'ticket_url',
		'customer_name',
		'customer_first_name',
		'customer_email',
		'assignee_name',
		'last_reply',
		'last_reply_user_name',
		'last_reply_user_email',
		'last_note',
		'last_note_user_name',
		'ticket_history',
		'ticket_history_all_with_notes',
		'agent_name',
		'changed_field',
		'changed_from',
		'changed_to',
		'site_name',
	);

	/** Macros of the reject notices (there may be no ticket). */
	public const REJECT_MACROS = array( 'ticket_id', 'original_subject', 'customer_email', 'ticket_url', 'site_name' );

	/**
	 * Wires the storage.
	 *
	 * @since 0.2.0
	 * @param Template_Repository $templates Edited templates.
	 */
	public function __construct( private Template_Repository $templates ) {}

	/**
	 * Every template name with its audience and the event that sends it.
	 *
	 * @since 0.2.0
	 * @return array<string, array{label: string, audience: string, event: string}>
	 */
	public static function kinds(): array {
		return array(
			'customer_ticket_created'       => array(
				'label'    => __( 'New ticket: confirmation to the customer', 'email-piping' ),
				'audience' => 'customer',
				'event'    => 'ticket_created',
			),
			'agent_ticket_created'          => array(
				'label'    => __( 'New ticket: alert to agents', 'email-piping' ),
				'audience' => 'agents',
				'event'    => 'ticket_created',
			),
			'agent_customer_replied'        => array(
				'label'    => __( 'Customer reply: alert to agents', 'email-piping' ),
				'audience' => 'agents',
				'event'    => 'customer_replied',
			),
			'customer_agent_replied'        => array(
				'label'    => __( 'Agent reply: to the customer and additional recipients', 'email-piping' ),
				'audience' => 'customer',
				'event'    => 'agent_replied',
			),
			'agent_note_added'              => array(
				'label'    => __( 'Internal note: alert to other agents', 'email-piping' ),
				'audience' => 'agents',
				'event'    => 'note_added',
			),
			'customer_status_changed'       => array(
				'label'    => __( 'Status change: to the customer', 'email-piping' ),
				'audience' => 'customer',
				'event'    => 'ticket_changed',
			),
			'agent_ticket_changed'          => array(
				'label'    => __( 'Ticket change (status, priority, category, assignee): alert to agents', 'email-piping' ),
				'audience' => 'agents',
				'event'    => 'ticket_changed',
			),
			'reject_reply_not_allowed'      => array(
				'label'    => __( 'Rejected: replies by email are not allowed', 'email-piping' ),
				'audience' => 'sender',
				'event'    => 'reject_notice',
			),
			'reject_new_ticket_not_allowed' => array(
				'label'    => __( 'Rejected: new tickets by email are not allowed', 'email-piping' ),
				'audience' => 'sender',
				'event'    => 'reject_notice',
			),
			'reject_sender_not_registered'  => array(
				'label'    => __( 'Rejected: the sender is not a registered user', 'email-piping' ),
				'audience' => 'sender',
				'event'    => 'reject_notice',
			),
			'reject_ticket_closed'          => array(
				'label'    => __( 'Rejected: the ticket is closed', 'email-piping' ),
				'audience' => 'sender',
				'event'    => 'reject_notice',
			),
		);
	}

	/**
	 * Built-in subject and body of a template.
	 *
	 * @since 0.2.0
	 * @param string $name Template name.
	 * @return array{subject: string, body: string}
	 */
	public static function defaults( string $name ): array {
		$footer = "\n\n-- \n{{site_name}}";
		switch ( $name ) {
			case 'customer_ticket_created':
				return array(
					'subject' => '{{ticket_subject}}',
					/* translators: Do not translate the {{macros}}. */
					'body'    => __( "Hello {{customer_name}},\n\nWe have received your request and opened ticket #{{ticket_id}}: \"{{ticket_subject}}\".\nReply to this email to add anything to your ticket, or see and answer it online: {{ticket_url}}\n\nYour message:\n{{last_reply}}", 'email-piping' ) . $footer,
				);
			case 'agent_ticket_created':
				return array(
					'subject' => '{{ticket_subject}}',
					/* translators: Do not translate the {{macros}}. */
					'body'    => __( "New ticket #{{ticket_id}} from {{customer_name}} <{{customer_email}}>.\nReply to this email to answer the customer, or open it: {{ticket_url}}\n\n{{last_reply}}", 'email-piping' ) . $footer,
				);
			case 'agent_customer_replied':
				return array(
					'subject' => '{{ticket_subject}}',
					/* translators: Do not translate the {{macros}}. */
					'body'    => __( "New reply on ticket #{{ticket_id}} from {{last_reply_user_email}}.\nReply to this email to answer, or open the ticket: {{ticket_url}}\n\n{{last_reply}}\n\nEarlier messages:\n{{ticket_history}}", 'email-piping' ) . $footer,
				);
			case 'customer_agent_replied':
				return array(
					'subject' => '{{ticket_subject}}',
					/* translators: Do not translate the {{macros}}. */
					'body'    => __( "{{last_reply}}\n\n{{last_reply_user_name}}\n\nTicket #{{ticket_id}}: {{ticket_url}}\n\nEarlier messages:\n{{ticket_history}}", 'email-piping' ) . $footer,
				);
			case 'agent_note_added':
				return array(
					'subject' => '{{ticket_subject}}',
					/* translators: Do not translate the {{macros}}. */
					'body'    => __( "{{last_note_user_name}} added a note to ticket #{{ticket_id}}:\n\n{{last_note}}\n\n{{ticket_url}}", 'email-piping' ) . $footer,
				);
			case 'customer_status_changed':
				return array(
					'subject' => '{{ticket_subject}}',
					/* translators: Do not translate the {{macros}}. */
					'body'    => __( "Hello {{customer_name}},\n\nThe status of your ticket #{{ticket_id}} changed from {{changed_from}} to {{changed_to}}.\nReply to this email if you need anything else.\n\n{{ticket_url}}", 'email-piping' ) . $footer,
				);
			case 'agent_ticket_changed':
				return array(
					'subject' => '{{ticket_subject}}',
					/* translators: Do not translate the {{macros}}. */
					'body'    => __( "{{agent_name}} changed the {{changed_field}} of ticket #{{ticket_id}} from {{changed_from}} to {{changed_to}}.\nAssignee: {{assignee_name}}\n\n{{ticket_url}}", 'email-piping' ) . $footer,
				);
			case 'reject_reply_not_allowed':
				return array(
					/* translators: Do not translate the {{macros}}. */
					'subject' => __( 'Re: {{original_subject}}', 'email-piping' ),
					'body'    => __( 'Your reply to the ticket is not allowed via email. Please answer through our website instead.', 'email-piping' ) . $footer,
				);
			case 'reject_new_ticket_not_allowed':
				return array(
					/* translators: Do not translate the {{macros}}. */
					'subject' => __( 'Re: {{original_subject}}', 'email-piping' ),
					'body'    => __( 'A new ticket can not be created via email. Please open a ticket through our website instead.', 'email-piping' ) . $footer,
				);
			case 'reject_sender_not_registered':
				return array(
					/* translators: Do not translate the {{macros}}. */
					'subject' => __( 'Re: {{original_subject}}', 'email-piping' ),
					'body'    => __( 'A ticket can not be created via email for non-registered users. Please register on our website first, then write again.', 'email-piping' ) . $footer,
				);
			case 'reject_ticket_closed':
				return array(
					'subject' => '{{original_subject}}',
					/* translators: Do not translate the {{macros}}. */
					'body'    => __( 'The ticket #{{ticket_id}} is closed. Please create a new ticket by writing to us without replying to this ticket.', 'email-piping' ) . $footer,
				);
			default:
				return array(
					'subject' => '',
					'body'    => '',
				);
		}
	}

	/**
	 * Every template as the admin sees it: effective texts, defaults, macros.
	 *
	 * @since 0.2.0
	 * @return array<int, array<string, mixed>>
	 */
	public function all(): array {
		$stored = $this->templates->all();
		$out    = array();
		foreach ( self::kinds() as $name => $kind ) {
			$out[] = $this->shape( $name, $kind, $stored[ $name ] ?? null );
		}
		return $out;
	}

	/**
	 * One template, or null for an unknown name.
	 *
	 * @since 0.2.0
	 * @param string $name Template name.
	 * @return array<string, mixed>|null
	 */
	public function get( string $name ): ?array {
		$kinds = self::kinds();
		if ( ! isset( $kinds[ $name ] ) ) {
			return null;
		}
		return $this->shape( $name, $kinds[ $name ], $this->templates->all()[ $name ] ?? null );
	}

	/**
	 * Saves an edited template.
	 *
	 * @since 0.2.0
	 * @param string $name    Template name.
	 * @param bool   $enabled Whether it is sent.
	 * @param string $subject Subject with macros.
	 * @param string $body    Plain-text body with macros.
	 * @return array<string, mixed>
	 * @throws Validation_Exception When a text is unusable or names an unknown macro.
	 */
	public function save( string $name, bool $enabled, string $subject, string $body ): array {
		$allowed = 'sender' === self::kinds()[ $name ]['audience'] ? self::REJECT_MACROS : self::TICKET_MACROS;
		$errors  = array();
		if ( '' === trim( $subject ) || 1 === preg_match( '/[\x00-\x1f\x7f]/', $subject ) || mb_strlen( $subject ) > 255 ) {
			$errors['subject'] = __( 'Enter a subject of one line, up to 255 characters.', 'email-piping' );
		}
		if ( '' === trim( $body ) || mb_strlen( $body ) > self::BODY_MAX ) {
			/* translators: %d: maximum number of characters. */
			$errors['body'] = sprintf( __( 'Enter a body of up to %d characters.', 'email-piping' ), self::BODY_MAX );
		}
		foreach ( array(
			'subject' => $subject,
			'body'    => $body,
		) as $field => $text ) {
			$unknown = array_diff( Macros::used( $text ), $allowed );
			if ( array() !== $unknown && ! isset( $errors[ $field ] ) ) {
				/* translators: 1: unknown macros, 2: allowed macros. */
				$errors[ $field ] = sprintf( __( 'Unknown macro %1$s. Available: %2$s.', 'email-piping' ), '{{' . implode( '}}, {{', $unknown ) . '}}', '{{' . implode( '}}, {{', $allowed ) . '}}' );
			}
		}
		if ( array() !== $errors ) {
			throw new Validation_Exception( $errors );
		}
		$this->templates->put( $name, $enabled, trim( $subject ), str_replace( "\r\n", "\n", $body ) );
		return (array) $this->get( $name );
	}

	/**
	 * Goes back to the built-in text.
	 *
	 * @since 0.2.0
	 * @param string $name Template name.
	 */
	public function reset( string $name ): void {
		$this->templates->delete( $name );
	}

	/**
	 * Renders a template for one recipient.
	 *
	 * @since 0.2.0
	 * @param string                $name      Template name.
	 * @param array<string, string> $values    Macro values (untrusted text allowed: plain-text body).
	 * @param int                   $ticket_id Ticket (0: none), for the "[Ticket #N]" subject token.
	 * @return array{enabled: bool, subject: string, body: string}
	 */
	public function render( string $name, array $values, int $ticket_id ): array {
		$template = $this->get( $name );
		if ( null === $template ) {
			return array(
				'enabled' => false,
				'subject' => '',
				'body'    => '',
			);
		}
		// Subject values are cut to one line before they are placed, so no macro adds a header.
		$subject_values = array_map( array( Mailer::class, 'header_safe' ), $values );
		if ( isset( $subject_values['ticket_subject'] ) && mb_strlen( $subject_values['ticket_subject'] ) > self::SUBJECT_MAX ) {
			$subject_values['ticket_subject'] = mb_substr( $subject_values['ticket_subject'], 0, self::SUBJECT_MAX - 1 ) . '…';
		}
		$subject = Mailer::header_safe( Macros::render( (string) $template['subject'], $subject_values ) );
		// "[Ticket #N]" is the token the sidecar (and every helpdesk) threads by; always present.
		if ( $ticket_id > 0 && false === stripos( $subject, '[Ticket #' . $ticket_id . ']' ) ) {
			$subject = '[Ticket #' . $ticket_id . '] ' . $subject;
		}
		return array(
			'enabled' => (bool) $template['enabled'],
			'subject' => $subject,
			'body'    => Macros::render( (string) $template['body'], $values ),
		);
	}

	/**
	 * Admin view of one template.
	 *
	 * @param string                                                                    $name   Template name.
	 * @param array{label: string, audience: string, event: string}                     $kind   Kind.
	 * @param array{enabled: bool, subject: string, body: string, updated_at: string}|null $stored Edited version.
	 * @return array<string, mixed>
	 */
	private function shape( string $name, array $kind, ?array $stored ): array {
		$defaults = self::defaults( $name );
		return array(
			'name'     => $name,
			'label'    => $kind['label'],
			'audience' => $kind['audience'],
			'event'    => $kind['event'],
			'enabled'  => null === $stored ? true : $stored['enabled'],
			'subject'  => null === $stored ? $defaults['subject'] : $stored['subject'],
			'body'     => null === $stored ? $defaults['body'] : $stored['body'],
			'edited'   => null !== $stored,
			'defaults' => $defaults,
			'macros'   => 'sender' === $kind['audience'] ? self::REJECT_MACROS : self::TICKET_MACROS,
		);
	}
}
