<?php
/**
 * Plugin Name: Email Piping test SMTP
 * Description: Test stacks only. Sends every wp_mail() to the local SMTP sink, which keeps a copy and
 *              delivers @example.test recipients to Dovecot, so tests can read notifications over IMAP.
 */

defined( 'ABSPATH' ) || exit;

add_action(
	'phpmailer_init',
	static function ( $phpmailer ) {
		$phpmailer->isSMTP();
		$phpmailer->Host        = '127.0.0.1';
		$phpmailer->Port        = defined( 'EPIPE_TEST_SMTP_PORT' ) ? (int) EPIPE_TEST_SMTP_PORT : 2525;
		$phpmailer->SMTPAuth    = false;
		$phpmailer->SMTPSecure  = '';
		$phpmailer->SMTPAutoTLS = false;
		$phpmailer->Timeout     = 5;
	}
);

// Without it the sender is wordpress@<host>, which depends on WP_HOME; keep it stable for assertions.
add_filter(
	'wp_mail_from',
	static function () {
		return 'wordpress@example.test';
	}
);

// wp_mail() only returns false; the reason belongs in wp-debug.log where a failing test can show it.
add_action(
	'wp_mail_failed',
	static function ( $error ) {
		error_log( 'wp_mail_failed: ' . $error->get_error_message() );
	}
);
