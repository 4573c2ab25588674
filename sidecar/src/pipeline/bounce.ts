/**
 * Reading a bounce: which of our emails came back, to whom delivery failed, and whether for good.
 *
 * Standard delivery reports (RFC 3464 `message/delivery-status` with the returned message or its
 * headers) and the plain-text bounces of qmail, Exim and older servers are both read. Nothing
 * here is trusted on its own: the store only acts on a Message-ID it finds among the
 * notifications it sent, and takes the recipient from that record.
 */
import {
	flagBouncedAddress,
	notificationsByMessageIds,
} from '../db/bounce-repo.ts';
import { insertThread } from '../db/ingest-repo.ts';
import type { PoolConnection } from '../db/pool.ts';
import type { Tables } from '../db/tables.ts';
import { cleanText } from './parse.ts';
import type { ParsedEmail } from './types.ts';

export interface DeliveryReport {
	/** Delivery failed for good (Action: failed, a 5.x.x status), not merely delayed. */
	readonly permanent: boolean;
	/** Addresses the report names as failed, lower case (may be empty for text bounces). */
	readonly recipients: readonly string[];
	/** Enhanced status code ("5.1.1"), or ''. */
	readonly status: string;
	/** The server's words, one line, at most 255 characters. */
	readonly diagnostic: string;
	/** Message-IDs of the returned email (ours, if it was one of our notifications). */
	readonly originalMessageIds: readonly string[];
}

const DIAGNOSTIC_MAX = 255;

/** Most Message-IDs looked up per bounce. */
const MAX_IDS = 5;

/** Words of a warning that delivery is only delayed and will be retried. */
const DELAY_WORDS =
	/\b(?:delayed|delay|will (?:retry|be retried|continue)|still trying|not yet been delivered|warning: message)\b/i;

function field( block: string, name: string ): string {
	const m = new RegExp(
		`^${ name }:[ \\t]*(.*(?:\\r?\\n[ \\t]+.*)*)`,
		'im'
	).exec( block );
	return m !== null ? cleanText( m[ 1 ] as string ) : '';
}

function addressOf( value: string ): string {
	// "rfc822; user@example.com" or "<user@example.com>"
	const m = /(?<![^\s;<>"@])([^\s;<>"@]+@[^\s;<>"]+)/.exec( value );
	return m !== null ? ( m[ 1 ] as string ).toLowerCase() : '';
}

/**
 * The Message-IDs of returned emails: the Message-ID header lines in the returned headers or
 * message, and in the text of plain bounces that quote them.
 *
 * @param texts Returned parts and the bounce's text.
 */
function returnedMessageIds( texts: readonly string[] ): string[] {
	const ids: string[] = [];
	for ( const text of texts ) {
		for ( const m of text.matchAll(
			/^[ \t>]*message-id:[ \t]*(?:\r?\n[ \t]+)?(<[^<>\s]{3,250}>)/gim
		) ) {
			const id = m[ 1 ] as string;
			if ( ! ids.includes( id ) ) {
				ids.push( id );
			}
			if ( ids.length >= MAX_IDS ) {
				return ids;
			}
		}
	}
	return ids;
}

/**
 * The facts of a bounce, or null when the email carries none (no status and no returned email).
 *
 * @param p A parsed email already classified as a bounce.
 */
export function readDeliveryReport( p: ParsedEmail ): DeliveryReport | null {
	const text = p.text.slice( 0, 64 * 1024 );
	// mailparser shows a message/delivery-status part as text; other parsers' output as a part.
	// A mail filter's rejection reports in a disposition notification (Final-Recipient, RFC 5429).
	const isStatus = ( r: { contentType: string } ) =>
		/(?:delivery-status|disposition-notification)$/.test( r.contentType );
	const statusTexts = [
		...p.reportParts.filter( isStatus ).map( ( r ) => r.text ),
		text,
	];
	const returned = p.reportParts
		.filter( ( r ) => ! isStatus( r ) )
		.map( ( r ) => r.text );
	const recipients: string[] = [];
	let status = '';
	let action = '';
	let diagnostic = '';
	for ( const statusText of statusTexts ) {
		// Per-recipient blocks follow the per-message block, separated by blank lines.
		for ( const block of statusText.split( /\r?\n[ \t]*\r?\n/ ) ) {
			const recipient = addressOf(
				field( block, 'final-recipient' ) ||
					field( block, 'original-recipient' )
			);
			if ( recipient === '' ) {
				continue;
			}
			if ( ! recipients.includes( recipient ) ) {
				recipients.push( recipient );
			}
			action ||= field( block, 'action' ).toLowerCase();
			status ||=
				/\d\.\d{1,3}\.\d{1,3}/.exec(
					field( block, 'status' )
				)?.[ 0 ] ?? '';
			diagnostic ||= field( block, 'diagnostic-code' );
		}
	}
	for ( const value of p.headers.get( 'x-failed-recipients' ) ?? [] ) {
		for ( const part of value.split( ',' ) ) {
			const address = addressOf( part );
			if ( address !== '' && ! recipients.includes( address ) ) {
				recipients.push( address );
			}
		}
	}
	if ( status === '' ) {
		status = /\b[45]\.\d{1,3}\.\d{1,3}\b/.exec( text )?.[ 0 ] ?? '';
	}
	if ( diagnostic === '' ) {
		const line = text
			.split( /\r?\n/ )
			.find( ( l ) =>
				/\b[45]\d\d\b|\b[45]\.\d{1,3}\.\d{1,3}\b/.test( l )
			);
		diagnostic = cleanText( line ?? '' );
	}
	const originalMessageIds = returnedMessageIds( [ ...returned, text ] );
	if (
		status === '' &&
		recipients.length === 0 &&
		originalMessageIds.length === 0
	) {
		return null;
	}
	const delayed =
		action === 'delayed' ||
		action === 'relayed' ||
		action === 'delivered' ||
		action === 'expanded' ||
		status.startsWith( '4' ) ||
		( action === '' &&
			! status.startsWith( '5' ) &&
			DELAY_WORDS.test( `${ p.subject }\n${ text.slice( 0, 2000 ) }` ) );
	return {
		permanent: ! delayed,
		recipients,
		status,
		diagnostic: diagnostic.slice( 0, DIAGNOSTIC_MAX ),
		originalMessageIds,
	};
}

export interface BounceRecord {
	readonly ticketId: number;
	readonly threadId: number;
	/** Activity details: whom it was for and what the server said. */
	readonly details: Record< string, unknown >;
}

/**
 * Records a bounce of one of our notifications on its ticket: a "bounce" thread with the
 * server's words, and — when delivery failed for good — the recipient flagged as bouncing, so
 * WordPress stops mailing it. Nothing happens for a bounce of an email we did not send.
 *
 * @param c      Connection in the skip's transaction.
 * @param t      Table names.
 * @param parsed The bounce.
 */
export async function recordBounce(
	c: PoolConnection,
	t: Tables,
	parsed: ParsedEmail
): Promise< BounceRecord | null > {
	const report = readDeliveryReport( parsed );
	if ( report === null || report.originalMessageIds.length === 0 ) {
		return null;
	}
	const sent = await notificationsByMessageIds(
		c,
		t,
		report.originalMessageIds
	);
	// The notification the report names as failed, else the one that came back.
	const notification =
		sent.find( ( n ) => report.recipients.includes( n.recipient ) ) ??
		sent[ 0 ];
	if ( notification === undefined ) {
		return null;
	}
	const summary = [ notification.recipient, report.status, report.diagnostic ]
		.filter( ( s ) => s !== '' )
		.join( ' — ' );
	const threadId = await insertThread( c, t, {
		ticketId: notification.ticketId,
		type: 'bounce',
		customerId: null,
		fromAddress: parsed.from?.address ?? '',
		fromName: parsed.from?.name ?? '',
		bodyText: summary,
		bodyHtml: null,
		replyText: summary,
		messageId: null,
	} );
	if ( report.permanent ) {
		await flagBouncedAddress( c, t, {
			email: notification.recipient,
			status: report.status,
			diagnostic: report.diagnostic,
			ticketId: notification.ticketId,
		} );
	}
	return {
		ticketId: notification.ticketId,
		threadId,
		details: {
			bounce: {
				recipient: notification.recipient,
				status: report.status,
				permanent: report.permanent,
				diagnostic: report.diagnostic,
			},
		},
	};
}
