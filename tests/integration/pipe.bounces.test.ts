/**
 * A bounce of one of our notifications, end to end: WordPress mails a confirmation, the
 * recipient's server returns it (a standard delivery report, and a plain-text one), the sidecar
 * records the failure on the ticket — no new ticket, no reopen, no acknowledgement — and flags
 * the address, so WordPress stops mailing it until the customer writes again.
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
import { adminAuth, api, waitForCaptured } from './support/wp.ts';

describe( 'bounces of our notifications', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let auth: string;
	const tag = randomUUID().slice( 0, 8 );
	const customer = `bouncy-${ tag }@example.test`;

	const runOnce = () => runOnceOk( stack );

	/**
	 * A new ticket from the customer, and the Message-ID of the confirmation WordPress mailed.
	 *
	 * @param subject Subject of the customer's email.
	 */
	const ticketWithConfirmation = async (
		subject: string
	): Promise< { ticketId: number; confirmationId: string } > => {
		await sendMail( stack, {
			from: customer,
			to: 'support@example.test',
			subject,
			text: 'Where is my parcel?',
		} );
		await runOnce();
		const [ rows ] = await db.query(
			'SELECT id FROM wp_epipe_tickets WHERE subject = ?',
			[ subject ]
		);
		const ticketId = Number( ( rows as Array< { id: number } > )[ 0 ]?.id );
		assert.ok( ticketId > 0, 'the ticket exists' );
		await waitForCaptured(
			stack,
			( m ) =>
				m.rcpt.includes( customer ) &&
				( m.parsed.subject ?? '' ).startsWith(
					`[Ticket #${ ticketId }]`
				)
		);
		const [ sent ] = await db.query(
			'SELECT message_id FROM wp_epipe_notifications WHERE ticket_id = ? AND recipient = ?',
			[ ticketId, customer ]
		);
		const confirmationId = String(
			( sent as Array< { message_id: string } > )[ 0 ]?.message_id
		);
		assert.match( confirmationId, /^<epipe\./ );
		return { ticketId, confirmationId };
	};

	/**
	 * Postfix's delivery report for a notification that could not be delivered.
	 * @param confirmationId
	 * @param status
	 */
	const postfixReport = ( confirmationId: string, status: string ) =>
		[
			'From: MAILER-DAEMON@mx.example.test (Mail Delivery System)',
			'To: support@example.test',
			`Subject: Undelivered Mail Returned to Sender`,
			`Message-ID: <bounce-${ randomUUID() }@mx.example.test>`,
			'Auto-Submitted: auto-replied',
			'MIME-Version: 1.0',
			'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"',
			'',
			'--B1',
			'Content-Type: text/plain; charset=us-ascii',
			'',
			"I'm sorry to have to inform you that your message could not",
			'be delivered to one or more recipients.',
			'',
			'--B1',
			'Content-Type: message/delivery-status',
			'',
			'Reporting-MTA: dns; mx.example.test',
			'',
			`Final-Recipient: rfc822; ${ customer }`,
			`Original-Recipient: rfc822;${ customer }`,
			status.startsWith( '5' ) ? 'Action: failed' : 'Action: delayed',
			`Status: ${ status }`,
			`Diagnostic-Code: smtp; 550 ${ status } <${ customer }>: Recipient address rejected: User unknown`,
			'',
			'--B1',
			'Content-Type: text/rfc822-headers',
			'',
			'From: Support <support@example.test>',
			`To: ${ customer }`,
			`Message-ID: ${ confirmationId }`,
			'Subject: [Ticket #1] We received your request',
			'',
			'--B1--',
			'',
		].join( '\r\n' );

	const deliver = ( raw: string ) =>
		sendMail( stack, {
			envelope: {
				from: 'mailer-daemon@mx.example.test',
				to: [ 'support@example.test' ],
			},
			raw,
		} );

	before( () => {
		stack = loadStack();
		db = openDb( stack );
		auth = adminAuth( stack );
	} );
	after( async () => {
		await db.end();
	} );

	it( 'records a permanent failure on its ticket and stops mailing the address', async () => {
		const { ticketId, confirmationId } = await ticketWithConfirmation(
			`Parcel ${ tag }`
		);
		const ticketsBefore = await ticketCount();
		await deliver( postfixReport( confirmationId, '5.1.1' ) );
		await runOnce();

		assert.equal( await ticketCount(), ticketsBefore, 'no new ticket' );
		const [ activity ] = await db.query(
			"SELECT outcome, reason, ticket_id, details FROM wp_epipe_activity WHERE subject = 'Undelivered Mail Returned to Sender' ORDER BY id DESC LIMIT 1"
		);
		const row = ( activity as Array< Record< string, unknown > > )[ 0 ];
		assert.deepEqual(
			[
				row?.[ 'outcome' ],
				row?.[ 'reason' ],
				Number( row?.[ 'ticket_id' ] ),
			],
			[ 'skipped', 'bounce', ticketId ]
		);
		const details = JSON.parse( String( row?.[ 'details' ] ) ) as {
			bounce: Record< string, unknown >;
		};
		assert.deepEqual( details.bounce, {
			recipient: customer,
			status: '5.1.1',
			permanent: true,
			diagnostic: `smtp; 550 5.1.1 <${ customer }>: Recipient address rejected: User unknown`,
		} );
		const [ threads ] = await db.query(
			'SELECT type, author_kind, body_text FROM wp_epipe_threads WHERE ticket_id = ? ORDER BY id',
			[ ticketId ]
		);
		const last = ( threads as Array< Record< string, string > > ).at( -1 );
		assert.equal( last?.[ 'type' ], 'bounce' );
		assert.equal( last?.[ 'author_kind' ], 'system' );
		assert.match( String( last?.[ 'body_text' ] ), /User unknown/ );
		const [ ticket ] = await db.query(
			'SELECT status FROM wp_epipe_tickets WHERE id = ?',
			[ ticketId ]
		);
		assert.equal(
			( ticket as Array< { status: string } > )[ 0 ]?.status,
			'open',
			'a bounce does not touch the ticket'
		);
		const [ flags ] = await db.query(
			'SELECT status, ticket_id, bounces FROM wp_epipe_bounced_addresses WHERE email = ?',
			[ customer ]
		);
		assert.deepEqual(
			( flags as Array< Record< string, unknown > > ).map( ( f ) => [
				f[ 'status' ],
				Number( f[ 'ticket_id' ] ),
				Number( f[ 'bounces' ] ),
			] ),
			[ [ '5.1.1', ticketId, 1 ] ]
		);

		// An agent's answer now goes to nobody: the address bounces.
		const res = await api(
			stack,
			'POST',
			`/tickets/${ ticketId }/replies`,
			auth,
			{ body: `Agent answer ${ tag }` }
		);
		assert.equal( res.status, 201, res.text );
		// A second ticket by someone else proves the dispatcher ran after the reply.
		const other = `Other ${ tag }`;
		await sendMail( stack, {
			from: `other-${ tag }@example.test`,
			to: 'support@example.test',
			subject: other,
			text: 'Hello',
		} );
		await runOnce();
		await waitForCaptured( stack, ( m ) =>
			( m.parsed.subject ?? '' ).endsWith( other )
		);
		const [ sent ] = await db.query(
			"SELECT COUNT(*) AS n FROM wp_epipe_notifications WHERE ticket_id = ? AND recipient = ? AND template <> 'customer_ticket_created'",
			[ ticketId, customer ]
		);
		assert.equal( Number( ( sent as Array< { n: number } > )[ 0 ]?.n ), 0 );

		// Once the customer writes on the ticket again, they are mailed again.
		const [ confirmation ] = await db.query(
			'SELECT message_id FROM wp_epipe_notifications WHERE ticket_id = ? ORDER BY id LIMIT 1',
			[ ticketId ]
		);
		await sendMail( stack, {
			from: customer,
			to: 'support@example.test',
			subject: `Re: [Ticket #${ ticketId }] Parcel ${ tag }`,
			inReplyTo: ( confirmation as Array< { message_id: string } > )[ 0 ]
				?.message_id,
			text: `My mailbox works again ${ tag }`,
		} );
		await runOnce();
		await api( stack, 'POST', `/tickets/${ ticketId }/replies`, auth, {
			body: `Second answer ${ tag }`,
		} );
		await runOnce();
		await waitForCaptured(
			stack,
			( m ) =>
				m.rcpt.includes( customer ) &&
				( m.parsed.text ?? '' ).includes( `Second answer ${ tag }` )
		);
	} );

	it( 'notes a delay on the ticket without flagging the address', async () => {
		const who = customer;
		const { ticketId, confirmationId } = await ticketWithConfirmation(
			`Delay ${ tag }`
		);
		await db.query(
			'DELETE FROM wp_epipe_bounced_addresses WHERE email = ?',
			[ who ]
		);
		await deliver( postfixReport( confirmationId, '4.4.1' ) );
		await runOnce();
		const [ threads ] = await db.query(
			"SELECT COUNT(*) AS n FROM wp_epipe_threads WHERE ticket_id = ? AND type = 'bounce'",
			[ ticketId ]
		);
		assert.equal(
			Number( ( threads as Array< { n: number } > )[ 0 ]?.n ),
			1
		);
		const [ flags ] = await db.query(
			'SELECT COUNT(*) AS n FROM wp_epipe_bounced_addresses WHERE email = ?',
			[ who ]
		);
		assert.equal(
			Number( ( flags as Array< { n: number } > )[ 0 ]?.n ),
			0
		);
	} );

	it( 'ignores a bounce that names a Message-ID we never sent', async () => {
		const ticketsBefore = await ticketCount();
		const threadsBefore = await bounceThreadCount();
		await deliver(
			postfixReport(
				`<epipe.1.forged${ tag }.abc@example.test>`,
				'5.1.1'
			)
		);
		await runOnce();
		assert.equal( await ticketCount(), ticketsBefore );
		assert.equal( await bounceThreadCount(), threadsBefore );
	} );

	async function ticketCount(): Promise< number > {
		const [ rows ] = await db.query(
			'SELECT COUNT(*) AS n FROM wp_epipe_tickets'
		);
		return Number( ( rows as Array< { n: number } > )[ 0 ]?.n );
	}

	async function bounceThreadCount(): Promise< number > {
		const [ rows ] = await db.query(
			"SELECT COUNT(*) AS n FROM wp_epipe_threads WHERE type = 'bounce'"
		);
		return Number( ( rows as Array< { n: number } > )[ 0 ]?.n );
	}
} );
