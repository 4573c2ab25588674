/**
 * SQL of the ingestion transaction. Every function runs on the caller's connection, inside the
 * caller's transaction; none commits.
 */
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';

import type { Pool, PoolConnection } from './pool.ts';
import type { Tables } from './tables.ts';

export interface ReceiptRow {
	readonly connectionId: number;
	readonly sourceKey: string;
	readonly messageKey: string;
	readonly messageId: string | null;
	/** What the email says, as a hash ('' when unknown): tells a reused Message-ID apart. */
	readonly contentKey: string;
	readonly sizeBytes: number;
}

/**
 * MySQL's duplicate-key error, raised by the unique keys that make ingestion exactly-once.
 * @param err What the driver threw.
 */
export function isDuplicateKey( err: unknown ): boolean {
	return (
		typeof err === 'object' &&
		err !== null &&
		( err as { code?: string } ).code === 'ER_DUP_ENTRY'
	);
}

/**
 * Inserts the receipt that claims this email; throws ER_DUP_ENTRY if it was seen before.
 *
 * @param c Connection in a transaction.
 * @param t Table names.
 * @param r Receipt values.
 */
export async function insertReceipt(
	c: PoolConnection,
	t: Tables,
	r: ReceiptRow
): Promise< number > {
	const [ res ] = await c.execute< ResultSetHeader >(
		`INSERT INTO ${ t.messages } (connection_id, source_key, message_key, message_id, content_key, outcome, size_bytes, created_at)
		 VALUES (?, ?, ?, ?, ?, 'pending', ?, UTC_TIMESTAMP())`,
		[
			r.connectionId,
			r.sourceKey,
			r.messageKey,
			r.messageId,
			r.contentKey || null,
			r.sizeBytes,
		]
	);
	return res.insertId;
}

/**
 * The outcome recorded for this exact copy (connection + source key), or null if it is new.
 *
 * @param c            Connection.
 * @param t            Table names.
 * @param connectionId Connection.
 * @param sourceKey    Source key.
 */
export async function receiptOutcome(
	c: PoolConnection,
	t: Tables,
	connectionId: number,
	sourceKey: string
): Promise< string | null > {
	const [ rows ] = await c.execute< RowDataPacket[] >(
		`SELECT outcome FROM ${ t.messages } WHERE connection_id = ? AND source_key = ?`,
		[ connectionId, sourceKey ]
	);
	return rows[ 0 ] ? String( rows[ 0 ][ 'outcome' ] ) : null;
}

/**
 * The content key recorded with the email that holds this message key, or null (no such email,
 * or recorded before content keys existed).
 *
 * @param c            Connection.
 * @param t            Table names.
 * @param connectionId Connection.
 * @param messageKey   Message key.
 */
export async function contentKeyOf(
	c: PoolConnection,
	t: Tables,
	connectionId: number,
	messageKey: string
): Promise< string | null > {
	const [ rows ] = await c.execute< RowDataPacket[] >(
		`SELECT content_key FROM ${ t.messages } WHERE connection_id = ? AND message_key = ?`,
		[ connectionId, messageKey ]
	);
	const key: unknown = rows[ 0 ]?.[ 'content_key' ];
	return typeof key === 'string' && key !== '' ? key : null;
}

/**
 * Which of these source keys and message keys already have a receipt on the connection: one
 * query for a whole batch, so emails seen before are sent down the one-by-one path up front.
 *
 * @param c               Connection.
 * @param t               Table names.
 * @param connectionId    Connection.
 * @param sourceKeys      Source keys of the batch.
 * @param messageKeys     Message keys of the batch.
 * @param acrossMailboxes Whether a key another connection holds counts too.
 */
export async function knownReceipts(
	c: PoolConnection,
	t: Tables,
	connectionId: number,
	sourceKeys: readonly string[],
	messageKeys: readonly string[],
	acrossMailboxes = false
): Promise< Set< string > > {
	const known = new Set< string >();
	if ( sourceKeys.length === 0 ) {
		return known;
	}
	// `IN (NULL)` matches nothing, where `IN ()` would be a syntax error.
	const marks = ( n: number ) =>
		n === 0 ? 'NULL' : Array( n ).fill( '?' ).join( ', ' );
	// With the duplicate filter, an email another mailbox already took in counts as seen too
	// (its one-by-one path records it as a duplicate of that ticket).
	const elsewhere = acrossMailboxes
		? ` UNION ALL SELECT '' AS source_key, message_key FROM ${ t.messages } WHERE message_key IN (${ marks( messageKeys.length ) }) AND connection_id <> ?`
		: '';
	const [ rows ] = await c.query< RowDataPacket[] >(
		`SELECT source_key, message_key FROM ${ t.messages } WHERE connection_id = ? AND source_key IN (${ marks( sourceKeys.length ) })
		 UNION ALL
		 SELECT source_key, message_key FROM ${ t.messages } WHERE connection_id = ? AND message_key IN (${ marks( messageKeys.length ) })${ elsewhere }`,
		[
			connectionId,
			...sourceKeys,
			connectionId,
			...messageKeys,
			...( acrossMailboxes ? [ ...messageKeys, connectionId ] : [] ),
		]
	);
	for ( const row of rows ) {
		known.add( String( row[ 'source_key' ] ) );
		known.add( String( row[ 'message_key' ] ) );
	}
	return known;
}

/**
 * The ticket another mailbox made of the email with this key (the same email sent to two piped
 * addresses), or null.
 *
 * @param c            Connection.
 * @param t            Table names.
 * @param connectionId This email's connection.
 * @param messageKey   Its key (from its Message-ID).
 */
export async function ticketOfKeyElsewhere(
	c: PoolConnection,
	t: Tables,
	connectionId: number,
	messageKey: string
): Promise< { ticketId: number; threadId: number } | null > {
	const [ rows ] = await c.execute< RowDataPacket[] >(
		`SELECT ticket_id, thread_id FROM ${ t.messages } WHERE message_key = ? AND connection_id <> ? AND outcome IN ('ticket', 'reply') AND ticket_id IS NOT NULL LIMIT 1`,
		[ messageKey, connectionId ]
	);
	const row = rows[ 0 ];
	return row === undefined
		? null
		: {
				ticketId: Number( row[ 'ticket_id' ] ),
				threadId: Number( row[ 'thread_id' ] ),
			};
}

/**
 * Records the outcome on the receipt.
 *
 * @param c         Connection.
 * @param t         Table names.
 * @param receiptId Receipt.
 * @param outcome   ticket | reply | skipped | quarantined.
 * @param reason    Machine code.
 * @param ticketId  Ticket, if any.
 * @param threadId  Thread, if any.
 */
export async function completeReceipt(
	c: PoolConnection,
	t: Tables,
	receiptId: number,
	outcome: string,
	reason: string,
	ticketId: number | null,
	threadId: number | null
): Promise< void > {
	await c.execute(
		`UPDATE ${ t.messages } SET outcome = ?, reason = ?, ticket_id = ?, thread_id = ? WHERE id = ?`,
		[ outcome, reason, ticketId, threadId, receiptId ]
	);
}

/**
 * Finds or creates the customer for an address; keeps an existing name.
 *
 * @param c     Connection.
 * @param t     Table names.
 * @param email Lower-case address.
 * @param name  Display name.
 */
export async function upsertCustomer(
	c: PoolConnection,
	t: Tables,
	email: string,
	name: string
): Promise< number > {
	const [ res ] = await c.execute< ResultSetHeader >(
		`INSERT INTO ${ t.customers } (email, name, created_at) VALUES (?, ?, UTC_TIMESTAMP())
		 ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), name = IF(name = '', VALUES(name), name)`,
		[ email, name.slice( 0, 190 ) ]
	);
	return res.insertId;
}

/**
 * Creates or finds the customers of a run of emails with two statements, whatever their number.
 * Same rule as upsertCustomer: a name is only filled in where none was known.
 *
 * @param c      Connection in a transaction.
 * @param t      Table names.
 * @param people Senders (lower-case addresses).
 * @return Customer ids by lower-case address; an address the database files under another
 *         spelling (its collation ignores accents) is missing, so the caller upserts it alone.
 */
export async function upsertCustomers(
	c: PoolConnection,
	t: Tables,
	people: ReadonlyArray< { readonly email: string; readonly name: string } >
): Promise< Map< string, number > > {
	const ids = new Map< string, number >();
	const unique = [
		...new Map( people.map( ( p ) => [ p.email, p ] ) ).values(),
	];
	if ( unique.length === 0 ) {
		return ids;
	}
	await c.query(
		`INSERT INTO ${ t.customers } (email, name, created_at) VALUES ${ unique
			.map( () => '(?, ?, UTC_TIMESTAMP())' )
			.join( ', ' ) }
		 ON DUPLICATE KEY UPDATE name = IF(name = '', VALUES(name), name)`,
		unique.flatMap( ( p ) => [ p.email, p.name.slice( 0, 190 ) ] )
	);
	const [ rows ] = await c.query< RowDataPacket[] >(
		`SELECT id, email FROM ${ t.customers } WHERE email IN (${ unique
			.map( () => '?' )
			.join( ', ' ) })`,
		unique.map( ( p ) => p.email )
	);
	for ( const row of rows ) {
		ids.set(
			String( row[ 'email' ] ).toLowerCase(),
			Number( row[ 'id' ] )
		);
	}
	return ids;
}

/**
 * Creates a ticket.
 *
 * @param c   Connection.
 * @param t   Table names.
 * @param row The ticket.
 */
export async function insertTicket(
	c: PoolConnection,
	t: Tables,
	row: NewTicketRow
): Promise< number > {
	const [ id ] = await insertTickets( c, t, [ row ] );
	return id as number;
}

/**
 * Whether the server returns the ids of a multi-row INSERT (`INSERT … RETURNING`, MariaDB 10.5
 * and later); MySQL does not, and gets one statement per row instead. Asked once per process.
 */
let returnsIds: Promise< boolean > | null = null;

function canReturnIds( c: PoolConnection ): Promise< boolean > {
	returnsIds ??= c
		.query< RowDataPacket[] >( 'SELECT VERSION() AS v' )
		.then( ( [ rows ] ) => {
			const version = String( rows[ 0 ]?.[ 'v' ] ?? '' );
			const [ major = 0, minor = 0 ] = version
				.split( /[.-]/ )
				.map( Number );
			return (
				/mariadb/i.test( version ) &&
				( major > 10 || ( major === 10 && minor >= 5 ) )
			);
		} )
		.catch( () => {
			returnsIds = null;
			return false;
		} );
	return returnsIds;
}

/**
 * Inserts rows with one statement where the server returns their ids, else one by one.
 *
 * @param c    Connection.
 * @param sql  `INSERT INTO table (columns) VALUES`, without the rows.
 * @param one  Placeholders of one row, e.g. `(?, ?, UTC_TIMESTAMP())`.
 * @param rows Values of each row.
 * @return The new ids, in the order of `rows`.
 */
async function insertReturningIds(
	c: PoolConnection,
	sql: string,
	one: string,
	rows: ReadonlyArray< ReadonlyArray< string | number | null > >
): Promise< number[] > {
	if ( rows.length === 0 ) {
		return [];
	}
	if ( rows.length > 1 && ( await canReturnIds( c ) ) ) {
		// MariaDB returns the rows of INSERT … VALUES … RETURNING in the order they were given.
		const [ returned ] = await c.execute< RowDataPacket[] >(
			`${ sql } ${ Array( rows.length ).fill( one ).join( ', ' ) } RETURNING id`,
			rows.flat()
		);
		return returned.map( ( r ) => Number( r[ 'id' ] ) );
	}
	const ids: number[] = [];
	for ( const row of rows ) {
		const [ res ] = await c.execute< ResultSetHeader >(
			`${ sql } ${ one }`,
			[ ...row ]
		);
		ids.push( res.insertId );
	}
	return ids;
}

export interface NewTicketRow {
	readonly subject: string;
	readonly customerId: number;
	readonly connectionId: number;
	readonly status: string;
	readonly priority: string;
	readonly category: string;
	readonly assigneeId: number | null;
	readonly forwardedFrom: string | null;
}

/**
 * Creates tickets, several in one statement where the server allows.
 *
 * @param c    Connection.
 * @param t    Table names.
 * @param rows The tickets.
 * @return Their ids, in order.
 */
export function insertTickets(
	c: PoolConnection,
	t: Tables,
	rows: readonly NewTicketRow[]
): Promise< number[] > {
	return insertReturningIds(
		c,
		`INSERT INTO ${ t.tickets } (subject, status, priority, category, assignee_id, forwarded_from, customer_id, connection_id, source, closed_at, created_at, updated_at) VALUES`,
		"(?, ?, ?, ?, ?, ?, ?, ?, 'email', IF(? = 'closed', UTC_TIMESTAMP(), NULL), UTC_TIMESTAMP(), UTC_TIMESTAMP())",
		rows.map( ( r ) => [
			r.subject,
			r.status,
			r.priority,
			r.category,
			r.assigneeId,
			r.forwardedFrom,
			r.customerId,
			r.connectionId,
			r.status,
		] )
	);
}

/**
 * Adds messages to tickets, several in one statement where the server allows: the first
 * messages of new tickets (a reply also moves its ticket's activity time: insertThread).
 *
 * @param c    Connection.
 * @param t    Table names.
 * @param rows Thread values.
 * @return Their ids, in order.
 */
export function insertReports(
	c: PoolConnection,
	t: Tables,
	rows: readonly ThreadRow[]
): Promise< number[] > {
	return insertReturningIds(
		c,
		`INSERT INTO ${ t.threads } ${ THREAD_COLUMNS }`,
		THREAD_PLACEHOLDERS,
		rows.map( threadValues )
	);
}

export interface ThreadRow {
	readonly ticketId: number;
	/** report / reply; bounce: a delivery failure of one of our notifications, by no person. */
	readonly type: 'report' | 'reply' | 'bounce';
	/** The customer who wrote it, or null for an agent's reply (then `userId`) or a bounce. */
	readonly customerId: number | null;
	readonly userId?: number | null;
	readonly fromAddress: string;
	readonly fromName: string;
	readonly bodyText: string;
	readonly bodyHtml: string | null;
	readonly replyText: string;
	readonly messageId: string | null;
}

/**
 * Adds a message to a ticket and moves the ticket's activity time.
 *
 * @param c   Connection.
 * @param t   Table names.
 * @param row Thread values.
 */
export async function insertThread(
	c: PoolConnection,
	t: Tables,
	row: ThreadRow
): Promise< number > {
	const [ id ] = await insertReports( c, t, [ row ] );
	if ( row.type === 'reply' ) {
		// A new ticket was created with this time already.
		await c.execute(
			`UPDATE ${ t.tickets } SET updated_at = UTC_TIMESTAMP() WHERE id = ?`,
			[ row.ticketId ]
		);
	}
	return id as number;
}

/** Columns of a thread row as the sidecar writes it (with THREAD_PLACEHOLDERS, threadValues). */
const THREAD_COLUMNS =
	'(ticket_id, type, author_kind, customer_id, user_id, from_address, from_name, body_text, body_html, reply_text, message_id, source, created_at) VALUES';
const THREAD_PLACEHOLDERS =
	"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'email', UTC_TIMESTAMP())";

function authorKind( row: ThreadRow ): string {
	if ( row.type === 'bounce' ) {
		return 'system';
	}
	return row.customerId === null ? 'agent' : 'customer';
}

function threadValues( row: ThreadRow ): Array< string | number | null > {
	return [
		row.ticketId,
		row.type,
		authorKind( row ),
		row.customerId,
		row.userId ?? null,
		row.fromAddress,
		row.fromName.slice( 0, 190 ),
		row.bodyText,
		row.bodyHtml,
		row.replyText,
		row.messageId?.slice( 0, 255 ) ?? null,
	];
}

export interface ActivityRow {
	readonly connectionId: number;
	readonly outcome: string;
	readonly reason: string;
	readonly ticketId: number | null;
	readonly threadId: number | null;
	readonly fromAddress: string;
	readonly subject: string;
	readonly messageId: string | null;
	readonly details: Record< string, unknown >;
}

/**
 * Writes the admin-facing log line of one email.
 *
 * @param c   Connection.
 * @param t   Table names.
 * @param row Values.
 */
export async function insertActivity(
	c: PoolConnection,
	t: Tables,
	row: ActivityRow
): Promise< void > {
	await insertRows( c, t.activity, ACTIVITY_COLUMNS, [
		activityValues( row ),
	] );
}

/**
 * Moves the mailbox checkpoint forward (never back) within the same UIDVALIDITY.
 *
 * @param c            Connection (in a transaction), or the pool.
 * @param t            Table names.
 * @param connectionId Connection.
 * @param uidValidity  UIDVALIDITY the UID belongs to.
 * @param uid          Processed UID.
 */
export async function advanceCheckpoint(
	c: Pool | PoolConnection,
	t: Tables,
	connectionId: number,
	uidValidity: number,
	uid: number
): Promise< void > {
	await c.execute(
		`UPDATE ${ t.mailbox_state } SET last_uid = GREATEST(last_uid, ?), updated_at = UTC_TIMESTAMP() WHERE connection_id = ? AND uidvalidity = ?`,
		[ uid, connectionId, uidValidity ]
	);
}

export interface TicketParticipant {
	readonly ticketId: number;
	readonly customerEmail: string;
	/** open, pending, resolved or closed. */
	readonly status: string;
}

/**
 * The ticket and its customer's address, or null. `lock` takes a row lock for the transaction.
 *
 * @param c        Connection.
 * @param t        Table names.
 * @param ticketId Ticket.
 * @param lock     Whether to lock the ticket row.
 */
export async function findTicket(
	c: PoolConnection,
	t: Tables,
	ticketId: number,
	lock: boolean
): Promise< TicketParticipant | null > {
	const [ rows ] = await c.execute< RowDataPacket[] >(
		`SELECT t.id, t.status, c.email FROM ${ t.tickets } t JOIN ${ t.customers } c ON c.id = t.customer_id WHERE t.id = ?${ lock ? ' FOR UPDATE' : '' }`,
		[ ticketId ]
	);
	const row = rows[ 0 ];
	return row
		? {
				ticketId: Number( row[ 'id' ] ),
				customerEmail: String( row[ 'email' ] ),
				status: String( row[ 'status' ] ),
			}
		: null;
}

/**
 * Opens a ticket again (a customer wrote back to a pending, resolved or closed ticket).
 *
 * @param c        Connection in a transaction.
 * @param t        Table names.
 * @param ticketId Ticket.
 */
export async function reopenTicket(
	c: PoolConnection,
	t: Tables,
	ticketId: number
): Promise< void > {
	await c.execute(
		`UPDATE ${ t.tickets } SET status = 'open', closed_at = NULL, updated_at = UTC_TIMESTAMP() WHERE id = ?`,
		[ ticketId ]
	);
}

/**
 * Queues one of the reject notices WordPress sends the sender of a refused email.
 *
 * @param c                  Connection in a transaction.
 * @param t                  Table names.
 * @param notice             Which notice (reply_not_allowed, new_ticket_not_allowed, sender_not_registered).
 * @param email              The refused email: its sender, subject, Message-ID, connection and ticket.
 * @param email.to           Sender.
 * @param email.subject      Subject.
 * @param email.inReplyTo    Its Message-ID (the notice threads under it).
 * @param email.connectionId Connection it came through.
 * @param email.ticketId     Ticket it would have joined, if any.
 */
export async function insertRejectNotice(
	c: PoolConnection,
	t: Tables,
	notice: string,
	email: {
		to: string;
		subject: string;
		inReplyTo: string | null;
		connectionId: number;
		ticketId: number | null;
	}
): Promise< void > {
	await c.execute(
		`INSERT INTO ${ t.events } (type, ticket_id, thread_id, payload, status, created_at) VALUES ('reject_notice', ?, NULL, ?, 'pending', UTC_TIMESTAMP())`,
		[
			email.ticketId ?? 0,
			JSON.stringify( {
				notice,
				to: email.to,
				subject: email.subject,
				in_reply_to: email.inReplyTo ?? '',
				connection_id: email.connectionId,
			} ),
		]
	);
}

/**
 * Tickets holding threads with any of these Message-IDs.
 *
 * @param c          Connection.
 * @param t          Table names.
 * @param messageIds Message-IDs with brackets.
 */
export async function ticketsByMessageIds(
	c: PoolConnection,
	t: Tables,
	messageIds: string[]
): Promise< number[] > {
	if ( messageIds.length === 0 ) {
		return [];
	}
	const ids = messageIds.slice( 0, 50 );
	const [ rows ] = await c.execute< RowDataPacket[] >(
		`SELECT DISTINCT ticket_id FROM ${ t.threads } WHERE message_id IN (${ ids.map( () => '?' ).join( ',' ) })`,
		ids
	);
	return rows.map( ( r ) => Number( r[ 'ticket_id' ] ) );
}

/**
 * Removes the receipt of a quarantined email so a reprocess can claim the email again.
 *
 * @param c            Connection in a transaction.
 * @param t            Table names.
 * @param connectionId Connection.
 * @param sourceKey    Source key.
 */
export async function releaseQuarantinedReceipt(
	c: PoolConnection,
	t: Tables,
	connectionId: number,
	sourceKey: string
): Promise< void > {
	await c.execute(
		`DELETE FROM ${ t.messages } WHERE connection_id = ? AND source_key = ? AND outcome = 'quarantined'`,
		[ connectionId, sourceKey ]
	);
}

const ACTIVITY_COLUMNS = [
	'connection_id',
	'outcome',
	'reason',
	'ticket_id',
	'thread_id',
	'from_address',
	'subject',
	'message_id',
	'details',
];

function activityValues( row: ActivityRow ): unknown[] {
	return [
		row.connectionId,
		row.outcome,
		row.reason,
		row.ticketId,
		row.threadId,
		row.fromAddress.slice( 0, 254 ),
		row.subject.slice( 0, 255 ),
		row.messageId?.slice( 0, 255 ) ?? null,
		JSON.stringify( row.details ),
	];
}

/**
 * Inserts rows into one table in one statement; `created_at` is the database's UTC time.
 *
 * @param c       Connection.
 * @param table   Table name.
 * @param columns Column names (without created_at).
 * @param rows    Values, one array per row, in column order.
 * @param verb
 */
async function insertRows(
	c: PoolConnection,
	table: string,
	columns: readonly string[],
	rows: ReadonlyArray< readonly unknown[] >,
	verb: 'INSERT' | 'INSERT IGNORE' = 'INSERT'
): Promise< void > {
	if ( rows.length === 0 ) {
		return;
	}
	const one = `(${ columns.map( () => '?' ).join( ', ' ) }, UTC_TIMESTAMP())`;
	// The text protocol: a prepared statement per row count would fill the statement cache.
	await c.query(
		`${ verb } INTO ${ table } (${ columns.join( ', ' ) }, created_at) VALUES ${ Array( rows.length ).fill( one ).join( ', ' ) }`,
		rows.flat()
	);
}

export interface AttachmentRow {
	readonly ticketId: number;
	readonly threadId: number;
	readonly blobId: number | null;
	readonly filename: string;
	readonly contentType: string;
	readonly sizeBytes: number;
	readonly contentId: string | null;
	readonly inline: boolean;
	readonly status: 'stored' | 'refused';
	readonly reason: string | null;
}

export interface FinishedReceiptRow extends ReceiptRow {
	readonly outcome: string;
	readonly reason: string;
	readonly ticketId: number | null;
	readonly threadId: number | null;
}

/**
 * Rows of one transaction that nothing else in it refers to (attachments, outbox events,
 * activity, finished receipts): collected while the emails are written and inserted at the end
 * with one statement per table, instead of a round trip each.
 */
export class PendingRows {
	private readonly receipts: unknown[][] = [];
	private readonly attachments: unknown[][] = [];
	private readonly events: unknown[][] = [];
	private readonly activity: unknown[][] = [];
	private readonly recipients: unknown[][] = [];

	/**
	 * An additional recipient of a new ticket.
	 *
	 * @param ticketId Ticket.
	 * @param email    Address, lower case.
	 * @param source   Why it is there (rule, cc).
	 */
	recipient( ticketId: number, email: string, source: string ): void {
		this.recipients.push( [ ticketId, email, '', source ] );
	}

	/**
	 * A receipt written with its outcome (emails known to be new).
	 *
	 * @param r The receipt.
	 */
	receipt( r: FinishedReceiptRow ): void {
		this.receipts.push( [
			r.connectionId,
			r.sourceKey,
			r.messageKey,
			r.messageId,
			r.contentKey || null,
			r.outcome,
			r.reason,
			r.ticketId,
			r.threadId,
			r.sizeBytes,
		] );
	}

	/**
	 * @param row The attachment.
	 */
	attachment( row: AttachmentRow ): void {
		this.attachments.push( [
			row.ticketId,
			row.threadId,
			row.blobId,
			row.filename.slice( 0, 255 ),
			row.contentType.slice( 0, 127 ),
			row.sizeBytes,
			row.contentId?.slice( 0, 255 ) ?? null,
			row.inline ? 1 : 0,
			row.status,
			row.reason,
		] );
	}

	/**
	 * An outbox event for WordPress.
	 *
	 * @param type     Event type.
	 * @param ticketId Ticket.
	 * @param threadId Thread.
	 * @param payload
	 */
	event(
		type: string,
		ticketId: number,
		threadId: number,
		payload: Record< string, unknown > | null = null
	): void {
		this.events.push( [
			type,
			ticketId,
			threadId,
			payload === null ? null : JSON.stringify( payload ),
			'pending',
		] );
	}

	/**
	 * @param row The activity-log row.
	 */
	activityRow( row: ActivityRow ): void {
		this.activity.push( activityValues( row ) );
	}

	/**
	 * Inserts everything collected, in the caller's transaction.
	 *
	 * @param c Connection in a transaction.
	 * @param t Table names.
	 */
	async flush( c: PoolConnection, t: Tables ): Promise< void > {
		await insertRows(
			c,
			t.messages,
			[
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
			],
			this.receipts.splice( 0 )
		);
		await insertRows(
			c,
			t.attachments,
			[
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
			],
			this.attachments.splice( 0 )
		);
		// A recipient the ticket already has (from a rule, an earlier copy) is kept as it was.
		await insertRows(
			c,
			t.ticket_recipients,
			[ 'ticket_id', 'email', 'name', 'source' ],
			this.recipients.splice( 0 ),
			'INSERT IGNORE'
		);
		await insertRows(
			c,
			t.events,
			[ 'type', 'ticket_id', 'thread_id', 'payload', 'status' ],
			this.events.splice( 0 )
		);
		await insertRows(
			c,
			t.activity,
			ACTIVITY_COLUMNS,
			this.activity.splice( 0 )
		);
	}
}
