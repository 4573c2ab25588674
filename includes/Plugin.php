<?php
/**
 * Composition root: builds the services and registers every hook.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping;

use Email_Piping\Admin\Admin_Page;
use Email_Piping\Admin\Notices;
use Email_Piping\Data\Connection_Repository;
use Email_Piping\Data\Event_Repository;
use Email_Piping\Data\Ticket_Repository;
use Email_Piping\Install\Installer;
use Email_Piping\Notifications\Mailer;
use Email_Piping\REST\Events_Controller;
use Email_Piping\REST\Tickets_Controller;
use Email_Piping\Services\Connection_Service;
use Email_Piping\Services\Notification_Dispatcher;

defined( 'ABSPATH' ) || exit;

/**
 * The plugin.
 *
 * @since 0.1.0
 */
final class Plugin {

	/** WP-Cron hook that drains the events outbox. */
	public const CRON_DISPATCH = 'epipe_dispatch_events';

	/** WP-Cron schedule used for it. */
	public const CRON_SCHEDULE = 'epipe_every_minute';

	/**
	 * The instance, for code outside the hook system (install scripts, tests).
	 *
	 * @var Plugin|null
	 */
	private static ?Plugin $instance = null;

	private Connection_Repository $connection_repository;
	private Ticket_Repository $ticket_repository;
	private Notification_Dispatcher $dispatcher;

	/**
	 * Builds the object graph.
	 */
	private function __construct() {
		$this->connection_repository = new Connection_Repository();
		$this->ticket_repository     = new Ticket_Repository();
		$this->dispatcher            = new Notification_Dispatcher( new Event_Repository(), $this->ticket_repository, $this->connection_repository, new Mailer() );
	}

	/**
	 * Entry point called by plugin.php.
	 *
	 * @since 0.1.0
	 * @param string $plugin_file Main plugin file.
	 */
	public static function boot( string $plugin_file ): void {
		if ( null !== self::$instance ) {
			return;
		}
		self::$instance = new self();
		self::$instance->register_hooks( $plugin_file );
	}

	/**
	 * The booted plugin.
	 *
	 * @since 0.1.0
	 * @throws \LogicException Before boot().
	 */
	public static function instance(): Plugin {
		if ( null === self::$instance ) {
			throw new \LogicException( 'Email Piping has not booted.' );
		}
		return self::$instance;
	}

	/**
	 * Connection rules (creating connections with sealed secrets).
	 *
	 * @since 0.1.0
	 */
	public function connections(): Connection_Service {
		return new Connection_Service( $this->connection_repository );
	}

	/**
	 * The outbox dispatcher.
	 *
	 * @since 0.1.0
	 */
	public function dispatcher(): Notification_Dispatcher {
		return $this->dispatcher;
	}

	/**
	 * Registers every hook of the plugin.
	 *
	 * @param string $plugin_file Main plugin file.
	 */
	private function register_hooks( string $plugin_file ): void {
		register_activation_hook( $plugin_file, array( Installer::class, 'activate' ) );
		register_deactivation_hook( $plugin_file, array( self::class, 'deactivate' ) );
		add_action( 'admin_init', array( Installer::class, 'maybe_upgrade' ) );
		add_action( 'init', array( $this, 'load_textdomain' ) );

		add_filter( 'cron_schedules', array( $this, 'add_cron_schedule' ) );
		add_action( 'init', array( $this, 'ensure_cron' ) );
		add_action( self::CRON_DISPATCH, array( $this->dispatcher, 'run' ) );

		add_action( 'rest_api_init', array( $this, 'register_rest_routes' ) );

		if ( is_admin() ) {
			( new Admin_Page() )->register();
			( new Notices() )->register();
		}
	}

	/**
	 * Loads translations.
	 *
	 * @since 0.1.0
	 */
	public function load_textdomain(): void {
		load_plugin_textdomain( 'email-piping', false, dirname( plugin_basename( EPIPE_PLUGIN_FILE ) ) . '/languages' );
	}

	/**
	 * Adds the one-minute schedule.
	 *
	 * @since 0.1.0
	 * @param array<string, array{interval: int, display: string}> $schedules Known schedules.
	 * @return array<string, array{interval: int, display: string}>
	 */
	public function add_cron_schedule( array $schedules ): array {
		$schedules[ self::CRON_SCHEDULE ] = array(
			'interval' => MINUTE_IN_SECONDS,
			'display'  => __( 'Every minute (Email Piping)', 'email-piping' ),
		);
		return $schedules;
	}

	/**
	 * Keeps the outbox safety net scheduled; the sidecar's ping is the fast path.
	 *
	 * @since 0.1.0
	 */
	public function ensure_cron(): void {
		if ( ! wp_next_scheduled( self::CRON_DISPATCH ) ) {
			wp_schedule_event( time(), self::CRON_SCHEDULE, self::CRON_DISPATCH );
		}
	}

	/**
	 * Registers the REST controllers.
	 *
	 * @since 0.1.0
	 */
	public function register_rest_routes(): void {
		( new Tickets_Controller( $this->ticket_repository ) )->register_routes();
		( new Events_Controller( $this->dispatcher ) )->register_routes();
	}

	/**
	 * Deactivation: stop scheduled work, keep all data.
	 *
	 * @since 0.1.0
	 */
	public static function deactivate(): void {
		wp_clear_scheduled_hook( self::CRON_DISPATCH );
	}
}
