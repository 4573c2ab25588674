<?php
/**
 * Plugin Name: Email Piping test OAuth endpoints
 * Description: Test stacks only. Sends the admin's "Connect" to the local fakes of Google's and
 *              Microsoft's consent pages, when a test names them in wp-content/epipe-test-oauth-origins.json
 *              ({"https://accounts.google.com": "https://127.0.0.1:<port>", …}).
 */

defined( 'ABSPATH' ) || exit;

add_filter(
	'epipe_oauth_authorize_endpoint',
	static function ( string $url ): string {
		$file = WP_CONTENT_DIR . '/epipe-test-oauth-origins.json';
		if ( ! is_readable( $file ) ) {
			return $url;
		}
		$origins = json_decode( (string) file_get_contents( $file ), true ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_get_contents_file_get_contents
		foreach ( is_array( $origins ) ? $origins : array() as $from => $to ) {
			if ( is_string( $from ) && is_string( $to ) && 0 === strpos( $url, $from ) ) {
				return $to . substr( $url, strlen( $from ) );
			}
		}
		return $url;
	}
);
