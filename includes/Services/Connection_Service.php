<?php
/**
 * Mail connections: validation, sealed secrets, status.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Services;

use Email_Piping\Data\Activity_Repository;
use Email_Piping\Data\Connection_Repository;
use Email_Piping\Data\Job_Repository;
use Email_Piping\Exception\Secret_Key_Missing_Exception;
use Email_Piping\Exception\Validation_Exception;
use Email_Piping\Security\Keys;
use Email_Piping\Security\Secret_Box;

defined( 'ABSPATH' ) || exit;

/**
 * Connection rules that do not depend on where the request came from.
 *
 * Secrets (the IMAP password or OAuth refresh token in `secret`, the OAuth client secret in
 * `client_secret`) are sealed with Secret_Box before they reach the database and never leave
 * this class in clear: callers only learn whether each is set, missing or unreadable.
 *
 * @since 0.1.0
 */
final class Connection_Service {

	/** Kinds of connection. */
	public const KINDS = array( 'imap', 'gmail', 'graph' );

	/** TLS modes an IMAP connection can use. */
	public const IMAP_SECURITY = array( 'tls', 'starttls', 'none' );

	/** What the sidecar does with an imported email at the source. */
	public const AFTER_IMPORT = array( 'mark_read', 'leave', 'move', 'delete' );

	/** Days before a grant's known end from which the admin is warned. */
	public const GRANT_WARNING_DAYS = 3;

	/** How the sidecar watches a working mailbox (epipe_mailbox_state.status). */
	public const MODES = array( 'idle', 'polling' );

	/** Secret states reported to the admin. */
	public const SECRET_SET        = 'set';
	public const SECRET_MISSING    = 'missing';
	public const SECRET_UNREADABLE = 'unreadable';

	/**
	 * Settings keys per kind, with their defaults (the JSON in connections.settings).
	 *
	 * @var array<string, array<string, mixed>>
	 */
	private const SETTINGS = array(
		'imap'  => array(
			'host'                 => '',
			'port'                 => 0,
			'security'             => 'tls',
			'verify_tls'           => true,
			'ca_file'              => '',
			'username'             => '',
			'folder'               => 'INBOX',
			'start_from'           => 'now',
			'after_import'         => 'mark_read',
			'move_folder'          => '',
			'signed_reply_address' => false,
		),
		'gmail' => array(
			'client_id'            => '',
			'folder'               => 'INBOX',
			'start_from'           => 'now',
			'after_import'         => 'mark_read',
			'move_folder'          => '',
			'signed_reply_address' => false,
		),
		'graph' => array(
			'client_id'            => '',
			'tenant'               => 'common',
			'folder'               => 'inbox',
			'start_from'           => 'now',
			'after_import'         => 'mark_read',
			'move_folder'          => '',
			'signed_reply_address' => false,
		),
	);

	/**
	 * Wires the repositories.
	 *
	 * @since 0.1.0
	 * @param Connection_Repository    $connections Storage.
	 * @param Job_Repository|null      $jobs        Sidecar jobs.
	 * @param Activity_Repository|null $activity    Activity log (counts of the day).
	 */
	public function __construct( private Connection_Repository $connections, private ?Job_Repository $jobs = null, private ?Activity_Repository $activity = null ) {}

	/**
	 * Adds an IMAP connection; the password is encrypted before it reaches the database.
	 *
	 * @since 0.1.0
	 * @param array<string, mixed> $input host, port, security, username, password, mailbox_address, and optionally
	 *                                    name, folder, ca_file, start_from ('now'|'all'), enabled.
	 * @throws \InvalidArgumentException On missing or invalid values.
	 */
	public function create_imap( array $input ): int {
		$settings = array_intersect_key( $input, self::SETTINGS['imap'] );
		return (int) $this->create(
			array(
				'kind'            => 'imap',
				'name'            => (string) ( $input['name'] ?? $input['mailbox_address'] ?? '' ),
				'mailbox_address' => (string) ( $input['mailbox_address'] ?? '' ),
				'enabled'         => (bool) ( $input['enabled'] ?? true ),
				'password'        => (string) ( $input['password'] ?? '' ),
				'settings'        => $settings,
			)
		)['id'];
	}

	/**
	 * Public view of every connection (no secret ever included).
	 *
	 * @since 0.2.0
	 * @return array<int, array<string, mixed>>
	 */
	public function list(): array {
		return array_map( array( $this, 'shape' ), $this->connections->list() );
	}

	/**
	 * Public view of one connection, or null.
	 *
	 * @since 0.2.0
	 * @param int $id Connection id.
	 * @return array<string, mixed>|null
	 */
	public function get( int $id ): ?array {
		$row = $this->connections->find( $id );
		return null === $row ? null : $this->shape( $row );
	}

	/**
	 * Adds a connection.
	 *
	 * @since 0.2.0
	 * @param array<string, mixed> $input kind, name, enabled, mailbox_address, settings{}, password?, client_secret?.
	 * @return array<string, mixed> The public view.
	 * @throws Validation_Exception          Naming each invalid field.
	 * @throws Secret_Key_Missing_Exception  When a secret is given but EPIPE_SECRET_KEY is not configured.
	 */
	public function create( array $input ): array {
		$kind = (string) ( $input['kind'] ?? 'imap' );
		if ( ! in_array( $kind, self::KINDS, true ) ) {
			throw new Validation_Exception( array( 'kind' => __( 'Choose imap, gmail or graph.', 'email-piping' ) ) );
		}
		$settings = $this->settings_for( $kind, (array) ( $input['settings'] ?? array() ), self::SETTINGS[ $kind ] );
		$mailbox  = strtolower( trim( (string) ( $input['mailbox_address'] ?? '' ) ) );
		$errors   = $this->check( $kind, $mailbox, $settings );
		$password = (string) ( $input['password'] ?? '' );
		$client   = (string) ( $input['client_secret'] ?? '' );
		if ( 'imap' === $kind && '' === $password ) {
			$errors['password'] = __( 'Enter the mailbox password.', 'email-piping' );
		}
		if ( 'imap' !== $kind && '' === $client ) {
			$errors['client_secret'] = __( 'Enter the client secret of the app you registered with the provider.', 'email-piping' );
		}
		if ( array() !== $errors ) {
			throw new Validation_Exception( $errors );
		}
		$id = $this->connections->insert(
			array(
				'name'            => sanitize_text_field( (string) ( $input['name'] ?? '' ) ) ?: $mailbox,
				'kind'            => $kind,
				'mailbox_address' => $mailbox,
				'settings'        => $settings,
				'secret'          => '' !== $password ? $this->seal( $password ) : null,
				'client_secret'   => '' !== $client ? $this->seal( $client ) : null,
				'enabled'         => (bool) ( $input['enabled'] ?? true ),
			)
		);
		return (array) $this->get( $id );
	}

	/**
	 * Changes a connection; fields left out keep their values, and a secret is replaced only
	 * when a new one is given ("set / replace", never read back).
	 *
	 * @since 0.2.0
	 * @param int                  $id    Connection id.
	 * @param array<string, mixed> $input Fields as for create(); kind cannot change.
	 * @return array<string, mixed> The public view.
	 * @throws Validation_Exception          Naming each invalid field.
	 * @throws Secret_Key_Missing_Exception  When a secret is given but EPIPE_SECRET_KEY is not configured.
	 */
	public function update( int $id, array $input ): array {
		$row = (array) $this->connections->find( $id );
		if ( isset( $input['kind'] ) && $input['kind'] !== $row['kind'] ) {
			throw new Validation_Exception( array( 'kind' => __( 'The kind of a connection cannot change; add a new connection instead.', 'email-piping' ) ) );
		}
		$kind     = (string) $row['kind'];
		$current  = json_decode( (string) $row['settings'], true );
		$settings = $this->settings_for( $kind, (array) ( $input['settings'] ?? array() ), array_merge( self::SETTINGS[ $kind ], is_array( $current ) ? $current : array() ) );
		$mailbox  = isset( $input['mailbox_address'] ) ? strtolower( trim( (string) $input['mailbox_address'] ) ) : (string) $row['mailbox_address'];
		$errors   = $this->check( $kind, $mailbox, $settings );
		if ( array() !== $errors ) {
			throw new Validation_Exception( $errors );
		}
		$fields = array(
			'mailbox_address' => $mailbox,
			'settings'        => $settings,
		);
		if ( isset( $input['name'] ) ) {
			$fields['name'] = sanitize_text_field( (string) $input['name'] );
		}
		if ( isset( $input['enabled'] ) ) {
			$fields['enabled'] = (bool) $input['enabled'];
		}
		if ( isset( $input['password'] ) && '' !== (string) $input['password'] ) {
			$fields['secret'] = $this->seal( (string) $input['password'] );
		}
		if ( isset( $input['client_secret'] ) && '' !== (string) $input['client_secret'] ) {
			$fields['client_secret'] = $this->seal( (string) $input['client_secret'] );
		}
		$this->connections->update( $id, $fields );
		return (array) $this->get( $id );
	}

	/**
	 * Deletes a connection.
	 *
	 * @since 0.2.0
	 * @param int $id Connection id.
	 */
	public function delete( int $id ): void {
		$this->connections->delete( $id );
	}

	/**
	 * Asks the sidecar to connect and report what it sees (job check_connection).
	 *
	 * @since 0.2.0
	 * @param int $id Connection id.
	 * @return int Job id.
	 */
	public function test( int $id ): int {
		return $this->jobs()->insert( 'check_connection', $id, null );
	}

	/**
	 * Health of a connection in words: the sidecar's last status, or what PHP can tell alone.
	 *
	 * @since 0.2.0
	 * @param int $id Connection id.
	 * @return array<string, mixed>
	 */
	public function status( int $id ): array {
		$row   = (array) $this->connections->find( $id );
		$state = $this->connections->state( $id );
		$code  = null !== $state && null !== $state['status_code'] && '' !== $state['status_code'] ? (string) $state['status_code'] : null;
		// A secret PHP cannot open will fail in the sidecar too; say so before it runs.
		$secret = $this->secret_state( $row['secret'] ?? null );
		if ( self::SECRET_UNREADABLE === $secret ) {
			$code = 'secret_undecryptable';
		} elseif ( self::SECRET_MISSING === $secret && null === $code ) {
			$code = 'imap' === $row['kind'] ? 'secret_missing' : 'consent_required';
		}
		// While it works, the sidecar says how it watches the mailbox: 'idle' (IMAP IDLE) or
		// 'polling' (no IDLE on the server), with {"poll_seconds": N} as its detail.
		$mode   = null;
		$poll   = 30;
		$detail = null === $state ? null : $state['status_detail'];
		if ( null === $code && null !== $state && in_array( (string) $state['status'], self::MODES, true ) ) {
			$mode   = (string) $state['status'];
			$json   = json_decode( (string) $detail, true );
			$poll   = max( 1, (int) ( is_array( $json ) ? ( $json['poll_seconds'] ?? 30 ) : 30 ) );
			$detail = null;
		}
		$out = array(
			'connection_id'   => $id,
			'state'           => null === $code ? ( null === $state ? 'unknown' : 'ok' ) : 'error',
			'sidecar_status'  => null === $state ? null : (string) $state['status'],
			'mode'            => $mode,
			'mode_text'       => null === $mode ? null : Messages::connection_mode( $mode, $poll ),
			'code'            => $code,
			'message'         => null,
			'fix'             => null,
			'detail'          => $detail,
			'last_checked_at' => null === $state || null === $state['last_checked_at'] ? null : mysql_to_rfc3339( (string) $state['last_checked_at'] ),
			'last_success_at' => null === $state || null === $state['last_success_at'] ? null : mysql_to_rfc3339( (string) $state['last_success_at'] ),
		);
		if ( 'imap' !== $row['kind'] ) {
			$out['grant'] = $this->grant( $state );
			if ( null === $code && $out['grant']['expired'] ) {
				$code         = 'consent_required';
				$out['state'] = 'error';
				$out['mode']      = null;
				$out['mode_text'] = null;
			}
			$out['code'] = $code;
		}
		if ( null !== $code ) {
			$words          = Messages::connection_status( $code, null === $state ? '' : (string) $state['status_detail'] );
			$out['message'] = $words['message'];
			$out['fix']     = $words['fix'];
		} elseif ( null === $state ) {
			$out['message'] = __( 'The sidecar has not checked this connection yet.', 'email-piping' );
			$out['fix']     = __( 'Make sure the sidecar daemon (email-piping run) is running, or test the connection.', 'email-piping' );
		} else {
			$out['message'] = __( 'The connection works.', 'email-piping' );
		}
		return $out;
	}

	/**
	 * What is known of a Gmail or Microsoft connection's OAuth grant: whose mailbox it reads and
	 * when it ends (Google's apps in testing: 7 days; Microsoft: 90 days without use), with a
	 * warning while fewer than GRANT_WARNING_DAYS remain.
	 *
	 * @param array<string, mixed>|null $state The sidecar's state row.
	 * @return array{account: ?string, expires_at: ?string, expiring_soon: bool, expired: bool, warning: ?string}
	 */
	private function grant( ?array $state ): array {
		$account = null === $state || '' === (string) ( $state['grant_account'] ?? '' ) ? null : (string) $state['grant_account'];
		$expires = null === $state || null === ( $state['grant_expires_at'] ?? null ) ? null : strtotime( $state['grant_expires_at'] . ' UTC' );
		$left    = false === $expires || null === $expires ? null : $expires - time();
		$soon    = null !== $left && $left > 0 && $left < self::GRANT_WARNING_DAYS * DAY_IN_SECONDS;
		$warning = null;
		if ( $soon ) {
			$warning = sprintf(
				/* translators: %s: date and time the authorisation ends. */
				__( 'The authorisation of this connection ends on %s; mail stops then. Authorise it again before that (with Google, an app still in "Testing" gets grants of 7 days: publish it to stop this).', 'email-piping' ),
				wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), (int) $expires )
			);
		}
		return array(
			'account'       => $account,
			'expires_at'    => null === $left ? null : gmdate( 'c', (int) $expires ),
			'expiring_soon' => $soon,
			'expired'       => null !== $left && $left <= 0,
			'warning'       => $warning,
		);
	}

	/**
	 * What each connection's emails became today (midnight to midnight in the site's time zone),
	 * by the kinds of the activity log: ticket, reply, blocked, rejected, skipped, quarantined.
	 *
	 * @since 0.3.0
	 * @param int|null $now Unix time standing for "now" (tests), or null.
	 * @return array<int, array<string, int>> Counts by connection id; connections without email
	 *                                        today are missing (see empty_counts()).
	 */
	public function today_counts( ?int $now = null ): array {
		$zone  = wp_timezone();
		$start = ( new \DateTimeImmutable( '@' . ( $now ?? time() ) ) )->setTimezone( $zone )->setTime( 0, 0 );
		// The next midnight, not start + 24 h: a day with a clock change has 23 or 25 hours.
		$end  = $start->modify( '+1 day' );
		$utc  = new \DateTimeZone( 'UTC' );
		$rows = $this->activity()->count_by_connection( $start->setTimezone( $utc )->format( 'Y-m-d H:i:s' ), $end->setTimezone( $utc )->format( 'Y-m-d H:i:s' ) );
		$out  = array();
		foreach ( $rows as $row ) {
			$id           = $row['connection_id'];
			$kind         = Mail_Log_Service::kind( $row['outcome'], $row['reason'] );
			$out[ $id ] ??= self::empty_counts();
			if ( isset( $out[ $id ][ $kind ] ) ) {
				$out[ $id ][ $kind ] += $row['n'];
			}
		}
		return $out;
	}

	/**
	 * Zero of every kind of today's counts.
	 *
	 * @since 0.3.0
	 * @return array<string, int>
	 */
	public static function empty_counts(): array {
		return array_fill_keys( Mail_Log_Service::KINDS, 0 );
	}

	/**
	 * Connections whose stored secret cannot be opened (the key changed), for the admin notice.
	 *
	 * @since 0.2.0
	 * @return array<int, array{id: int, name: string}>
	 */
	public function unreadable(): array {
		$out = array();
		foreach ( $this->connections->list() as $row ) {
			if ( self::SECRET_UNREADABLE === $this->secret_state( $row['secret'] ) || self::SECRET_UNREADABLE === $this->secret_state( $row['client_secret'] ?? null ) ) {
				$out[] = array(
					'id'   => (int) $row['id'],
					'name' => (string) $row['name'],
				);
			}
		}
		return $out;
	}

	/**
	 * The piped addresses of every connection (never notified: mail to them loops back in).
	 *
	 * @since 0.2.0
	 * @return string[]
	 */
	public function mailbox_addresses(): array {
		return array_values( array_filter( array_map( static fn ( array $r ): string => strtolower( (string) $r['mailbox_address'] ), $this->connections->list() ) ) );
	}

	/**
	 * Raw row for server-side use (OAuth, notifications), secrets still sealed.
	 *
	 * @since 0.2.0
	 * @param int $id Connection id.
	 * @return array<string, mixed>|null
	 */
	public function row( int $id ): ?array {
		$row = $this->connections->find( $id );
		if ( null !== $row ) {
			$settings        = json_decode( (string) $row['settings'], true );
			$row['settings'] = is_array( $settings ) ? $settings : array();
		}
		return $row;
	}

	/**
	 * Whether a sealed value can be opened with the configured key.
	 *
	 * @since 0.2.0
	 * @param mixed $sealed Stored value.
	 */
	public function secret_state( $sealed ): string {
		if ( ! is_string( $sealed ) || '' === $sealed ) {
			return self::SECRET_MISSING;
		}
		try {
			Secret_Box::open( $sealed );
			return self::SECRET_SET;
		} catch ( \RuntimeException $e ) {
			return self::SECRET_UNREADABLE;
		}
	}

	/**
	 * Public shape of a row.
	 *
	 * @param array<string, mixed> $row Row.
	 * @return array<string, mixed>
	 */
	private function shape( array $row ): array {
		$settings = json_decode( (string) $row['settings'], true );
		$kind     = (string) $row['kind'];
		$out      = array(
			'id'              => (int) $row['id'],
			'name'            => (string) $row['name'],
			'kind'            => $kind,
			'enabled'         => 1 === (int) $row['enabled'],
			'mailbox_address' => (string) $row['mailbox_address'],
			'settings'        => array_merge( self::SETTINGS[ $kind ] ?? array(), is_array( $settings ) ? $settings : array() ),
			// "password" for IMAP, the refresh token for OAuth kinds: only its state is shown.
			'secret'          => $this->secret_state( $row['secret'] ?? null ),
			'client_secret'   => $this->secret_state( $row['client_secret'] ?? null ),
			'created_at'      => mysql_to_rfc3339( (string) $row['created_at'] ),
			'updated_at'      => mysql_to_rfc3339( (string) $row['updated_at'] ),
		);
		if ( 'imap' === $kind ) {
			unset( $out['client_secret'] );
		}
		if ( self::SECRET_UNREADABLE === $out['secret'] ) {
			$out['secret_message'] = 'imap' === $kind
				? __( 'The stored password can no longer be read (the secret key changed): re-enter the password.', 'email-piping' )
				: __( 'The stored authorisation can no longer be read (the secret key changed): authorise the connection again.', 'email-piping' );
		}
		return $out;
	}

	/**
	 * Merges given settings over a base, keeping only known keys, with types restored.
	 *
	 * @param string               $kind  Kind.
	 * @param array<string, mixed> $given Given settings.
	 * @param array<string, mixed> $base  Current or default settings.
	 * @return array<string, mixed>
	 */
	private function settings_for( string $kind, array $given, array $base ): array {
		$defaults = self::SETTINGS[ $kind ];
		$out      = array();
		foreach ( $defaults as $key => $default ) {
			$value = array_key_exists( $key, $given ) ? $given[ $key ] : ( $base[ $key ] ?? $default );
			if ( is_bool( $default ) ) {
				$value = (bool) $value;
			} elseif ( is_int( $default ) ) {
				$value = (int) $value;
			} else {
				$value = trim( (string) $value );
			}
			$out[ $key ] = $value;
		}
		if ( 'imap' === $kind && 0 === $out['port'] ) {
			$out['port'] = 'tls' === $out['security'] ? 993 : 143;
		}
		return $out;
	}

	/**
	 * Field errors of a connection.
	 *
	 * @param string               $kind     Kind.
	 * @param string               $mailbox  Piped address.
	 * @param array<string, mixed> $settings Settings.
	 * @return array<string, string>
	 */
	private function check( string $kind, string $mailbox, array $settings ): array {
		$errors = array();
		if ( ! is_email( $mailbox ) ) {
			$errors['mailbox_address'] = __( 'Enter the email address of the piped mailbox.', 'email-piping' );
		}
		foreach ( $settings as $key => $value ) {
			if ( is_string( $value ) && 1 === preg_match( '/[\x00-\x1f\x7f]/', $value ) ) {
				$errors[ "settings[{$key}]" ] = __( 'Line breaks and control characters are not allowed here.', 'email-piping' );
			}
		}
		if ( ! in_array( $settings['after_import'], self::AFTER_IMPORT, true ) ) {
			$errors['settings[after_import]'] = __( 'Choose mark_read, leave, move or delete.', 'email-piping' );
		} elseif ( 'move' === $settings['after_import'] && '' === $settings['move_folder'] ) {
			$errors['settings[move_folder]'] = __( 'Name the folder imported emails are moved to.', 'email-piping' );
		}
		if ( ! in_array( $settings['start_from'], array( 'now', 'all' ), true ) ) {
			$errors['settings[start_from]'] = __( 'Choose now or all.', 'email-piping' );
		}
		if ( 'imap' === $kind ) {
			if ( 1 !== preg_match( '/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^\[?[0-9A-Fa-f:.]+\]?$/', (string) $settings['host'] ) ) {
				$errors['settings[host]'] = __( 'Enter the host name or IP address of the IMAP server.', 'email-piping' );
			}
			if ( $settings['port'] < 1 || $settings['port'] > 65535 ) {
				$errors['settings[port]'] = __( 'Enter a port between 1 and 65535.', 'email-piping' );
			}
			if ( ! in_array( $settings['security'], self::IMAP_SECURITY, true ) ) {
				$errors['settings[security]'] = __( 'Choose tls, starttls or none.', 'email-piping' );
			}
			if ( '' === $settings['username'] ) {
				$errors['settings[username]'] = __( 'Enter the user name of the mailbox.', 'email-piping' );
			}
		} elseif ( '' === $settings['client_id'] ) {
			$errors['settings[client_id]'] = __( 'Enter the client ID of the app you registered with the provider.', 'email-piping' );
		}
		return $errors;
	}

	/**
	 * Seals a secret, or refuses when no key is configured (never stores it in clear).
	 *
	 * @param string $plain Secret.
	 * @throws Secret_Key_Missing_Exception Without EPIPE_SECRET_KEY.
	 */
	private function seal( string $plain ): string {
		if ( ! Keys::is_configured() ) {
			throw new Secret_Key_Missing_Exception( 'EPIPE_SECRET_KEY is not configured.' );
		}
		return Secret_Box::seal( $plain );
	}

	/**
	 * The activity repository.
	 */
	private function activity(): Activity_Repository {
		if ( null === $this->activity ) {
			$this->activity = new Activity_Repository();
		}
		return $this->activity;
	}

	/**
	 * The job repository.
	 */
	private function jobs(): Job_Repository {
		if ( null === $this->jobs ) {
			$this->jobs = new Job_Repository();
		}
		return $this->jobs;
	}
}
