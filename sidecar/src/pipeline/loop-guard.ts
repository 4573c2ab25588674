/**
 * Loop and flood protection. An auto-responder that sends no machine headers, answering each of
 * our notifications with a new email, would ping-pong with us for ever; a sender (or a forger)
 * can also flood the mailbox. Counting what the database already holds breaks both:
 *
 * - replies on one ticket over Zammad's per-ticket caps are still added, but notify no one;
 * - new tickets from one sender: past the hourly "quiet" count they notify no one, past the
 *   hourly limit they are quarantined (kept, visible, reprocessable by the admin).
 *
 * Nothing is lost either way, and a backlog import is only kept quiet, which is what it wants.
 */
import type { RowDataPacket } from 'mysql2/promise';

import type { PoolConnection } from '../db/pool.ts';
import type { Tables } from '../db/tables.ts';

/** Customer replies per ticket within a window before notifications stop (Zammad's caps). */
export const TICKET_REPLY_CAPS: ReadonlyArray< {
	readonly minutes: number;
	readonly max: number;
} > = [
	{ minutes: 10, max: 10 },
	{ minutes: 30, max: 15 },
	{ minutes: 60, max: 25 },
	{ minutes: 180, max: 50 },
	{ minutes: 600, max: 100 },
];

/** How many new tickets one sender may open within an hour (settings; 0 = no limit). */
export interface SenderLimits {
	/** Tickets that still notify (sender_tickets_quiet). */
	readonly quiet: number;
	/** Tickets taken in at all (sender_tickets_limit). */
	readonly limit: number;
}

/** The defaults of the settings. */
export const DEFAULT_SENDER_LIMITS: SenderLimits = { quiet: 20, limit: 100 };

/** Why an email's notifications are held back (activity details). */
export interface LoopHold {
	readonly limit: 'ticket_replies' | 'sender_tickets';
	readonly minutes: number;
	/** What was counted before this email. */
	readonly count: number;
}

/** Thrown for a new ticket over the sender limit: the email is quarantined instead. */
export class SenderFlood extends Error {}

/**
 * Which cap, if any, a ticket's recent replies reach.
 *
 * @param counts Customer replies within each window of TICKET_REPLY_CAPS, in its order.
 */
export function replyCapReached( counts: readonly number[] ): LoopHold | null {
	for ( const [ i, cap ] of TICKET_REPLY_CAPS.entries() ) {
		const count = counts[ i ] ?? 0;
		if ( count >= cap.max ) {
			return { limit: 'ticket_replies', minutes: cap.minutes, count };
		}
	}
	return null;
}

/**
 * What a new ticket from a sender with `count` tickets in the last hour may do.
 *
 * @param count  Tickets the sender opened in the last hour, before this one.
 * @param limits The site's limits.
 * @throws SenderFlood past the limit.
 */
export function senderTicketHold(
	count: number,
	limits: SenderLimits = DEFAULT_SENDER_LIMITS
): LoopHold | null {
	if ( limits.limit > 0 && count >= limits.limit ) {
		throw new SenderFlood(
			`${ count } new tickets from this sender in the last hour`
		);
	}
	return limits.quiet > 0 && count >= limits.quiet
		? { limit: 'sender_tickets', minutes: 60, count }
		: null;
}

/**
 * Whether the site limits new tickets per sender at all (both settings 0: no counting).
 *
 * @param limits The site's limits (defaults when absent).
 */
export function senderLimited(
	limits: SenderLimits = DEFAULT_SENDER_LIMITS
): boolean {
	return limits.quiet > 0 || limits.limit > 0;
}

/**
 * The limits of the settings, each value checked as PHP saves it (anything else: the default).
 *
 * @param quiet Setting sender_tickets_quiet.
 * @param limit Setting sender_tickets_limit.
 */
export function senderLimitsOf( quiet: unknown, limit: unknown ): SenderLimits {
	const valid = ( v: unknown ): v is number =>
		Number.isInteger( v ) && ( v as number ) >= 0;
	return {
		quiet: valid( quiet ) ? quiet : DEFAULT_SENDER_LIMITS.quiet,
		limit: valid( limit ) ? limit : DEFAULT_SENDER_LIMITS.limit,
	};
}

/**
 * Customer replies a ticket received within each window of TICKET_REPLY_CAPS.
 *
 * @param c        Connection.
 * @param t        Table names.
 * @param ticketId Ticket.
 */
export async function recentReplyCounts(
	c: PoolConnection,
	t: Tables,
	ticketId: number
): Promise< number[] > {
	const longest = TICKET_REPLY_CAPS.at( -1 )?.minutes ?? 0;
	const sums = TICKET_REPLY_CAPS.map(
		( cap ) =>
			`SUM(created_at > UTC_TIMESTAMP() - INTERVAL ${ cap.minutes } MINUTE) AS w${ cap.minutes }`
	).join( ', ' );
	const [ rows ] = await c.execute< RowDataPacket[] >(
		`SELECT ${ sums } FROM ${ t.threads } WHERE ticket_id = ? AND type = 'reply' AND author_kind = 'customer' AND created_at > UTC_TIMESTAMP() - INTERVAL ${ longest } MINUTE`,
		[ ticketId ]
	);
	const row: Record< string, unknown > = rows[ 0 ] ?? {};
	return TICKET_REPLY_CAPS.map( ( cap ) =>
		Number( row[ `w${ cap.minutes }` ] ?? 0 )
	);
}

/**
 * Tickets each customer opened in the last hour.
 *
 * @param c           Connection.
 * @param t           Table names.
 * @param customerIds Customers.
 */
export async function recentTicketCounts(
	c: PoolConnection,
	t: Tables,
	customerIds: readonly number[]
): Promise< Map< number, number > > {
	const ids = [ ...new Set( customerIds ) ];
	const counts = new Map< number, number >();
	if ( ids.length === 0 ) {
		return counts;
	}
	const [ rows ] = await c.execute< RowDataPacket[] >(
		`SELECT customer_id, COUNT(*) AS n FROM ${ t.tickets } WHERE customer_id IN (${ ids
			.map( () => '?' )
			.join(
				','
			) }) AND created_at > UTC_TIMESTAMP() - INTERVAL 60 MINUTE GROUP BY customer_id`,
		ids
	);
	for ( const r of rows ) {
		counts.set( Number( r[ 'customer_id' ] ), Number( r[ 'n' ] ) );
	}
	return counts;
}
