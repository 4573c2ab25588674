<?php
/**
 * Activation and ordered, resumable schema upgrades.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Install;

use Email_Piping\Capabilities;
use Email_Piping\Options;

defined( 'ABSPATH' ) || exit;

/**
 * Brings a site's tables and roles to the current version.
 *
 * Runs on activation and again on admin_init, because updates through the dashboard never
 * fire the activation hook.
 *
 * @since 0.1.0
 */
final class Installer {

	/**
	 * Steps that dbDelta cannot express, keyed by the schema version that introduces them.
	 * Each is a callable run once, in order, after dbDelta.
	 *
	 * @since 0.1.0
	 * @var array<int, callable>
	 */
	private const UPGRADE_STEPS = array();

	/**
	 * Activation hook: install on this site, or on every site of a network activation.
	 *
	 * @since 0.1.0
	 * @param bool $network_wide Whether the plugin is being network-activated.
	 */
	public static function activate( bool $network_wide = false ): void {
		if ( $network_wide && is_multisite() ) {
			foreach ( get_sites( array( 'fields' => 'ids', 'number' => 0 ) ) as $site_id ) {
				switch_to_blog( (int) $site_id );
				self::install_site();
				restore_current_blog();
			}
			return;
		}
		self::install_site();
	}

	/**
	 * Upgrades when the stored version is behind; cheap when it is not.
	 *
	 * @since 0.1.0
	 */
	public static function maybe_upgrade(): void {
		if ( (int) get_option( Schema::VERSION_OPTION, 0 ) < Schema::VERSION ) {
			self::install_site();
		}
	}

	/**
	 * Creates or upgrades the tables, capabilities and schedules of the current site.
	 *
	 * @since 0.1.0
	 */
	private static function install_site(): void {
		$from = (int) get_option( Schema::VERSION_OPTION, 0 );
		Schema::apply();
		foreach ( self::UPGRADE_STEPS as $version => $step ) {
			if ( $version > $from && $version <= Schema::VERSION ) {
				$step();
			}
		}
		Capabilities::grant_defaults();
		Options::ensure_defaults();
		// Only now may the sidecar write: it checks this option before touching any table.
		update_option( Schema::VERSION_OPTION, (string) Schema::VERSION, true );
	}
}
