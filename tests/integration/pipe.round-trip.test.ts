/**
 * The walking skeleton end to end on real components: an email delivered into Dovecot becomes a
 * ticket, WordPress sends the confirmation into the customer's mailbox, the customer's reply to it
 * lands on the same ticket, and running the sidecar again creates nothing twice.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type { ParsedMail } from 'mailparser';
import type mysql from 'mysql2/promise';

import { parseOurMessageId } from '../../sidecar/src/security/signer.ts';

import {
	count,
	loadStack,
	mailboxClient,
	openDb,
	runCli,
	type Mailbox,
	sendMail,
	type Stack,
	waitForMail,
} from './support/stack.ts';

function header( mail: ParsedMail, name: string ): string {
	const value = mail.headers.get( name );
	return typeof value === 'string' ? value : JSON.stringify( value ?? '' );
}

describe( 'email → ticket → confirmation → reply → same ticket', () => {
	let stack: Stack;
	let db: mysql.Pool;
	const tag = randomUUID().slice( 0, 8 );
	const subject = `Printer jams on page 2 (${ tag })`;
	const originalId = `<round-trip-${ tag }@customer.example.test>`;
	let ticketId = 0;
	let confirmation: ParsedMail;

	before( () => {
		stack = loadStack();
		db = openDb( stack );
	} );
	after( async () => {
		await db.end();
	} );

	const runOnce = () =>
		runCli( [ 'run', '--once', '--wp-config', stack.wp.config ] );

	it( 'creates a ticket from a new email', async () => {
		await sendMail( stack, {
			from: 'Casey Customer <customer@example.test>',
			to: 'support@example.test',
			subject,
			messageId: originalId,
			text: 'Hello,\n\nthe printer jams on page 2 every time.\n\nCasey',
		} );
		const result = await runOnce();
		assert.equal( result.code, 0, result.stderr );
		assert.match( result.stdout, /1 new tickets, 0 replies/ );

		const [ rows ] = await db.query(
			'SELECT t.id, t.status, c.email, c.name FROM wp_epipe_tickets t JOIN wp_epipe_customers c ON c.id = t.customer_id WHERE t.subject = ?',
			[ subject ]
		);
		const tickets = rows as Array< {
			id: number;
			status: string;
			email: string;
			name: string;
		} >;
		assert.equal( tickets.length, 1 );
		ticketId = Number( tickets[ 0 ]?.id );
		assert.equal( tickets[ 0 ]?.status, 'open' );
		assert.equal( tickets[ 0 ]?.email, 'customer@example.test' );
		assert.equal( tickets[ 0 ]?.name, 'Casey Customer' );
		assert.equal(
			await count(
				db,
				"SELECT COUNT(*) n FROM wp_epipe_threads WHERE ticket_id = ? AND type = 'report'",
				[ ticketId ]
			),
			1
		);
		assert.equal(
			await count(
				db,
				"SELECT COUNT(*) n FROM wp_epipe_activity WHERE ticket_id = ? AND outcome = 'ticket' AND reason = 'new_ticket'",
				[ ticketId ]
			),
			1
		);
		// The sidecar's ping makes WordPress send the notifications now, not at the next cron tick.
		const deadline = Date.now() + 15_000;
		const sent = () =>
			count(
				db,
				"SELECT COUNT(*) n FROM wp_epipe_events WHERE ticket_id = ? AND type = 'ticket_created' AND status = 'sent'",
				[ ticketId ]
			);
		while ( ( await sent() ) === 0 && Date.now() < deadline ) {
			await new Promise( ( r ) => setTimeout( r, 100 ) );
		}
		assert.equal( await sent(), 1 );
	} );

	it( "delivers a signed, threaded confirmation into the customer's mailbox", async () => {
		confirmation = await waitForMail(
			stack,
			stack.mailboxes.customer,
			( m ) => ( m.subject ?? '' ).startsWith( `[Ticket #${ ticketId }]` )
		);
		assert.equal(
			confirmation.subject,
			`[Ticket #${ ticketId }] ${ subject }`
		);
		assert.match(
			confirmation.messageId ?? '',
			new RegExp( `^<epipe\\.${ ticketId }\\.[0-9a-f]+\\.[0-9a-f]{24}@` )
		);
		assert.equal( confirmation.inReplyTo, originalId );
		assert.equal(
			header( confirmation, 'auto-submitted' ),
			'auto-generated'
		);
		assert.equal(
			confirmation.replyTo?.value[ 0 ]?.address,
			'support@example.test'
		);
		assert.match( confirmation.text ?? '', /-- Reply above this line --/ );
		assert.match( confirmation.text ?? '', /the printer jams on page 2/ );
		// Agents hear about the new ticket too.
		await waitForMail(
			stack,
			stack.mailboxes.admin,
			( m ) =>
				( m.subject ?? '' ) === `[Ticket #${ ticketId }] ${ subject }`
		);
	} );

	it( 'puts the reply to the confirmation on the same ticket, without the quoted history', async () => {
		await sendMail( stack, {
			from: 'Casey Customer <customer@example.test>',
			to: confirmation.replyTo?.value[ 0 ]?.address ?? '',
			subject: `Re: ${ confirmation.subject }`,
			inReplyTo: confirmation.messageId ?? '',
			references: [ originalId, confirmation.messageId ?? '' ],
			text: `It also happens on the second tray.\n\nOn Mon, 30 Nov 2026 at 10:00, Support <support@example.test> wrote:\n> ${ ( confirmation.text ?? '' ).split( '\n' ).join( '\n> ' ) }`,
		} );
		const result = await runOnce();
		assert.equal( result.code, 0, result.stderr );
		assert.match( result.stdout, /0 new tickets, 1 replies/ );

		const [ rows ] = await db.query(
			'SELECT type, reply_text FROM wp_epipe_threads WHERE ticket_id = ? ORDER BY id',
			[ ticketId ]
		);
		const threads = rows as Array< { type: string; reply_text: string } >;
		assert.deepEqual(
			threads.map( ( t ) => t.type ),
			[ 'report', 'reply' ]
		);
		assert.equal(
			threads[ 1 ]?.reply_text,
			'It also happens on the second tray.'
		);
		assert.equal(
			await count(
				db,
				"SELECT COUNT(*) n FROM wp_epipe_activity WHERE ticket_id = ? AND reason = 'reply_signed_reference'",
				[ ticketId ]
			),
			1
		);
		await waitForMail( stack, stack.mailboxes.admin, ( m ) =>
			( m.text ?? '' ).includes( `New reply on ticket #${ ticketId }` )
		);
	} );

	it( 'never lets a stranger join the ticket with its number and references', async () => {
		const initial = await count(
			db,
			'SELECT COUNT(*) n FROM wp_epipe_threads WHERE ticket_id = ?',
			[ ticketId ]
		);
		await sendMail( stack, {
			from: 'Mallory <agent@example.test>',
			to: 'support@example.test',
			subject: `Re: [Ticket #${ ticketId }] ${ subject }`,
			inReplyTo: confirmation.messageId ?? '',
			references: [ originalId, confirmation.messageId ?? '' ],
			text: 'Please send me the invoice of this customer.',
		} );
		const result = await runOnce();
		assert.equal( result.code, 0, result.stderr );
		assert.match( result.stdout, /1 new tickets, 0 replies/ );
		assert.equal(
			await count(
				db,
				'SELECT COUNT(*) n FROM wp_epipe_threads WHERE ticket_id = ?',
				[ ticketId ]
			),
			initial
		);
	} );

	it( "posts an agent's answer from their mail client as the agent's reply, and mails it to the customer", async () => {
		const alert = await waitForMail(
			stack,
			stack.mailboxes.agent as Mailbox,
			// The alert about this ticket (not a confirmation of a ticket the agent opened).
			( m ) =>
				parseOurMessageId( m.messageId ?? '' )?.ticketId === ticketId
		);
		await sendMail( stack, {
			from: 'Agent <agent@example.test>',
			to: 'support@example.test',
			// Threaded by the signed reference alone (and kept out of the subject search below).
			subject: 'Re: your alert',
			inReplyTo: alert.messageId ?? '',
			references: [ alert.messageId ?? '' ],
			text: `A technician comes tomorrow at nine.\n\nOn Monday, Email Piping wrote:\n> ${ ( alert.text ?? '' ).split( '\n' ).join( '\n> ' ) }`,
		} );
		const result = await runOnce();
		assert.equal( result.code, 0, result.stderr );
		const [ rows ] = await db.query(
			`SELECT th.author_kind, th.user_id, th.customer_id, th.reply_text, u.user_email
			 FROM wp_epipe_threads th LEFT JOIN wp_users u ON u.ID = th.user_id
			 WHERE th.ticket_id = ? ORDER BY th.id DESC LIMIT 1`,
			[ ticketId ]
		);
		const thread = ( rows as Array< Record< string, unknown > > )[ 0 ];
		assert.equal( thread?.[ 'author_kind' ], 'agent' );
		assert.equal( thread?.[ 'user_email' ], 'agent@example.test' );
		assert.equal( thread?.[ 'customer_id' ], null );
		assert.equal(
			thread?.[ 'reply_text' ],
			'A technician comes tomorrow at nine.'
		);
		// The customer is mailed the agent's words about this ticket.
		await waitForMail(
			stack,
			stack.mailboxes.customer as Mailbox,
			( m ) =>
				/A technician comes tomorrow at nine/.test( m.text ?? '' ) &&
				( m.subject ?? '' ).includes( `#${ ticketId }]` )
		);
	} );

	it( 'creates nothing twice: not on a rerun, not after the checkpoint is lost', async () => {
		const snapshot = async () => [
			await count( db, 'SELECT COUNT(*) n FROM wp_epipe_tickets' ),
			await count( db, 'SELECT COUNT(*) n FROM wp_epipe_threads' ),
			await count( db, 'SELECT COUNT(*) n FROM wp_epipe_messages' ),
			await count( db, 'SELECT COUNT(*) n FROM wp_epipe_events' ),
		];
		const initial = await snapshot();
		const rerun = await runOnce();
		assert.equal( rerun.code, 0, rerun.stderr );
		assert.match(
			rerun.stdout,
			/0 new tickets, 0 replies, 0 skipped, 0 quarantined/
		);
		assert.deepEqual( await snapshot(), initial );

		// As after a crash between commit and checkpoint: every message is seen again.
		await db.query( 'UPDATE wp_epipe_mailbox_state SET last_uid = 0' );
		const replay = await runOnce();
		assert.equal( replay.code, 0, replay.stderr );
		assert.deepEqual( await snapshot(), initial );
	} );

	it( 'marks imported mail read only after it was stored', async () => {
		const client = mailboxClient( stack, stack.mailboxes.support );
		await client.connect();
		try {
			await client.mailboxOpen( 'INBOX' );
			const ours = await client.search( { subject: tag } );
			assert.equal( ( ours || [] ).length, 3 );
			assert.deepEqual(
				await client.search( { subject: tag, seen: false } ),
				[]
			);
		} finally {
			await client.logout();
		}
	} );
	it( 'joins a follow-up to a ticket opened by an email read in the same batch', async () => {
		const batchTag = randomUUID().slice( 0, 8 );
		const first = `<first-${ batchTag }@customer.example.test>`;
		const client = mailboxClient( stack, stack.mailboxes.support );
		await client.connect();
		try {
			// Emails around them share the batch: new tickets are written together, and the
			// follow-up must still find the ticket of the email it answers.
			for ( const [ i, extra ] of [
				`Subject: Other question A ${ batchTag }\r\n`,
				`Subject: Scanner offline ${ batchTag }\r\nMessage-ID: ${ first }\r\n`,
				`Subject: Other question B ${ batchTag }\r\n`,
				`Subject: Re: Scanner offline ${ batchTag }\r\nIn-Reply-To: ${ first }\r\nReferences: ${ first }\r\n`,
				`Subject: Other question C ${ batchTag }\r\n`,
			].entries() ) {
				await client.append(
					'INBOX',
					Buffer.from(
						`From: Casey Customer <customer@example.test>\r\nTo: support@example.test\r\n${ extra }\r\nMessage ${ i } of the batch.\r\n`
					)
				);
			}
		} finally {
			await client.logout();
		}
		const result = await runOnce();
		assert.equal( result.code, 0, result.stderr );
		const [ rows ] = await db.query(
			`SELECT t.subject, th.type FROM wp_epipe_threads th JOIN wp_epipe_tickets t ON t.id = th.ticket_id
			 WHERE t.subject LIKE ? ORDER BY th.id`,
			[ `%${ batchTag }` ]
		);
		assert.deepEqual(
			( rows as Array< { subject: string; type: string } > ).map(
				( r ) =>
					`${ r.subject.replace( ` ${ batchTag }`, '' ) }: ${ r.type }`
			),
			[
				'Other question A: report',
				'Scanner offline: report',
				'Other question B: report',
				'Scanner offline: reply',
				'Other question C: report',
			]
		);
	} );
} );
