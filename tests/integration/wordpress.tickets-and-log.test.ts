/**
 * Tickets, the activity log, the quarantine and attachment downloads over HTTP, on data the
 * real sidecar piped from real emails.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import {
	loadStack,
	openDb,
	runCli,
	sendMail,
	type Stack,
} from './support/stack.ts';
import { adminAuth, agentUserId, api, login, userAuth } from './support/wp.ts';

interface Ticket {
	id: number;
	subject: string;
	status: string;
	priority: string;
	category: string;
	assignee_id: number | null;
	customer_email: string;
	additional_recipients: string[];
	threads: Array< {
		id: number;
		type: string;
		author_kind: string;
		reply_text: string;
		attachments: Array< {
			id: number;
			filename: string;
			status: string;
			reason_text: string | null;
			url: string | null;
			signed_url: string | null;
		} >;
	} >;
}

interface FieldError {
	code: string;
	// A map of messages for invalid values; a list of names for missing ones.
	data: { status: number; params: Record< string, string > | string[] };
}

const fields = ( e: FieldError ): string[] =>
	Array.isArray( e.data.params )
		? e.data.params
		: Object.keys( e.data.params );

describe( 'tickets, activity log, quarantine and attachments', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let auth: string;
	let agent: string;
	let ticketId = 0;
	const tag = randomUUID().slice( 0, 8 );
	const subject = `Invoice question ${ tag }`;
	const pdf = Buffer.concat( [
		Buffer.from( '%PDF-1.4\n' ),
		randomBytes( 70_000 ),
	] );

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		auth = adminAuth( stack );
		agent = await userAuth( stack, 'agent', 'editor' );
		await sendMail( stack, {
			from: 'Dana Buyer <customer@example.test>',
			to: 'support@example.test',
			subject,
			text: `Please resend invoice ${ tag }.`,
			attachments: [
				{
					filename: 'invoice.pdf',
					content: pdf,
					contentType: 'application/pdf',
				},
				{
					filename: 'tool.exe',
					content: Buffer.from( 'MZ' ),
					contentType: 'application/octet-stream',
				},
			],
		} );
		await sendMail( stack, {
			from: 'Eve Other <agent@example.test>',
			to: 'support@example.test',
			subject: `Unrelated ${ tag }`,
			text: 'Something else.',
		} );
		const result = await runCli( [
			'run',
			'--once',
			'--wp-config',
			stack.wp.config,
		] );
		assert.equal( result.code, 0, result.stderr );
		const [ rows ] = await db.query(
			'SELECT id FROM wp_epipe_tickets WHERE subject = ?',
			[ subject ]
		);
		ticketId = Number( ( rows as Array< { id: number } > )[ 0 ]?.id );
	} );
	after( async () => {
		await db.end();
	} );

	it( 'lists tickets with paging headers, filtered by status and search', async () => {
		const page = await api< Ticket[] >(
			stack,
			'GET',
			'/tickets?per_page=1',
			agent
		);
		assert.equal( page.status, 200 );
		assert.equal( page.json.length, 1 );
		assert.ok( Number( page.headers.get( 'x-wp-total' ) ) >= 2 );

		const found = await api< Ticket[] >(
			stack,
			'GET',
			`/tickets?search=${ encodeURIComponent( tag ) }`,
			agent
		);
		assert.deepEqual(
			found.json.map( ( t ) => t.subject ).sort(),
			[ subject, `Unrelated ${ tag }` ].sort()
		);
		const byNumber = await api< Ticket[] >(
			stack,
			'GET',
			`/tickets?search=%23${ ticketId }`,
			agent
		);
		assert.ok( byNumber.json.some( ( t ) => t.id === ticketId ) );
		const byCustomer = await api< Ticket[] >(
			stack,
			'GET',
			`/tickets?search=customer%40example.test&per_page=100`,
			agent
		);
		assert.ok( byCustomer.json.some( ( t ) => t.id === ticketId ) );
		assert.ok(
			byCustomer.json.every(
				( t ) => t.customer_email === 'customer@example.test'
			)
		);

		await db.query(
			"UPDATE wp_epipe_tickets SET status = 'resolved' WHERE subject = ?",
			[ `Unrelated ${ tag }` ]
		);
		const open = await api< Ticket[] >(
			stack,
			'GET',
			`/tickets?status=open&search=${ tag }`,
			agent
		);
		assert.deepEqual(
			open.json.map( ( t ) => t.id ),
			[ ticketId ]
		);
		const bad = await api< FieldError >(
			stack,
			'GET',
			'/tickets?status=lost&per_page=500',
			agent
		);
		assert.equal( bad.status, 400 );
		assert.deepEqual( fields( bad.json ).sort(), [ 'per_page', 'status' ] );
	} );

	it( 'reads a ticket with its threads and attachments, stored and refused', async () => {
		const res = await api< Ticket >(
			stack,
			'GET',
			`/tickets/${ ticketId }`,
			agent
		);
		assert.equal( res.status, 200 );
		assert.equal( res.json.threads[ 0 ]?.type, 'report' );
		const files = res.json.threads[ 0 ]?.attachments ?? [];
		const stored = files.find( ( a ) => a.filename === 'invoice.pdf' );
		const refused = files.find( ( a ) => a.filename === 'tool.exe' );
		assert.equal( stored?.status, 'stored' );
		assert.ok( stored?.url && stored.signed_url );
		assert.equal( refused?.status, 'refused' );
		assert.equal( refused?.url, null );
		assert.match( refused?.reason_text ?? '', /not stored/ );
		assert.equal(
			( await api( stack, 'GET', '/tickets/999999', agent ) ).status,
			404
		);
	} );

	it( 'serves an attachment only to agents or signed links, as a nosniff download', async () => {
		const res = await api< Ticket >(
			stack,
			'GET',
			`/tickets/${ ticketId }`,
			agent
		);
		const file = res.json.threads[ 0 ]?.attachments.find(
			( a ) => a.filename === 'invoice.pdf'
		);
		const route = `/attachments/${ file?.id }`;
		assert.equal( ( await api( stack, 'GET', route, null ) ).status, 401 );
		const subscriber = await userAuth(
			stack,
			'file-subscriber',
			'subscriber'
		);
		assert.equal(
			( await api( stack, 'GET', route, subscriber ) ).status,
			403
		);

		const download = await fetch(
			`${ stack.wp.url }/?rest_route=/email-piping/v1${ route }`,
			{
				headers: { Authorization: agent },
			}
		);
		assert.equal( download.status, 200 );
		assert.equal(
			download.headers.get( 'content-type' ),
			'application/octet-stream'
		);
		assert.equal(
			download.headers.get( 'x-content-type-options' ),
			'nosniff'
		);
		assert.match(
			download.headers.get( 'content-disposition' ) ?? '',
			/^attachment; filename="invoice\.pdf"/
		);
		assert.match(
			download.headers.get( 'content-security-policy' ) ?? '',
			/sandbox/
		);
		assert.ok( Buffer.from( await download.arrayBuffer() ).equals( pdf ) );

		// A PDF never becomes inline, whatever is asked.
		const inline = await fetch(
			`${ stack.wp.url }/?rest_route=/email-piping/v1${ route }&inline=1`,
			{
				headers: { Authorization: agent },
			}
		);
		assert.equal(
			inline.headers.get( 'content-type' ),
			'application/octet-stream'
		);
		await inline.arrayBuffer();

		// The signed link works without a login, and not once tampered with.
		const signed = await fetch( file?.signed_url ?? '' );
		assert.equal( signed.status, 200 );
		assert.ok( Buffer.from( await signed.arrayBuffer() ).equals( pdf ) );
		// Change the first character of the token to a different hex digit, whatever it was.
		const tampered = await fetch(
			( file?.signed_url ?? '' ).replace(
				/token=([0-9a-f])/,
				( _m, c: string ) => `token=${ c === '0' ? '1' : '0' }`
			)
		);
		assert.equal( tampered.status, 403 );
		await tampered.arrayBuffer();
		const expired = new URL( file?.signed_url ?? '' );
		expired.searchParams.set( 'expires', '1000' );
		const late = await fetch( expired );
		assert.equal( late.status, 403 );
		await late.arrayBuffer();

		// In the browser, a logged-in agent downloads with the REST nonce.
		const session = await login( stack, 'agent', 'agent-pass-123' );
		const nonce = await session.restNonce();
		const viaCookie = await session.get(
			`/?rest_route=/email-piping/v1${ route }&_wpnonce=${ nonce }`
		);
		assert.equal( viaCookie.status, 200 );
		await viaCookie.arrayBuffer();
	} );

	it( 'shows inline images only for raster types, through the attachment endpoint', async () => {
		// A 1×1 PNG, and an SVG that would run script if a browser rendered it as an image document.
		const png = Buffer.from(
			'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
			'base64'
		);
		const svg = Buffer.from(
			'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
		);
		const s = `Inline images ${ tag }`;
		// SVG is not on the default extension list; a site that allows it must still be safe.
		const extensions = (
			await api< Record< string, unknown > >(
				stack,
				'GET',
				'/settings',
				auth
			)
		).json[ 'allowed_extensions' ] as string[];
		await api( stack, 'PATCH', '/settings', auth, {
			allowed_extensions: [ ...extensions, 'svg' ],
		} );
		await sendMail( stack, {
			from: 'customer@example.test',
			to: 'support@example.test',
			subject: s,
			text: 'See the pictures.',
			html: `<p>Logo: <img src="cid:logo-${ tag }@x" alt="logo"> Vector: <img src="cid:vector-${ tag }@x" alt="vector"></p>`,
			attachments: [
				{
					filename: 'logo.png',
					content: png,
					contentType: 'image/png',
					cid: `logo-${ tag }@x`,
				},
				{
					filename: 'vector.svg',
					content: svg,
					contentType: 'image/svg+xml',
					cid: `vector-${ tag }@x`,
				},
			],
		} );
		const result = await runCli( [
			'run',
			'--once',
			'--wp-config',
			stack.wp.config,
		] );
		await api( stack, 'PATCH', '/settings', auth, {
			allowed_extensions: extensions,
		} );
		assert.equal( result.code, 0, result.stderr );
		const [ rows ] = await db.query(
			"SELECT a.id, a.filename FROM wp_epipe_attachments a JOIN wp_epipe_tickets t ON t.id = a.ticket_id WHERE t.subject = ? AND a.status = 'stored'",
			[ s ]
		);
		const ids = Object.fromEntries(
			( rows as Array< { id: number; filename: string } > ).map(
				( r ) => [ r.filename, r.id ]
			)
		);
		assert.ok(
			ids[ 'logo.png' ] && ids[ 'vector.svg' ],
			JSON.stringify( rows )
		);

		await api( stack, 'PATCH', '/settings', auth, {
			body_preference: 'html',
		} );
		try {
			const session = await login( stack, 'agent', 'agent-pass-123' );
			const [ t ] = await db.query(
				'SELECT id FROM wp_epipe_tickets WHERE subject = ?',
				[ s ]
			);
			const id = Number( ( t as Array< { id: number } > )[ 0 ]?.id );
			const page = await (
				await session.get(
					`/wp-admin/admin.php?page=email-piping-tickets&ticket=${ id }`
				)
			).text();
			const images = [
				...page.matchAll( /<img [^>]*src="([^"]*attachments[^"]*)"/g ),
			].map( ( m ) => m[ 1 ] ?? '' );
			assert.equal(
				images.length,
				1,
				page.slice(
					page.indexOf( 'epipe-ticket__body' ),
					page.indexOf( 'epipe-ticket__body' ) + 800
				)
			);
			const src = ( images[ 0 ] ?? '' ).replace( /&#038;/g, '&' );
			assert.ok(
				src.includes( `attachments/${ ids[ 'logo.png' ] }` ) &&
					src.includes( 'inline=1' )
			);
			const image = await session.get( src.replace( stack.wp.url, '' ) );
			assert.equal( image.headers.get( 'content-type' ), 'image/png' );
			assert.match(
				image.headers.get( 'content-disposition' ) ?? '',
				/^inline;/
			);
			assert.ok( Buffer.from( await image.arrayBuffer() ).equals( png ) );
			const vector = await fetch(
				`${ stack.wp.url }/?rest_route=/email-piping/v1/attachments/${ ids[ 'vector.svg' ] }&inline=1`,
				{
					headers: { Authorization: agent },
				}
			);
			assert.equal(
				vector.headers.get( 'content-type' ),
				'application/octet-stream'
			);
			assert.match(
				vector.headers.get( 'content-disposition' ) ?? '',
				/^attachment;/
			);
			await vector.arrayBuffer();
		} finally {
			await api( stack, 'PATCH', '/settings', auth, {
				body_preference: 'text',
			} );
		}
	} );

	it( 'changes status, priority, category, assignee and recipients, each change an outbox event', async () => {
		const agentId = await agentUserId( stack, agent );
		const res = await api< Ticket >(
			stack,
			'PATCH',
			`/tickets/${ ticketId }`,
			agent,
			{
				status: 'pending',
				priority: 'urgent',
				category: 'General',
				assignee_id: agentId,
				additional_recipients: [ 'Accounts@Example.test' ],
			}
		);
		assert.equal( res.status, 200, res.text );
		assert.deepEqual(
			[
				res.json.status,
				res.json.priority,
				res.json.category,
				res.json.assignee_id,
				res.json.additional_recipients,
			],
			[
				'pending',
				'urgent',
				'General',
				agentId,
				[ 'accounts@example.test' ],
			]
		);
		const [ rows ] = await db.query(
			"SELECT payload FROM wp_epipe_events WHERE ticket_id = ? AND type = 'ticket_changed' ORDER BY id",
			[ ticketId ]
		);
		const payloads = ( rows as Array< { payload: string } > ).map(
			( r ) => JSON.parse( r.payload ) as Record< string, unknown >
		);
		assert.deepEqual(
			payloads.map( ( p ) => [ p[ 'field' ], p[ 'from' ], p[ 'to' ] ] ),
			[
				[ 'status', 'open', 'pending' ],
				[ 'priority', 'normal', 'urgent' ],
				[ 'category', '', 'General' ],
				[ 'assignee_id', null, agentId ],
			]
		);
		assert.ok( payloads.every( ( p ) => p[ 'user_id' ] === agentId ) );

		// No change, no event.
		await api( stack, 'PATCH', `/tickets/${ ticketId }`, agent, {
			status: 'pending',
		} );
		const [ again ] = await db.query(
			"SELECT COUNT(*) n FROM wp_epipe_events WHERE ticket_id = ? AND type = 'ticket_changed'",
			[ ticketId ]
		);
		assert.equal(
			Number( ( again as Array< { n: number } > )[ 0 ]?.n ),
			4
		);

		const closed = await api< Ticket >(
			stack,
			'PATCH',
			`/tickets/${ ticketId }`,
			agent,
			{ status: 'closed' }
		);
		assert.equal( closed.json.status, 'closed' );
		const [ closedAt ] = await db.query(
			'SELECT closed_at FROM wp_epipe_tickets WHERE id = ?',
			[ ticketId ]
		);
		assert.ok(
			( closedAt as Array< { closed_at: string | null } > )[ 0 ]
				?.closed_at
		);
	} );

	it( 'answers bad ticket changes with 400 and the field, changing nothing', async () => {
		const cases: Array< [ string, string, unknown, string ] > = [
			[ 'PATCH', `/tickets/${ ticketId }`, { status: 'lost' }, 'status' ],
			[
				'PATCH',
				`/tickets/${ ticketId }`,
				{ assignee_id: 999999 },
				'assignee_id',
			],
			[
				'PATCH',
				`/tickets/${ ticketId }`,
				{ category: 'Nonexistent' },
				'category',
			],
			[
				'PATCH',
				`/tickets/${ ticketId }`,
				{ additional_recipients: [ 'not-an-address' ] },
				'additional_recipients',
			],
			[ 'POST', `/tickets/${ ticketId }/replies`, { body: '' }, 'body' ],
			[
				'POST',
				`/tickets/${ ticketId }/replies`,
				{ body: '   ' },
				'body',
			],
			[ 'POST', `/tickets/${ ticketId }/replies`, {}, 'body' ],
			[
				'POST',
				`/tickets/${ ticketId }/notes`,
				{ body: 'x', status: 'x' },
				'status',
			],
		];
		const initial = await api< Ticket >(
			stack,
			'GET',
			`/tickets/${ ticketId }`,
			agent
		);
		for ( const [ method, route, body, field ] of cases ) {
			const res = await api< FieldError >(
				stack,
				method,
				route,
				agent,
				body
			);
			if ( field === 'status' && route.endsWith( '/notes' ) ) {
				// Unknown arguments are ignored by WordPress; the note itself is valid.
				assert.equal( res.status, 201 );
				continue;
			}
			assert.equal(
				res.status,
				400,
				`${ method } ${ route } ${ JSON.stringify( body ) }: ${ res.text }`
			);
			assert.ok(
				fields( res.json ).includes( field ),
				`${ field } in ${ JSON.stringify( res.json.data.params ) }`
			);
		}
		const afterwards = await api< Ticket >(
			stack,
			'GET',
			`/tickets/${ ticketId }`,
			agent
		);
		assert.equal( afterwards.json.status, initial.json.status );
		assert.equal(
			afterwards.json.threads.filter( ( t ) => t.type === 'reply' )
				.length,
			initial.json.threads.filter( ( t ) => t.type === 'reply' ).length
		);
		assert.equal(
			(
				await api( stack, 'POST', '/tickets/999999/replies', agent, {
					body: 'x',
				} )
			).status,
			404
		);
	} );

	it( 'pages and filters the activity log, with each reason in words', async () => {
		const res = await api<
			Array< {
				ticket_id: number;
				outcome: string;
				reason: string;
				reason_text: string;
				subject: string;
			} >
		>(
			stack,
			'GET',
			`/activity?search=${ encodeURIComponent( tag ) }`,
			auth
		);
		assert.equal( res.status, 200 );
		const row = res.json.find( ( r ) => r.subject === subject );
		assert.equal( row?.outcome, 'ticket' );
		assert.equal( row?.reason, 'new_ticket' );
		assert.equal( row?.reason_text, 'A new ticket was created.' );

		const byTicket = await api< unknown[] >(
			stack,
			'GET',
			`/activity?ticket_id=${ ticketId }`,
			auth
		);
		assert.equal( byTicket.json.length, 1 );
		const paged = await api< unknown[] >(
			stack,
			'GET',
			'/activity?per_page=1&page=2&outcome=ticket',
			auth
		);
		assert.equal( paged.json.length, 1 );
		assert.ok( Number( paged.headers.get( 'x-wp-totalpages' ) ) >= 2 );
		const future = await api< unknown[] >(
			stack,
			'GET',
			'/activity?after=2999-01-01T00:00:00Z',
			auth
		);
		assert.deepEqual( future.json, [] );
		const bad = await api< FieldError >(
			stack,
			'GET',
			'/activity?outcome=maybe&after=yesterday',
			auth
		);
		assert.equal( bad.status, 400 );
		assert.deepEqual( fields( bad.json ).sort(), [ 'after', 'outcome' ] );
	} );

	it( 'lets the admin inspect, reprocess and discard a quarantined email', async () => {
		// A message the sidecar could not read: raw bytes kept in a blob, reason noted.
		const raw = Buffer.from(
			`From: broken@example.test\r\nSubject: Broken ${ tag }\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\nbody <script>alert(1)</script>`
		);
		const [ blob ] = await db.query(
			"INSERT INTO wp_epipe_blobs (sha256, size_bytes, chunk_count, created_at) VALUES ('', ?, 1, UTC_TIMESTAMP())",
			[ raw.length ]
		);
		const blobId = ( blob as { insertId: number } ).insertId;
		await db.query(
			'INSERT INTO wp_epipe_blob_chunks (blob_id, seq, data) VALUES (?, 0, ?)',
			[ blobId, raw ]
		);
		const [ q ] = await db.query(
			"INSERT INTO wp_epipe_quarantine (connection_id, source_key, from_address, subject, reason, detail, blob_id, size_bytes, attempts, status, created_at, updated_at) VALUES (1, ?, 'broken@example.test', ?, 'parse_failed', 'unexpected end of multipart', ?, ?, 3, 'held', UTC_TIMESTAMP(), UTC_TIMESTAMP())",
			[ `test:${ tag }`, `Broken ${ tag }`, blobId, raw.length ]
		);
		const id = ( q as { insertId: number } ).insertId;

		const list = await api<
			Array< { id: number; reason_text: string; has_raw: boolean } >
		>( stack, 'GET', '/quarantine?status=held', auth );
		const item = list.json.find( ( i ) => i.id === id );
		assert.match( item?.reason_text ?? '', /could not be read/ );
		assert.equal( item?.has_raw, true );

		const inspect = await api< { raw_excerpt: string; detail: string } >(
			stack,
			'GET',
			`/quarantine/${ id }`,
			auth
		);
		assert.equal( inspect.json.raw_excerpt, raw.toString() );
		assert.equal( inspect.json.detail, 'unexpected end of multipart' );

		const job = await api< { id: number; type: string; status: string } >(
			stack,
			'POST',
			`/quarantine/${ id }/reprocess`,
			auth
		);
		assert.equal( job.status, 202 );
		assert.equal( job.json.type, 'reprocess_quarantine' );
		const [ rows ] = await db.query(
			'SELECT connection_id, payload FROM wp_epipe_jobs WHERE id = ?',
			[ job.json.id ]
		);
		const stored = (
			rows as Array< { connection_id: number; payload: string } >
		 )[ 0 ];
		assert.equal( stored?.connection_id, 1 );
		assert.deepEqual( JSON.parse( stored?.payload ?? '' ), {
			quarantine_id: id,
		} );

		const discarded = await api< { status: string; has_raw: boolean } >(
			stack,
			'DELETE',
			`/quarantine/${ id }`,
			auth
		);
		assert.equal( discarded.status, 200 );
		assert.deepEqual(
			[ discarded.json.status, discarded.json.has_raw ],
			[ 'discarded', false ]
		);
		const [ chunks ] = await db.query(
			'SELECT COUNT(*) n FROM wp_epipe_blob_chunks WHERE blob_id = ?',
			[ blobId ]
		);
		assert.equal(
			Number( ( chunks as Array< { n: number } > )[ 0 ]?.n ),
			0
		);
		assert.equal(
			(
				await api(
					stack,
					'POST',
					`/quarantine/${ id }/reprocess`,
					auth
				)
			).status,
			400
		);
		const remaining = await api< Array< { id: number } > >(
			stack,
			'GET',
			'/quarantine',
			auth
		);
		assert.ok( ! remaining.json.some( ( i ) => i.id === id ) );
		assert.equal(
			( await api( stack, 'GET', '/quarantine/999999', auth ) ).status,
			404
		);
	} );

	it( 'prunes the activity log after the retention period', async () => {
		await db.query(
			"INSERT INTO wp_epipe_activity (connection_id, outcome, reason, from_address, subject, created_at) VALUES (1, 'skipped', 'bulk', 'old@example.test', ?, DATE_SUB(UTC_TIMESTAMP(), INTERVAL 40 DAY))",
			[ `Old ${ tag }` ]
		);
		const { wpEval } = await import( './support/stack.ts' );
		await wpEval( stack, "do_action( 'epipe_prune_activity' );" );
		const res = await api< unknown[] >(
			stack,
			'GET',
			`/activity?search=${ encodeURIComponent( `Old ${ tag }` ) }`,
			auth
		);
		assert.deepEqual( res.json, [] );
		const kept = await api< unknown[] >(
			stack,
			'GET',
			`/activity?search=${ encodeURIComponent( subject ) }`,
			auth
		);
		assert.equal( kept.json.length, 1 );
	} );
} );
