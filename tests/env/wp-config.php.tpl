<?php
/**
 * WordPress config for one local test stack, rendered by tests/env/up.sh.
 *
 * Every define holds a literal on its own line: the sidecar finds the database
 * and EPIPE_SECRET_KEY by parsing these lines, so no getenv() or expressions.
 */
define( 'DB_NAME', 'wp' );
define( 'DB_USER', 'wp' );
define( 'DB_PASSWORD', 'wp' );
define( 'DB_HOST', '127.0.0.1:@DB_PORT@' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );

define( 'AUTH_KEY', '@AUTH_KEY@' );
define( 'SECURE_AUTH_KEY', '@SECURE_AUTH_KEY@' );
define( 'LOGGED_IN_KEY', '@LOGGED_IN_KEY@' );
define( 'NONCE_KEY', '@NONCE_KEY@' );
define( 'AUTH_SALT', '@AUTH_SALT@' );
define( 'SECURE_AUTH_SALT', '@SECURE_AUTH_SALT@' );
define( 'LOGGED_IN_SALT', '@LOGGED_IN_SALT@' );
define( 'NONCE_SALT', '@NONCE_SALT@' );

$table_prefix = 'wp_';

define( 'WP_HOME', '@WP_URL@' );
define( 'WP_SITEURL', '@WP_URL@' );
// Application passwords over plain http need is_ssl() or the 'local' environment type.
define( 'WP_ENVIRONMENT_TYPE', 'local' );
define( 'WP_DEBUG', true );
// WP 6.1 on PHP 8.2 emits deprecations; keep them out of HTML and REST JSON.
define( 'WP_DEBUG_DISPLAY', false );
define( 'WP_DEBUG_LOG', '@WP_DEBUG_LOG@' );
// php -S must not get loopback cron requests; tests trigger cron explicitly.
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
// Offline: fail fast instead of waiting for api.wordpress.org timeouts.
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'FS_METHOD', 'direct' );

// Per-stack AEAD key shared by the plugin and the sidecar (base64 of 32 random bytes).
define( 'EPIPE_SECRET_KEY', '@EPIPE_SECRET_KEY@' );
// Read by mu-plugins/epipe-test-smtp.php: where wp_mail() hands mail to the SMTP sink.
define( 'EPIPE_TEST_SMTP_PORT', @SMTP_PORT@ );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', '@WP_DIR@/' );
}
require_once ABSPATH . 'wp-settings.php';
