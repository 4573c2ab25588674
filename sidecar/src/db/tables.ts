/**
 * The plugin's tables as the sidecar uses them. PHP owns the DDL (includes/Install/Schema.php);
 * the contract test checks the installed tables have every column listed here.
 */

/** Schema version this sidecar was written for (Schema::VERSION in PHP). */
export const SCHEMA_VERSION = 8;

/** Columns the sidecar reads or writes, per table. */
export const TABLE_COLUMNS = {
	connections: [
		'id',
		'name',
		'kind',
		'enabled',
		'mailbox_address',
		'settings',
		'secret',
	],
	mailbox_state: [
		'connection_id',
		'uidvalidity',
		'last_uid',
		'status',
		'status_code',
		'status_detail',
		'last_checked_at',
		'last_success_at',
		'lease_owner',
		'lease_until',
		'pass_open',
		'pass_start_uid',
		'stuck_passes',
		'updated_at',
	],
	customers: [ 'id', 'email', 'name', 'created_at' ],
	tickets: [
		'id',
		'subject',
		'status',
		'priority',
		'customer_id',
		'connection_id',
		'source',
		'category',
		'assignee_id',
		'forwarded_from',
		'closed_at',
		'created_at',
		'updated_at',
	],
	threads: [
		'id',
		'ticket_id',
		'type',
		'author_kind',
		'customer_id',
		'from_address',
		'from_name',
		'body_text',
		'body_html',
		'reply_text',
		'message_id',
		'source',
		'created_at',
	],
	messages: [
		'id',
		'connection_id',
		'source_key',
		'message_key',
		'message_id',
		'content_key',
		'outcome',
		'reason',
		'ticket_id',
		'thread_id',
		'size_bytes',
		'created_at',
	],
	events: [
		'id',
		'type',
		'ticket_id',
		'thread_id',
		'payload',
		'status',
		'created_at',
	],
	activity: [
		'id',
		'connection_id',
		'outcome',
		'reason',
		'ticket_id',
		'thread_id',
		'from_address',
		'subject',
		'message_id',
		'details',
		'created_at',
	],
	blobs: [ 'id', 'sha256', 'size_bytes', 'chunk_count', 'created_at' ],
	blob_chunks: [ 'blob_id', 'seq', 'data' ],
	attachments: [
		'id',
		'ticket_id',
		'thread_id',
		'blob_id',
		'filename',
		'content_type',
		'size_bytes',
		'content_id',
		'inline',
		'status',
		'reason',
		'created_at',
	],
	quarantine: [
		'id',
		'connection_id',
		'source_key',
		'message_id',
		'from_address',
		'subject',
		'reason',
		'detail',
		'blob_id',
		'size_bytes',
		'attempts',
		'status',
		'created_at',
		'updated_at',
	],
	// Schema version 3 (written by PHP; the sidecar reads them, and works the jobs).
	settings: [ 'name', 'value', 'updated_at' ],
	rules: [
		'id',
		'position',
		'name',
		'enabled',
		'conditions',
		'actions',
		'continue_matching',
		'created_at',
		'updated_at',
	],
	block_patterns: [ 'id', 'kind', 'pattern', 'match_type', 'created_at' ],
	jobs: [
		'id',
		'type',
		'connection_id',
		'payload',
		'status',
		'result',
		'claimed_by',
		'created_at',
		'updated_at',
		'finished_at',
	],
	ticket_recipients: [
		'id',
		'ticket_id',
		'email',
		'name',
		'source',
		'created_at',
	],
	notifications: [
		'id',
		'event_id',
		'ticket_id',
		'template',
		'recipient',
		'message_id',
		'created_at',
	],
	bounced_addresses: [
		'email',
		'status',
		'diagnostic',
		'ticket_id',
		'bounces',
		'bounced_at',
	],
} as const;

export type TableName = keyof typeof TABLE_COLUMNS;

/** Full table names for one site's prefix, and the WordPress tables users and roles live in. */
export type Tables = Record< TableName, string > & {
	readonly users: string;
	readonly usermeta: string;
	readonly options: string;
	/** The table prefix, which also names the capabilities meta key and the roles option. */
	readonly prefix: string;
};

/**
 * Full names of every table for a prefix ("wp_" → "wp_epipe_tickets").
 *
 * @param prefix WordPress table prefix of the site.
 */
export function tableNames( prefix: string ): Tables {
	const out = {} as Record< TableName, string >;
	for ( const name of Object.keys( TABLE_COLUMNS ) as TableName[] ) {
		out[ name ] = `${ prefix }epipe_${ name }`;
	}
	return {
		...out,
		users: `${ prefix }users`,
		usermeta: `${ prefix }usermeta`,
		options: `${ prefix }options`,
		prefix,
	};
}
