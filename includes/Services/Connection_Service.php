<?php
/**
 * Creates mail connections with their secrets sealed.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Services;

use Email_Piping\Data\Connection_Repository;
use Email_Piping\Security\Secret_Box;

defined( 'ABSPATH' ) || exit;

/**
 * Connection rules that do not depend on where the request came from.
 *
 * @since 0.1.0
 */
final class Connection_Service {

	/** TLS modes an IMAP connection can use. */
	public const IMAP_SECURITY = array( 'tls', 'starttls', 'none' );

	/**
	 * Wires the repository.
	 *
	 * @since 0.1.0
	 * @param Connection_Repository $connections Storage.
	 */
	public function __construct( private Connection_Repository $connections ) {}

	/**
	 * Adds an IMAP connection; the password is encrypted before it reaches the database.
	 *
	 * @since 0.1.0
	 * @param array<string, mixed> $input host, port, security, username, password, mailbox_address, and optionally
	 *                                    name, folder, ca_file, start_from ('now'|'all'), enabled.
	 * @throws \InvalidArgumentException On missing or invalid values.
	 */
	public function create_imap( array $input ): int {
		foreach ( array( 'host', 'username', 'password', 'mailbox_address' ) as $key ) {
			if ( empty( $input[ $key ] ) || ! is_string( $input[ $key ] ) ) {
				throw new \InvalidArgumentException( "Missing value: {$key}." );
			}
		}
		$security = (string) ( $input['security'] ?? 'tls' );
		if ( ! in_array( $security, self::IMAP_SECURITY, true ) ) {
			throw new \InvalidArgumentException( 'security must be tls, starttls or none.' );
		}
		if ( ! is_email( $input['mailbox_address'] ) ) {
			throw new \InvalidArgumentException( 'mailbox_address is not an email address.' );
		}
		$port     = (int) ( $input['port'] ?? ( 'tls' === $security ? 993 : 143 ) );
		$settings = array(
			'host'       => sanitize_text_field( $input['host'] ),
			'port'       => $port,
			'security'   => $security,
			'verify_tls' => (bool) ( $input['verify_tls'] ?? true ),
			'ca_file'    => isset( $input['ca_file'] ) ? (string) $input['ca_file'] : '',
			'username'   => (string) $input['username'],
			'folder'     => (string) ( $input['folder'] ?? 'INBOX' ),
			'start_from' => 'all' === ( $input['start_from'] ?? 'now' ) ? 'all' : 'now',
			'after_import' => 'mark_read',
		);
		return $this->connections->insert(
			array(
				'name'            => (string) ( $input['name'] ?? $input['mailbox_address'] ),
				'kind'            => 'imap',
				'mailbox_address' => strtolower( (string) $input['mailbox_address'] ),
				'settings'        => $settings,
				'secret'          => Secret_Box::seal( (string) $input['password'] ),
				'enabled'         => (bool) ( $input['enabled'] ?? true ),
			)
		);
	}
}
