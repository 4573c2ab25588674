<?php
/**
 * Where the plugin's script translations are found.
 *
 * The .pot, the .po/.mo files and the JSON files of the scripts are made by `npm run i18n`
 * (scripts/i18n.ts) into languages/. The PHP strings are loaded by Plugin::load_textdomain().
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping;

defined( 'ABSPATH' ) || exit;

/**
 * Translations of the plugin's scripts.
 *
 * @since 0.3.0
 */
final class I18n {

	/** Text domain of every string of the plugin. */
	public const DOMAIN = 'email-piping';

	/**
	 * Registers hooks.
	 *
	 * @since 0.3.0
	 */
	public function register(): void {
		add_filter( 'load_script_translation_file', array( $this, 'bundled_script_translation_file' ), 10, 3 );
	}

	/**
	 * The folder of the translations shipped with the plugin.
	 *
	 * @since 0.3.0
	 */
	public static function languages_dir(): string {
		return EPIPE_PLUGIN_DIR . '/languages';
	}

	/**
	 * Gives a registered script the plugin's translations (the JSON files in languages/).
	 *
	 * @since 0.3.0
	 * @param string $handle Script handle.
	 */
	public static function set_script_translations( string $handle ): void {
		wp_set_script_translations( $handle, self::DOMAIN, self::languages_dir() );
	}

	/**
	 * Scripts whose translations WordPress looks for only in wp-content/languages (a block's
	 * scripts registered from block.json) fall back to the files shipped in languages/; a
	 * translation installed in wp-content/languages still wins.
	 *
	 * @since 0.3.0
	 * @param string|false $file   Translation file WordPress is about to load.
	 * @param string       $handle Script handle.
	 * @param string       $domain Text domain.
	 * @return string|false
	 */
	public function bundled_script_translation_file( $file, $handle, $domain ) {
		unset( $handle );
		if ( self::DOMAIN !== $domain || ! is_string( $file ) || is_readable( $file ) ) {
			return $file;
		}
		$bundled = self::languages_dir() . '/' . basename( $file );
		return is_readable( $bundled ) ? $bundled : $file;
	}
}
