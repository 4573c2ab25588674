/**
 * The benchmark's corpus, generated from a fixed seed: helpdesk text mail (2–40 KB, some HTML,
 * replies with quoted history, non-UTF-8 charsets) and an attachment-heavy mix (mixEmails).
 */
import { randomBytes } from 'node:crypto';

/* eslint-disable no-bitwise -- a PRNG is bit arithmetic */
/**
 * Small, fast, seedable PRNG (mulberry32).
 *
 * @param seed Seed.
 */
export function prng( seed: number ): () => number {
	let a = seed >>> 0;
	return () => {
		a = ( a + 0x6d2b79f5 ) >>> 0;
		let t = a;
		t = Math.imul( t ^ ( t >>> 15 ), t | 1 );
		t ^= t + Math.imul( t ^ ( t >>> 7 ), t | 61 );
		return ( ( t ^ ( t >>> 14 ) ) >>> 0 ) / 4294967296;
	};
}
/* eslint-enable no-bitwise */

const WORDS =
	'the printer invoice order account password login error update server please help thanks hello support ticket delivery refund shipping broken screen phone battery email attached report urgent customer problem again today yesterday cannot working since'.split(
		' '
	);

function words( rand: () => number, bytes: number ): string {
	const out: string[] = [];
	let size = 0;
	while ( size < bytes ) {
		const w = WORDS[ Math.floor( rand() * WORDS.length ) ] as string;
		out.push( w );
		size += w.length + 1;
		if ( rand() < 0.08 ) {
			out.push( '.\r\n' );
		}
	}
	return out.join( ' ' );
}

function head( i: number, subject: string, extra = '' ): string {
	return `From: Customer ${ i } <customer${ i % 50 }@example.test>\r\nTo: support@example.test\r\nSubject: ${ subject }\r\nMessage-ID: <bench-${ i }-${ subject.length }@example.test>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n${ extra }`;
}

/**
 * One helpdesk text email of 2–40 KB.
 *
 * @param rand PRNG.
 * @param i    Index.
 */
export function textEmail( rand: () => number, i: number ): string {
	const size = 2048 + Math.floor( rand() * 38 * 1024 );
	const body = words( rand, size );
	const kind = rand();
	if ( kind < 0.1 ) {
		return `${ head( i, `Question ${ i }`, 'Content-Type: text/html; charset=utf-8\r\n' ) }\r\n<html><body><p>${ body.replace( /\r\n/g, '</p><p>' ) }</p></body></html>\r\n`;
	}
	if ( kind < 0.2 ) {
		const latin = body.replace( /e/g, '\u00e9' );
		return (
			`${ head( i, `Fr\u00e9d\u00e9ric ${ i }`, 'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n' ) }\r\n`.replace(
				/Fr.d.ric/,
				'=?ISO-8859-1?Q?Fr=E9d=E9ric?='
			) +
			Buffer.from( latin, 'latin1' ).toString( 'latin1' ) +
			'\r\n'
		);
	}
	if ( kind < 0.35 ) {
		const quoted = words( rand, size / 2 )
			.split( '\r\n' )
			.join( '\r\n> ' );
		return `${ head( i, `Re: [Ticket #${ i }] Order`, `In-Reply-To: <orig-${ i }@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n` ) }\r\nThanks, that helped.\r\n\r\nOn Mon, 30 Nov 2026 at 10:00, Support wrote:\r\n> ${ quoted }\r\n`;
	}
	return `${ head( i, `Help needed ${ i }`, 'Content-Type: text/plain; charset=utf-8\r\n' ) }\r\n${ body }\r\n`;
}

/**
 * One email with an attachment of `bytes` (incompressible, base64-encoded).
 *
 * @param rand  PRNG (for the text).
 * @param i     Index.
 * @param bytes Attachment size.
 */
export function attachmentEmail(
	rand: () => number,
	i: number,
	bytes: number
): string {
	const file = randomBytes( bytes )
		.toString( 'base64' )
		.replace( /.{76}/g, '$&\r\n' );
	return `${ head( i, `Files ${ i }`, 'Content-Type: multipart/mixed; boundary="b"\r\n' ) }\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${ words( rand, 2048 ) }\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="file-${ i }.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${ file }\r\n--b--\r\n`;
}

/**
 * The attachment-heavy mix, like a helpdesk inbox by bytes: in every 20 emails, 14 text-only
 * (70 %), 5 with an attachment of 0.1–2 MB (25 %) and one with 10–25 MB (5 %) — about 1.5 MB per
 * email on average, most of the bytes in the big ones.
 *
 * @param rand  PRNG.
 * @param n     Number of emails.
 * @param first Index of the first email (keeps Message-IDs apart from other sets).
 */
export function mixEmails(
	rand: () => number,
	n: number,
	first: number
): string[] {
	const MB = 1024 * 1024;
	return Array.from( { length: n }, ( _v, k ) => {
		const i = first + k;
		const slot = k % 20;
		if ( slot === 19 ) {
			return attachmentEmail(
				rand,
				i,
				Math.floor( ( 10 + rand() * 15 ) * MB )
			);
		}
		if ( slot >= 14 ) {
			return attachmentEmail(
				rand,
				i,
				Math.floor( ( 0.1 + rand() * 1.9 ) * MB )
			);
		}
		return textEmail( rand, i );
	} );
}
