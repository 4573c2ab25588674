/**
 * Everything a command needs once configuration and database are known to be good.
 */
import { loadConfig, type SidecarConfig } from './config.ts';
import { readOptions } from './db/options-repo.ts';
import {
	readBlockPatterns,
	readRules,
	readSettings,
} from './db/settings-repo.ts';
import { openPool, type Pool } from './db/pool.ts';
import { assertSchemaVersion } from './db/schema-guard.ts';
import { tableNames, type Tables } from './db/tables.ts';
import type { Logger } from './logger.ts';
import {
	DEFAULT_ALLOWED_EXTENSIONS,
	DEFAULT_MAX_ATTACHMENT_MB,
	type AttachmentPolicy,
} from './pipeline/attachments.ts';
import type { PipelineSettings } from './pipeline/index.ts';
import { senderLimitsOf } from './pipeline/loop-guard.ts';
import { compileRule, type StoredRule } from './pipeline/rules.ts';
import { compilePattern, type BlockPattern } from './pipeline/patterns.ts';

/** Default of the setting reply_above_text. */
export const DEFAULT_REPLY_MARKER = '-- Reply above this line --';

/** The site's part of the pipeline settings; the connection adds its address and the key. */
type SitePipelineSettings = Omit<
	PipelineSettings,
	'mailboxAddress' | 'secretKey'
>;

/**
 * The admin's settings the pipeline uses, re-read when older than a few seconds: a change in
 * WordPress reaches a running daemon by its next pass, without a restart.
 */
export class SiteSettings {
	private site: SitePipelineSettings = { replyMarker: DEFAULT_REPLY_MARKER };
	private attachments: AttachmentPolicy = attachmentPolicyOf(
		undefined,
		undefined
	);
	private readAt = Number.NEGATIVE_INFINITY;
	private readonly pool: Pool;
	private readonly tables: Tables;

	/**
	 * @param pool   Database.
	 * @param tables Table names.
	 */
	constructor( pool: Pool, tables: Tables ) {
		this.pool = pool;
		this.tables = tables;
	}

	/**
	 * The pipeline settings for one mailbox, as last read.
	 *
	 * @param mailboxAddress The piped address, lower case ('' when unknown).
	 * @param secretKey      EPIPE_SECRET_KEY, or null when unknown.
	 */
	forMailbox(
		mailboxAddress: string,
		secretKey: string | null
	): PipelineSettings {
		return { ...this.site, mailboxAddress, secretKey };
	}

	/** Largest attachment and the extensions stored. */
	get attachmentPolicy(): AttachmentPolicy {
		return this.attachments;
	}

	/**
	 * Reads the settings again unless they were read within `maxAgeMs`. When the database can't
	 * answer, the values read last stay (the pass itself will report the database).
	 *
	 * @param maxAgeMs Largest age of the values kept.
	 */
	async refresh( maxAgeMs = 5_000 ): Promise< void > {
		if ( performance.now() - this.readAt < maxAgeMs ) {
			return;
		}
		let settings: Map< string, unknown >;
		let patterns: BlockPattern[];
		let rules: StoredRule[];
		try {
			settings = await readSettings( this.pool, this.tables, [
				'reply_above_text',
				'allowed_emails',
				'allowed_senders',
				'max_attachment_mb',
				'allowed_extensions',
				'closed_ticket_replies',
				'forwarding_addresses',
				'import_cc',
				'body_preference',
				'sender_tickets_quiet',
				'sender_tickets_limit',
				'duplicate_filter',
				'bulk_mail',
			] );
			patterns = await readBlockPatterns( this.pool, this.tables );
			rules = await readRules( this.pool, this.tables );
		} catch {
			return;
		}
		const marker = settings.get( 'reply_above_text' );
		const forwarding = settings.get( 'forwarding_addresses' );
		const emails = settings.get( 'allowed_emails' );
		this.site = {
			replyMarker:
				typeof marker === 'string' && marker.trim() !== ''
					? marker.trim()
					: DEFAULT_REPLY_MARKER,
			blockPatterns: patterns.flatMap(
				( p ) => compilePattern( p ) ?? []
			),
			rules: rules.flatMap( ( r ) => compileRule( r ) ?? [] ),
			forwardingAddresses: Array.isArray( forwarding )
				? forwarding
						.filter( ( a ): a is string => typeof a === 'string' )
						.map( ( a ) => a.trim().toLowerCase() )
				: [],
			allowedEmails:
				emails === 'new' || emails === 'reply' ? emails : 'all',
			allowedSenders:
				settings.get( 'allowed_senders' ) === 'registered'
					? 'registered'
					: 'anyone',
			closedTicketReplies:
				settings.get( 'closed_ticket_replies' ) === 'reject'
					? 'reject'
					: 'reopen',
			importCc: settings.get( 'import_cc' ) === true,
			bodyPreference:
				settings.get( 'body_preference' ) === 'html' ? 'html' : 'text',
			duplicateFilter: settings.get( 'duplicate_filter' ) !== false,
			bulkMail:
				settings.get( 'bulk_mail' ) === 'ticket' ? 'ticket' : 'skip',
			senderLimits: senderLimitsOf(
				settings.get( 'sender_tickets_quiet' ),
				settings.get( 'sender_tickets_limit' )
			),
		};
		this.attachments = attachmentPolicyOf(
			settings.get( 'max_attachment_mb' ),
			settings.get( 'allowed_extensions' )
		);
		this.readAt = performance.now();
	}
}

export interface RuntimeContext {
	readonly config: SidecarConfig;
	readonly secretKey: string;
	readonly pool: Pool;
	readonly tables: Tables;
	readonly log: Logger;
	readonly settings: SiteSettings;
	/** WordPress home URL, for the dispatch ping. */
	readonly siteUrl: string | null;
}

/**
 * Loads configuration, opens the database and checks the schema — in that order, so each
 * failure names its own cause and nothing is written before all checks pass.
 *
 * @param wpConfigPath --wp-config value.
 * @param log          Logger.
 */
export async function openContext(
	wpConfigPath: string | undefined,
	log: Logger
): Promise< RuntimeContext > {
	const config = loadConfig( wpConfigPath, process.env );
	const pool = await openPool( config.db );
	try {
		await assertSchemaVersion(
			pool,
			config.tablePrefix,
			config.db.database
		);
		const tables = tableNames( config.tablePrefix );
		const options = await readOptions( pool, config.tablePrefix, [
			'home',
		] );
		const settings = new SiteSettings( pool, tables );
		await settings.refresh();
		return {
			config,
			secretKey: config.secretKey as string,
			pool,
			tables,
			log,
			settings,
			siteUrl: config.siteUrl ?? options.get( 'home' ) ?? null,
		};
	} catch ( err ) {
		await pool.end().catch( () => undefined );
		throw err;
	}
}

/**
 * The attachment policy of the settings, each value checked as PHP saves it (a value out of
 * range or of another type counts as unset).
 *
 * @param maxMb      Setting max_attachment_mb (1–100).
 * @param extensions Setting allowed_extensions (an empty list allows every extension).
 */
export function attachmentPolicyOf(
	maxMb: unknown,
	extensions: unknown
): AttachmentPolicy {
	const mb =
		typeof maxMb === 'number' &&
		Number.isInteger( maxMb ) &&
		maxMb >= 1 &&
		maxMb <= 100
			? maxMb
			: DEFAULT_MAX_ATTACHMENT_MB;
	return {
		maxBytes: mb * 1024 * 1024,
		allowedExtensions: Array.isArray( extensions )
			? extensions
					.filter( ( e ): e is string => typeof e === 'string' )
					.map( ( e ) => e.trim().toLowerCase().replace( /^\./, '' ) )
					.filter( ( e ) => e !== '' )
			: DEFAULT_ALLOWED_EXTENSIONS,
	};
}
