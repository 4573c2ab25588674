/**
 * Shapes of the email-piping/v1 REST responses.
 */

export interface TicketSummary {
	id: number;
	subject: string;
	status: string;
	priority: string;
	customer_email: string;
	customer_name: string;
	created_at: string;
	updated_at: string;
	thread_count: number;
}

export type ConnectionKind = 'imap' | 'gmail' | 'graph';
export type ImapSecurity = 'tls' | 'starttls' | 'none';
export type AfterImport = 'mark_read' | 'leave' | 'move' | 'delete';
export type StartFrom = 'now' | 'all';

/** What the API says about a write-only secret: it is never sent back. */
export type SecretState = 'set' | 'missing' | 'unreadable';

export interface ConnectionSettings {
	/** IMAP only. */
	host: string;
	port: number;
	security: ImapSecurity;
	verify_tls: boolean;
	ca_file: string;
	username: string;
	/** Gmail and Microsoft: the OAuth app's client ID. */
	client_id: string;
	/** Microsoft: the directory (tenant) id, or common / organizations / consumers. */
	tenant: string;
	/** IMAP and Microsoft: a folder; Gmail: a label. */
	folder: string;
	start_from: StartFrom;
	after_import: AfterImport;
	move_folder: string;
	signed_reply_address: boolean;
}

/** GET /connections/{id}/status, also embedded in every connection. */
export interface ConnectionStatus {
	connection_id: number;
	/** ok: the sidecar's last pass worked; unknown: it has not run yet. */
	state: 'ok' | 'error' | 'unknown';
	/** The sidecar's own word: new, connected, idle, polling, error. */
	sidecar_status: string | null;
	/** How the sidecar watches the mailbox while it works: IMAP IDLE, or polling. */
	mode: 'idle' | 'polling' | null;
	/** The mode in words ("Listening (IDLE)", "Polling every 30 s"), from PHP. */
	mode_text: string | null;
	/** Machine code (auth_failed, tls_failed …), translated into message and fix by PHP. */
	code: string | null;
	message: string | null;
	fix: string | null;
	/** The sidecar's technical detail, in English. */
	detail: string | null;
	last_checked_at: string | null;
	last_success_at: string | null;
	/** Gmail and Microsoft: what is known of the OAuth grant. */
	grant?: OAuthGrant;
}

/** A Gmail or Microsoft connection's authorisation, as the sidecar last saw it. */
export interface OAuthGrant {
	/** The mailbox the grant reads. */
	account: string | null;
	/** When it is known to end (RFC 3339), or null. */
	expires_at: string | null;
	expiring_soon: boolean;
	expired: boolean;
	/** Translated warning while it ends soon. */
	warning: string | null;
}

/** POST /connections/{id}/oauth: where to send the admin to consent. */
export interface OAuthStart {
	url: string;
	redirect_uri: string;
	expires_in: number;
}

export interface Connection {
	id: number;
	name: string;
	kind: ConnectionKind;
	enabled: boolean;
	mailbox_address: string;
	settings: ConnectionSettings;
	secret: SecretState;
	client_secret?: SecretState;
	secret_message?: string;
	created_at: string;
	updated_at: string;
	status: ConnectionStatus;
	/** What its emails became today (since midnight in the site's time zone). */
	today: TodayCounts;
}

/** Emails of one connection today, by what they became (the activity log's kinds). */
export interface TodayCounts {
	ticket: number;
	reply: number;
	blocked: number;
	rejected: number;
	skipped: number;
	quarantined: number;
}

/** Body of POST /connections and PATCH /connections/{id}; left-out fields keep their values. */
export interface ConnectionInput {
	kind?: ConnectionKind;
	name?: string;
	enabled?: boolean;
	mailbox_address?: string;
	/** Write-only: sent to set or replace the password, never read back. */
	password?: string;
	/** Write-only: the OAuth app's client secret (Gmail, Microsoft). */
	client_secret?: string;
	settings?: Partial< ConnectionSettings >;
}

/** GET /jobs/{id}: a request the sidecar carries out (connection test …). */
export interface Job {
	id: number;
	type: string;
	connection_id: number | null;
	status: 'pending' | 'running' | 'done' | 'failed';
	result: Record< string, unknown > | null;
	code?: string;
	message: string | null;
	fix: string | null;
	created_at: string;
	updated_at: string;
	finished_at: string | null;
}

/** What a block pattern is matched against. */
export type PatternKind = 'sender' | 'subject';
export type MatchType = 'exact' | 'wildcard' | 'regex';

/** One row of GET /block-patterns. */
export interface BlockPattern {
	id: number;
	kind: PatternKind;
	pattern: string;
	match_type: MatchType;
	created_at: string;
}

/** Body of POST /block-patterns and PATCH /block-patterns/{id}. */
export interface BlockPatternInput {
	kind: PatternKind;
	pattern: string;
	match_type: MatchType;
}

/** GET /block-patterns/check: what the sidecar would do, and the first pattern of each list that matched. */
export interface BlockCheck {
	blocked: 'blocked_sender' | 'blocked_subject' | null;
	sender: BlockPattern | null;
	subject: BlockPattern | null;
}

/** GET /settings: every general setting with its effective value. */
export interface Settings extends ForwardingSettings {
	allowed_emails: 'all' | 'new' | 'reply';
	allowed_senders: 'anyone' | 'registered';
	body_preference: 'text' | 'html';
	import_cc: boolean;
	reply_above_text: string;
	bulk_mail: 'skip' | 'ticket';
	duplicate_filter: boolean;
	log_retention_days: number;
	max_attachment_mb: number;
	sender_tickets_quiet: number;
	sender_tickets_limit: number;
	allowed_extensions: string[];
	closed_ticket_replies: 'reopen' | 'reject';
	categories: string[];
}

/** One notification template of GET /templates. */
export interface NotificationTemplate {
	name: string;
	label: string;
	audience: 'customer' | 'agents' | 'sender';
	event: string;
	enabled: boolean;
	subject: string;
	body: string;
	/** Whether it differs from the built-in text. */
	edited: boolean;
	defaults: { subject: string; body: string };
	/** Macro names ({{name}}) the template may use. */
	macros: string[];
}

/** Body of PATCH /templates/{name}. */
export interface TemplateInput {
	enabled: boolean;
	subject: string;
	body: string;
}

/** The forwarding settings, edited on the Connections screen. */
export interface ForwardingSettings {
	forwarding_addresses: string[];
	forwarding_as_from: boolean;
}

/** What became of an email, as the Activity screen filters it. */
export type ActivityKind =
	'ticket' | 'reply' | 'blocked' | 'rejected' | 'skipped' | 'quarantined';

/** One row of GET /activity. */
export interface ActivityEntry {
	id: number;
	connection_id: number | null;
	/** The stored outcome: ticket, reply, skipped, quarantined. */
	outcome: string;
	/** The outcome as the admin filters it (blocked and rejected apart from other skips). */
	kind: ActivityKind | string;
	/** Machine code of the reason. */
	reason: string;
	/** The reason in words, from PHP. */
	reason_text: string;
	ticket_id: number | null;
	thread_id: number | null;
	from_address: string;
	subject: string;
	message_id: string | null;
	details: ( Record< string, unknown > & { rules?: string[] } ) | null;
	created_at: string;
}

export interface ActivityQuery {
	page: number;
	outcome: ActivityKind | '';
	connectionId: number | null;
	search: string;
}

/** A page of a collection with WordPress's X-WP-Total headers. */
export interface Page< T > {
	items: T[];
	total: number;
	totalPages: number;
}

export type QuarantineStatus =
	'held' | 'retrying' | 'discarded' | 'reprocessed';

/** One row of GET /quarantine. */
export interface QuarantineEntry {
	id: number;
	connection_id: number;
	message_id: string | null;
	from_address: string;
	subject: string;
	reason: string;
	reason_text: string;
	/** The sidecar's technical detail, in English. */
	detail: string | null;
	size_bytes: number;
	attempts: number;
	status: QuarantineStatus;
	has_raw: boolean;
	created_at: string;
	updated_at: string;
}

/** GET /quarantine/{id}: the entry with what an admin may read of it, as text. */
export interface QuarantineDetail extends QuarantineEntry {
	headers: Array< { name: string; value: string } >;
	/** The text part, or the HTML part reduced to text by the server; never markup. */
	text: { source: 'plain' | 'html' | 'none'; body: string };
	/** The start of the raw source (shown as text only). */
	raw_excerpt: string;
	raw_truncated: boolean;
}

/** What a rule condition looks at; `header:<Name>` is any value of that header. */
export type RuleField =
	| 'forwarding_address'
	| 'from'
	| 'from_name'
	| 'recipients'
	| 'subject'
	| 'body'
	| `header:${ string }`;

/** How a rule condition compares: the whole value, `*` wildcards, or a regex found anywhere. */
export type RuleMatchType = 'exact' | 'wildcard' | 'regex';

export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';
export type TicketStatus = 'open' | 'pending' | 'resolved' | 'closed';

export interface RuleCondition {
	field: RuleField;
	match: RuleMatchType;
	value: string;
}

/** The fields a rule sets on a new ticket; left out: the default. */
export interface RuleActions {
	priority?: TicketPriority;
	status?: TicketStatus;
	category?: string;
	assignee_id?: number;
	add_recipients?: string[];
}

/** One piping rule of GET /rules, in the order they are tried. */
export interface Rule {
	id: number;
	position: number;
	name: string;
	enabled: boolean;
	/** All must match. */
	conditions: RuleCondition[];
	actions: RuleActions;
	/** Whether later rules may apply too when this one matched. */
	continue_matching: boolean;
	created_at: string;
	updated_at: string;
}

/** Body of POST /rules and PATCH /rules/{id}. */
export interface RuleInput {
	name: string;
	enabled: boolean;
	conditions: RuleCondition[];
	actions: RuleActions;
	continue_matching: boolean;
}

/** GET /agents: users who work tickets. */
export interface Agent {
	id: number;
	name: string;
	email: string;
}

/** An address as the sidecar parsed it. */
export interface ParsedAddress {
	address: string;
	name: string;
}

/** The result of a finished test_rules job: what the pipeline would do with the email. */
export interface RuleTestResult {
	ok: boolean;
	/** create_ticket, add_reply, skip or quarantine. */
	action?: string;
	/** Machine code of the outcome (new_ticket, blocked_sender …). */
	reason?: string;
	error?: string;
	from?: ParsedAddress | null;
	to?: ParsedAddress[];
	cc?: ParsedAddress[];
	subject?: string;
	/** The new ticket after the rules, or the ticket a reply joins; null otherwise. */
	ticket?: {
		id?: number;
		subject?: string;
		status?: string;
		priority?: string;
		category?: string;
		assignee_id?: number | null;
		forwarded_from?: string | null;
		add_recipients?: string[];
		/** Names of the rules that applied, in order. */
		rules?: string[];
	} | null;
}
