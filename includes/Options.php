<?php
/**
 * Every option key of the plugin, with defaults.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping;

use Email_Piping\Install\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * Option keys and typed getters.
 *
 * @since 0.1.0
 */
final class Options {

	/** Line customers are asked to write above; replies are cut there. */
	public const REPLY_ABOVE_TEXT = 'epipe_reply_above_text';

	/** Default of the reply marker. */
	public const DEFAULT_REPLY_ABOVE_TEXT = '-- Reply above this line --';

	/**
	 * Adds missing options with their defaults, never overwriting an admin's choice.
	 *
	 * @since 0.1.0
	 */
	public static function ensure_defaults(): void {
		add_option( self::REPLY_ABOVE_TEXT, self::DEFAULT_REPLY_ABOVE_TEXT );
	}

	/**
	 * The reply marker.
	 *
	 * @since 0.1.0
	 */
	public static function reply_above_text(): string {
		$value = (string) get_option( self::REPLY_ABOVE_TEXT, self::DEFAULT_REPLY_ABOVE_TEXT );
		return '' !== trim( $value ) ? $value : self::DEFAULT_REPLY_ABOVE_TEXT;
	}

	/**
	 * Deletes every option of the plugin (uninstall).
	 *
	 * @since 0.1.0
	 */
	public static function delete_all(): void {
		delete_option( self::REPLY_ABOVE_TEXT );
		delete_option( Schema::VERSION_OPTION );
	}
}
