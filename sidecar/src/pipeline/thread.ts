/**
 * Threading hints that need no database: our signed references and the subject token.
 * The store turns hints into a decision, and only for participants of the ticket.
 */
import {
	parseOurMessageId,
	parseReplyAddress,
	verifyReference,
	verifyReplyAddress,
} from '../security/signer.ts';
import type { ParsedEmail, ThreadHints } from './types.ts';

const SUBJECT_TOKEN = /\[Ticket #(\d{1,18})\]/i;

/**
 * Collects the ways this email may belong to an existing ticket.
 *
 * @param p              Parsed email.
 * @param secretKey      EPIPE_SECRET_KEY, or null (then no reference can be verified).
 * @param mailboxAddress
 */
export function threadHints(
	p: ParsedEmail,
	secretKey: string | null,
	mailboxAddress = ''
): ThreadHints {
	const referenceIds = [
		...new Set( [
			...( p.inReplyTo !== null ? [ p.inReplyTo ] : [] ),
			...p.references,
		] ),
	];
	let signedTicketId: number | null = null;
	const unverified = new Set< number >();
	for ( const id of referenceIds ) {
		const ref = parseOurMessageId( id );
		if ( ref === null ) {
			continue;
		}
		if (
			signedTicketId === null &&
			secretKey !== null &&
			p.from !== null &&
			verifyReference( secretKey, ref, p.from.address )
		) {
			signedTicketId = ref.ticketId;
		} else {
			unverified.add( ref.ticketId );
		}
	}
	// A reply sent to the signed reply address of one of our notifications proves its ticket
	// even when the mail client dropped every reference header.
	let replyAddressTicketId: number | null = null;
	if ( secretKey !== null && p.from !== null && mailboxAddress !== '' ) {
		const recipients = [
			...p.to.map( ( a ) => a.address ),
			...p.cc.map( ( a ) => a.address ),
			...( p.headers.get( 'delivered-to' ) ?? [] ),
			...( p.headers.get( 'x-original-to' ) ?? [] ),
		];
		for ( const address of recipients ) {
			const ref = parseReplyAddress(
				address.replace( /^<|>$/g, '' ),
				mailboxAddress
			);
			if (
				ref !== null &&
				verifyReplyAddress( secretKey, ref, p.from.address )
			) {
				replyAddressTicketId = ref.ticketId;
				break;
			}
		}
	}
	const token = SUBJECT_TOKEN.exec( p.subject );
	// A sender whose domain's DMARC check failed may be anyone: only our signed proofs, which a
	// forger can't know, join an existing ticket; references and ticket numbers do not.
	const forged = senderAuthenticationFailed( p );
	return {
		signedTicketId,
		replyAddressTicketId,
		unverifiedTicketIds: [ ...unverified ].filter(
			( id ) => id !== signedTicketId
		),
		subjectTicketId: token && ! forged ? Number( token[ 1 ] ) : null,
		referenceIds: forged ? [] : referenceIds,
		senderUnverified: forged,
	};
}

/**
 * Whether the receiving server found the sender's address forged: the topmost
 * Authentication-Results header (the one our own server added; RFC 8601) reports dmarc=fail.
 *
 * @param p Parsed email.
 */
export function senderAuthenticationFailed( p: ParsedEmail ): boolean {
	const results = p.headers.get( 'authentication-results' )?.[ 0 ] ?? '';
	return /(?:^|[;\s])dmarc\s*=\s*fail\b/i.test( results );
}
