<?php
/**
 * Activation and ordered, resumable schema upgrades.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Install;

use Email_Piping\Capabilities;
use Email_Piping\Data\Block_Pattern_Repository;
use Email_Piping\Data\Settings_Repository;
use Email_Piping\Options;
use Email_Piping\Portal\Portal;
use Email_Piping\Services\Block_List_Service;
use Email_Piping\Services\Settings_Service;

defined( 'ABSPATH' ) || exit;

/**
 * Brings a site's tables and roles to the current version.
 *
 * Runs on activation and again on admin_init, because updates through the dashboard never
 * fire the activation hook. Steps run in version order after dbDelta; the first failure stops
 * the upgrade, is kept for an admin notice and leaves the stored version where it was, so the
 * next admin page load resumes from that step (every step may safely run twice).
 *
 * @since 0.1.0
 */
final class Installer {

	/**
	 * Steps that dbDelta cannot express, keyed by the schema version that introduces them:
	 * method names of this class, run once, in order.
	 *
	 * @since 0.1.0
	 * @var array<int, string>
	 */
	private const UPGRADE_STEPS = array(
		3 => 'update_schema_3',
	);

	/**
	 * Activation hook: install on this site, or on every site of a network activation.
	 *
	 * @since 0.1.0
	 * @param bool $network_wide Whether the plugin is being network-activated.
	 */
	public static function activate( bool $network_wide = false ): void {
		if ( $network_wide && is_multisite() ) {
			foreach ( get_sites(
				array(
					'fields' => 'ids',
					'number' => 0,
				)
			) as $site_id ) {
				switch_to_blog( (int) $site_id );
				self::install_site();
				restore_current_blog();
			}
			return;
		}
		self::install_site();
	}

	/**
	 * A site added to a network where the plugin is network-active gets its tables at once.
	 *
	 * @since 0.2.0
	 * @param \WP_Site $site New site.
	 */
	public static function install_new_site( \WP_Site $site ): void {
		if ( ! function_exists( 'is_plugin_active_for_network' ) ) {
			require_once ABSPATH . 'wp-admin/includes/plugin.php';
		}
		if ( ! is_plugin_active_for_network( plugin_basename( EPIPE_PLUGIN_FILE ) ) ) {
			return;
		}
		switch_to_blog( (int) $site->blog_id );
		self::install_site();
		restore_current_blog();
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
	 * Creates or upgrades the tables, capabilities and settings of the current site.
	 *
	 * @since 0.1.0
	 */
	private static function install_site(): void {
		$from = (int) get_option( Schema::VERSION_OPTION, 0 );
		try {
			Schema::apply();
			$missing = Schema::missing_tables();
			if ( array() !== $missing ) {
				throw new \RuntimeException( 'dbDelta did not create ' . implode( ', ', $missing ) . ': ' . self::last_db_error() );
			}
			foreach ( self::UPGRADE_STEPS as $version => $method ) {
				if ( $version > $from && $version <= Schema::VERSION ) {
					self::$method();
				}
			}
		} catch ( \Throwable $e ) {
			// Loud, and resumable: the version stays behind, so the next admin_init retries.
			update_option(
				Options::UPGRADE_ERROR,
				array(
					'from'    => $from,
					'to'      => Schema::VERSION,
					'message' => $e->getMessage(),
					'time'    => time(),
				),
				false
			);
			return;
		}
		Capabilities::grant_defaults();
		// Every notification links to this page; an admin may move the block elsewhere.
		Portal::ensure_page();
		delete_option( Options::UPGRADE_ERROR );
		// Only now may the sidecar write: it checks this option before touching any table.
		update_option( Schema::VERSION_OPTION, (string) Schema::VERSION, true );
	}

	/**
	 * Version 3: SupportCandy's default block lists on a fresh list, and the 0.1 reply marker
	 * option moved into epipe_settings (where the sidecar reads it).
	 *
	 * @since 0.2.0
	 * @throws \RuntimeException When a row cannot be written.
	 */
	private static function update_schema_3(): void {
		( new Block_List_Service( new Block_Pattern_Repository() ) )->seed_defaults();
		$marker = get_option( Options::REPLY_ABOVE_TEXT, null );
		if ( is_string( $marker ) && '' !== trim( $marker ) && Settings_Service::DEFAULT_REPLY_ABOVE_TEXT !== $marker ) {
			$stored = ( new Settings_Repository() )->all();
			if ( ! isset( $stored['reply_above_text'] ) ) {
				( new Settings_Repository() )->put( 'reply_above_text', $marker );
			}
		}
		delete_option( Options::REPLY_ABOVE_TEXT );
	}

	/**
	 * The last database error, for the upgrade notice.
	 */
	private static function last_db_error(): string {
		global $wpdb;
		return '' !== (string) $wpdb->last_error ? (string) $wpdb->last_error : 'no database error was reported';
	}
}
