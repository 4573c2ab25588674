<?php
/**
 * The only place with DDL: every epipe_* table in dbDelta's dialect.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Install;

defined( 'ABSPATH' ) || exit;

/**
 * Table definitions and the schema version the sidecar checks before it writes anything.
 *
 * dbDelta rules: one column per line, two spaces after PRIMARY KEY, KEY not INDEX.
 * Dates are UTC (UTC_TIMESTAMP() in the sidecar, current_time( 'mysql', true ) here).
 *
 * @since 0.1.0
 */
final class Schema {

	/**
	 * Bump with every change below and add an upgrade step; the sidecar refuses other versions.
	 *
	 * @since 0.1.0
	 */
	public const VERSION = 8;

	/** Option holding the version installed on this site. */
	public const VERSION_OPTION = 'epipe_db_version';

	/** Table names without the WordPress prefix. */
	public const TABLES = array(
		'connections',
		'mailbox_state',
		'customers',
		'tickets',
		'threads',
		'messages',
		'events',
		'activity',
		'blobs',
		'blob_chunks',
		'attachments',
		'quarantine',
		// Version 3.
		'settings',
		'rules',
		'block_patterns',
		'jobs',
		'templates',
		'ticket_recipients',
		'notifications',
		// Version 6.
		'bounced_addresses',
	);

	/**
	 * Full name of one of our tables.
	 *
	 * @since 0.1.0
	 * @param string $name Short name, e.g. "tickets".
	 */
	public static function table( string $name ): string {
		global $wpdb;
		return $wpdb->prefix . 'epipe_' . $name;
	}

	/**
	 * CREATE TABLE statements for dbDelta.
	 *
	 * @since 0.1.0
	 * @return string[]
	 */
	public static function statements(): array {
		global $wpdb;
		$c = $wpdb->get_charset_collate();
		$t = array();
		foreach ( self::TABLES as $name ) {
			$t[ $name ] = self::table( $name );
		}

		return array(
			// One mail source: kind-specific settings as JSON, the password/token encrypted in `secret`.
			"CREATE TABLE {$t['connections']} (
id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
name varchar(190) NOT NULL DEFAULT '',
kind varchar(20) NOT NULL DEFAULT 'imap',
enabled tinyint(1) NOT NULL DEFAULT 1,
mailbox_address varchar(254) NOT NULL DEFAULT '',
settings longtext NOT NULL,
secret text NULL,
client_secret text NULL,
created_at datetime NOT NULL,
updated_at datetime NOT NULL,
PRIMARY KEY  (id),
KEY enabled (enabled)
) $c;",
			// Where the sidecar stands in each mailbox, who works it (lease) and how it went.
			"CREATE TABLE {$t['mailbox_state']} (
connection_id bigint(20) unsigned NOT NULL,
uidvalidity bigint(20) unsigned NULL,
last_uid bigint(20) unsigned NOT NULL DEFAULT 0,
cursor_token text NULL,
grant_account varchar(320) NULL,
grant_expires_at datetime NULL,
status varchar(20) NOT NULL DEFAULT 'new',
status_code varchar(60) NULL,
status_detail text NULL,
last_checked_at datetime NULL,
last_success_at datetime NULL,
lease_owner varchar(100) NULL,
lease_until datetime NULL,
pass_open tinyint(1) NOT NULL DEFAULT 0,
pass_start_uid bigint(20) unsigned NOT NULL DEFAULT 0,
stuck_passes int(10) unsigned NOT NULL DEFAULT 0,
updated_at datetime NOT NULL,
PRIMARY KEY  (connection_id)
) $c;",
			"CREATE TABLE {$t['customers']} (
id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
email varchar(254) NOT NULL,
name varchar(190) NOT NULL DEFAULT '',
user_id bigint(20) unsigned NOT NULL DEFAULT 0,
created_at datetime NOT NULL,
PRIMARY KEY  (id),
UNIQUE KEY email (email),
KEY user_id (user_id)
) $c;",
			"CREATE TABLE {$t['tickets']} (
id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
subject varchar(255) NOT NULL DEFAULT '',
status varchar(20) NOT NULL DEFAULT 'open',
priority varchar(20) NOT NULL DEFAULT 'normal',
customer_id bigint(20) unsigned NOT NULL,
connection_id bigint(20) unsigned NULL,
source varchar(20) NOT NULL DEFAULT 'email',
category varchar(60) NOT NULL DEFAULT '',
assignee_id bigint(20) unsigned NULL,
forwarded_from varchar(254) NULL,
closed_at datetime NULL,
created_at datetime NOT NULL,
updated_at datetime NOT NULL,
PRIMARY KEY  (id),
KEY customer_id (customer_id),
KEY status (status,updated_at),
KEY assignee_id (assignee_id)
) $c;",
			// Every message of a ticket: the first report, replies, later notes.
			"CREATE TABLE {$t['threads']} (
id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
ticket_id bigint(20) unsigned NOT NULL,
type varchar(20) NOT NULL DEFAULT 'reply',
author_kind varchar(20) NOT NULL DEFAULT 'customer',
customer_id bigint(20) unsigned NULL,
user_id bigint(20) unsigned NULL,
from_address varchar(254) NOT NULL DEFAULT '',
from_name varchar(190) NOT NULL DEFAULT '',
body_text longtext NULL,
body_html longtext NULL,
reply_text longtext NULL,
message_id varchar(255) NULL,
source varchar(20) NOT NULL DEFAULT 'email',
created_at datetime NOT NULL,
PRIMARY KEY  (id),
KEY ticket_id (ticket_id,id),
KEY message_id (message_id(191))
) $c;",
			// One receipt per inbound email. The two unique keys make ingestion exactly-once.
			"CREATE TABLE {$t['messages']} (
id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
connection_id bigint(20) unsigned NOT NULL,
source_key varchar(190) NOT NULL,
message_key char(64) NOT NULL,
message_id varchar(255) NULL,
content_key char(64) NULL,
outcome varchar(20) NOT NULL,
reason varchar(60) NULL,
ticket_id bigint(20) unsigned NULL,
thread_id bigint(20) unsigned NULL,
size_bytes bigint(20) unsigned NOT NULL DEFAULT 0,
created_at datetime NOT NULL,
PRIMARY KEY  (id),
UNIQUE KEY source_key (connection_id,source_key),
UNIQUE KEY message_key (connection_id,message_key),
KEY ticket_id (ticket_id),
KEY message_key_any (message_key)
) $c;",
			// Outbox: written in the same transaction as the ticket change, sent once by PHP.
			"CREATE TABLE {$t['events']} (
id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
type varchar(40) NOT NULL,
ticket_id bigint(20) unsigned NOT NULL,
thread_id bigint(20) unsigned NULL,
payload longtext NULL,
status varchar(20) NOT NULL DEFAULT 'pending',
attempts int(10) unsigned NOT NULL DEFAULT 0,
claimed_by varchar(64) NULL,
claimed_until datetime NULL,
last_error text NULL,
created_at datetime NOT NULL,
processed_at datetime NULL,
PRIMARY KEY  (id),
KEY status (status,id),
KEY ticket_id (ticket_id)
) $c;",
			// What happened to every email, for admins; pruned by retention, unlike messages.
			"CREATE TABLE {$t['activity']} (
id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
connection_id bigint(20) unsigned NULL,
outcome varchar(20) NOT NULL,
reason varchar(60) NULL,
ticket_id bigint(20) unsigned NULL,
thread_id bigint(20) unsigned NULL,
from_address varchar(254) NOT NULL DEFAULT '',
subject varchar(255) NOT NULL DEFAULT '',
message_id varchar(255) NULL,
details longtext NULL,
created_at datetime NOT NULL,
PRIMARY KEY  (id),
KEY connection_id (connection_id,id),
KEY outcome (outcome,id),
KEY created_at (created_at)
) $c;",
			// Binary content (attachments, raw quarantined emails) lives in the database, chunked, so
			// both runtimes reach it wherever they run and it commits atomically with the email.
			"CREATE TABLE {$t['blobs']} (
id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
sha256 char(64) NOT NULL,
size_bytes bigint(20) unsigned NOT NULL DEFAULT 0,
chunk_count int(10) unsigned NOT NULL DEFAULT 0,
created_at datetime NOT NULL,
PRIMARY KEY  (id),
KEY sha256 (sha256)
) $c;",
			"CREATE TABLE {$t['blob_chunks']} (
blob_id bigint(20) unsigned NOT NULL,
seq int(10) unsigned NOT NULL,
data mediumblob NOT NULL,
PRIMARY KEY  (blob_id,seq)
) $c;",
			// Every attachment of a thread: stored (blob_id set) or refused by policy (reason set).
			"CREATE TABLE {$t['attachments']} (
id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
ticket_id bigint(20) unsigned NOT NULL,
thread_id bigint(20) unsigned NOT NULL,
blob_id bigint(20) unsigned NULL,
filename varchar(255) NOT NULL DEFAULT '',
content_type varchar(127) NOT NULL DEFAULT 'application/octet-stream',
size_bytes bigint(20) unsigned NOT NULL DEFAULT 0,
content_id varchar(255) NULL,
inline tinyint(1) NOT NULL DEFAULT 0,
status varchar(20) NOT NULL DEFAULT 'stored',
reason varchar(60) NULL,
created_at datetime NOT NULL,
PRIMARY KEY  (id),
KEY thread_id (thread_id),
KEY ticket_id (ticket_id)
) $c;",
			// Emails that could not become a ticket or reply, kept with their reason until reprocessed
			// or discarded; `retrying` rows count failed attempts before an email is held.
			"CREATE TABLE {$t['quarantine']} (
id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
connection_id bigint(20) unsigned NOT NULL,
source_key varchar(190) NOT NULL,
message_id varchar(255) NULL,
from_address varchar(254) NOT NULL DEFAULT '',
subject varchar(255) NOT NULL DEFAULT '',
reason varchar(60) NOT NULL,
detail text NULL,
blob_id bigint(20) unsigned NULL,
size_bytes bigint(20) unsigned NOT NULL DEFAULT 0,
attempts int(10) unsigned NOT NULL DEFAULT 0,
status varchar(20) NOT NULL DEFAULT 'held',
created_at datetime NOT NULL,
updated_at datetime NOT NULL,
PRIMARY KEY  (id),
UNIQUE KEY source_key (connection_id,source_key),
KEY status (status,id)
) $c;",
			// Version 3. General settings, one JSON value per row; a missing row means the default
			// (keys, types and defaults: Services/Settings_Service.php and includes/README.md).
			"CREATE TABLE {$t['settings']} (
name varchar(64) NOT NULL,
value longtext NOT NULL,
updated_at datetime NOT NULL,
PRIMARY KEY  (name)
) $c;",
			// Piping rules for new tickets, applied in `position` order; conditions/actions are JSON.
			"CREATE TABLE {$t['rules']} (
id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
position int(11) NOT NULL DEFAULT 0,
name varchar(190) NOT NULL DEFAULT '',
enabled tinyint(1) NOT NULL DEFAULT 1,
conditions longtext NOT NULL,
actions longtext NOT NULL,
continue_matching tinyint(1) NOT NULL DEFAULT 0,
created_at datetime NOT NULL,
updated_at datetime NOT NULL,
PRIMARY KEY  (id),
KEY position (position)
) $c;",
			// Block lists: senders and subjects that never become tickets.
			"CREATE TABLE {$t['block_patterns']} (
id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
kind varchar(20) NOT NULL,
pattern varchar(500) NOT NULL,
match_type varchar(20) NOT NULL DEFAULT 'exact',
created_at datetime NOT NULL,
PRIMARY KEY  (id),
KEY kind (kind)
) $c;",
			// Requests from WordPress that the sidecar carries out (it may run on another host).
			"CREATE TABLE {$t['jobs']} (
id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
type varchar(40) NOT NULL,
connection_id bigint(20) unsigned NULL,
payload longtext NULL,
status varchar(20) NOT NULL DEFAULT 'pending',
result longtext NULL,
claimed_by varchar(100) NULL,
created_at datetime NOT NULL,
updated_at datetime NOT NULL,
finished_at datetime NULL,
PRIMARY KEY  (id),
KEY status (status,id)
) $c;",
			// Notification texts edited by the admin; a missing row means the built-in text.
			"CREATE TABLE {$t['templates']} (
name varchar(64) NOT NULL,
enabled tinyint(1) NOT NULL DEFAULT 1,
subject text NOT NULL,
body longtext NOT NULL,
updated_at datetime NOT NULL,
PRIMARY KEY  (name)
) $c;",
			// Additional recipients of a ticket (CC'd people, rule actions, agents' additions).
			"CREATE TABLE {$t['ticket_recipients']} (
id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
ticket_id bigint(20) unsigned NOT NULL,
email varchar(254) NOT NULL,
name varchar(190) NOT NULL DEFAULT '',
source varchar(20) NOT NULL DEFAULT 'cc',
created_at datetime NOT NULL,
PRIMARY KEY  (id),
UNIQUE KEY ticket_email (ticket_id,email(191))
) $c;",
			// Every notification sent, one row per event, template and recipient: a retried event
			// skips the recipients it already reached, and replies can be matched by Message-ID.
			"CREATE TABLE {$t['notifications']} (
id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
event_id bigint(20) unsigned NOT NULL,
ticket_id bigint(20) unsigned NOT NULL DEFAULT 0,
template varchar(64) NOT NULL,
recipient varchar(254) NOT NULL,
message_id varchar(255) NOT NULL,
created_at datetime NOT NULL,
PRIMARY KEY  (id),
UNIQUE KEY delivery (event_id,template,recipient(191)),
KEY ticket_id (ticket_id),
KEY message_id (message_id(191))
) $c;",
			// Addresses our notifications bounced from for good: not written to until they write
			// to us again on that ticket, or BOUNCE_HOLD_DAYS pass.
			"CREATE TABLE {$t['bounced_addresses']} (
email varchar(254) NOT NULL,
status varchar(16) NOT NULL DEFAULT '',
diagnostic varchar(255) NOT NULL DEFAULT '',
ticket_id bigint(20) unsigned NULL,
bounces int(10) unsigned NOT NULL DEFAULT 1,
bounced_at datetime NOT NULL,
PRIMARY KEY  (email(191))
) $c;",
		);
	}

	/**
	 * Creates or alters every table to match the statements above.
	 *
	 * @since 0.1.0
	 */
	public static function apply(): void {
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		dbDelta( self::statements() );
	}

	/**
	 * Tables of the current site that do not exist (after apply(), a failed dbDelta).
	 *
	 * @since 0.2.0
	 * @return string[]
	 */
	public static function missing_tables(): array {
		global $wpdb;
		$missing = array();
		foreach ( self::TABLES as $name ) {
			$table = self::table( $name );
			if ( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $table ) ) ) !== $table ) {
				$missing[] = $table;
			}
		}
		return $missing;
	}

	/**
	 * Drops every table of the plugin (uninstall only).
	 *
	 * @since 0.1.0
	 */
	public static function drop_all(): void {
		global $wpdb;
		foreach ( self::TABLES as $name ) {
			$wpdb->query( 'DROP TABLE IF EXISTS ' . self::table( $name ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- our own table name.
		}
	}
}
