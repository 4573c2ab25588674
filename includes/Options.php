<?php
/**
 * Every option key of the plugin.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping;

use Email_Piping\Install\Schema;
use Email_Piping\Portal\Portal;
use Email_Piping\Services\OAuth_Service;

defined( 'ABSPATH' ) || exit;

/**
 * Option keys. General settings are not options: they live in the epipe_settings table, which
 * the sidecar reads too (Services\Settings_Service).
 *
 * @since 0.1.0
 */
final class Options {

	/**
	 * The 0.1 reply marker option; schema upgrade 3 moves it into epipe_settings.
	 *
	 * @deprecated 0.2.0
	 */
	public const REPLY_ABOVE_TEXT = 'epipe_reply_above_text';

	/** The failure of the last schema upgrade, shown as an admin notice until an upgrade succeeds. */
	public const UPGRADE_ERROR = 'epipe_upgrade_error';

	/**
	 * Deletes every option and transient of the plugin (uninstall).
	 *
	 * @since 0.1.0
	 */
	public static function delete_all(): void {
		global $wpdb;
		delete_option( self::REPLY_ABOVE_TEXT );
		delete_option( self::UPGRADE_ERROR );
		delete_option( Schema::VERSION_OPTION );
		Portal::remove_page();
		// The portal's rate limits on fresh links are transients too.
		foreach ( array( '_transient_epipe_portal_resend_', '_transient_timeout_epipe_portal_resend_' ) as $prefix ) {
			$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->options} WHERE option_name LIKE %s", $wpdb->esc_like( $prefix ) . '%' ) );
		}
		// Pending OAuth flows hold sealed PKCE verifiers: transients, removed with their timeouts.
		$value   = $wpdb->esc_like( '_transient_' . OAuth_Service::TRANSIENT_PREFIX ) . '%';
		$timeout = $wpdb->esc_like( '_transient_timeout_' . OAuth_Service::TRANSIENT_PREFIX ) . '%';
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->options} WHERE option_name LIKE %s OR option_name LIKE %s", $value, $timeout ) );
		wp_cache_flush();
	}
}
