/**
 * The store stage. One MySQL transaction per email: attachments stream into blobs while the
 * email is parsed, then the receipt (exactly-once keys), customer, ticket or reply, attachment
 * rows, outbox event, activity row and mailbox checkpoint commit together — or nothing does.
 *
 * Emails that are skipped or quarantined roll that transaction back (no blob survives) and are
 * recorded in a second, small one; quarantine keeps the raw bytes.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import { writeBlob } from '../db/blob-repo.ts';
import { failpoint } from '../failpoints.ts';
import { countRead, timed } from '../metrics.ts';
import {
	advanceCheckpoint,
	completeReceipt,
	findTicket,
	insertActivity,
	insertReceipt,
	insertThread,
	insertTicket,
	contentKeyOf,
	insertRejectNotice,
	isDuplicateKey,
	PendingRows,
	receiptOutcome,
	releaseQuarantinedReceipt,
	ticketsByMessageIds,
	ticketOfKeyElsewhere,
	reopenTicket,
	upsertCustomer,
	type NewTicketRow,
	type ThreadRow,
} from '../db/ingest-repo.ts';
import type { Pool, PoolConnection } from '../db/pool.ts';
import { agentUserId, isRegisteredUser } from '../db/users-repo.ts';
import {
	heldCopy,
	holdInQuarantine,
	markReprocessed,
} from '../db/quarantine-repo.ts';
import type { Tables } from '../db/tables.ts';
import type { PartwiseMessage } from '../sources/mail-source.ts';
import { refusalByName, type AttachmentPolicy } from './attachments.ts';
import { recordBounce } from './bounce.ts';
import {
	recentReplyCounts,
	recentTicketCounts,
	replyCapReached,
	SenderFlood,
	senderLimited,
	senderTicketHold,
	type LoopHold,
} from './loop-guard.ts';
import {
	admissionRestricted,
	analyseStream,
	type PipelineSettings,
} from './index.ts';
import type { AttachmentSink } from './parse.ts';
import type {
	Analysis,
	AttachmentInfo,
	ParsedEmail,
	Reason,
	ThreadHints,
} from './types.ts';

export type Outcome =
	'ticket' | 'reply' | 'skipped' | 'quarantined' | 'already_processed';

export interface StoreResult {
	readonly outcome: Outcome;
	readonly reason: Reason | 'already_processed';
	readonly ticketId: number | null;
	readonly threadId: number | null;
	/** Whether an outbox event was written (WordPress should be pinged). */
	readonly eventCreated: boolean;
	/** For already_processed: what this copy became the first time. */
	readonly previousOutcome?: string;
}

export interface IngestInput {
	readonly connectionId: number;
	/** Identifies this copy at the source, unique per connection ("imap:<uidvalidity>:<uid>"). */
	readonly sourceKey: string;
	/** Size the source announced before download. */
	readonly size: number;
	/** Whether `size` is exact (IMAP RFC822.SIZE): fewer bytes read means a cut-off download. */
	readonly sizeIsExact: boolean;
	/**
	 * IMAP position for the checkpoint: `upTo()` is asked right before the commit, so with
	 * several emails in flight the checkpoint never passes an uncommitted one. Null when not
	 * reading a mailbox (reprocessing).
	 */
	readonly checkpoint: { uidValidity: number; upTo: () => number } | null;
	readonly settings: PipelineSettings;
	readonly policy: AttachmentPolicy;
	/** Largest email accepted; bigger ones are quarantined without being downloaded. */
	readonly maxBytes: number;
	/** Opens the raw email; called again when quarantine keeps a copy. */
	readonly open: () => Promise< Readable >;
	/**
	 * Reads the email part-wise when the source can and it pays off (big attachments); null
	 * means read it whole with `open`.
	 */
	readonly partwise?: () => Promise< PartwiseMessage | null >;
	/** Set when a quarantined email is given another try. */
	readonly quarantineId?: number;
	/**
	 * Called once the email is read and analysed, before it is matched to a ticket: a follow-up
	 * waits here for an earlier email of the pass still being stored. Its transaction has only
	 * written its attachments by then and read nothing, so the match sees what was committed
	 * meanwhile.
	 */
	readonly afterAnalysis?: ( analysis: Analysis ) => Promise< void >;
}

/** A download that ended before the announced size: retried, never stored. */
export class TruncatedDownloadError extends Error {
	readonly code = 'truncated_download';
}

/** Largest raw email copied into quarantine; bigger ones stay only at the source. */
const QUARANTINE_RAW_MAX = 64 * 1024 * 1024;

/**
 * Decides which existing ticket, if any, the email answers. A signed reference proves the
 * sender; references and subject tokens count only when the sender is the ticket's customer.
 *
 * @param c           Connection.
 * @param t           Table names.
 * @param hints       Thread hints.
 * @param fromAddress Sender.
 * @param lock        Lock the ticket row (inside the store transaction).
 */
export async function resolveTicket(
	c: PoolConnection,
	t: Tables,
	hints: ThreadHints,
	fromAddress: string,
	lock: boolean
): Promise< { ticketId: number; reason: Reason; status: string } | null > {
	for ( const [ id, reason ] of [
		[ hints.replyAddressTicketId, 'reply_address' ],
		[ hints.signedTicketId, 'reply_signed_reference' ],
	] as const ) {
		const ticket = id === null ? null : await findTicket( c, t, id, lock );
		if ( ticket !== null ) {
			return { ticketId: ticket.ticketId, reason, status: ticket.status };
		}
	}
	const byReference = [
		...hints.unverifiedTicketIds,
		...( await ticketsByMessageIds( c, t, hints.referenceIds ) ),
	];
	const candidates: Array< [ number, Reason ] > = byReference.map( ( id ) => [
		id,
		'reply_reference',
	] );
	if ( hints.subjectTicketId !== null ) {
		candidates.push( [ hints.subjectTicketId, 'reply_subject_token' ] );
	}
	for ( const [ id, reason ] of candidates ) {
		const ticket = await findTicket( c, t, id, lock );
		if ( ticket !== null && ticket.customerEmail === fromAddress ) {
			return { ticketId: id, reason, status: ticket.status };
		}
	}
	return null;
}

/**
 * An attachment sink that stores allowed files as blobs in the open transaction and refuses
 * the rest by name before reading a byte of them.
 *
 * @param c      Connection in a transaction.
 * @param t      Table names.
 * @param policy Size and extension policy.
 */
export function blobSink(
	c: PoolConnection,
	t: Tables,
	policy: AttachmentPolicy
): AttachmentSink {
	return async ( meta, content ) => {
		const refused = refusalByName( meta.filename, policy );
		if ( refused !== null ) {
			let size = 0;
			for await ( const chunk of content ) {
				size += ( chunk as Buffer ).length;
			}
			return { size, status: 'refused', reason: refused, blobId: null };
		}
		const blob = await writeBlob( c, t, content, policy.maxBytes );
		failpoint( 'after_attachment_write' );
		return blob.stored
			? {
					size: blob.size,
					status: 'stored',
					reason: null,
					blobId: blob.blobId,
				}
			: {
					size: blob.size,
					status: 'refused',
					reason: 'too_large',
					blobId: null,
				};
	};
}

/**
 * The activity-log fields of an email.
 *
 * @param input    The email.
 * @param analysis Its analysis, if any.
 */
export function activityOf( input: IngestInput, analysis: Analysis | null ) {
	const parsed = analysis?.parsed ?? null;
	return {
		base: {
			connectionId: input.connectionId,
			fromAddress: parsed?.from?.address ?? '',
			subject: analysis?.subject ?? '',
			messageId: parsed?.messageId ?? null,
		},
		details: {
			to: parsed?.to.map( ( a ) => a.address ) ?? [],
			cc: parsed?.cc.map( ( a ) => a.address ) ?? [],
			auto_generated: analysis?.autoGenerated ?? null,
			source_key: input.sourceKey,
			...( analysis?.verdict?.detail !== undefined
				? { detail: analysis.verdict.detail.slice( 0, 500 ) }
				: {} ),
		} as Record< string, unknown >,
	};
}

/**
 * Wraps a sink for a message read part-wise: an attachment whose content was left out of the
 * skeleton gets that content, fetched and decoded on its own, instead of its empty body.
 *
 * @param sink     The storing sink.
 * @param partwise The message.
 */
function sectionSink(
	sink: AttachmentSink,
	partwise: PartwiseMessage
): AttachmentSink {
	return async ( meta, content ) => {
		if (
			meta.section === undefined ||
			! partwise.sections.has( meta.section )
		) {
			return sink( meta, content );
		}
		content.resume(); // Its body in the skeleton is empty.
		return sink( meta, await partwise.openSection( meta.section ) );
	};
}

/**
 * Opens the email for analysis: part-wise when that is offered, whole otherwise.
 *
 * @param input The email.
 * @param sink  The storing sink.
 */
async function openForAnalysis(
	input: IngestInput,
	sink: AttachmentSink
): Promise< { stream: Readable; sink: AttachmentSink } > {
	const partwise = ( await input.partwise?.() ) ?? null;
	if ( partwise === null ) {
		return { stream: await input.open(), sink };
	}
	countRead( 'partwise' );
	failpoint( 'download_started' );
	return {
		stream: Readable.from( [ partwise.skeleton ] ),
		sink: sectionSink( sink, partwise ),
	};
}

async function checkpoint(
	c: PoolConnection,
	t: Tables,
	input: IngestInput
): Promise< void > {
	if ( input.checkpoint !== null ) {
		await advanceCheckpoint(
			c,
			t,
			input.connectionId,
			input.checkpoint.uidValidity,
			input.checkpoint.upTo()
		);
	}
}

/**
 * Thrown (after a rollback) when an email has the Message-ID of one already stored but says
 * something else: it is quarantined for an agent to look at, never dropped as a duplicate.
 */
export class MessageIdCollision extends Error {}

/**
 * Why the admin's settings refuse an email the screening let through, or null: replies or new
 * tickets not taken by email, or a new ticket from someone who is not a WordPress user.
 *
 * @param c        Connection.
 * @param t        Table names.
 * @param input    The email.
 * @param analysis Its analysis, without verdict.
 */
async function admissionRefusal(
	c: PoolConnection,
	t: Tables,
	input: IngestInput,
	analysis: Analysis
): Promise< Refusal | null > {
	const { allowedEmails = 'all', allowedSenders = 'anyone' } = input.settings;
	if ( ! admissionRestricted( input.settings ) ) {
		return null;
	}
	const from = (
		analysis.parsed?.from as NonNullable< ParsedEmail[ 'from' ] >
	 ).address;
	const existing = await resolveTicket( c, t, analysis.hints, from, false );
	if ( existing !== null ) {
		if ( allowedEmails === 'new' ) {
			return { reason: 'reply_not_allowed', ticketId: existing.ticketId };
		}
		// Agents may still answer a closed ticket from their mail client.
		return input.settings.closedTicketReplies === 'reject' &&
			existing.status === 'closed' &&
			( await agentUserId( c, t, from ) ) === null
			? { reason: 'ticket_closed', ticketId: existing.ticketId }
			: null;
	}
	if ( allowedEmails === 'reply' ) {
		return { reason: 'new_ticket_not_allowed', ticketId: null };
	}
	if (
		allowedSenders === 'registered' &&
		! ( await isRegisteredUser( c, t, from ) )
	) {
		return { reason: 'sender_not_registered', ticketId: null };
	}
	return null;
}

/** An email the settings refuse: why, and the ticket it would have joined. */
interface Refusal {
	readonly reason: Reason;
	readonly ticketId: number | null;
}

/**
 * Inserts the receipt in the open transaction. On a duplicate key the transaction is rolled
 * back and the duplicate recorded instead; the result then says so. A different email under a
 * Message-ID already stored throws MessageIdCollision instead; once an agent reprocesses it, it
 * is claimed under a key of its own content.
 *
 * @param c          Connection in a transaction.
 * @param t          Table names.
 * @param input      The email.
 * @param analysis   Its analysis.
 * @param messageKey Dedup key.
 */
async function claimReceipt(
	c: PoolConnection,
	t: Tables,
	input: IngestInput,
	analysis: Analysis | null,
	messageKey: string
): Promise< number | StoreResult > {
	const content = analysis?.contentKey ?? '';
	const collides = async (): Promise< boolean > => {
		const first =
			content === ''
				? null
				: await contentKeyOf( c, t, input.connectionId, messageKey );
		return first !== null && first !== content;
	};
	try {
		if ( input.quarantineId !== undefined ) {
			await releaseQuarantinedReceipt(
				c,
				t,
				input.connectionId,
				input.sourceKey
			);
			if ( await collides() ) {
				messageKey = createHash( 'sha256' )
					.update( `content:${ messageKey }:${ content }` )
					.digest( 'hex' );
			}
		}
		return await insertReceipt( c, t, {
			connectionId: input.connectionId,
			sourceKey: input.sourceKey,
			messageKey,
			messageId: analysis?.parsed?.messageId?.slice( 0, 255 ) ?? null,
			contentKey: content,
			sizeBytes: input.size,
		} );
	} catch ( err ) {
		if ( ! isDuplicateKey( err ) ) {
			throw err;
		}
	}
	await c.rollback();
	await c.beginTransaction();
	// The same copy again (e.g. the checkpoint was lost): nothing new to record.
	const previous = await receiptOutcome(
		c,
		t,
		input.connectionId,
		input.sourceKey
	);
	if ( previous !== null ) {
		await checkpoint( c, t, input );
		await c.commit();
		return {
			outcome: 'already_processed',
			reason: 'already_processed',
			ticketId: null,
			threadId: null,
			eventCreated: false,
			previousOutcome: previous,
		};
	}
	if ( await collides() ) {
		await c.rollback();
		throw new MessageIdCollision(
			`an email with Message-ID ${ analysis?.parsed?.messageId ?? '' } and other content was piped before`
		);
	}
	// Another copy of an email already stored (same Message-ID, or same bytes). It gets a receipt
	// of its own, under a key derived from its place at the source, so a replay of this copy
	// (emails are in flight in parallel, the checkpoint may lag) is recognised as processed.
	const duplicateReceipt = await insertReceipt( c, t, {
		connectionId: input.connectionId,
		sourceKey: input.sourceKey,
		messageKey: createHash( 'sha256' )
			.update( `duplicate:${ input.sourceKey }` )
			.digest( 'hex' ),
		messageId: analysis?.parsed?.messageId?.slice( 0, 255 ) ?? null,
		contentKey: content,
		sizeBytes: input.size,
	} );
	await completeReceipt(
		c,
		t,
		duplicateReceipt,
		'skipped',
		'duplicate',
		null,
		null
	);
	const { base, details } = activityOf( input, analysis );
	await insertActivity( c, t, {
		...base,
		outcome: 'skipped',
		reason: 'duplicate',
		ticketId: null,
		threadId: null,
		details,
	} );
	await checkpoint( c, t, input );
	await c.commit();
	return {
		outcome: 'skipped',
		reason: 'duplicate',
		ticketId: null,
		threadId: null,
		eventCreated: false,
	};
}

/**
 * Ends the transaction of an email that becomes no ticket or reply: receipt outcome, activity
 * row and checkpoint, then the commit.
 *
 * @param c       Connection in a transaction.
 * @param t       Table names.
 * @param input   The email.
 * @param receipt Its receipt.
 * @param outcome skipped | quarantined.
 * @param reason  Why.
 * @param base    Activity fields of the email.
 * @param details Activity details.
 * @param on      The ticket the email is about (a bounce, a duplicate), if any.
 */
async function finishWithoutTicket(
	c: PoolConnection,
	t: Tables,
	input: IngestInput,
	receipt: number,
	outcome: 'skipped' | 'quarantined',
	reason: Reason,
	base: ReturnType< typeof activityOf >[ 'base' ],
	details: Record< string, unknown >,
	on: TicketLink | null = null
): Promise< StoreResult > {
	const ticketId = on?.ticketId ?? null;
	const threadId = on?.threadId ?? null;
	await completeReceipt( c, t, receipt, outcome, reason, ticketId, threadId );
	await insertActivity( c, t, {
		...base,
		outcome,
		reason,
		ticketId,
		threadId,
		details,
	} );
	await checkpoint( c, t, input );
	failpoint( 'in_transaction' );
	await c.commit();
	return {
		outcome,
		reason,
		ticketId,
		threadId,
		eventCreated: false,
	};
}

/** The ticket (and message) a skipped email is about. */
interface TicketLink {
	readonly ticketId: number;
	readonly threadId: number;
}

/**
 * With the duplicate filter on, the ticket another piped mailbox already made of this email
 * (sent to two of the helpdesk's addresses, it arrives in both), or null.
 *
 * @param c        Connection.
 * @param t        Table names.
 * @param input    The email.
 * @param analysis Its analysis, without verdict.
 */
async function duplicateElsewhere(
	c: PoolConnection,
	t: Tables,
	input: IngestInput,
	analysis: Analysis
): Promise< TicketLink | null > {
	if (
		input.settings.duplicateFilter === false ||
		input.quarantineId !== undefined ||
		( analysis.parsed?.messageId ?? null ) === null
	) {
		return null;
	}
	return ticketOfKeyElsewhere(
		c,
		t,
		input.connectionId,
		analysis.messageKey
	);
}

/**
 * Records a skipped email (receipt, activity, checkpoint) in its own transaction.
 *
 * @param c           Connection (no transaction open).
 * @param t           Table names.
 * @param input       The email.
 * @param analysis    Its analysis, with a skip verdict.
 * @param refusal     Why the settings refused it (the sender gets a notice), if they did.
 * @param duplicateOf The ticket another mailbox made of it, if any.
 */
async function recordSkip(
	c: PoolConnection,
	t: Tables,
	input: IngestInput,
	analysis: Analysis,
	refusal: Refusal | null = null,
	duplicateOf: TicketLink | null = null
): Promise< StoreResult > {
	const reason = ( analysis.verdict as NonNullable< Analysis[ 'verdict' ] > )
		.reason;
	await c.beginTransaction();
	const receipt = await claimReceipt(
		c,
		t,
		input,
		analysis,
		analysis.messageKey
	);
	if ( typeof receipt !== 'number' ) {
		return receipt;
	}
	const { base, details } = activityOf( input, analysis );
	const sender = analysis.parsed?.from?.address;
	if ( refusal !== null && sender !== undefined ) {
		// The sender is told why (SupportCandy's reject notices, sent by WordPress).
		await insertRejectNotice( c, t, refusal.reason, {
			to: sender,
			subject: analysis.subject,
			inReplyTo: analysis.parsed?.messageId ?? null,
			connectionId: input.connectionId,
			ticketId: refusal.ticketId,
		} );
	}
	// A bounce of one of our notifications is noted on its ticket (and its address flagged).
	const bounce =
		reason === 'bounce' && analysis.parsed !== null
			? await recordBounce( c, t, analysis.parsed )
			: null;
	const result = await finishWithoutTicket(
		c,
		t,
		input,
		receipt,
		'skipped',
		reason,
		base,
		{
			...details,
			...bounce?.details,
			...( duplicateOf !== null
				? { duplicate_of: { ticket_id: duplicateOf.ticketId } }
				: {} ),
		},
		bounce ?? duplicateOf
	);
	return { ...result, eventCreated: refusal !== null };
}

/**
 * Quarantines an email in its own transaction: the raw bytes are copied into a blob (unless the
 * email is too large, then it stays only at the source), with its reason, receipt and activity.
 * The mailbox then moves on; the email is not acknowledged at the source.
 *
 * @param pool     Database.
 * @param t        Table names.
 * @param input    The email.
 * @param reason   Why.
 * @param detail   Technical detail.
 * @param analysis What is known of the email, if anything.
 * @param copyRaw  Whether to copy the raw email (not when too large, nor when reading it may
 *                 be what crashes the sidecar).
 */
export async function quarantine(
	pool: Pool,
	t: Tables,
	input: IngestInput,
	reason: Reason,
	detail: string | null,
	analysis: Analysis | null,
	copyRaw = reason !== 'too_large'
): Promise< StoreResult > {
	const c = timed( await pool.getConnection() );
	try {
		await c.beginTransaction();
		try {
			// A retry of an email already held keeps the copy it has.
			let blobId = await heldCopy(
				c,
				t,
				input.connectionId,
				input.sourceKey
			);
			let rawHash = createHash( 'sha256' )
				.update(
					`quarantine:${ input.connectionId }:${ input.sourceKey }`
				)
				.digest( 'hex' );
			if ( copyRaw && blobId === null ) {
				const blob = await writeBlob(
					c,
					t,
					await input.open(),
					QUARANTINE_RAW_MAX
				);
				if ( blob.stored ) {
					blobId = blob.blobId;
					rawHash = blob.sha256;
				}
			}
			// A collision's Message-ID belongs to the email stored first.
			const key =
				analysis !== null &&
				analysis.messageKey !== '' &&
				reason !== 'message_id_collision'
					? analysis.messageKey
					: rawHash;
			const receipt = await claimReceipt( c, t, input, analysis, key );
			if ( typeof receipt !== 'number' ) {
				return receipt;
			}
			const { base, details } = activityOf( input, analysis );
			if ( detail !== null ) {
				details[ 'detail' ] = detail.slice( 0, 500 );
			}
			await holdInQuarantine( c, t, {
				connectionId: input.connectionId,
				sourceKey: input.sourceKey,
				messageId: base.messageId,
				fromAddress: base.fromAddress,
				subject: base.subject,
				reason,
				detail,
				blobId,
				sizeBytes: input.size,
			} );
			return await finishWithoutTicket(
				c,
				t,
				input,
				receipt,
				'quarantined',
				reason,
				base,
				details
			);
		} catch ( err ) {
			await c.rollback().catch( () => undefined );
			throw err;
		}
	} finally {
		c.release();
	}
}

/**
 * Whether an email may answer a ticket: without any thread hint it is surely a new one, and the
 * store need not look (nor wait for earlier emails of its run to be written).
 *
 * @param hints The email's thread hints.
 */
export function mayBeReply( hints: ThreadHints ): boolean {
	return (
		hints.replyAddressTicketId !== null ||
		hints.signedTicketId !== null ||
		hints.subjectTicketId !== null ||
		hints.unverifiedTicketIds.length > 0 ||
		hints.referenceIds.length > 0
	);
}

/**
 * Whether an email can join a ticket only through the Message-IDs it names (In-Reply-To,
 * References), with no reference, reply address or ticket number of ours: a follow-up to the
 * sender's own earlier email, which may be one stored in the same pass.
 *
 * @param hints The email's thread hints.
 */
export function threadsOnlyByReferences( hints: ThreadHints ): boolean {
	return (
		hints.referenceIds.length > 0 &&
		hints.replyAddressTicketId === null &&
		hints.signedTicketId === null &&
		hints.subjectTicketId === null &&
		hints.unverifiedTicketIds.length === 0
	);
}

/**
 * The thread row of an analysed email.
 *
 * @param analysis   Its analysis, without verdict.
 * @param ticketId   Ticket it goes on.
 * @param customerId Its sender.
 * @param type       A new ticket's first message, or a reply.
 * @param agentId    The agent who wrote it (then no customer), or null.
 */
export function threadRowOf(
	analysis: Analysis,
	ticketId: number,
	customerId: number | null,
	type: 'report' | 'reply',
	agentId: number | null = null
): ThreadRow {
	const parsed = analysis.parsed as NonNullable< Analysis[ 'parsed' ] >;
	const content = analysis.content as NonNullable< Analysis[ 'content' ] >;
	const from = parsed.from as NonNullable< typeof parsed.from >;
	return {
		ticketId,
		type,
		customerId: agentId === null ? customerId : null,
		userId: agentId,
		fromAddress: from.address,
		fromName: from.name,
		bodyText: content.bodyText,
		bodyHtml: content.bodyHtml,
		replyText: content.replyText,
		messageId: parsed.messageId,
	};
}

const STATUSES: ReadonlySet< string > = new Set( [
	'open',
	'pending',
	'resolved',
	'closed',
] );
const PRIORITIES: ReadonlySet< string > = new Set( [
	'low',
	'normal',
	'high',
	'urgent',
] );

/**
 * The ticket an email opens: its subject, and the fields the piping rules set (a status or
 * priority WordPress does not know falls back to the default).
 *
 * @param analysis     The email's analysis.
 * @param customerId   Its sender.
 * @param connectionId Connection it came through.
 */
export function ticketRowOf(
	analysis: Analysis,
	customerId: number,
	connectionId: number
): NewTicketRow {
	const { fields } = analysis.rules;
	return {
		subject: analysis.subject,
		customerId,
		connectionId,
		status:
			fields.status !== undefined && STATUSES.has( fields.status )
				? fields.status
				: 'open',
		priority:
			fields.priority !== undefined && PRIORITIES.has( fields.priority )
				? fields.priority
				: 'normal',
		category: ( fields.category ?? '' ).slice( 0, 60 ),
		assigneeId: fields.assigneeId ?? null,
		forwardedFrom: analysis.forwardedFrom,
	};
}

/**
 * Collects the attachment, outbox-event and activity rows of a ticket or reply just written.
 *
 * @param rows         Where the rows go.
 * @param input        The email.
 * @param analysis     Its analysis.
 * @param attachments  Its attachments, with the blobs they were stored in.
 * @param ticketId     Its ticket.
 * @param threadId     Its thread.
 * @param replyReason  Why it is a reply, or null for a new ticket.
 * @param agentId      The agent who wrote the reply, or null for a customer.
 * @param reopenedFrom The status the reply reopened the ticket from, if it did.
 * @param hold         Set when loop protection holds its notifications back.
 */
export function bookTicketOrReply(
	rows: PendingRows,
	input: IngestInput,
	analysis: Analysis,
	attachments: readonly AttachmentInfo[],
	ticketId: number,
	threadId: number,
	replyReason: Reason | null,
	agentId: number | null = null,
	reopenedFrom: string | null = null,
	hold: LoopHold | null = null
): StoreResult {
	for ( const a of attachments ) {
		rows.attachment( {
			ticketId,
			threadId,
			blobId: a.blobId,
			filename: a.filename,
			contentType: a.contentType,
			sizeBytes: a.size,
			contentId: a.contentId,
			inline: a.inline,
			status: a.status === 'stored' ? 'stored' : 'refused',
			reason: a.reason,
		} );
	}
	const outcome = replyReason !== null ? 'reply' : 'ticket';
	const reason: Reason = replyReason ?? 'new_ticket';
	const { base, details } = activityOf( input, analysis );
	if ( reopenedFrom !== null ) {
		details[ 'reopened_from' ] = reopenedFrom;
	}
	// Addresses the customer copied (import_cc), on a new ticket or a customer's reply.
	if ( agentId === null ) {
		for ( const email of analysis.copyRecipients ) {
			rows.recipient( ticketId, email, 'cc' );
		}
	}
	if ( replyReason === null ) {
		// A new ticket: what the rules set, and where it was forwarded from.
		const { applied, addRecipients } = analysis.rules;
		for ( const email of addRecipients ) {
			rows.recipient( ticketId, email, 'rule' );
		}
		if ( applied.length > 0 ) {
			details[ 'rules' ] = applied;
		}
		if ( analysis.forwardedFrom !== null ) {
			details[ 'forwarded_from' ] = analysis.forwardedFrom;
		}
	}
	if ( analysis.hints.senderUnverified === true ) {
		details[ 'sender_unverified' ] = true;
	}
	const refused = attachments.filter( ( a ) => a.status === 'refused' );
	if ( refused.length > 0 ) {
		details[ 'refused_attachments' ] = refused.map( ( a ) => ( {
			filename: a.filename,
			reason: a.reason,
		} ) );
	}
	if ( hold !== null ) {
		// Loop protection: the email is kept, nobody is mailed about it.
		details[ 'notifications_held' ] = hold;
	} else if ( agentId !== null ) {
		// WordPress mails the customer, as for a reply written in wp-admin.
		rows.event( 'agent_replied', ticketId, threadId, { user_id: agentId } );
	} else {
		rows.event(
			replyReason !== null ? 'customer_replied' : 'ticket_created',
			ticketId,
			threadId,
			// Agents hear of it; a sender who may be forged (backscatter) or a mailing list (mail to
			// every subscriber) gets no confirmation.
			analysis.hints.senderUnverified === true ||
				analysis.autoGenerated !== null
				? { no_confirmation: true }
				: null
		);
	}
	rows.activityRow( {
		...base,
		outcome,
		reason,
		ticketId,
		threadId,
		details,
	} );
	return { outcome, reason, ticketId, threadId, eventCreated: hold === null };
}

/**
 * Writes the ticket or reply for an analysed email in the open transaction; no commit.
 *
 * @param c           Connection in a transaction (blobs already written).
 * @param t           Table names.
 * @param input       The email.
 * @param analysis    Its analysis, without verdict.
 * @param attachments Its attachments, with the blobs they were stored in.
 * @param rows        Where its attachment, event and activity rows go (the caller inserts
 *                    them, and the receipt, before the commit).
 * @param customers   Customer ids by address, when the caller upserted a run's senders at once.
 */
export async function writeTicketOrReply(
	c: PoolConnection,
	t: Tables,
	input: IngestInput,
	analysis: Analysis,
	attachments: readonly AttachmentInfo[],
	rows: PendingRows,
	customers?: ReadonlyMap< string, number >
): Promise< StoreResult > {
	const parsed = analysis.parsed as NonNullable< Analysis[ 'parsed' ] >;
	const from = parsed.from as NonNullable< typeof parsed.from >;
	const existing = await resolveTicket(
		c,
		t,
		analysis.hints,
		from.address,
		true
	);
	// An agent answering a notification from their mail client: the signature proves the
	// email answers what was sent to this address; the address must belong to an agent. A
	// forged agent address without it is handled as anyone else.
	const agentId =
		existing !== null && PROVEN.has( existing.reason )
			? await agentUserId( c, t, from.address )
			: null;
	const customerId =
		agentId !== null
			? null
			: ( customers?.get( from.address ) ??
				( await upsertCustomer( c, t, from.address, from.name ) ) );
	const hold = await loopHold( c, t, input, existing, agentId, customerId );
	const ticketId =
		existing?.ticketId ??
		( await insertTicket(
			c,
			t,
			ticketRowOf( analysis, customerId as number, input.connectionId )
		) );
	const threadId = await insertThread(
		c,
		t,
		threadRowOf(
			analysis,
			ticketId,
			customerId,
			existing ? 'reply' : 'report',
			agentId
		)
	);
	// A customer writing back to a ticket that waits, was resolved or closed reopens it (a site
	// that refuses replies to closed tickets has turned those away before).
	const reopened =
		existing !== null && agentId === null && existing.status !== 'open'
			? existing.status
			: null;
	if ( reopened !== null ) {
		await reopenTicket( c, t, ticketId );
	}
	if ( input.quarantineId !== undefined ) {
		await markReprocessed( c, t, input.quarantineId );
	}
	return bookTicketOrReply(
		rows,
		input,
		analysis,
		attachments,
		ticketId,
		threadId,
		agentId !== null ? 'agent_reply' : ( existing?.reason ?? null ),
		agentId,
		reopened,
		hold
	);
}

/**
 * Whether loop protection holds back the notifications of a customer's email: a reply over its
 * ticket's caps, or a new ticket over its sender's hourly count. A reprocessed email was let in
 * by the admin and is never held.
 *
 * @param c          Connection in a transaction.
 * @param t          Table names.
 * @param input      The email.
 * @param existing   The ticket it answers, or null for a new ticket.
 * @param agentId    The agent who wrote it, or null.
 * @param customerId Its customer.
 * @throws SenderFlood when a new ticket is over the sender's hourly limit.
 */
async function loopHold(
	c: PoolConnection,
	t: Tables,
	input: IngestInput,
	existing: { ticketId: number } | null,
	agentId: number | null,
	customerId: number | null
): Promise< LoopHold | null > {
	if ( agentId !== null || input.quarantineId !== undefined ) {
		return null;
	}
	if ( existing !== null ) {
		return replyCapReached(
			await recentReplyCounts( c, t, existing.ticketId )
		);
	}
	if ( ! senderLimited( input.settings.senderLimits ) ) {
		return null;
	}
	const counts = await recentTicketCounts( c, t, [ customerId as number ] );
	return senderTicketHold(
		counts.get( customerId as number ) ?? 0,
		input.settings.senderLimits
	);
}

/** Threading reasons that prove the email answers what we sent to its sender's address. */
const PROVEN: ReadonlySet< Reason > = new Set< Reason >( [
	'reply_signed_reference',
	'reply_address',
] );

/**
 * Writes the ticket or reply for an analysed email in the open transaction and commits.
 *
 * @param c        Connection in a transaction (blobs already written).
 * @param t        Table names.
 * @param input    The email.
 * @param analysis Its analysis, without verdict.
 */
async function storeTicketOrReply(
	c: PoolConnection,
	t: Tables,
	input: IngestInput,
	analysis: Analysis
): Promise< StoreResult > {
	const receipt = await claimReceipt(
		c,
		t,
		input,
		analysis,
		analysis.messageKey
	);
	if ( typeof receipt !== 'number' ) {
		return receipt;
	}
	const rows = new PendingRows();
	const result = await writeTicketOrReply(
		c,
		t,
		input,
		analysis,
		( analysis.parsed as NonNullable< Analysis[ 'parsed' ] > ).attachments,
		rows
	);
	await completeReceipt(
		c,
		t,
		receipt,
		result.outcome,
		result.reason,
		result.ticketId,
		result.threadId
	);
	await rows.flush( c, t );
	await checkpoint( c, t, input );
	failpoint( 'in_transaction' );
	await c.commit();
	return result;
}

/**
 * Ingests one email exactly once.
 *
 * @param pool  Database.
 * @param t     Table names.
 * @param input The email and where it came from.
 * @throws On database or source errors; the caller decides between retrying and quarantine.
 */
export async function ingestMessage(
	pool: Pool,
	t: Tables,
	input: IngestInput
): Promise< StoreResult > {
	if ( input.size > input.maxBytes ) {
		return quarantine(
			pool,
			t,
			input,
			'too_large',
			`${ input.size } bytes`,
			null
		);
	}
	const c = timed( await pool.getConnection() );
	let released = false;
	let analysis: Analysis | null = null;
	let refusal: Refusal | null = null;
	let duplicateOf: TicketLink | null = null;
	try {
		await c.beginTransaction();
		try {
			const opened = await openForAnalysis(
				input,
				blobSink( c, t, input.policy )
			);
			analysis = await analyseStream(
				opened.stream,
				input.settings,
				opened.sink,
				input.maxBytes
			);
			failpoint( 'after_download' );
			if ( analysis.verdict === null ) {
				await input.afterAnalysis?.( analysis );
				refusal = await admissionRefusal( c, t, input, analysis );
				if ( refusal === null ) {
					duplicateOf = await duplicateElsewhere(
						c,
						t,
						input,
						analysis
					);
					if ( duplicateOf === null ) {
						return await storeTicketOrReply(
							c,
							t,
							input,
							analysis
						);
					}
				}
				analysis = {
					...analysis,
					verdict: {
						action: 'skip',
						reason: refusal?.reason ?? 'duplicate',
					},
				};
			}
		} catch ( err ) {
			await c.rollback().catch( () => undefined );
			throw err;
		}
		// Skipped or quarantined: nothing written while parsing may stay.
		await c.rollback();
		const verdict = analysis.verdict as NonNullable<
			Analysis[ 'verdict' ]
		>;
		if ( verdict.action === 'skip' ) {
			try {
				return await recordSkip(
					c,
					t,
					input,
					analysis,
					refusal,
					duplicateOf
				);
			} catch ( err ) {
				await c.rollback().catch( () => undefined );
				throw err;
			}
		}
		c.release();
		released = true;
		return await quarantine(
			pool,
			t,
			input,
			verdict.reason,
			verdict.detail ?? null,
			analysis
		);
	} catch ( err ) {
		const collision = err instanceof MessageIdCollision;
		if ( ( ! collision && ! ( err instanceof SenderFlood ) ) || released ) {
			throw err;
		}
		c.release();
		released = true;
		return quarantine(
			pool,
			t,
			input,
			collision ? 'message_id_collision' : 'sender_flood',
			( err as Error ).message,
			analysis
		);
	} finally {
		if ( ! released ) {
			c.release();
		}
	}
}
