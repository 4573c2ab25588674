/**
 * One pass over a mailbox: list what is new (sizes only), then, in UID order, read small messages
 * in batches (analysed in memory, written in runs that share a transaction) and stream big ones
 * one by one (their own transaction) → acknowledge at the source after the commit.
 *
 * IMAP lists by UID above the checkpoint. Gmail and Graph list what is new since their stored
 * cursor (a history id, a delta link); those messages are numbered on from the checkpoint, which
 * then counts committed messages, so the same bookkeeping (never past an uncommitted message,
 * crash-loop detection) serves both; their cursor is stored once the whole listing is committed.
 */
import { PassThrough, Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';

import type { InFlightBudget } from './budget.ts';
import type { RuntimeContext } from './context.ts';
import { advanceCheckpoint, knownReceipts } from './db/ingest-repo.ts';
import {
	closePass,
	loadCursor,
	openPass,
	saveCursor,
	type Checkpoint,
} from './db/state-repo.ts';
import { errorProperty } from './errors.ts';
import { failpoint } from './failpoints.ts';
import { countEmail, countRead, emailStarted } from './metrics.ts';
import type { ConnectionConfig, MessageRef } from './interfaces.ts';
import {
	analyseBuffered,
	fitsRun,
	ingestRun,
	newInBatch,
	type BufferedEmail,
} from './pipeline/batch.ts';
import {
	ingestMessage,
	quarantine,
	type IngestInput,
	threadsOnlyByReferences,
	type Outcome,
	type StoreResult,
} from './pipeline/store.ts';
import { BigEmailReaders } from './sources/big-email-readers.ts';
import type { MailSource } from './sources/mail-source.ts';
import type { Analysis } from './pipeline/types.ts';

export type PassCounts = Record<
	Exclude< Outcome, 'already_processed' >,
	number
>;

/** Outcomes after which the message may be marked read / moved at the source. */
const ACKNOWLEDGED: ReadonlySet< Outcome > = new Set< Outcome >( [
	'ticket',
	'reply',
	'skipped',
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

/**
 * Emails up to this size are read several at a time, analysed in memory and written in runs;
 * bigger ones are streamed one by one, their attachments straight into the database.
 */
const SMALL_EMAIL_BYTES = 1024 * 1024;

/**
 * Big emails processed beside the batches, each on a connection of its own (see
 * big-email-readers.ts). Measured on the attachment mix: 71–75 emails/s with one at a time,
 * 77–81 with two; three gave no more and the database's CPU rose.
 */
const BIG_EMAILS_IN_PARALLEL = 2;

/** Most emails, and most bytes, read in one request. */
const BATCH_EMAILS = 50;
const BATCH_BYTES = 8 * 1024 * 1024;

/** Passes in a row that died on the same checkpoint before its first email is quarantined. */
const CRASH_LOOP_LIMIT = 3;

/** Messages marked at the source with one command. */
const ACK_BATCH = 50;

/** Attempts for an email whose transaction lost a deadlock or a lock wait. */
const LOCK_RETRIES = 3;

const LOCK_ERRORS = new Set( [ 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT' ] );

/**
 * Ingests an email, retrying the whole transaction (with jitter, bounded) when it lost a
 * deadlock or a lock wait to a concurrent transaction.
 *
 * @param ctx   Runtime.
 * @param input The email.
 */
async function ingestWithRetries(
	ctx: RuntimeContext,
	input: IngestInput
): Promise< StoreResult > {
	for ( let attempt = 1; ; attempt++ ) {
		try {
			return await ingestMessage( ctx.pool, ctx.tables, input );
		} catch ( err ) {
			if (
				attempt >= LOCK_RETRIES ||
				! LOCK_ERRORS.has( errorProperty( err, 'code' ) ?? '' )
			) {
				throw err;
			}
			await new Promise( ( r ) =>
				setTimeout( r, 20 + Math.random() * 80 * attempt )
			);
		}
	}
}

/**
 * Which UIDs of a pass are committed, so a checkpoint never moves past one that is not:
 * a crash then re-reads from the first uncommitted UID (receipts make the rest no-ops).
 */
export class CheckpointTracker {
	private readonly order: number[];
	private readonly committed = new Set< number >();
	private base: number;
	private index = 0;

	/**
	 * @param base  Checkpoint before the pass.
	 * @param order UIDs of the pass, ascending.
	 */
	constructor( base: number, order: number[] ) {
		this.base = base;
		this.order = order;
	}

	/**
	 * Records a committed UID.
	 *
	 * @param uid UID.
	 */
	done( uid: number ): void {
		this.committed.add( uid );
		while (
			this.index < this.order.length &&
			this.committed.has( this.order[ this.index ] as number )
		) {
			this.base = this.order[ this.index++ ] as number;
		}
	}

	/**
	 * The highest UID up to which everything is committed — counting `committing`, the UID of a
	 * transaction about to commit (its checkpoint write is rolled back with it if it fails).
	 * An email's transaction may also hold a run of them; pass all their UIDs then.
	 *
	 * @param committing UID (or UIDs, for a run) being committed, if any.
	 */
	upTo( committing?: number | readonly number[] ): number {
		const pending = new Set(
			committing === undefined ? [] : [ committing ].flat()
		);
		let h = this.base;
		for ( let i = this.index; i < this.order.length; i++ ) {
			const uid = this.order[ i ] as number;
			if ( ! pending.has( uid ) && ! this.committed.has( uid ) ) {
				break;
			}
			h = uid;
		}
		return h;
	}
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
	const stuck = await openPass( ctx.pool, ctx.tables, connection.id );
	try {
		return await runPass(
			ctx,
			connection,
			source,
			checkpoint,
			signal,
			hooks,
			stuck
		);
	} finally {
		// Also after a handled error; only a process that died leaves the pass open.
		await closePass( ctx.pool, ctx.tables, connection.id ).catch(
			() => undefined
		);
	}
}

/**
 * The pass itself (see processNewMail).
 *
 * @param ctx        Runtime.
 * @param connection Connection.
 * @param source     Connected source.
 * @param checkpoint Where the last pass ended.
 * @param signal     Shutdown signal.
 * @param hooks      Budget and progress callbacks.
 * @param stuck      Passes in a row that died at this checkpoint.
 */
async function runPass(
	ctx: RuntimeContext,
	connection: ConnectionConfig,
	source: MailSource,
	checkpoint: Checkpoint,
	signal: AbortSignal,
	hooks: PassHooks,
	stuck: number
): Promise< { counts: PassCounts; events: number } > {
	const counts: PassCounts = {
		ticket: 0,
		reply: 0,
		skipped: 0,
		quarantined: 0,
	};
	let events = 0;
	const log = ctx.log.child( { connectionId: connection.id } );
	await ctx.settings.refresh();
	// One snapshot of the settings for the whole pass.
	const settings = ctx.settings.forMailbox(
		connection.mailboxAddress,
		ctx.secretKey
	);
	const policy = ctx.settings.attachmentPolicy;
	const { refs, cursor } = await listNew(
		ctx,
		connection.id,
		source,
		checkpoint,
		connection.maxMessageBytes
	);
	// After a pass died without progress, emails go one at a time, so a further death is
	// known to have happened on the first one. When that email stopped the process
	// CRASH_LOOP_LIMIT passes in a row, it is kept aside (the first time with a copy of its
	// bytes, later without even reading it) so the rest flows.
	const suspect =
		stuck >= CRASH_LOOP_LIMIT ? ( refs[ 0 ]?.uid ?? null ) : null;
	if ( suspect !== null ) {
		log.error( 'an email keeps stopping the sidecar; quarantining it', {
			uid: suspect,
			passes: stuck,
		} );
	}
	const progress = new CheckpointTracker(
		checkpoint.lastUid,
		refs.map( ( r ) => r.uid )
	);
	const toAcknowledge: MessageRef[] = [];
	let failure: unknown = null;

	const acknowledge = async (): Promise< void > => {
		const done = toAcknowledge.splice( 0 );
		if ( done.length === 0 ) {
			return;
		}
		// After the commits: a crash here leaves mail unread but stored, never lost.
		failpoint( 'during_ack' );
		await source.acknowledge( done ).catch( ( err: unknown ) =>
			log.warn( 'could not mark messages at the source', {
				err,
				messages: done.length,
			} )
		);
	};

	/**
	 * What the store needs of one email.
	 *
	 * @param ref    The email at the source.
	 * @param raw    Its bytes when already read (in a batch).
	 * @param reader The source that streams it when not (the pass's own, or a big email's).
	 */
	const inputFor = (
		ref: MessageRef,
		raw?: Buffer,
		reader: MailSource = source
	): IngestInput => ( {
		connectionId: connection.id,
		sourceKey: source.sourceKey( ref, checkpoint.uidValidity ),
		size: ref.size,
		sizeIsExact: source.exactSizes,
		checkpoint: {
			uidValidity: checkpoint.uidValidity,
			upTo: () => progress.upTo( ref.uid ),
		},
		settings,
		policy,
		maxBytes: connection.maxMessageBytes,
		...( raw === undefined && reader.readPartwise !== undefined
			? {
					partwise: async () =>
						( await reader.readPartwise?.( ref ) ) ?? null,
				}
			: {} ),
		open: async () => {
			if ( raw !== undefined ) {
				return Readable.from( [ raw ] );
			}
			countRead( 'whole' );
			const stream = await reader.open( ref );
			failpoint( 'download_started' );
			return hooks.progress
				? reportingProgress( stream, hooks.progress )
				: stream;
		},
	} );

	/**
	 * Books a committed email: counts, checkpoint progress, acknowledgement.
	 *
	 * @param ref    The email at the source.
	 * @param result What it became.
	 */
	const record = async (
		ref: MessageRef,
		result: StoreResult
	): Promise< void > => {
		progress.done( ref.uid );
		hooks.progress?.();
		countEmail( result.outcome );
		failpoint( 'after_commit' );
		log.debug( 'message stored', {
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
		// A quarantined email is never marked, also when it comes round again.
		const acknowledgeable =
			result.outcome === 'already_processed'
				? result.previousOutcome !== 'quarantined'
				: ACKNOWLEDGED.has( result.outcome );
		if ( acknowledgeable ) {
			toAcknowledge.push( ref );
			if ( toAcknowledge.length >= ACK_BATCH ) {
				await acknowledge();
			}
		}
	};

	/**
	 * One email on its own: streamed (or from memory), its own transaction.
	 *
	 * @param ref    The email at the source.
	 * @param raw    Its bytes when already read (in a batch).
	 * @param reader The source that streams it when not.
	 * @param lane   For a big email beside the batches.
	 */
	const single = async (
		ref: MessageRef,
		raw?: Buffer,
		reader: MailSource = source,
		lane?: BigEmailLane
	): Promise< void > => {
		const input: IngestInput = {
			...inputFor( ref, raw, reader ),
			...( lane ? { afterAnalysis: lane.afterAnalysis } : {} ),
		};
		const release =
			raw === undefined
				? await hooks.budget?.acquire( ref.size )
				: undefined;
		lane?.started();
		emailStarted();
		const result = await (
			ref.uid === suspect
				? quarantine(
						ctx.pool,
						ctx.tables,
						input,
						'crash_loop',
						`processing stopped the sidecar ${ stuck } times in a row`,
						null,
						stuck === CRASH_LOOP_LIMIT
					)
				: ingestWithRetries( ctx, input )
		)
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
		await record( ref, result );
	};

	/**
	 * Reads a batch in one request, its bytes counted against the memory budget.
	 *
	 * @param batch Small emails, ascending UIDs.
	 */
	const readBatch = async (
		batch: readonly MessageRef[]
	): Promise< ReadBatch > => {
		const release = await hooks.budget?.acquire(
			batch.reduce( ( sum, r ) => sum + r.size, 0 )
		);
		try {
			return { raws: await source.readMany( [ ...batch ] ), release };
		} catch ( err ) {
			release?.();
			throw err;
		}
	};

	/**
	 * Analyses each email of a batch read, in memory.
	 *
	 * @param batch Small emails, ascending UIDs.
	 * @param raws  Their bytes, by UID.
	 */
	const analyseBatch = async (
		batch: readonly MessageRef[],
		raws: ReadonlyMap< number, Buffer >
	): Promise< Fetched[] > => {
		countRead( 'batch', raws.size );
		failpoint( 'download_started' );
		hooks.progress?.();
		const fetched: Fetched[] = [];
		for ( const ref of batch ) {
			const raw = raws.get( ref.uid );
			emailStarted();
			const email =
				raw === undefined
					? null
					: await analyseBuffered( raw, inputFor( ref, raw ) );
			failpoint( 'after_download' );
			fetched.push( { ref, raw, email } );
			// The run before is being written meanwhile (see analyseBuffered).
			await nextTurn();
		}
		return fetched;
	};

	/**
	 * Writes an analysed batch, in UID order: runs of new emails together, the rest alone.
	 *
	 * @param fetched The batch, analysed.
	 */
	const writeBatch = async (
		fetched: readonly Fetched[]
	): Promise< void > => {
		const buffered = fetched.filter(
			( f ): f is Fetched & { email: BufferedEmail } => f.email !== null
		);
		const fresh = await newInBatch(
			ctx.pool,
			ctx.tables,
			connection.id,
			buffered.map( ( f ) => f.email )
		);
		const joinsRun = new Set(
			buffered
				.filter( ( f, i ) => fresh[ i ] && fitsRun( f.email ) )
				.map( ( f ) => f.ref.uid )
		);
		let run: Array< Fetched & { email: BufferedEmail } > = [];
		const flush = async (): Promise< void > => {
			const members = run;
			run = [];
			if ( members.length === 0 ) {
				return;
			}
			const results = await ingestRun(
				ctx.pool,
				ctx.tables,
				members.map( ( m ) => m.email ),
				progress.upTo( members.map( ( m ) => m.ref.uid ) )
			);
			if ( ! Array.isArray( results ) ) {
				log.warn(
					'a run of emails could not be written together; writing them one by one',
					{
						err: results.failed,
						emails: members.length,
					}
				);
				for ( const m of members ) {
					await single( m.ref, m.raw );
				}
				return;
			}
			for ( const [ i, m ] of members.entries() ) {
				await record( m.ref, results[ i ] as StoreResult );
			}
		};
		for ( const f of fetched ) {
			if ( f.email !== null && joinsRun.has( f.ref.uid ) ) {
				run.push( f as Fetched & { email: BufferedEmail } );
				continue;
			}
			await flush();
			await single( f.ref, f.raw );
		}
		await flush();
	};

	// Batches go strictly in UID order; a batch is analysed while the one before it is being
	// written, so parsing (CPU) overlaps the database round trips. A big email is mostly waiting
	// for the server and the database, so big ones run beside the batches: two at once on
	// connections of their own when the server allows them, else one on this connection. The
	// checkpoint never passes an uncommitted email (CheckpointTracker). After a pass died,
	// strictly one by one.
	let writing: Promise< void > = Promise.resolve();
	const big = new Set< Promise< void > >();
	// Big emails under way (their budget held), by UID: a later email, small or big, that can only
	// be a follow-up to one of them by its Message-ID waits for it (see followedUp()).
	const bigUnderWay = new Map< number, Promise< void > >();
	const oneByOne = stuck > 0;
	const fail = ( err: unknown ): void => {
		failure ??= err;
	};
	const steps = planPass( refs, oneByOne );
	const bigSteps = steps.filter( ( step ) => 'single' in step ).length;
	const readers = new BigEmailReaders(
		source,
		checkpoint.uidValidity,
		oneByOne || bigSteps < 2 ? 0 : BIG_EMAILS_IN_PARALLEL,
		log
	);
	// The next batch is read while this one is analysed, so the server's work and the transfer
	// overlap this thread's. It belongs to the next step, always a batch (a big email's step
	// reads nothing ahead); its promise always settles: a failure is met when it is its turn.
	let readAhead: Promise< ReadBatch | Error > | null = null;
	for ( const [ index, step ] of steps.entries() ) {
		if ( signal.aborted || failure !== null ) {
			break;
		}
		if ( ! ( 'batch' in step ) ) {
			if ( oneByOne ) {
				await single( step.single ).catch( fail );
				continue;
			}
			const lanes = await readers.lanes();
			while ( big.size >= lanes ) {
				await Promise.race( big );
			}
			const reader = readers.take();
			const uid = step.single.uid;
			const running: Promise< void > = single(
				step.single,
				undefined,
				reader.source,
				{
					started: () => bigUnderWay.set( uid, running ),
					// A big follow-up to an earlier big email waits for it, as a small one does.
					afterAnalysis: async ( analysis ) => {
						if ( threadsOnlyByReferences( analysis.hints ) ) {
							await Promise.all(
								underWayBefore( uid, bigUnderWay )
							);
						}
					},
				}
			)
				.catch( fail )
				.finally( () => {
					reader.release();
					big.delete( running );
					bigUnderWay.delete( uid );
				} );
			big.add( running );
			continue;
		}
		const read = readAhead ?? readBatch( step.batch );
		readAhead = null;
		let fetched: Fetched[];
		let release: ( () => void ) | undefined;
		try {
			const batch = await read;
			if ( batch instanceof Error ) {
				throw batch;
			}
			release = batch.release;
			const next = steps[ index + 1 ];
			if ( next !== undefined && 'batch' in next ) {
				readAhead = readBatch( next.batch ).catch( ( err: unknown ) =>
					err instanceof Error ? err : new Error( String( err ) )
				);
			}
			fetched = await analyseBatch( step.batch, batch.raws );
		} catch ( err ) {
			release?.();
			fail( err );
			break;
		}
		await writing;
		await Promise.all( followedUp( fetched, bigUnderWay ) );
		if ( failure !== null ) {
			release?.();
			break;
		}
		writing = writeBatch( fetched )
			.catch( fail )
			.finally( () => release?.() );
	}
	// A batch read ahead of a pass that stopped is let go unused.
	const unused = await readAhead;
	if ( unused && ! ( unused instanceof Error ) ) {
		unused.release?.();
	}
	await Promise.all( [ writing, ...big ] );
	await readers.close();
	await acknowledge();
	// Commits that finished out of order (a big email beside the batches), or a failed pass, may
	// have left the stored checkpoint behind what is committed.
	if ( progress.upTo() > checkpoint.lastUid ) {
		await advanceCheckpoint(
			ctx.pool,
			ctx.tables,
			connection.id,
			checkpoint.uidValidity,
			progress.upTo()
		);
	}
	if ( failure !== null ) {
		throw failure;
	}
	if ( cursor !== null && ! signal.aborted ) {
		// Everything listed since the old cursor is committed (or the pass would have failed).
		await saveCursor( ctx.pool, ctx.tables, connection.id, cursor );
	}
	return { counts, events };
}

/**
 * What the pass works on: IMAP's UIDs above the checkpoint, or what Gmail or Graph list since
 * the stored cursor minus what is already stored (re-listed after a crash, a resync, or because
 * Graph reports a message again when it changed), numbered on from the checkpoint.
 *
 * @param ctx          Runtime.
 * @param connectionId Connection.
 * @param source       Connected source.
 * @param checkpoint   Where the last pass ended.
 * @param maxBytes     The connection's size limit.
 * @return The messages, and the cursor to store after them (null for IMAP).
 */
async function listNew(
	ctx: RuntimeContext,
	connectionId: number,
	source: MailSource,
	checkpoint: Checkpoint,
	maxBytes: number
): Promise< { refs: MessageRef[]; cursor: string | null } > {
	if ( source.listSince === undefined ) {
		return {
			refs: ( await source.listAfter?.( checkpoint.lastUid ) ) ?? [],
			cursor: null,
		};
	}
	const listing = await source.listSince(
		await loadCursor( ctx.pool, ctx.tables, connectionId )
	);
	if ( listing.resynced ) {
		ctx.log.warn(
			'the provider no longer knew the stored position; listed the folder again',
			{ connectionId, messages: listing.messages.length }
		);
	}
	const keyed = listing.messages.map( ( m ) => ( {
		...m,
		key: source.sourceKey( { uid: 0, size: 0, providerId: m.id }, 0 ),
	} ) );
	const fresh: typeof keyed = [];
	const c = await ctx.pool.getConnection();
	try {
		for ( let i = 0; i < keyed.length; i += 500 ) {
			const slice = keyed.slice( i, i + 500 );
			const known = await knownReceipts(
				c,
				ctx.tables,
				connectionId,
				slice.map( ( m ) => m.key ),
				[]
			);
			fresh.push( ...slice.filter( ( m ) => ! known.has( m.key ) ) );
		}
	} finally {
		c.release();
	}
	return {
		refs: fresh.map( ( m, i ) => ( {
			uid: checkpoint.lastUid + i + 1,
			// A size the provider does not tell (Graph) counts as the largest allowed: such an
			// email is read alone, streamed, and holds that much of the in-flight budget.
			size: m.size > 0 ? m.size : maxBytes,
			providerId: m.id,
		} ) ),
		cursor: listing.cursor,
	};
}

/** A batch's bytes by UID, and what gives their share of the memory budget back. */
interface ReadBatch {
	readonly raws: ReadonlyMap< number, Buffer >;
	readonly release: ( () => void ) | undefined;
}

/** What a big email read beside the batches tells the pass, and waits for. */
interface BigEmailLane {
	/** Called once its share of the in-flight budget is held: it is under way. */
	readonly started: () => void;
	/** Called once it is analysed, before it is matched to a ticket (IngestInput). */
	readonly afterAnalysis: ( analysis: Analysis ) => Promise< void >;
}

/**
 * The big emails under way that a batch's emails may follow up: earlier ones (lower UID), when
 * the batch holds an email that can join a ticket only by the Message-IDs it names — a
 * customer's "did you get my attachment?" to their own big email of a moment before, which would
 * otherwise be written first and open a ticket of its own. Only emails whose budget is held are
 * waited for: those go on without this loop, so the wait always ends. Replies to our own
 * notifications carry our references and never wait.
 *
 * @param fetched     The batch, analysed.
 * @param bigUnderWay Big emails under way, by UID.
 */
export function followedUp(
	fetched: readonly Fetched[],
	bigUnderWay: ReadonlyMap< number, Promise< void > >
): Array< Promise< void > > {
	const followUps = fetched.filter(
		( f ) =>
			f.email !== null &&
			f.email.analysis.verdict === null &&
			threadsOnlyByReferences( f.email.analysis.hints )
	);
	if ( followUps.length === 0 ) {
		return [];
	}
	return underWayBefore(
		Math.max( ...followUps.map( ( f ) => f.ref.uid ) ),
		bigUnderWay
	);
}

/**
 * The big emails under way before a UID.
 *
 * @param uid         The UID.
 * @param bigUnderWay Big emails under way, by UID.
 */
export function underWayBefore(
	uid: number,
	bigUnderWay: ReadonlyMap< number, Promise< void > >
): Array< Promise< void > > {
	return [ ...bigUnderWay ]
		.filter( ( [ other ] ) => other < uid )
		.map( ( [ , running ] ) => running );
}

/** An email of a batch: its bytes and analysis, or null when the server no longer had it. */
export interface Fetched {
	readonly ref: MessageRef;
	readonly raw: Buffer | undefined;
	readonly email: BufferedEmail | null;
}

export type PassStep =
	{ readonly batch: readonly MessageRef[] } | { readonly single: MessageRef };

/**
 * Cuts a pass into steps, in UID order: consecutive small emails are read and written in
 * batches, each big one on its own. After a pass died (`oneByOne`) every email goes alone, so the
 * one that kills the process can be told.
 *
 * @param refs     New messages, ascending UIDs.
 * @param oneByOne Whether to take every email alone.
 */
export function planPass(
	refs: readonly MessageRef[],
	oneByOne: boolean
): PassStep[] {
	const steps: PassStep[] = [];
	let batch: MessageRef[] = [];
	let bytes = 0;
	const close = (): void => {
		if ( batch.length > 0 ) {
			steps.push( { batch } );
		}
		batch = [];
		bytes = 0;
	};
	for ( const ref of refs ) {
		if ( oneByOne || ref.size > SMALL_EMAIL_BYTES ) {
			close();
			steps.push( { single: ref } );
			continue;
		}
		if ( batch.length >= BATCH_EMAILS || bytes + ref.size > BATCH_BYTES ) {
			close();
		}
		batch.push( ref );
		bytes += ref.size;
	}
	close();
	return steps;
}
