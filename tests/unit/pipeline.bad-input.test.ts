/**
 * The bad-input catalogue (MIME structure and headers): every hostile email reaches a defined
 * outcome — ticket, skip or quarantine with a reason — quickly, without taking the process down.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	analyse,
	type PipelineSettings,
} from '../../sidecar/src/pipeline/index.ts';
import { readDeliveryReport } from '../../sidecar/src/pipeline/bounce.ts';
import { parseEmail } from '../../sidecar/src/pipeline/parse.ts';
import {
	compileRule,
	type CompiledRule,
} from '../../sidecar/src/pipeline/rules.ts';
import type { Analysis } from '../../sidecar/src/pipeline/types.ts';

const SETTINGS: PipelineSettings = {
	mailboxAddress: 'support@example.test',
	secretKey: null,
	replyMarker: '-- Reply above this line --',
};
const HEAD =
	'From: a@example.test\r\nTo: support@example.test\r\nSubject: test\r\nMessage-ID: <x@example.test>\r\n';

/**
 * Analyses with a hang guard: a stalled event loop would fail this, not hang the suite.
 * @param raw
 */
async function analysed( raw: string | Buffer ): Promise< Analysis > {
	let timer: NodeJS.Timeout | undefined;
	const guard = new Promise< never >( ( _r, reject ) => {
		timer = setTimeout(
			() => reject( new Error( 'analysis did not finish within 10 s' ) ),
			10_000
		);
	} );
	try {
		return await Promise.race( [
			analyse(
				Buffer.isBuffer( raw ) ? raw : Buffer.from( raw ),
				SETTINGS
			),
			guard,
		] );
	} finally {
		clearTimeout( timer );
	}
}

const multipart = ( parts: string, extra = '' ) =>
	`${ HEAD }MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n${ extra }\r\n${ parts }--b--\r\n`;

describe( 'bad input: MIME structure', () => {
	it( 'M1 a truncated multipart becomes a ticket with what was read', async () => {
		const a = await analysed(
			`${ HEAD }Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhalf a messa`
		);
		assert.equal( a.verdict, null );
		assert.match( a.content?.bodyText ?? '', /half a messa/ );
	} );

	it( 'M2 multipart without a boundary is read as one text part', async () => {
		const a = await analysed(
			`${ HEAD }Content-Type: multipart/mixed\r\n\r\njust text\r\n`
		);
		assert.equal( a.verdict, null );
	} );

	it( 'M3 1,100 sibling parts are quarantined', async () => {
		const parts = Array.from(
			{ length: 1100 },
			( _v, i ) => `--b\r\nContent-Type: text/plain\r\n\r\n${ i }\r\n`
		).join( '' );
		assert.deepEqual(
			( await analysed( multipart( parts ) ) ).verdict?.reason,
			'parse_failed'
		);
	} );

	it( 'M4 2,000 levels of nested multipart are quarantined, no stack overflow', async () => {
		let body = '';
		for ( let i = 0; i < 2000; i++ ) {
			body += `--b${ i }\r\nContent-Type: multipart/mixed; boundary="b${ i + 1 }"\r\n\r\n`;
		}
		const a = await analysed(
			`${ HEAD }MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n${ body }`
		);
		assert.deepEqual( a.verdict?.action, 'quarantine' );
	} );

	it( 'M5 100,000 leading blank lines are parsed in linear time', async () => {
		const a = await analysed(
			'\r\n'.repeat( 100_000 ) + HEAD + '\r\nbody\r\n'
		);
		assert.ok(
			a.verdict !== null,
			'no headers before the blank lines: no sender'
		);
	} );

	it( 'M6 a header block over 1 MB is quarantined', async () => {
		const a = await analysed(
			`${ HEAD }X-Big: ${ 'a'.repeat( 1_100_000 ) }\r\n\r\nbody\r\n`
		);
		assert.deepEqual(
			[ a.verdict?.action, a.verdict?.reason ],
			[ 'quarantine', 'parse_failed' ]
		);
	} );

	it( 'M7 30,000 recipients: a ticket that keeps only the first 100', async () => {
		const to = Array.from(
			{ length: 30_000 },
			( _v, i ) => `u${ i }@example.test`
		).join( ', ' );
		const a = await analysed(
			`From: a@example.test\r\nTo: ${ to }\r\nSubject: many\r\n\r\nbody\r\n`
		);
		assert.equal( a.verdict, null );
		assert.equal( a.parsed?.to.length, 100 );
	} );

	it( 'M9 999 attachments: a ticket with the first 100, the rest listed as refused', async () => {
		const parts = Array.from(
			{ length: 999 },
			( _v, i ) =>
				`--b\r\nContent-Disposition: attachment; filename="f${ i }.txt"\r\n\r\nx\r\n`
		).join( '' );
		const a = await analysed( multipart( parts ) );
		assert.equal( a.verdict, null );
		const statuses = a.parsed?.attachments.map( ( f ) => f.reason ) ?? [];
		assert.equal( statuses.length, 999 );
		assert.equal( statuses.filter( ( r ) => r === null ).length, 100 );
		assert.equal(
			statuses.filter( ( r ) => r === 'too_many_attachments' ).length,
			899
		);
	} );

	it( 'M10 broken base64 is decoded leniently into a ticket', async () => {
		const a = await analysed(
			`${ HEAD }Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8g!!!d29y*bGQ\r\n`
		);
		assert.equal( a.verdict, null );
		assert.match( a.content?.bodyText ?? '', /Hello/ );
	} );

	it( 'M11 an unknown transfer encoding is kept as an attachment', async () => {
		const a = await analysed(
			multipart(
				'--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f.uue"\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 f\r\n`\r\nend\r\n'
			)
		);
		assert.equal( a.verdict, null );
		assert.equal( a.parsed?.attachments[ 0 ]?.filename, 'f.uue' );
	} );

	it( 'M12 a forwarded message/rfc822 never makes its inner sender the identity', async () => {
		const a = await analysed(
			`${ HEAD }Content-Type: message/rfc822\r\n\r\nFrom: ceo@victim.test\r\nTo: x@example.test\r\nSubject: inner\r\n\r\ninner body\r\n`
		);
		assert.equal( a.verdict, null );
		assert.equal( a.parsed?.from?.address, 'a@example.test' );
	} );

	it( 'M13 an email with no body becomes a ticket with an empty body', async () => {
		const a = await analysed( `${ HEAD }\r\n` );
		assert.equal( a.verdict, null );
		assert.equal( a.content?.bodyText, '' );
	} );

	it( 'M16 an invitation keeps its calendar as invite.ics; a calendar answer is machine mail', async () => {
		const invite = ( method: string ) =>
			`${ HEAD }MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nJoin us\r\n--b\r\nContent-Type: text/calendar; method=${ method }; charset=UTF-8\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:${ method }\r\nBEGIN:VEVENT\r\nSUMMARY:Call\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n--b--\r\n`;
		const request = await analysed( invite( 'REQUEST' ) );
		assert.equal( request.verdict, null );
		assert.deepEqual(
			request.parsed?.attachments.map( ( f ) => f.filename ),
			[ 'invite.ics' ]
		);
		const reply = await analysed( invite( 'REPLY' ) );
		assert.deepEqual( reply.verdict, {
			action: 'skip',
			reason: 'auto_reply',
		} );
	} );

	it( "M16 an invitation's calendar is listed where its part is, before a file attached after it", async () => {
		const a = await analysed(
			`${ HEAD }MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n--m\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSite visit, map attached\r\n--b\r\nContent-Type: text/calendar; method=REQUEST; charset=UTF-8\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Visit\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n--b--\r\n--m\r\nContent-Type: application/pdf; name="map.pdf"\r\nContent-Disposition: attachment; filename="map.pdf"\r\n\r\n%PDF-1.4\r\n--m--\r\n`
		);
		assert.equal( a.verdict, null );
		assert.deepEqual(
			a.parsed?.attachments.map( ( f ) => f.filename ),
			[ 'invite.ics', 'map.pdf' ]
		);
	} );

	it( "M16 an invitation that also attaches its calendar as a file lists both, the body's first", async () => {
		// Thunderbird and Google send the calendar twice: as the invitation's body and as a file.
		const ics =
			'BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Visit\r\nEND:VEVENT\r\nEND:VCALENDAR';
		const a = await analysed(
			`${ HEAD }MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n--m\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee you there\r\n--b\r\nContent-Type: text/calendar; method=REQUEST; charset=UTF-8\r\n\r\n${ ics }\r\n--b--\r\n--m\r\nContent-Type: application/ics; name="Visit.ics"\r\nContent-Disposition: attachment; filename="Visit.ics"\r\n\r\n${ ics }\r\n--m--\r\n`
		);
		assert.equal( a.verdict, null );
		assert.deepEqual(
			a.parsed?.attachments.map( ( f ) => [ f.filename, f.size ] ),
			[
				[ 'invite.ics', ics.length ],
				[ 'Visit.ics', ics.length ],
			]
		);
	} );

	it( 'M18 HTML nested 100,000 deep is not parsed, its text is kept', async () => {
		const a = await analysed(
			`${ HEAD }Content-Type: text/html\r\n\r\n${ '<div>'.repeat( 100_000 ) }deep text${ '</div>'.repeat( 100_000 ) }`
		);
		assert.equal( a.verdict, null );
		assert.equal( a.content?.bodyHtml, null );
		assert.equal( a.content?.bodyText, 'deep text' );
	} );

	it( 'M19 markup of stray "<" and unclosed tags is read in linear time, its words kept', async () => {
		// Each of these made a pattern rescan to the end for every "<": minutes, not milliseconds.
		for ( const [ words, markup ] of [
			[ 'stray words', '<'.repeat( 2_100_000 ) ],
			[ 'script words', '<script>x'.repeat( 250_000 ) ],
			[ 'anchor words', '<a'.repeat( 600_000 ) ],
		] as const ) {
			const a = await analysed(
				`${ HEAD }Content-Type: text/html\r\n\r\n<p>${ words }</p>${ markup }`
			);
			assert.equal( a.verdict, null );
			assert.ok(
				( a.content?.bodyText ?? '' ).startsWith( words ),
				words
			);
		}
	} );
} );

describe( 'bad input: headers', () => {
	it( 'H1 no From header is quarantined', async () => {
		const a = await analysed(
			'To: support@example.test\r\nSubject: anonymous\r\n\r\nbody\r\n'
		);
		assert.deepEqual( a.verdict, {
			action: 'quarantine',
			reason: 'no_sender',
		} );
	} );

	it( 'H5 an address only inside an encoded word is no address', async () => {
		const a = await analysed(
			'From: =?UTF-8?B?Y2VvQGNvbXBhbnkuY29t?=\r\nTo: support@example.test\r\nSubject: x\r\n\r\nbody\r\n'
		);
		assert.equal( a.verdict?.reason, 'no_sender' );
	} );

	it( 'H3 with duplicate headers the first occurrence wins', async () => {
		const a = await analysed(
			'From: first@example.test\r\nFrom: second@example.test\r\nTo: support@example.test\r\nSubject: one\r\nSubject: two\r\n\r\nbody\r\n'
		);
		assert.equal( a.parsed?.from?.address, 'first@example.test' );
	} );

	it( 'H11 hostile attachment names lose paths, controls and direction overrides', async () => {
		const names = [
			'../../shell.php',
			'..\\\\..\\\\evil.doc',
			'report\u202Egpj.exe',
			'con.txt',
			'a'.repeat( 400 ) + '.pdf',
			'trailing.pdf...',
			'Re: Your payroll update.eml',
			'C:fake.txt',
		];
		const parts = names
			.map(
				( n ) =>
					`--b\r\nContent-Disposition: attachment; filename="${ n }"\r\n\r\nx\r\n`
			)
			.join( '' );
		const a = await analysed( multipart( parts ) );
		const stored = a.parsed?.attachments.map( ( f ) => f.filename ) ?? [];
		assert.deepEqual( stored.slice( 0, 4 ), [
			'shell.php',
			'evil.doc',
			'reportgpj.exe',
			'_con.txt',
		] );
		assert.ok(
			Buffer.byteLength( stored[ 4 ] ?? '' ) <= 200 &&
				( stored[ 4 ] ?? '' ).endsWith( '.pdf' )
		);
		assert.equal( stored[ 5 ], 'trailing.pdf' );
		// A colon that ends a word reads as a dash (as attached messages are named); others go.
		assert.deepEqual( stored.slice( 6 ), [
			'Re - Your payroll update.eml',
			'C_fake.txt',
		] );
	} );

	it( 'H14 header names like __proto__ pollute nothing', async () => {
		await analysed(
			`${ HEAD }List-__proto__: <x>\r\n__proto__: polluted\r\nconstructor: x\r\n\r\nbody\r\n`
		);
		assert.equal(
			( {} as Record< string, unknown > )[ 'polluted' ],
			undefined
		);
		assert.equal(
			Object.prototype.hasOwnProperty.call(
				Object.prototype,
				'polluted'
			),
			false
		);
	} );

	it( 'H15 a 1 MB subject is cut to the column size', async () => {
		const a = await analysed(
			`From: a@example.test\r\nSubject: ${ 'x'.repeat( 1_000_000 ) }\r\n\r\nbody\r\n`
		);
		assert.equal( a.subject.length, 255 );
		assert.ok( a.subject.endsWith( '…' ) );
	} );

	it( 'H16 an encoded CR/LF in the subject does not survive', async () => {
		const a = await analysed(
			'From: a@example.test\r\nSubject: =?UTF-8?Q?Hi=0D=0ABcc:_x@evil.test?=\r\n\r\nbody\r\n'
		);
		assert.doesNotMatch( a.subject, /[\r\n]/ );
	} );
} );

/**
 * Inputs shaped so that a pattern or loop rescans what it already read: each took seconds to
 * hours (or ran out of memory) at these sizes, which real mail can reach; read in linear time,
 * each is an ordinary email.
 */
describe( 'bad input: shapes that make matching super-linear', () => {
	const MB = 1024 * 1024;
	const built = (
		parts: {
			headers?: string;
			subject?: string;
			text?: string;
			html?: string;
		} = {}
	): Buffer =>
		Buffer.from(
			`From: Alice <alice@example.com>\r\nTo: support@example.test\r\nSubject: ${
				parts.subject ?? 'Help'
			}\r\nMessage-ID: <m1@example.com>\r\nMIME-Version: 1.0\r\n${
				parts.headers ?? ''
			}Content-Type: text/${
				parts.html !== undefined ? 'html' : 'plain'
			}; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${
				parts.html ?? parts.text ?? 'hello'
			}`
		);
	let segments = '';
	for ( let i = 1; i < 90_000; i++ ) {
		segments += `; n*${ i }=a`;
	}
	const cases: Array< [ string, Buffer, PipelineSettings? ] > = [
		[
			'empty blockquotes, 1 MB',
			built( {
				html: `<p>hi</p>${ '<blockquote/>x\n'.repeat( 70_000 ) }`,
			} ),
		],
		[
			'unclosed <blockquote, 2 MB',
			built( { html: `<p>hi</p>${ '<blockquote '.repeat( 170_000 ) }` } ),
		],
		[
			'unclosed <hr, 2 MB',
			built( { html: `<p>hi</p>${ '<hr '.repeat( 500_000 ) }` } ),
		],
		[
			'2 MB of spaces in HTML',
			built( { html: `<p>hi ${ ' '.repeat( 2 * MB ) }x</p>` } ),
		],
		[
			'one 2 MB tag name',
			built( { html: `<p>hi</p><${ 'a'.repeat( 2 * MB ) }` } ),
		],
		[
			'2 MB of spaces in a line',
			built( { text: `hi\n${ ' '.repeat( 2 * MB ) }x \nbye` } ),
		],
		[
			'"<a@a@a@…", 2 MB',
			built( { text: `hi\n<${ 'a@'.repeat( MB ) }x\nbye` } ),
		],
		[
			'a Sender of "<a@a@…", 900 KB',
			built( { headers: `Sender: <${ 'a@'.repeat( 450_000 ) }x\r\n` } ),
		],
		[
			'a Content-Transfer-Encoding of 900,000 "("',
			Buffer.from(
				built()
					.toString()
					.replace(
						'Content-Transfer-Encoding: 8bit',
						`Content-Transfer-Encoding: 8bit ${ '('.repeat( 900_000 ) }`
					)
			),
		],
		[
			'90,000 RFC 2231 segments',
			Buffer.from(
				built()
					.toString()
					.replace(
						'charset=utf-8',
						`charset=utf-8; n*0*=iso-8859-1''a${ segments }`
					)
			),
		],
		[
			'16,000 Received headers',
			built( { headers: 'Received: from x\r\n'.repeat( 16_000 ) } ),
		],
		[
			'an X-Original-To of 900,000 ">"',
			built( {
				headers: `X-Original-To: ${ '>'.repeat( 900_000 ) }\r\n x\r\n`,
			} ),
			{ ...SETTINGS, forwardingAddresses: [ 'help@example.com' ] },
		],
		[
			'a 900 KB subject under a two-word wildcard rule',
			built( { subject: 'urgent '.repeat( 130_000 ) } ),
			{
				...SETTINGS,
				rules: [
					compileRule( {
						name: 'r',
						conditions: [
							{
								field: 'subject',
								match: 'wildcard',
								value: '*urgent*refund*',
							},
						],
						actions: {},
						continueMatching: false,
					} ),
				].filter( ( r ) => r !== null ),
			},
		],
	];
	for ( const [ name, raw, settings ] of cases ) {
		it( `${ name } becomes an ordinary ticket`, async () => {
			const a = await analyse( raw, settings ?? SETTINGS );
			assert.equal( a.verdict, null );
			assert.ok( a.content !== null );
		} );
	}

	it( 'an email that meets a fault after parsing is quarantined with the reason, not retried', async () => {
		// A rule whose evaluation throws stands in for any fault of the pure stages.
		const faulty = {
			get conditions(): never {
				throw new Error( 'boom' );
			},
		} as unknown as CompiledRule;
		const a = await analyse( built( { text: 'Hello' } ), {
			...SETTINGS,
			rules: [ faulty ],
		} );
		assert.equal( a.verdict?.action, 'quarantine' );
		assert.equal( a.verdict?.reason, 'parse_failed' );
		assert.match( a.verdict?.detail ?? '', /analysis failed: boom/ );
		assert.equal( a.subject, 'Help' );
	} );

	it( 'a 900 KB recipient without "@" in a bounce is read at once', async () => {
		const p = await parseEmail(
			built( {
				headers: `X-Failed-Recipients: ${ 'a'.repeat( 900_000 ) }\r\n`,
			} )
		);
		assert.equal( readDeliveryReport( p )?.recipients.length ?? 0, 0 );
	} );
} );
