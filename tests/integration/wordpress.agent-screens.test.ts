/**
 * The agents' wp-admin screens over HTTP, as a browser without JavaScript uses them: the ticket
 * list (status views, search, paging), the ticket view, and its reply, note and update forms —
 * which go through the same outbox and notifications as an email reply.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import {
	loadStack,
	openDb,
	runOnceOk,
	sendMail,
	type Stack,
} from './support/stack.ts';
import {
	inputValue,
	insertTicket,
	login,
	userAuth,
	waitForCaptured,
	type Page,
	type Session,
} from './support/wp.ts';

describe( 'agent screens in wp-admin', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let agent: Session;
	let ticketId = 0;
	const tag = randomUUID().slice( 0, 8 );
	const subject = `Screen check ${ tag }`;
	const viewPath = () =>
		`/wp-admin/admin.php?page=email-piping-tickets&ticket=${ ticketId }`;

	/**
	 * Posts one of the ticket view's forms with its own nonce.
	 * @param action
	 * @param fields
	 */
	const submit = async (
		action: string,
		fields: Record< string, string >
	): Promise< Page > => {
		const page = await ( await agent.get( viewPath() ) ).text();
		const form =
			new RegExp(
				`<form[^>]*>(?:(?!</form>).)*value="epipe_ticket_${ action }"(?:(?!</form>).)*</form>`,
				's'
			).exec( page )?.[ 0 ] ?? '';
		return agent.post( '/wp-admin/admin-post.php', {
			action: `epipe_ticket_${ action }`,
			ticket: String( ticketId ),
			_wpnonce: inputValue( form, '_wpnonce' ),
			...fields,
		} );
	};

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		await userAuth( stack, 'agent', 'editor' );
		agent = await login( stack, 'agent', 'agent-pass-123' );
		ticketId = await insertTicket( db, {
			subject,
			customerEmail: 'customer@example.test',
			customerName: 'Casey Customer',
			body: `The screen question ${ tag }.`,
			messageId: `<screen-${ tag }@customer.example.test>`,
		} );
	} );
	after( async () => {
		await db.end();
	} );

	it( 'lists tickets with status views, search and the ticket link', async () => {
		const res = await agent.get(
			`/wp-admin/admin.php?page=email-piping-tickets&s=${ tag }`
		);
		assert.equal( res.status, 200 );
		const page = await res.text();
		assert.match( page, /<h1 class="wp-heading-inline">Tickets<\/h1>/ );
		assert.ok( page.includes( `#${ ticketId } ${ subject }` ) );
		assert.match(
			page,
			new RegExp(
				`href="[^"]*page=email-piping-tickets&#038;ticket=${ ticketId }"`
			)
		);
		assert.match(
			page,
			/<a href="[^"]*status=open"[^>]*>Open <span class="count">\(\d+\)<\/span>/
		);
		assert.match(
			page,
			/<label class="screen-reader-text" for="epipe-ticket-search-search-input">Search tickets:<\/label>/
		);

		const closed = await (
			await agent.get(
				`/wp-admin/admin.php?page=email-piping-tickets&status=closed&s=${ tag }`
			)
		).text();
		assert.ok( ! closed.includes( `#${ ticketId } ${ subject }` ) );
		assert.match( closed, /No tickets found\./ );
	} );

	it( 'explains a message without text: an encrypted email carries it in its attachment', async () => {
		const encrypted = `Encrypted ${ tag }`;
		await sendMail( stack, {
			envelope: {
				from: 'customer@example.test',
				to: [ 'support@example.test' ],
			},
			raw: [
				'From: Casey Customer <customer@example.test>',
				'To: support@example.test',
				`Subject: ${ encrypted }`,
				`Message-ID: <smime-${ tag }@customer.example.test>`,
				'MIME-Version: 1.0',
				'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
				'Content-Disposition: attachment; filename="smime.p7m"',
				'Content-Transfer-Encoding: base64',
				'',
				Buffer.from( `0\x82encrypted ${ tag }` ).toString( 'base64' ),
				'',
			].join( '\r\n' ),
		} );
		await runOnceOk( stack );
		const [ rows ] = await db.query(
			'SELECT id FROM wp_epipe_tickets WHERE subject = ?',
			[ encrypted ]
		);
		const id = ( rows as Array< { id: number } > )[ 0 ]?.id;
		assert.ok( id, 'the encrypted email is a ticket' );
		const page = await (
			await agent.get(
				`/wp-admin/admin.php?page=email-piping-tickets&ticket=${ id }`
			)
		).text();
		assert.match( page, /This email is signed or encrypted/ );
		assert.match( page, /smime\.p7m/ );
	} );

	it( 'shows the ticket with its conversation, forms with labels, and fields', async () => {
		const page = await ( await agent.get( viewPath() ) ).text();
		assert.ok( page.includes( `Ticket #${ ticketId }: ${ subject }` ) );
		assert.ok( page.includes( `The screen question ${ tag }.` ) );
		for ( const id of [
			'epipe-reply-body',
			'epipe-note-body',
			'epipe-field-status',
			'epipe-field-priority',
			'epipe-field-assignee-id',
			'epipe-field-category',
			'epipe-field-recipients',
		] ) {
			assert.match( page, new RegExp( `<label for="${ id }">` ), id );
			assert.match( page, new RegExp( `id="${ id }"` ), id );
		}
		const missing = await (
			await agent.get(
				'/wp-admin/admin.php?page=email-piping-tickets&ticket=999999'
			)
		).text();
		assert.match( missing, /Ticket not found/ );
	} );

	it( 'sends a web reply through the outbox to the customer, and shows it', async () => {
		const res = await submit( 'reply', {
			body: `Web reply ${ tag } with a <tag> kept as text`,
			status: 'pending',
		} );
		assert.equal( res.status, 302 );
		assert.ok(
			( res.headers.get( 'location' ) ?? '' ).endsWith(
				`page=email-piping-tickets&ticket=${ ticketId }`
			)
		);
		const [ mail ] = await waitForCaptured(
			stack,
			( m ) =>
				m.rcpt.includes( 'customer@example.test' ) &&
				( m.parsed.text ?? '' ).includes( `Web reply ${ tag }` )
		);
		assert.equal(
			mail?.parsed.subject,
			`[Ticket #${ ticketId }] ${ subject }`
		);
		assert.equal(
			mail?.parsed.inReplyTo,
			`<screen-${ tag }@customer.example.test>`
		);
		assert.ok(
			( mail?.parsed.text ?? '' ).includes( 'with a <tag> kept as text' )
		);
		const page = await ( await agent.get( viewPath() ) ).text();
		assert.match( page, /role="status"><p>Reply sent\.<\/p>/ );
		assert.ok(
			page.includes(
				`Web reply ${ tag } with a &lt;tag&gt; kept as text`
			)
		);
		assert.match( page, /<option value="pending" selected='selected'>/ );
		const [ rows ] = await db.query(
			'SELECT type FROM wp_epipe_events WHERE ticket_id = ? ORDER BY id',
			[ ticketId ]
		);
		assert.deepEqual(
			( rows as Array< { type: string } > ).map( ( r ) => r.type ),
			[ 'agent_replied', 'ticket_changed' ]
		);
	} );

	it( 'adds an internal note and updates the fields', async () => {
		assert.equal(
			( await submit( 'note', { body: `Note ${ tag }` } ) ).status,
			302
		);
		const res = await submit( 'update', {
			status: 'resolved',
			priority: 'low',
			category: 'General',
			assignee_id: '0',
			additional_recipients: 'boss@example.test, Team@Example.test',
		} );
		assert.equal( res.status, 302 );
		const page = await ( await agent.get( viewPath() ) ).text();
		assert.match( page, /Ticket updated\./ );
		assert.ok( page.includes( `Note ${ tag }` ) );
		assert.match( page, /is-note/ );
		assert.match(
			page,
			/>boss@example\.test\nteam@example\.test<\/textarea>/
		);
		const [ rows ] = await db.query(
			'SELECT status, priority, category FROM wp_epipe_tickets WHERE id = ?',
			[ ticketId ]
		);
		assert.deepEqual( rows, [
			{ status: 'resolved', priority: 'low', category: 'General' },
		] );
	} );

	it( 'shows a clear error for an empty reply or an invalid field, and keeps the ticket as it was', async () => {
		await submit( 'reply', { body: '   ' } );
		assert.match(
			await ( await agent.get( viewPath() ) ).text(),
			/role="alert"><p>Write some text first\.<\/p>/
		);
		await submit( 'update', { status: 'vanished' } );
		assert.match(
			await ( await agent.get( viewPath() ) ).text(),
			/role="alert"><p>Choose one of: open, pending, resolved, closed\.<\/p>/
		);
		const [ rows ] = await db.query(
			'SELECT status FROM wp_epipe_tickets WHERE id = ?',
			[ ticketId ]
		);
		assert.deepEqual( rows, [ { status: 'resolved' } ] );
	} );

	it( 'refuses forms without a valid nonce, and users who do not work tickets', async () => {
		const forged = await agent.post( '/wp-admin/admin-post.php', {
			action: 'epipe_ticket_reply',
			ticket: String( ticketId ),
			_wpnonce: 'deadbeef00',
			body: 'forged',
		} );
		assert.equal( forged.status, 403 );
		await userAuth( stack, 'screen-subscriber', 'subscriber' );
		const subscriber = await login(
			stack,
			'screen-subscriber',
			'screen-subscriber-pass-123'
		);
		const list = await subscriber.get(
			'/wp-admin/admin.php?page=email-piping-tickets'
		);
		assert.equal( list.status, 403 );
		const post = await subscriber.post( '/wp-admin/admin-post.php', {
			action: 'epipe_ticket_reply',
			ticket: String( ticketId ),
			body: 'not allowed',
		} );
		assert.equal( post.status, 403 );
		const [ rows ] = await db.query(
			"SELECT COUNT(*) n FROM wp_epipe_threads WHERE ticket_id = ? AND body_text IN ('forged', 'not allowed')",
			[ ticketId ]
		);
		assert.equal( Number( ( rows as Array< { n: number } > )[ 0 ]?.n ), 0 );
	} );
} );
