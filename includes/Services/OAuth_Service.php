<?php
/**
 * The WordPress half of OAuth for Gmail and Microsoft connections.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Services;

use Email_Piping\Exception\Secret_Key_Missing_Exception;
use Email_Piping\Exception\Validation_Exception;
use Email_Piping\Security\Keys;
use Email_Piping\Security\Secret_Box;

defined( 'ABSPATH' ) || exit;

/**
 * Builds the consent URL (authorization code flow with PKCE), checks `state` when the provider
 * sends the admin back, and hands the code to the sidecar as an oauth_exchange job. The
 * sidecar does every conversation with the provider (code exchange, refresh); WordPress never
 * sees a token.
 *
 * `state` is 128 random bits, single use, bound to the admin who started the flow and to one
 * connection, valid for 15 minutes; the PKCE verifier stays on the server, so a stolen code is
 * useless without it.
 *
 * @since 0.2.0
 */
final class OAuth_Service {

	/** Prefix of our `state` values: the redirect handler ignores every other request. */
	public const STATE_PREFIX = 'epipe.';

	/** Transient prefix of pending flows (deleted on uninstall). */
	public const TRANSIENT_PREFIX = 'epipe_oauth_';

	/** Seconds an admin has to finish the consent screen. */
	public const STATE_TTL = 15 * MINUTE_IN_SECONDS;

	/** Provider endpoints and scopes. */
	private const PROVIDERS = array(
		'gmail' => array(
			'authorize' => 'https://accounts.google.com/o/oauth2/v2/auth',
			'scope'     => 'https://www.googleapis.com/auth/gmail.modify',
		),
		'graph' => array(
			'authorize' => 'https://login.microsoftonline.com/%s/oauth2/v2.0/authorize',
			'scope'     => 'offline_access https://graph.microsoft.com/Mail.ReadWrite https://graph.microsoft.com/User.Read',
		),
	);

	/**
	 * Wires the services.
	 *
	 * @since 0.2.0
	 * @param Connection_Service $connections Connections.
	 * @param Job_Service        $jobs        Sidecar jobs.
	 */
	public function __construct( private Connection_Service $connections, private Job_Service $jobs ) {}

	/**
	 * The redirect URI to register with Google or Microsoft (wp-admin/admin.php, like
	 * SupportCandy, so no query string has to match).
	 *
	 * @since 0.2.0
	 */
	public static function redirect_uri(): string {
		return admin_url( 'admin.php' );
	}

	/**
	 * Starts a consent flow for a connection and returns the provider URL to send the admin to.
	 *
	 * @since 0.2.0
	 * @param int $connection_id Connection.
	 * @param int $user_id       Admin starting the flow.
	 * @return array{url: string, redirect_uri: string, expires_in: int}
	 * @throws Validation_Exception         When the connection is not an OAuth connection or lacks a client ID.
	 * @throws Secret_Key_Missing_Exception When no key can seal the PKCE verifier.
	 */
	public function start( int $connection_id, int $user_id ): array {
		$connection = (array) $this->connections->row( $connection_id );
		$kind       = (string) $connection['kind'];
		if ( ! isset( self::PROVIDERS[ $kind ] ) ) {
			throw new Validation_Exception( array( 'kind' => __( 'Only Gmail and Microsoft connections are authorised with OAuth; IMAP uses a password.', 'email-piping' ) ) );
		}
		$client_id = (string) ( $connection['settings']['client_id'] ?? '' );
		if ( '' === $client_id ) {
			throw new Validation_Exception( array( 'settings[client_id]' => __( 'Enter the client ID first.', 'email-piping' ) ) );
		}
		if ( ! Keys::is_configured() ) {
			throw new Secret_Key_Missing_Exception( 'EPIPE_SECRET_KEY is not configured.' );
		}
		$state    = self::STATE_PREFIX . bin2hex( random_bytes( 16 ) );
		$verifier = self::base64url( random_bytes( 32 ) );
		set_transient(
			self::transient_key( $state ),
			array(
				'user_id'       => $user_id,
				'connection_id' => $connection_id,
				'provider'      => $kind,
				'verifier'      => Secret_Box::seal( $verifier ),
				'expires'       => time() + self::STATE_TTL,
			),
			self::STATE_TTL
		);
		$params = array(
			'client_id'             => $client_id,
			'redirect_uri'          => self::redirect_uri(),
			'response_type'         => 'code',
			'scope'                 => self::PROVIDERS[ $kind ]['scope'],
			'state'                 => $state,
			'code_challenge'        => self::base64url( hash( 'sha256', $verifier, true ) ),
			'code_challenge_method' => 'S256',
			'login_hint'            => (string) $connection['mailbox_address'],
		);
		if ( 'gmail' === $kind ) {
			// Offline access with a fresh consent is what makes Google return a refresh token.
			$params['access_type'] = 'offline';
			$params['prompt']      = 'consent';
		} else {
			$params['response_mode'] = 'query';
			$params['prompt']        = 'select_account';
		}
		$tenant    = rawurlencode( (string) ( $connection['settings']['tenant'] ?? 'common' ) ?: 'common' );
		$authorize = sprintf( self::PROVIDERS[ $kind ]['authorize'], $tenant );
		/**
		 * Filters the provider's authorisation endpoint (e.g. a sovereign cloud, or a local fake).
		 *
		 * @since 0.2.0
		 * @param string $authorize Endpoint URL.
		 * @param string $kind      gmail | graph.
		 */
		$authorize = (string) apply_filters( 'epipe_oauth_authorize_endpoint', $authorize, $kind );
		return array(
			'url'          => $authorize . '?' . http_build_query( $params, '', '&', PHP_QUERY_RFC3986 ),
			'redirect_uri' => self::redirect_uri(),
			'expires_in'   => self::STATE_TTL,
		);
	}

	/**
	 * Handles the provider's redirect back to wp-admin.
	 *
	 * @since 0.2.0
	 * @param array<string, string> $query   state, code, error, error_description from the URL.
	 * @param int                   $user_id Logged-in admin.
	 * @return array{ok: bool, reason: string, connection_id: int, job_id: int, detail: string}
	 */
	public function finish( array $query, int $user_id ): array {
		$state   = (string) ( $query['state'] ?? '' );
		$pending = 1 === preg_match( '/^epipe\.[0-9a-f]{32}$/', $state ) ? get_transient( self::transient_key( $state ) ) : false;
		$out     = array(
			'ok'            => false,
			'reason'        => 'state_invalid',
			'connection_id' => 0,
			'job_id'        => 0,
			'detail'        => '',
		);
		if ( ! is_array( $pending ) || (int) $pending['user_id'] !== $user_id || (int) $pending['expires'] < time() ) {
			return $out;
		}
		// Single use: a replayed redirect finds nothing.
		delete_transient( self::transient_key( $state ) );
		$out['connection_id'] = (int) $pending['connection_id'];
		if ( null === $this->connections->row( $out['connection_id'] ) ) {
			return $out;
		}
		if ( '' !== (string) ( $query['error'] ?? '' ) ) {
			$out['reason'] = 'denied';
			$out['detail'] = sanitize_text_field( (string) ( $query['error_description'] ?? $query['error'] ) );
			return $out;
		}
		$code = (string) ( $query['code'] ?? '' );
		if ( '' === $code || strlen( $code ) > 4096 ) {
			$out['reason'] = 'missing_code';
			return $out;
		}
		$out['job_id'] = $this->jobs->enqueue(
			'oauth_exchange',
			$out['connection_id'],
			array(
				'provider'      => (string) $pending['provider'],
				'code'          => Secret_Box::seal( $code ),
				'code_verifier' => (string) $pending['verifier'],
				'redirect_uri'  => self::redirect_uri(),
			)
		);
		$out['ok']     = true;
		$out['reason'] = 'exchanging';
		return $out;
	}

	/**
	 * Whether a request looks like a provider redirect for us.
	 *
	 * @since 0.2.0
	 * @param array<string, mixed> $query Query arguments.
	 */
	public static function is_redirect( array $query ): bool {
		return isset( $query['state'] ) && is_string( $query['state'] ) && 0 === strpos( $query['state'], self::STATE_PREFIX ) && ( isset( $query['code'] ) || isset( $query['error'] ) );
	}

	/**
	 * Transient name of a flow (hashed: the state itself is never a storage key).
	 *
	 * @param string $state State value.
	 */
	private static function transient_key( string $state ): string {
		return self::TRANSIENT_PREFIX . substr( hash( 'sha256', $state ), 0, 32 );
	}

	/**
	 * Base64url without padding (RFC 7636).
	 *
	 * @param string $bytes Bytes.
	 */
	private static function base64url( string $bytes ): string {
		// phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode
		return rtrim( strtr( base64_encode( $bytes ), '+/', '-_' ), '=' );
	}
}
