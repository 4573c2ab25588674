<?php
/**
 * Removes every table, option and capability of the plugin, on every site of a network.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

require_once __DIR__ . '/includes/autoload.php';

$epipe_delete_site_data = static function (): void {
	Email_Piping\Install\Schema::drop_all();
	Email_Piping\Options::delete_all();
	Email_Piping\Capabilities::revoke_all();
	wp_clear_scheduled_hook( 'epipe_dispatch_events' );
};

if ( is_multisite() ) {
	foreach ( get_sites( array( 'fields' => 'ids', 'number' => 0 ) ) as $epipe_site_id ) {
		switch_to_blog( (int) $epipe_site_id );
		$epipe_delete_site_data();
		restore_current_blog();
	}
} else {
	$epipe_delete_site_data();
}
