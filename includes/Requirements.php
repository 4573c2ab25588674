<?php
/**
 * Checks the platform before anything else of the plugin loads.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping;

defined( 'ABSPATH' ) || exit;

/**
 * Minimum versions and extensions, and the admin notice that names what is missing.
 *
 * Written for the oldest PHP the header allows: it must run even where the rest would not.
 *
 * @since 0.1.0
 */
final class Requirements {

	public const MIN_PHP = '8.1';
	public const MIN_WP  = '6.1';

	/**
	 * Human-readable problems found, empty when all is well.
	 *
	 * @since 0.1.0
	 * @return string[]
	 */
	public function problems(): array {
		global $wp_version;
		$problems = array();
		if ( version_compare( PHP_VERSION, self::MIN_PHP, '<' ) ) {
			/* translators: 1: required PHP version, 2: running PHP version. */
			$problems[] = sprintf( __( 'Email Piping needs PHP %1$s or newer; this site runs PHP %2$s. Ask your host to upgrade PHP.', 'email-piping' ), self::MIN_PHP, PHP_VERSION );
		}
		if ( isset( $wp_version ) && version_compare( $wp_version, self::MIN_WP, '<' ) ) {
			/* translators: 1: required WordPress version, 2: running WordPress version. */
			$problems[] = sprintf( __( 'Email Piping needs WordPress %1$s or newer; this site runs %2$s. Update WordPress first.', 'email-piping' ), self::MIN_WP, $wp_version );
		}
		if ( ! extension_loaded( 'openssl' ) ) {
			$problems[] = __( 'Email Piping needs the PHP "openssl" extension to encrypt mailbox passwords. Ask your host to enable it.', 'email-piping' );
		}
		return $problems;
	}

	/**
	 * Whether the plugin can run here.
	 *
	 * @since 0.1.0
	 */
	public function are_met(): bool {
		return array() === $this->problems();
	}

	/**
	 * Prints one admin notice listing every unmet requirement.
	 *
	 * @since 0.1.0
	 */
	public function render_notice(): void {
		if ( ! current_user_can( 'activate_plugins' ) ) {
			return;
		}
		echo '<div class="notice notice-error"><p><strong>' . esc_html__( 'Email Piping is not running.', 'email-piping' ) . '</strong></p><ul>';
		foreach ( $this->problems() as $problem ) {
			echo '<li>' . esc_html( $problem ) . '</li>';
		}
		echo '</ul></div>';
	}
}
