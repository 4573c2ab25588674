<?php
/**
 * Removes every table, option, secret and capability of the plugin, on every site of a network.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

require_once __DIR__ . '/includes/autoload.php';

// Secrets (sealed passwords, refresh tokens, client secrets) live in the connections table and
// pending OAuth flows in transients: dropping the tables and deleting the options removes them.
$epipe_delete_site_data = static function (): void {
	Email_Piping\Install\Schema::drop_all();
	Email_Piping\Options::delete_all();
	Email_Piping\Capabilities::revoke_all();
	wp_clear_scheduled_hook( Email_Piping\Plugin::CRON_DISPATCH );
	wp_clear_scheduled_hook( Email_Piping\Plugin::CRON_PRUNE );
};

if ( is_multisite() ) {
	// Page through the sites so a large network never loads every id at once.
	$epipe_offset = 0;
	do {
		$epipe_sites = get_sites(
			array(
				'fields' => 'ids',
				'number' => 100,
				'offset' => $epipe_offset,
			)
		);
		foreach ( $epipe_sites as $epipe_site_id ) {
			switch_to_blog( (int) $epipe_site_id );
			$epipe_delete_site_data();
			restore_current_blog();
		}
		$epipe_offset += 100;
	} while ( count( $epipe_sites ) === 100 );
} else {
	$epipe_delete_site_data();
}
