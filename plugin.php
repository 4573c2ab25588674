<?php
/**
 * Plugin Name:       Email Piping
 * Description:       Turns email into helpdesk tickets and back: customers and agents answer straight from their mail client.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * Author:            Email Piping
 * License:           GPL-2.0-or-later
 * Text Domain:       email-piping
 * Domain Path:       /languages
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

defined( 'ABSPATH' ) || exit;

define( 'EPIPE_VERSION', '0.1.0' );
define( 'EPIPE_PLUGIN_FILE', __FILE__ );
define( 'EPIPE_PLUGIN_DIR', __DIR__ );

require_once __DIR__ . '/includes/Requirements.php';

$epipe_requirements = new Email_Piping\Requirements();
if ( ! $epipe_requirements->are_met() ) {
	// Explain what is missing instead of failing with a fatal error.
	add_action( 'admin_notices', array( $epipe_requirements, 'render_notice' ) );
	return;
}

require_once __DIR__ . '/includes/autoload.php';

Email_Piping\Plugin::boot( __FILE__ );
