/**
 * Bounces of our notifications: which notification came back, and the addresses flagged as
 * bouncing (WordPress stops mailing them; see Notification_Dispatcher).
 */
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';

import type { Tables } from './tables.ts';

export interface SentNotification {
	readonly ticketId: number;
	readonly recipient: string;
}

/**
 * The notifications we sent under these Message-IDs (the record says to whom and about which
 * ticket, so a bounce never has to be believed about either).
 *
 * @param c          Connection.
 * @param t          Table names.
 * @param messageIds Message-IDs with brackets.
 */
export async function notificationsByMessageIds(
	c: PoolConnection,
	t: Tables,
	messageIds: readonly string[]
): Promise< SentNotification[] > {
	if ( messageIds.length === 0 ) {
		return [];
	}
	const [ rows ] = await c.execute< RowDataPacket[] >(
		`SELECT ticket_id, recipient FROM ${ t.notifications } WHERE message_id IN (${ messageIds
			.map( () => '?' )
			.join( ',' ) }) ORDER BY id LIMIT 10`,
		[ ...messageIds ]
	);
	return rows.map( ( r ) => ( {
		ticketId: Number( r[ 'ticket_id' ] ),
		recipient: String( r[ 'recipient' ] ).toLowerCase(),
	} ) );
}

export interface BouncedAddress {
	readonly email: string;
	readonly status: string;
	readonly diagnostic: string;
	readonly ticketId: number;
}

/**
 * Flags an address as bouncing for good, or refreshes its flag.
 *
 * @param c   Connection in a transaction.
 * @param t   Table names.
 * @param row The address and what the server said.
 */
export async function flagBouncedAddress(
	c: PoolConnection,
	t: Tables,
	row: BouncedAddress
): Promise< void > {
	await c.execute(
		`INSERT INTO ${ t.bounced_addresses } (email, status, diagnostic, ticket_id, bounces, bounced_at)
		VALUES (?, ?, ?, ?, 1, UTC_TIMESTAMP())
		ON DUPLICATE KEY UPDATE status = VALUES(status), diagnostic = VALUES(diagnostic),
			ticket_id = VALUES(ticket_id), bounces = bounces + 1, bounced_at = VALUES(bounced_at)`,
		[
			row.email.slice( 0, 254 ),
			row.status.slice( 0, 16 ),
			row.diagnostic.slice( 0, 255 ),
			row.ticketId,
		]
	);
}
