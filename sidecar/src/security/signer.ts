/**
 * Signed references, byte-compatible with includes/Security/Signer.php.
 *
 * Our notifications carry Message-IDs "<epipe.{ticket}.{unique}.{token}@{host}>" where token is
 * the first 24 hex of HMAC-SHA256(sign key, "ticket:{id}:{participant address}"). A reply that
 * references such an id, sent from that participant's address, is proven to answer our mail.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import { deriveKey, LABEL_SIGN } from './keys.ts';

const OUR_MESSAGE_ID =
	/^<?epipe\.(\d+)\.([0-9a-f]+)\.([0-9a-f]{24})@[^>\s]+>?$/i;

export interface SignedReference {
	readonly ticketId: number;
	readonly token: string;
}

/**
 * Hex HMAC-SHA256 of `data` under the signing key, cut to `length` characters.
 *
 * @param master EPIPE_SECRET_KEY.
 * @param data   What is signed.
 * @param length Characters kept.
 */
function sign( master: string, data: string, length = 64 ): string {
	return createHmac( 'sha256', deriveKey( master, LABEL_SIGN ) )
		.update( data )
		.digest( 'hex' )
		.slice( 0, length );
}

/**
 * Constant-time comparison of an expected token with a given one.
 *
 * @param expected Token we computed.
 * @param given    Token from the email.
 */
function sameToken( expected: string, given: string ): boolean {
	const a = Buffer.from( expected );
	const b = Buffer.from( given );
	return a.length === b.length && timingSafeEqual( a, b );
}

/**
 * Token binding a ticket to a participant.
 *
 * @param master      EPIPE_SECRET_KEY.
 * @param ticketId    Ticket.
 * @param participant Address.
 */
export function ticketToken(
	master: string,
	ticketId: number,
	participant: string
): string {
	return sign(
		master,
		`ticket:${ ticketId }:${ participant.trim().toLowerCase() }`,
		24
	);
}

/**
 * Recognises the shape of one of our Message-IDs (not yet its signature).
 *
 * @param messageId A Message-ID, with or without angle brackets.
 */
export function parseOurMessageId( messageId: string ): SignedReference | null {
	const m = OUR_MESSAGE_ID.exec( messageId.trim() );
	return m
		? {
				ticketId: Number( m[ 1 ] ),
				token: ( m[ 3 ] as string ).toLowerCase(),
			}
		: null;
}

/**
 * Whether a reference was signed by this site for that participant.
 *
 * @param master      EPIPE_SECRET_KEY.
 * @param ref         Parsed reference.
 * @param participant Address the reply came from.
 */
export function verifyReference(
	master: string,
	ref: SignedReference,
	participant: string
): boolean {
	return sameToken(
		ticketToken( master, ref.ticketId, participant ),
		ref.token
	);
}

/**
 * Headers proving a dispatch ping comes from this site's sidecar.
 *
 * @param master EPIPE_SECRET_KEY.
 * @param now    Unix seconds.
 */
export function pingHeaders(
	master: string,
	now: number = Math.floor( Date.now() / 1000 )
): Record< string, string > {
	const ts = String( now );
	return {
		'X-Epipe-Timestamp': ts,
		'X-Epipe-Signature': sign( master, `dispatch\n${ ts }` ),
	};
}

/**
 * Token of a signed reply address (includes/Security/Signer.php reply_token()).
 *
 * @param master      EPIPE_SECRET_KEY.
 * @param ticketId    Ticket.
 * @param participant Address the notification went to.
 */
export function replyToken(
	master: string,
	ticketId: number,
	participant: string
): string {
	return sign(
		master,
		`reply-address:${ ticketId }:${ participant.trim().toLowerCase() }`,
		20
	);
}

/**
 * Recognises a signed reply address of the piped mailbox: "{local}+t{ticket}-{token}@{domain}".
 *
 * @param address Recipient address of an incoming email.
 * @param mailbox The piped mailbox address.
 */
export function parseReplyAddress(
	address: string,
	mailbox: string
): SignedReference | null {
	const at = mailbox.lastIndexOf( '@' );
	if ( at === -1 ) {
		return null;
	}
	const local = mailbox.slice( 0, at ).toLowerCase();
	const domain = mailbox.slice( at ).toLowerCase();
	const m = /^(.+)\+t(\d+)-([0-9a-f]{20})(@.+)$/.exec(
		address.trim().toLowerCase()
	);
	if ( m === null || m[ 1 ] !== local || m[ 4 ] !== domain ) {
		return null;
	}
	return { ticketId: Number( m[ 2 ] ), token: m[ 3 ] as string };
}

/**
 * Whether a reply address was signed by this site for that participant.
 *
 * @param master      EPIPE_SECRET_KEY.
 * @param ref         Parsed reply address.
 * @param participant Address the reply came from.
 */
export function verifyReplyAddress(
	master: string,
	ref: SignedReference,
	participant: string
): boolean {
	return sameToken(
		replyToken( master, ref.ticketId, participant ),
		ref.token
	);
}
