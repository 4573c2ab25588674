/**
 * One pass over a mailbox: list what is new (sizes only), then for each message in UID order
 * stream → analyse → store (one transaction) → acknowledge at the source.
 */
import { PassThrough, type Readable } from 'node:stream';

import type { InFlightBudget } from './budget.ts';
import type { RuntimeContext } from './context.ts';
import type { Checkpoint } from './db/state-repo.ts';
import { errorProperty } from './errors.ts';
import { failpoint } from './failpoints.ts';
import { countEmail, emailStarted } from './metrics.ts';
import type { ConnectionConfig } from './interfaces.ts';
import type { AttachmentPolicy } from './pipeline/attachments.ts';
import {
	ingestMessage,
	quarantine,
	type IngestInput,
	type Outcome,
} from './pipeline/store.ts';
import type { MailSource } from './sources/mail-source.ts';

/** Default attachment policy until settings say otherwise. */
export const DEFAULT_POLICY: AttachmentPolicy = {
	maxBytes: 25 * 1024 * 1024,
	allowedExtensions: [],
};

export type PassCounts = Record<
	Exclude< Outcome, 'already_processed' >,
	number
>;

/** Outcomes after which the message may be marked read / moved at the source. */
const ACKNOWLEDGED: ReadonlySet< Outcome > = new Set< Outcome >( [
	'ticket',
	'reply',
	'skipped',
	'already_processed',
] );

/**
 * Whether the database refused this email's data itself (a poisonous email) rather than being
 * unavailable: only SQLSTATE classes 22 (data exception: too long, out of range, bad string)
 * and 23 (integrity constraint) count. Everything else — lost or killed connections,
 * deadlocks, lock waits, a full disk — is retried and must never quarantine an email.
 *
 * @param err What the store threw.
 */
export function isPoisonError( err: unknown ): boolean {
	const sqlState = errorProperty( err, 'sqlState' ) ?? '';
	return sqlState.startsWith( '22' ) || sqlState.startsWith( '23' );
}

export interface PassHooks {
	/** Shared bound on emails in flight (the daemon's). */
	readonly budget?: InFlightBudget;
	/** Called whenever bytes arrive or an email is done, for the stall watchdog. */
	readonly progress?: () => void;
}

/**
 * Passes a stream through, reporting every chunk as progress.
 *
 * @param stream   Source stream.
 * @param progress Callback.
 */
function reportingProgress( stream: Readable, progress: () => void ): Readable {
	const tap = new PassThrough();
	tap.on( 'data', progress );
	stream.on( 'error', ( err ) => tap.destroy( err ) );
	return stream.pipe( tap );
}

/**
 * Processes every message after the checkpoint. Stops between messages when `signal` aborts.
 *
 * @param ctx        Runtime.
 * @param connection Connection.
 * @param source     Connected source.
 * @param checkpoint Where the last pass ended.
 * @param signal     Shutdown signal.
 * @param hooks      Budget and progress callbacks (the daemon's).
 * @return Counts per outcome, and how many outbox events were written.
 */
export async function processNewMail(
	ctx: RuntimeContext,
	connection: ConnectionConfig,
	source: MailSource,
	checkpoint: Checkpoint,
	signal: AbortSignal,
	hooks: PassHooks = {}
): Promise< { counts: PassCounts; events: number } > {
	const counts: PassCounts = {
		ticket: 0,
		reply: 0,
		skipped: 0,
		quarantined: 0,
	};
	let events = 0;
	const log = ctx.log.child( { connectionId: connection.id } );
	for ( const ref of await source.listAfter( checkpoint.lastUid ) ) {
		if ( signal.aborted ) {
			break;
		}
		const input: IngestInput = {
			connectionId: connection.id,
			sourceKey: `imap:${ checkpoint.uidValidity }:${ ref.uid }`,
			size: ref.size,
			sizeIsExact: true,
			checkpoint: { uidValidity: checkpoint.uidValidity, uid: ref.uid },
			settings: {
				mailboxAddress: connection.mailboxAddress,
				secretKey: ctx.secretKey,
				replyMarker: ctx.replyMarker,
			},
			policy: DEFAULT_POLICY,
			maxBytes: connection.imap.maxMessageBytes,
			open: async () => {
				const stream = await source.open( ref );
				failpoint( 'download_started' );
				return hooks.progress
					? reportingProgress( stream, hooks.progress )
					: stream;
			},
		};
		const release = await hooks.budget?.acquire( ref.size );
		emailStarted();
		const result = await ingestMessage( ctx.pool, ctx.tables, input )
			.catch( async ( err: unknown ) => {
				if ( ! isPoisonError( err ) ) {
					throw err; // The pass stops and is retried later; the message stays unread.
				}
				// The database refuses this email's data: keep it visible in quarantine and move on,
				// so one poisonous email never blocks the mailbox.
				log.error( 'message could not be stored; quarantined', {
					err,
					uid: ref.uid,
				} );
				return quarantine(
					ctx.pool,
					ctx.tables,
					input,
					'store_failed',
					errorProperty( err, 'code' ) ?? String( err ),
					null
				);
			} )
			.finally( () => release?.() );
		hooks.progress?.();
		countEmail( result.outcome );
		failpoint( 'after_commit' );
		log.info( 'message stored', {
			uid: ref.uid,
			outcome: result.outcome,
			reason: result.reason,
			ticketId: result.ticketId,
		} );
		if ( result.outcome !== 'already_processed' ) {
			counts[ result.outcome ]++;
		}
		if ( result.eventCreated ) {
			events++;
		}
		if ( ACKNOWLEDGED.has( result.outcome ) ) {
			// After the commit: a crash here leaves the mail unread but stored, never lost.
			failpoint( 'during_ack' );
			await source.acknowledge( ref.uid ).catch( ( err: unknown ) =>
				log.warn( 'could not mark the message at the source', {
					err,
					uid: ref.uid,
				} )
			);
		}
	}
	return { counts, events };
}
