/**
 * Mail content is data, never code or headers: an email carrying <script>, event handlers,
 * javascript: links, CR/LF in its subject and sender name, and hostile attachment file names is
 * piped by the real sidecar and then shown in every screen and sent in every notification —
 * and nothing of it runs, renders as markup, adds a header or escapes a download.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import {
	loadStack,
	openDb,
	runCli,
	sendMail,
	type Stack,
} from './support/stack.ts';
import {
	adminAuth,
	api,
	capturedMail,
	login,
	waitForCaptured,
	type Session,
} from './support/wp.ts';

const b64 = ( s: string ): string =>
	Buffer.from( s, 'utf8' ).toString( 'base64' );

/**
 * Every way a piece of mail content could turn into live markup in an HTML page (escaped text
 * such as "&lt;img onerror=…&gt;" is harmless and allowed).
 */
const LIVE_MARKUP = [
	/<script[^>]*>\s*alert/i,
	/<[a-z][^<>]*\son(error|load)\s*=/i,
	/<a[^<>]+href\s*=\s*["']?\s*javascript:/i,
	/<iframe/i,
	/<svg/i,
	/<img[^<>]+tracker\.example/,
];

describe( 'hostile mail content is harmless everywhere', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let auth: string;
	let agent: Session;
	let ticketId = 0;
	const tag = randomUUID().slice( 0, 8 );
	const subjectText = `Hostile <script>alert('subject')</script> ${ tag }\r\nBcc: evil@example.test\r\nX-Injected: subject`;

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		auth = adminAuth( stack );
		agent = await login( stack, 'agent', 'agent-pass-123' );
		const boundary = `b-${ tag }`;
		const alt = `a-${ tag }`;
		const raw = [
			`From: =?UTF-8?B?${ b64( `<script>alert('from')</script>\r\nX-Injected: from` ) }?= <customer@example.test>`,
			'To: support@example.test',
			`Subject: =?UTF-8?B?${ b64( subjectText ) }?=`,
			`Message-ID: <hostile-${ tag }@customer.example.test>`,
			'MIME-Version: 1.0',
			`Content-Type: multipart/mixed; boundary="${ boundary }"`,
			'',
			`--${ boundary }`,
			`Content-Type: multipart/alternative; boundary="${ alt }"`,
			'',
			`--${ alt }`,
			'Content-Type: text/plain; charset=utf-8',
			'',
			`Hello <script>alert('text')</script> <img src=x onerror=alert('text')> ${ tag }`,
			'Bcc: evil@example.test',
			'',
			`--${ alt }`,
			'Content-Type: text/html; charset=utf-8',
			'',
			`<p>Hi <b>bold</b><script>alert('html')</script><img src="x" onerror="alert('img')"><a href="javascript:alert('js')">click</a><svg onload="alert('svg')"></svg><iframe src="http://evil.example/"></iframe><style>body{display:none}</style><img src="http://tracker.example/pixel.png"> ${ tag }</p>`,
			'',
			`--${ alt }--`,
			'',
			`--${ boundary }`,
			'Content-Type: application/pdf',
			`Content-Disposition: attachment; filename*=UTF-8''%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E.pdf`,
			'Content-Transfer-Encoding: base64',
			'',
			b64( '%PDF-1.4 first' ),
			'',
			`--${ boundary }`,
			'Content-Type: application/pdf',
			`Content-Disposition: attachment; filename*=UTF-8''..%2F..%2Fevil%0D%0AX-Injected%3A%20file.pdf`,
			'Content-Transfer-Encoding: base64',
			'',
			b64( '%PDF-1.4 second' ),
			'',
			`--${ boundary }--`,
			'',
		].join( '\r\n' );
		await sendMail( stack, {
			envelope: {
				from: 'customer@example.test',
				to: [ 'support@example.test' ],
			},
			raw,
		} );
		const result = await runCli( [
			'run',
			'--once',
			'--wp-config',
			stack.wp.config,
		] );
		assert.equal( result.code, 0, result.stderr );
		const [ rows ] = await db.query(
			'SELECT ticket_id FROM wp_epipe_threads WHERE message_id = ?',
			[ `<hostile-${ tag }@customer.example.test>` ]
		);
		ticketId = Number(
			( rows as Array< { ticket_id: number } > )[ 0 ]?.ticket_id
		);
		assert.ok( ticketId > 0, 'the hostile email became a ticket' );
	} );
	after( async () => {
		await api( stack, 'PATCH', '/settings', auth, {
			body_preference: 'text',
		} );
		await db.end();
	} );

	it( 'keeps the subject on one line and the HTML sanitised in the REST API', async () => {
		const res = await api< {
			subject: string;
			threads: Array< { body_html: string | null } >;
		} >( stack, 'GET', `/tickets/${ ticketId }`, auth );
		assert.equal( res.status, 200 );
		assert.doesNotMatch( res.json.subject, /[\r\n]/ );
		const html = res.json.threads[ 0 ]?.body_html ?? '';
		for ( const pattern of LIVE_MARKUP ) {
			assert.doesNotMatch( html, pattern );
		}
	} );

	it( 'shows the content as text in the ticket list', async () => {
		const page = await (
			await agent.get(
				`/wp-admin/admin.php?page=email-piping-tickets&s=${ tag }`
			)
		).text();
		assert.ok( page.includes( `#${ ticketId } ` ), 'the ticket is listed' );
		assert.ok(
			page.includes( 'Hostile &lt;script&gt;alert(' ),
			'the subject is escaped'
		);
		for ( const pattern of LIVE_MARKUP ) {
			assert.doesNotMatch( page, pattern );
		}
	} );

	it( 'shows the content safely in the ticket view, as text and as HTML', async () => {
		for ( const preference of [ 'text', 'html' ] ) {
			await api( stack, 'PATCH', '/settings', auth, {
				body_preference: preference,
			} );
			const page = await (
				await agent.get(
					`/wp-admin/admin.php?page=email-piping-tickets&ticket=${ ticketId }`
				)
			).text();
			assert.ok( page.includes( tag ), preference );
			for ( const pattern of LIVE_MARKUP ) {
				assert.doesNotMatch(
					page,
					pattern,
					`${ preference }: ${ pattern }`
				);
			}
			if ( preference === 'html' ) {
				assert.ok(
					page.includes( '<b>bold</b>' ),
					'harmless formatting survives'
				);
			} else {
				assert.ok( page.includes( '&lt;script&gt;alert(' ) );
			}
		}
	} );

	it( 'lists hostile attachment names as text and serves them as plain downloads', async () => {
		const page = await (
			await agent.get(
				`/wp-admin/admin.php?page=email-piping-tickets&ticket=${ ticketId }`
			)
		).text();
		assert.doesNotMatch( page, /<img src=x/ );
		const [ rows ] = await db.query(
			"SELECT id FROM wp_epipe_attachments WHERE ticket_id = ? AND status = 'stored' ORDER BY id",
			[ ticketId ]
		);
		const ids = ( rows as Array< { id: number } > ).map( ( r ) => r.id );
		assert.equal( ids.length, 2 );
		for ( const id of ids ) {
			for ( const inline of [ '', '&inline=1' ] ) {
				const res = await fetch(
					`${ stack.wp.url }/?rest_route=/email-piping/v1/attachments/${ id }${ inline }`,
					{ headers: { Authorization: auth } }
				);
				assert.equal( res.status, 200 );
				assert.equal(
					res.headers.get( 'content-type' ),
					'application/octet-stream'
				);
				assert.equal(
					res.headers.get( 'x-content-type-options' ),
					'nosniff'
				);
				assert.equal( res.headers.get( 'x-injected' ), null );
				const disposition =
					res.headers.get( 'content-disposition' ) ?? '';
				assert.match(
					disposition,
					/^attachment; filename="[A-Za-z0-9._ -]+"; filename\*=UTF-8''[A-Za-z0-9%._~!'()*-]+$/
				);
				await res.arrayBuffer();
			}
		}
	} );

	it( 'sends notifications whose headers no mail content can extend', async () => {
		const sent = await waitForCaptured(
			stack,
			( m ) =>
				( m.parsed.subject ?? '' ).startsWith(
					`[Ticket #${ ticketId }]`
				),
			2
		);
		// An agent's web reply quoting the hostile text goes out too.
		await api( stack, 'POST', `/tickets/${ ticketId }/replies`, auth, {
			body: `About <script>alert('agent')</script>\r\nBcc: evil@example.test`,
		} );
		const all = await waitForCaptured(
			stack,
			( m ) =>
				( m.parsed.subject ?? '' ).startsWith(
					`[Ticket #${ ticketId }]`
				),
			sent.length + 1
		);
		for ( const mail of all ) {
			assert.doesNotMatch(
				mail.rawHeaders,
				/^(Bcc|X-Injected):/im,
				mail.rawHeaders
			);
			assert.ok( ! mail.rcpt.includes( 'evil@example.test' ) );
			assert.match(
				mail.parsed.subject ?? '',
				new RegExp(
					`^\\[Ticket #${ ticketId }\\] Hostile <script>alert\\('subject'\\)</script> ${ tag } Bcc: evil@example\\.test X-Injected: subject$`
				)
			);
			assert.match(
				String(
					mail.parsed.headers.get( 'content-type' )
						? (
								mail.parsed.headers.get( 'content-type' ) as {
									value: string;
								}
							 ).value
						: ''
				),
				/^text\/plain/
			);
			assert.equal( mail.parsed.html, false );
		}
		const everything = await capturedMail( stack );
		assert.ok(
			! everything.some( ( m ) => m.rcpt.includes( 'evil@example.test' ) )
		);
	} );
} );
