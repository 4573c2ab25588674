<?php
/**
 * The "Email Piping" page in wp-admin, rendered by the React bundle.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Admin;

use Email_Piping\Capabilities;

defined( 'ABSPATH' ) || exit;

/**
 * Menu entry, mount point and script loading.
 *
 * @since 0.1.0
 */
final class Admin_Page {

	public const SLUG = 'email-piping';

	/** Script handle of the admin bundle. */
	private const HANDLE = 'epipe-admin';

	/**
	 * Hook suffix WordPress gave the page, known after admin_menu.
	 *
	 * @var string
	 */
	private string $hook_suffix = '';

	/**
	 * Registers hooks.
	 *
	 * @since 0.1.0
	 */
	public function register(): void {
		add_action( 'admin_menu', array( $this, 'add_menu' ) );
		add_action( 'admin_enqueue_scripts', array( $this, 'enqueue' ) );
		add_action( 'wp_default_scripts', array( $this, 'register_jsx_runtime_shim' ), 20 );
	}

	/**
	 * Adds the top-level menu.
	 *
	 * @since 0.1.0
	 */
	public function add_menu(): void {
		$this->hook_suffix = (string) add_menu_page(
			__( 'Email Piping', 'email-piping' ),
			__( 'Email Piping', 'email-piping' ),
			Capabilities::WORK_TICKETS,
			self::SLUG,
			array( $this, 'render' ),
			'dashicons-email-alt',
			26
		);
	}

	/**
	 * Prints the mount point; the no-JS text explains an empty page.
	 *
	 * @since 0.1.0
	 */
	public function render(): void {
		echo '<div class="wrap"><div id="epipe-admin-root" class="epipe-admin">';
		echo '<h1>' . esc_html__( 'Email Piping', 'email-piping' ) . '</h1>';
		echo '<p class="epipe-admin__loading">' . esc_html__( 'Loading…', 'email-piping' ) . '</p>';
		echo '</div></div>';
	}

	/**
	 * Loads the bundle on our page only.
	 *
	 * @since 0.1.0
	 * @param string $hook_suffix Current admin page.
	 */
	public function enqueue( string $hook_suffix ): void {
		if ( $hook_suffix !== $this->hook_suffix ) {
			return;
		}
		$asset_file = EPIPE_PLUGIN_DIR . '/admin/build/index.asset.php';
		if ( ! is_readable( $asset_file ) ) {
			add_action( 'admin_notices', array( $this, 'render_missing_build_notice' ) );
			return;
		}
		$asset = require $asset_file;
		wp_enqueue_script( self::HANDLE, plugins_url( 'admin/build/index.js', EPIPE_PLUGIN_FILE ), $asset['dependencies'], $asset['version'], true );
		wp_set_script_translations( self::HANDLE, 'email-piping', EPIPE_PLUGIN_DIR . '/languages' );
		// What the panel may show this user; the REST API checks every request again.
		wp_add_inline_script(
			self::HANDLE,
			'window.epipeAdmin = ' . wp_json_encode(
				array(
					'canManage'      => current_user_can( Capabilities::MANAGE ),
					'canWorkTickets' => current_user_can( Capabilities::WORK_TICKETS ),
				)
			) . ';',
			'before'
		);
		if ( is_readable( EPIPE_PLUGIN_DIR . '/admin/build/style-index.css' ) ) {
			wp_enqueue_style( self::HANDLE, plugins_url( 'admin/build/style-index.css', EPIPE_PLUGIN_FILE ), array( 'wp-components' ), $asset['version'] );
			wp_style_add_data( self::HANDLE, 'rtl', 'replace' );
		} else {
			wp_enqueue_style( 'wp-components' );
		}
	}

	/**
	 * WordPress before 6.6 has no 'react-jsx-runtime' handle and silently drops scripts that
	 * depend on it; register a small shim over the bundled React there.
	 *
	 * @since 0.1.0
	 * @param \WP_Scripts $scripts Script registry.
	 */
	public function register_jsx_runtime_shim( \WP_Scripts $scripts ): void {
		if ( ! isset( $scripts->registered['react-jsx-runtime'] ) ) {
			$scripts->add( 'react-jsx-runtime', plugins_url( 'admin/compat/react-jsx-runtime.js', EPIPE_PLUGIN_FILE ), array( 'react' ), EPIPE_VERSION );
		}
	}

	/**
	 * Shown when the plugin was installed from source without building the admin bundle.
	 *
	 * @since 0.1.0
	 */
	public function render_missing_build_notice(): void {
		echo '<div class="notice notice-error"><p>' . esc_html__( 'The Email Piping admin screen is not built. Run "npm run build" in the plugin folder, or install a release package.', 'email-piping' ) . '</p></div>';
	}
}
