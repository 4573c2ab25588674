<?php
/**
 * Non-interactive WordPress install for a test stack (WP-CLI is not packaged in Debian).
 *
 * Usage: php tests/env/wp-install.php WP_DIR
 * Input from the environment (set by tests/env/up.sh):
 *   EPIPE_WP_URL, EPIPE_APP_PASSWORD_FILE, EPIPE_STATE_DIR, EPIPE_SKIP_ACTIVATE (1 = leave the plugin inactive),
 *   EPIPE_IMAP_HOST, EPIPE_IMAP_PORT, EPIPE_IMAPS_PORT, EPIPE_CA_FILE, EPIPE_SUPPORT_USER, EPIPE_SUPPORT_PASSWORD,
 *   EPIPE_SMTP_PORT.
 *
 * Runs in two processes. Phase 1 boots with WP_INSTALLING (required before the tables exist), installs and
 * activates; in that mode WordPress loads no plugins, so phase 2 re-runs this file in a fresh process that
 * boots like a normal request, with the plugin's plugins_loaded/init hooks in place, and fires
 * `epipe_test_stack_installed`.
 */

$epipe_docroot = rtrim( $argv[1] ?? '', '/' );
$epipe_phase   = $argv[2] ?? 'install';
if ( '' === $epipe_docroot || ! is_file( $epipe_docroot . '/wp-load.php' ) ) {
	fwrite( STDERR, "usage: php wp-install.php WP_DIR (a WordPress docroot)\n" );
	exit( 2 );
}

// WordPress runs with display_errors off, so a fatal error would otherwise end this script silently.
register_shutdown_function(
	static function () {
		$error = error_get_last();
		if ( $error && in_array( $error['type'], array( E_ERROR, E_PARSE, E_CORE_ERROR, E_COMPILE_ERROR ), true ) ) {
			fwrite( STDERR, sprintf( "wp-install: PHP fatal error: %s in %s:%d\n", $error['message'], $error['file'], $error['line'] ) );
		}
	}
);

$epipe_url                   = parse_url( getenv( 'EPIPE_WP_URL' ) ?: 'http://127.0.0.1:18080' );
$_SERVER['HTTP_HOST']        = $epipe_url['host'] . ( isset( $epipe_url['port'] ) ? ':' . $epipe_url['port'] : '' );
$_SERVER['SERVER_NAME']      = $epipe_url['host'];
$_SERVER['SERVER_PORT']      = (string) ( $epipe_url['port'] ?? 80 );
$_SERVER['REQUEST_URI']      = '/';
$_SERVER['SERVER_PROTOCOL']  = 'HTTP/1.1';
$_SERVER['REQUEST_METHOD']   = 'GET';
$_SERVER['REMOTE_ADDR']      = '127.0.0.1';

if ( 'install' === $epipe_phase ) {
	define( 'WP_INSTALLING', true );
	require $epipe_docroot . '/wp-load.php';
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	require_once ABSPATH . 'wp-admin/includes/plugin.php';

	if ( ! is_blog_installed() ) {
		wp_install( 'Email Piping Demo', 'admin', 'admin@example.test', false, '', 'admin-pass-123' );
	}
	update_option( 'permalink_structure', '/%postname%/' );
	// Otherwise wp-admin loads *.gravatar.com, which fails offline and litters the browser console.
	update_option( 'show_avatars', 0 );
	flush_rewrite_rules( false );

	if ( ! username_exists( 'agent' ) ) {
		$epipe_agent = wp_insert_user(
			array(
				'user_login' => 'agent',
				'user_pass'  => 'agent-pass-123',
				'user_email' => 'agent@example.test',
				'role'       => 'editor',
			)
		);
		if ( is_wp_error( $epipe_agent ) ) {
			fwrite( STDERR, 'wp-install: cannot create user agent: ' . $epipe_agent->get_error_message() . "\n" );
			exit( 1 );
		}
	}

	if ( '1' !== getenv( 'EPIPE_SKIP_ACTIVATE' ) ) {
		$epipe_plugin = 'email-piping/plugin.php';
		$epipe_result = activate_plugin( $epipe_plugin ); // Runs the activation hook (schema etc.).
		if ( is_wp_error( $epipe_result ) || ! is_plugin_active( $epipe_plugin ) ) {
			$epipe_reason = is_wp_error( $epipe_result ) ? $epipe_result->get_error_code() . ': ' . $epipe_result->get_error_message() : 'not active afterwards';
			fwrite( STDERR, "wp-install: activating $epipe_plugin failed ($epipe_reason). Set EPIPE_SKIP_ACTIVATE=1 to start the stack without it.\n" );
			exit( 1 );
		}
		echo "activated $epipe_plugin\n";
	}

	// One fresh application password per stack, for REST calls from tests.
	$epipe_admin = get_user_by( 'login', 'admin' );
	foreach ( WP_Application_Passwords::get_user_application_passwords( $epipe_admin->ID ) as $epipe_item ) {
		WP_Application_Passwords::delete_application_password( $epipe_admin->ID, $epipe_item['uuid'] );
	}
	$epipe_created = WP_Application_Passwords::create_new_application_password( $epipe_admin->ID, array( 'name' => 'tests' ) );
	if ( is_wp_error( $epipe_created ) ) {
		fwrite( STDERR, 'wp-install: cannot create an application password: ' . $epipe_created->get_error_message() . "\n" );
		exit( 1 );
	}
	// Outside the docroot on purpose: php -S serves every file under it.
	file_put_contents( getenv( 'EPIPE_APP_PASSWORD_FILE' ) ?: dirname( $epipe_docroot ) . '/wp-app-password', $epipe_created[0] );

	if ( '1' === getenv( 'EPIPE_SKIP_ACTIVATE' ) ) {
		echo "plugin left inactive, so epipe_test_stack_installed is not fired\n";
		exit( 0 );
	}
	passthru( escapeshellarg( PHP_BINARY ) . ' ' . escapeshellarg( __FILE__ ) . ' ' . escapeshellarg( $epipe_docroot ) . ' installed', $epipe_rc );
	exit( $epipe_rc );
}

// Phase 2: an ordinary boot, as the admin, so the plugin's handlers may check capabilities.
require $epipe_docroot . '/wp-load.php';
wp_set_current_user( get_user_by( 'login', 'admin' )->ID );

/*
 * ==== Hook for the plugin: demo data for the test stack ======================================
 * The plugin may listen on `epipe_test_stack_installed` to create the demo IMAP connection for the
 * support mailbox. It fires once per fresh stack, after install and activation, as user admin.
 * Only test stacks fire it, and only with the plugin active; production sites never do.
 */
$epipe_stack = array(
	'state_dir'     => (string) getenv( 'EPIPE_STATE_DIR' ),
	'imap_host'     => getenv( 'EPIPE_IMAP_HOST' ) ?: '127.0.0.1',
	'imap_port'     => (int) getenv( 'EPIPE_IMAP_PORT' ), // Plain IMAP that offers STARTTLS.
	'imap_security' => 'starttls',
	'imaps_port'    => (int) getenv( 'EPIPE_IMAPS_PORT' ), // Implicit TLS, same certificate.
	'ca_file'       => (string) getenv( 'EPIPE_CA_FILE' ), // Self-signed; SAN IP:127.0.0.1, DNS:localhost.
	'imap_user'     => (string) getenv( 'EPIPE_SUPPORT_USER' ),
	'imap_password' => (string) getenv( 'EPIPE_SUPPORT_PASSWORD' ),
	'email'         => (string) getenv( 'EPIPE_SUPPORT_USER' ),
	'smtp_host'     => '127.0.0.1', // The SMTP sink; wp_mail() already goes there via the mu-plugin.
	'smtp_port'     => (int) getenv( 'EPIPE_SMTP_PORT' ),
);
do_action( 'epipe_test_stack_installed', $epipe_stack );
/* ==== end of the plugin hook ================================================================= */

/*
 * The test suites write as one customer (customer@example.test, a real mailbox that receives the
 * notifications) far more often than a person would, and the benchmark pipes thousands of
 * emails from 50 senders within seconds: the per-sender loop and flood protection would step in.
 * Test stacks turn it off; tests/integration/pipe.loops.test.ts turns it on for itself.
 */
global $wpdb;
foreach ( array( 'sender_tickets_quiet', 'sender_tickets_limit' ) as $epipe_key ) {
	$wpdb->replace(
		$wpdb->prefix . 'epipe_settings',
		array(
			'name'       => $epipe_key,
			'value'      => '0',
			'updated_at' => gmdate( 'Y-m-d H:i:s' ),
		)
	);
}
