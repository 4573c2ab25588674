/**
 * The fast path for small emails: read several at once, analyse each in memory, and write a run
 * of them in one transaction — every email of the run with everything the one-by-one path
 * writes (receipt, ticket or reply, attachments, outbox event, activity), and the checkpoint once
 * at the end. The run commits whole or not at all, so each email is still all-or-nothing.
 *
 * Whatever is unusual goes the one-by-one way (store.ts) instead: an email seen before, a
 * duplicate inside the batch, one to quarantine, and every email of a run whose transaction
 * failed. That path knows how to turn each of those into its outcome.
 */

import { setImmediate as nextTurn } from 'node:timers/promises';

import { writeBlobBytes } from '../db/blob-repo.ts';
import {
	advanceCheckpoint,
	insertReports,
	insertTickets,
	knownReceipts,
	PendingRows,
	upsertCustomers,
} from '../db/ingest-repo.ts';
import type { Pool, PoolConnection } from '../db/pool.ts';
import type { Tables } from '../db/tables.ts';
import { failpoint } from '../failpoints.ts';
import { timed } from '../metrics.ts';
import { refusalByName, type AttachmentPolicy } from './attachments.ts';
import { admissionRestricted, analyseStream } from './index.ts';
import {
	recentTicketCounts,
	senderLimited,
	senderTicketHold,
	type LoopHold,
} from './loop-guard.ts';
import type { AttachmentSink } from './parse.ts';
import {
	activityOf,
	bookTicketOrReply,
	mayBeReply,
	threadRowOf,
	ticketRowOf,
	writeTicketOrReply,
	type IngestInput,
	type StoreResult,
} from './store.ts';
import type { Analysis, AttachmentInfo } from './types.ts';

/** An email read whole and analysed, with the bytes of the attachments it keeps. */
export interface BufferedEmail {
	readonly input: IngestInput;
	readonly analysis: Analysis;
	/** Bytes of each attachment to store, by its index in `analysis.parsed.attachments`. */
	readonly held: ReadonlyMap< number, readonly Buffer[] >;
}

/**
 * A sink that keeps attachments in memory (the email is small) under the same policy as the
 * storing sink: refused by name without keeping a byte, refused as too large past the limit.
 *
 * @param policy Size and extension policy.
 */
export function memorySink( policy: AttachmentPolicy ): {
	sink: AttachmentSink;
	held: Map< number, Buffer[] >;
} {
	const held = new Map< number, Buffer[] >();
	let index = 0;
	const sink: AttachmentSink = async ( meta, content ) => {
		// The parser hands attachments over one at a time, in order; the first ones (up to its
		// cap) come here, so the call count is the attachment's index.
		const position = index++;
		const refused = refusalByName( meta.filename, policy );
		const parts: Buffer[] = [];
		let size = 0;
		for await ( const chunk of content ) {
			size += ( chunk as Buffer ).length;
			if ( refused === null && size <= policy.maxBytes ) {
				parts.push( chunk as Buffer );
			}
		}
		if ( refused !== null || size > policy.maxBytes ) {
			return {
				size,
				status: 'refused',
				reason: refused ?? 'too_large',
				blobId: null,
			};
		}
		held.set( position, parts );
		return { size, status: 'stored', reason: null, blobId: null };
	};
	return { sink, held };
}

/**
 * Analyses an email held in memory.
 *
 * The run before is being written meanwhile, one statement after another, and each answer
 * from the database waits for the event loop: without a turn between the stages (and between
 * emails, see the worker), every round trip of that transaction would wait for a whole email's
 * analysis, and the writing, not the analysis, would set the pace.
 *
 * @param raw   The raw email.
 * @param input How it is to be ingested (settings, policy, limits).
 */
export async function analyseBuffered(
	raw: Buffer,
	input: IngestInput
): Promise< BufferedEmail > {
	const { sink, held } = memorySink( input.policy );
	const analysis = await analyseStream(
		raw,
		input.settings,
		sink,
		input.maxBytes,
		nextTurn
	);
	return { input, analysis, held };
}

/**
 * Whether the email can be written in a run with others: a ticket, a reply or a skip. The rest
 * (quarantine) goes the one-by-one way, which copies the raw bytes.
 *
 * @param email The analysed email.
 */
export function fitsRun( email: BufferedEmail ): boolean {
	const { analysis } = email;
	return (
		analysis.messageKey !== '' &&
		email.input.quarantineId === undefined &&
		// Restrictions on what is taken in are checked one by one, against the database.
		! admissionRestricted( email.input.settings ) &&
		( analysis.verdict === null ||
			( analysis.verdict.action === 'skip' &&
				// A bounce may be recorded on a ticket: the one-by-one path does that.
				analysis.verdict.reason !== 'bounce' ) )
	);
}

/**
 * Splits a batch (in UID order) into what was seen before and what is new. An email whose source
 * key or message key already has a receipt, or whose message key repeats one earlier in the
 * batch, must take the one-by-one path, which records it as processed or as a duplicate.
 *
 * @param pool         Database.
 * @param t            Table names.
 * @param connectionId Connection.
 * @param emails       The batch.
 * @return Per email, whether it may join a run.
 */
export async function newInBatch(
	pool: Pool,
	t: Tables,
	connectionId: number,
	emails: readonly BufferedEmail[]
): Promise< boolean[] > {
	const messageKeys = emails
		.map( ( e ) => e.analysis.messageKey )
		.filter( ( k ) => k !== '' );
	const c = timed( await pool.getConnection() );
	let known: Set< string >;
	try {
		known = await knownReceipts(
			c,
			t,
			connectionId,
			emails.map( ( e ) => e.input.sourceKey ),
			messageKeys,
			emails[ 0 ]?.input.settings.duplicateFilter !== false
		);
	} finally {
		c.release();
	}
	const seen = new Set< string >();
	return emails.map( ( e ) => {
		const key = e.analysis.messageKey;
		const fresh =
			! known.has( e.input.sourceKey ) &&
			! known.has( key ) &&
			! seen.has( key );
		seen.add( key );
		return fresh;
	} );
}

/**
 * Stores the attachments an email kept in memory; returns its attachment list with blob ids.
 *
 * @param c     Connection in a transaction.
 * @param t     Table names.
 * @param email The email.
 */
async function storeHeld(
	c: PoolConnection,
	t: Tables,
	email: BufferedEmail
): Promise< AttachmentInfo[] > {
	const parsed = email.analysis.parsed as NonNullable< Analysis[ 'parsed' ] >;
	const stored: AttachmentInfo[] = [];
	for ( const [ i, attachment ] of parsed.attachments.entries() ) {
		const parts = email.held.get( i );
		if ( parts === undefined || attachment.status !== 'stored' ) {
			stored.push( attachment );
			continue;
		}
		const blob = await writeBlobBytes( c, t, parts );
		failpoint( 'after_attachment_write' );
		stored.push( { ...attachment, blobId: blob.blobId } );
	}
	return stored;
}

/**
 * Writes one email of a run in the open transaction; its receipt, attachment, event and
 * activity rows go to `rows`.
 *
 * @param c         Connection in a transaction.
 * @param t         Table names.
 * @param email     The email (fitsRun, new).
 * @param rows      Rows inserted at the end of the run.
 * @param customers Customer ids of the run's senders.
 */
async function writeOne(
	c: PoolConnection,
	t: Tables,
	email: BufferedEmail,
	rows: PendingRows,
	customers: ReadonlyMap< string, number >
): Promise< StoreResult > {
	const { input, analysis } = email;
	let result: StoreResult;
	if ( analysis.verdict !== null ) {
		const { base, details } = activityOf( input, analysis );
		result = {
			outcome: 'skipped',
			reason: analysis.verdict.reason,
			ticketId: null,
			threadId: null,
			eventCreated: false,
		};
		rows.activityRow( {
			...base,
			outcome: result.outcome,
			reason: result.reason,
			ticketId: null,
			threadId: null,
			details,
		} );
	} else {
		const attachments = await storeHeld( c, t, email );
		result = await writeTicketOrReply(
			c,
			t,
			input,
			analysis,
			attachments,
			rows,
			customers
		);
	}
	addReceipt( rows, email, result );
	return result;
}

/**
 * Adds the finished receipt of an email of a run.
 *
 * @param rows           Rows inserted at the end of the run.
 * @param email          The email.
 * @param email.input
 * @param email.analysis
 * @param result         What it became.
 */
function addReceipt(
	rows: PendingRows,
	{ input, analysis }: BufferedEmail,
	result: StoreResult
): void {
	rows.receipt( {
		connectionId: input.connectionId,
		sourceKey: input.sourceKey,
		messageKey: analysis.messageKey,
		messageId: analysis.parsed?.messageId?.slice( 0, 255 ) ?? null,
		contentKey: analysis.contentKey,
		sizeBytes: input.size,
		outcome: result.outcome,
		reason: result.reason,
		ticketId: result.ticketId,
		threadId: result.threadId,
	} );
}

/** An email of a run that surely opens a ticket, waiting to be inserted with the others. */
interface QueuedTicket {
	readonly index: number;
	readonly email: BufferedEmail;
	readonly attachments: readonly AttachmentInfo[];
	readonly customerId: number;
	/** Loop protection's verdict on its notifications. */
	readonly hold: LoopHold | null;
}

/**
 * Inserts the tickets of the queued emails, then their first messages: two statements for the
 * lot where the server returns the ids of a multi-row INSERT.
 *
 * @param c       Connection in a transaction.
 * @param t       Table names.
 * @param queued  The emails.
 * @param rows    Rows inserted at the end of the run.
 * @param results Where each email's result goes, by its index in the run.
 */
async function insertQueuedTickets(
	c: PoolConnection,
	t: Tables,
	queued: readonly QueuedTicket[],
	rows: PendingRows,
	results: StoreResult[]
): Promise< void > {
	const ticketIds = await insertTickets(
		c,
		t,
		queued.map( ( q ) =>
			ticketRowOf(
				q.email.analysis,
				q.customerId,
				q.email.input.connectionId
			)
		)
	);
	const threadIds = await insertReports(
		c,
		t,
		queued.map( ( q, i ) =>
			threadRowOf(
				q.email.analysis,
				ticketIds[ i ] as number,
				q.customerId,
				'report'
			)
		)
	);
	for ( const [ i, q ] of queued.entries() ) {
		const result = bookTicketOrReply(
			rows,
			q.email.input,
			q.email.analysis,
			q.attachments,
			ticketIds[ i ] as number,
			threadIds[ i ] as number,
			null,
			null,
			null,
			q.hold
		);
		addReceipt( rows, q.email, result );
		results[ q.index ] = result;
	}
}

/**
 * Writes a run of new emails (fitsRun, newInBatch) in one transaction, the mailbox checkpoint
 * moved to `checkpointUid` with them.
 *
 * @param pool          Database.
 * @param t             Table names.
 * @param emails        The run, in UID order.
 * @param checkpointUid Where the checkpoint may move once the run is committed.
 * @return One result per email, or why the transaction failed (then nothing was written and
 *         the caller takes the emails one by one).
 */
export async function ingestRun(
	pool: Pool,
	t: Tables,
	emails: readonly BufferedEmail[],
	checkpointUid: number
): Promise< StoreResult[] | { failed: unknown } > {
	const first = emails[ 0 ];
	if ( first === undefined ) {
		return [];
	}
	const c = timed( await pool.getConnection() );
	try {
		await c.beginTransaction();
		const rows = new PendingRows();
		const customers = await upsertCustomers(
			c,
			t,
			emails.flatMap( ( { analysis } ) =>
				analysis.verdict === null && analysis.parsed?.from
					? [
							{
								email: analysis.parsed.from.address,
								name: analysis.parsed.from.name,
							},
						]
					: []
			)
		);
		// Tickets each sender opened in the last hour, counted on as the run opens more (a
		// sender over the limit fails the run: the one-by-one path quarantines the email).
		const recentTickets = senderLimited( first.input.settings.senderLimits )
			? await recentTicketCounts( c, t, [ ...customers.values() ] )
			: new Map< number, number >();
		// Emails without any thread hint surely open tickets: they are queued and inserted
		// together. Any other email may answer one of them, so the queue goes in before it.
		const results: StoreResult[] = [];
		let queued: QueuedTicket[] = [];
		const insertQueued = async (): Promise< void > => {
			if ( queued.length > 0 ) {
				await insertQueuedTickets( c, t, queued, rows, results );
				queued = [];
			}
		};
		for ( const [ index, email ] of emails.entries() ) {
			const { analysis } = email;
			const customerId = customers.get(
				analysis.parsed?.from?.address ?? ''
			);
			if (
				analysis.verdict === null &&
				customerId !== undefined &&
				! mayBeReply( analysis.hints )
			) {
				const opened = recentTickets.get( customerId ) ?? 0;
				recentTickets.set( customerId, opened + 1 );
				queued.push( {
					index,
					email,
					attachments: await storeHeld( c, t, email ),
					customerId,
					hold: senderTicketHold(
						opened,
						email.input.settings.senderLimits
					),
				} );
				continue;
			}
			await insertQueued();
			results[ index ] = await writeOne( c, t, email, rows, customers );
		}
		await insertQueued();
		// The receipts go in last: a key seen meanwhile fails the run, which is then retried
		// one by one.
		await rows.flush( c, t );
		if ( first.input.checkpoint !== null ) {
			await advanceCheckpoint(
				c,
				t,
				first.input.connectionId,
				first.input.checkpoint.uidValidity,
				checkpointUid
			);
		}
		failpoint( 'in_transaction' );
		await c.commit();
		return results;
	} catch ( err ) {
		// A duplicate that arrived meanwhile, data the database refuses, a lost deadlock or a
		// lost connection: nothing of the run stays, and the one-by-one path sorts it out.
		await c.rollback().catch( () => undefined );
		return { failed: err };
	} finally {
		c.release();
	}
}
