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
use Email_Piping\Admin\OAuth_Redirect;
use Email_Piping\Admin\Tickets_Screen;
use Email_Piping\Data\Activity_Repository;
use Email_Piping\Data\Attachment_Repository;
use Email_Piping\Data\Blob_Repository;
use Email_Piping\Data\Block_Pattern_Repository;
use Email_Piping\Data\Connection_Repository;
use Email_Piping\Data\Event_Repository;
use Email_Piping\Data\Job_Repository;
use Email_Piping\Data\Notification_Repository;
use Email_Piping\Data\Quarantine_Repository;
use Email_Piping\Data\Rule_Repository;
use Email_Piping\Data\Settings_Repository;
use Email_Piping\Data\Template_Repository;
use Email_Piping\Data\Ticket_Repository;
use Email_Piping\Install\Installer;
use Email_Piping\Install\Schema;
use Email_Piping\Notifications\Mailer;
use Email_Piping\Notifications\Templates;
use Email_Piping\Portal\Portal;
use Email_Piping\Portal\Portal_Service;
use Email_Piping\REST\Activity_Controller;
use Email_Piping\REST\Attachments_Controller;
use Email_Piping\REST\Block_Patterns_Controller;
use Email_Piping\REST\Connections_Controller;
use Email_Piping\REST\Events_Controller;
use Email_Piping\REST\Jobs_Controller;
use Email_Piping\REST\Quarantine_Controller;
use Email_Piping\REST\Rules_Controller;
use Email_Piping\REST\Settings_Controller;
use Email_Piping\REST\Templates_Controller;
use Email_Piping\REST\Tickets_Controller;
use Email_Piping\Services\Attachment_Service;
use Email_Piping\Services\Block_List_Service;
use Email_Piping\Services\Connection_Service;
use Email_Piping\Services\Job_Service;
use Email_Piping\Services\Mail_Log_Service;
use Email_Piping\Services\Notification_Dispatcher;
use Email_Piping\Services\OAuth_Service;
use Email_Piping\Services\Rule_Service;
use Email_Piping\Services\Settings_Service;
use Email_Piping\Services\Ticket_Service;

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

	/** Daily WP-Cron hook that prunes the activity log. */
	public const CRON_PRUNE = 'epipe_prune_activity';

	/**
	 * The instance, for code outside the hook system (install scripts, tests).
	 *
	 * @var Plugin|null
	 */
	private static ?Plugin $instance = null;

	private Connection_Service $connections;
	private Settings_Service $settings;
	private Ticket_Service $tickets;
	private Job_Service $jobs;
	private Templates $templates;
	private Attachment_Service $attachments;
	private Mail_Log_Service $mail_log;
	private OAuth_Service $oauth;
	private Notification_Dispatcher $dispatcher;

	/**
	 * Whether web actions wrote outbox events during this request.
	 *
	 * @var bool
	 */
	private bool $dispatch_pending = false;

	/** The customer portal (block and forms). */
	private Portal $portal;

	/**
	 * Builds the object graph.
	 */
	private function __construct() {
		$job_repository      = new Job_Repository();
		$ticket_repository   = new Ticket_Repository();
		$event_repository    = new Event_Repository();
		$blob_repository     = new Blob_Repository();
		$activity_repository = new Activity_Repository();
		$this->settings      = new Settings_Service( new Settings_Repository() );
		$this->connections   = new Connection_Service( new Connection_Repository(), $job_repository, $activity_repository );
		$this->jobs          = new Job_Service( $job_repository );
		$this->templates     = new Templates( new Template_Repository() );
		$this->attachments   = new Attachment_Service( new Attachment_Repository(), $blob_repository );
		$this->tickets       = new Ticket_Service( $ticket_repository, $event_repository, new Attachment_Repository(), $this->settings );
		$this->mail_log      = new Mail_Log_Service( $activity_repository, new Quarantine_Repository(), $blob_repository, $job_repository, $this->settings );
		$this->oauth         = new OAuth_Service( $this->connections, $this->jobs );
		$this->portal        = new Portal(
			new Portal_Service( $ticket_repository, $event_repository, $this->tickets, new Mailer(), $this->attachments, $this->settings ),
			plugin_dir_path( EPIPE_PLUGIN_FILE )
		);
		$this->dispatcher    = new Notification_Dispatcher(
			$event_repository,
			$ticket_repository,
			$this->connections,
			new Mailer(),
			$this->templates,
			$this->settings,
			new Notification_Repository(),
			$this->tickets
		);
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
		return $this->connections;
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
	 * The customer portal.
	 *
	 * @since 0.3.0
	 */
	public function portal(): Portal {
		return $this->portal;
	}

	/**
	 * General settings.
	 *
	 * @since 0.2.0
	 */
	public function settings(): Settings_Service {
		return $this->settings;
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
		add_action( 'wp_initialize_site', array( Installer::class, 'install_new_site' ), 200 );
		add_filter( 'wpmu_drop_tables', array( $this, 'drop_site_tables' ), 10, 2 );
		add_action( 'init', array( $this, 'load_textdomain' ) );
		( new I18n() )->register();

		add_filter( 'cron_schedules', array( $this, 'add_cron_schedule' ) );
		add_action( 'init', array( $this, 'ensure_cron' ) );
		add_action( self::CRON_DISPATCH, array( $this->dispatcher, 'run' ) );
		add_action( self::CRON_PRUNE, array( $this->mail_log, 'prune' ) );
		add_action( 'epipe_events_added', array( $this, 'dispatch_at_shutdown' ) );

		add_action( 'rest_api_init', array( $this, 'register_rest_routes' ) );
		$this->portal->register();

		if ( is_admin() ) {
			$admin_page = new Admin_Page();
			$admin_page->register();
			( new Tickets_Screen( $this->tickets, $this->settings, $this->attachments ) )->register();
			( new Notices( $this->connections ) )->register();
			( new OAuth_Redirect( $this->oauth ) )->register();
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
	 * Keeps the outbox safety net and the log pruning scheduled; the sidecar's ping is the
	 * fast path of the outbox.
	 *
	 * @since 0.1.0
	 */
	public function ensure_cron(): void {
		if ( ! wp_next_scheduled( self::CRON_DISPATCH ) ) {
			wp_schedule_event( time(), self::CRON_SCHEDULE, self::CRON_DISPATCH );
		}
		if ( ! wp_next_scheduled( self::CRON_PRUNE ) ) {
			wp_schedule_event( time() + HOUR_IN_SECONDS, 'daily', self::CRON_PRUNE );
		}
	}

	/**
	 * A web action wrote outbox events: send them once this request has done its work.
	 *
	 * @since 0.2.0
	 */
	public function dispatch_at_shutdown(): void {
		if ( $this->dispatch_pending ) {
			return;
		}
		$this->dispatch_pending = true;
		add_action(
			'shutdown',
			function (): void {
				// Under PHP-FPM the visitor gets the response first; elsewhere it waits for the mail.
				if ( function_exists( 'fastcgi_finish_request' ) ) {
					fastcgi_finish_request();
				}
				$this->dispatcher->run();
			}
		);
	}

	/**
	 * Registers the REST controllers.
	 *
	 * @since 0.1.0
	 */
	public function register_rest_routes(): void {
		$rules = new Rule_Service( new Rule_Repository(), new Job_Repository(), $this->settings );
		( new Tickets_Controller( $this->tickets, $this->attachments ) )->register_routes();
		( new Events_Controller( $this->dispatcher ) )->register_routes();
		( new Settings_Controller( $this->settings ) )->register_routes();
		( new Rules_Controller( $rules, $this->jobs ) )->register_routes();
		( new Block_Patterns_Controller( new Block_List_Service( new Block_Pattern_Repository() ) ) )->register_routes();
		( new Connections_Controller( $this->connections, $this->jobs, $this->oauth ) )->register_routes();
		( new Jobs_Controller( $this->jobs ) )->register_routes();
		( new Activity_Controller( $this->mail_log ) )->register_routes();
		( new Quarantine_Controller( $this->mail_log, $this->jobs ) )->register_routes();
		( new Templates_Controller( $this->templates ) )->register_routes();
		( new Attachments_Controller( $this->attachments ) )->register_routes();
	}

	/**
	 * Adds our tables to those WordPress drops when a site of a network is deleted.
	 *
	 * @since 0.2.0
	 * @param string[] $tables  Table names.
	 * @param int      $site_id Site being deleted.
	 * @return string[]
	 */
	public function drop_site_tables( array $tables, int $site_id ): array {
		global $wpdb;
		$prefix = $wpdb->get_blog_prefix( $site_id );
		foreach ( Schema::TABLES as $name ) {
			$tables[ 'epipe_' . $name ] = $prefix . 'epipe_' . $name;
		}
		return $tables;
	}

	/**
	 * Deactivation: stop scheduled work, keep all data.
	 *
	 * @since 0.1.0
	 */
	public static function deactivate(): void {
		wp_clear_scheduled_hook( self::CRON_DISPATCH );
		wp_clear_scheduled_hook( self::CRON_PRUNE );
	}
}
