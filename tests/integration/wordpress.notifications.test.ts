/**
 * Every notification kind, end to end on the real stack: WordPress sends it from the outbox with
 * a signed Message-ID, a signed reply address, "[Ticket #N]" and the auto-reply headers; the
 * recipient answers it from their own mailbox; the sidecar puts the answer on the same ticket.
 * Also: each event is sent once even to concurrent dispatchers, machine and piped addresses
 * are never mailed, forwarded tickets can be answered from the forwarding address, and the
 * admin's templates and macros are used.
 */
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type { ParsedMail } from 'mailparser';
import type mysql from 'mysql2/promise';

import { deriveKey, LABEL_SIGN } from '../../sidecar/src/security/keys.ts';
import {
	parseOurMessageId,
	verifyReference,
} from '../../sidecar/src/security/signer.ts';
import {
	loadStack,
	openDb,
	runCli,
	sendMail,
	waitForMail,
	type Mailbox,
	type Stack,
} from './support/stack.ts';
import {
	adminAuth,
	api,
	capturedMail,
	dispatch,
	headerText,
	insertTicket,
	secretKey,
	userAuth,
	waitForCaptured,
	agentUserId,
} from './support/wp.ts';

describe( 'notifications: every kind threads back to its ticket', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let key: string;
	let auth: string;
	let ticketId = 0;
	const tag = randomUUID().slice( 0, 8 );
	const subject = `Notification round trip ${ tag }`;
	const originalId = `<notify-${ tag }@customer.example.test>`;

	/**
	 * Expected signed reply address for a participant (contract: Signer::reply_address).
	 * @param ticket
	 * @param participant
	 */
	const replyAddress = ( ticket: number, participant: string ): string => {
		const token = createHmac( 'sha256', deriveKey( key, LABEL_SIGN ) )
			.update(
				`reply-address:${ ticket }:${ participant.toLowerCase() }`
			)
			.digest( 'hex' )
			.slice( 0, 20 );
		return `support+t${ ticket }-${ token }@example.test`;
	};

	const runOnce = async (): Promise< void > => {
		const result = await runCli( [
			'run',
			'--once',
			'--wp-config',
			stack.wp.config,
		] );
		assert.equal( result.code, 0, result.stderr );
	};

	/**
	 * Checks the headers every notification must carry, for the recipient it was sent to.
	 *
	 * @param mail      The notification as received.
	 * @param recipient Its recipient.
	 * @param ticket    Ticket it is about (0: none).
	 */
	const assertSigned = (
		mail: ParsedMail,
		recipient: string,
		ticket: number
	): void => {
		const ref = parseOurMessageId( mail.messageId ?? '' );
		assert.ok( ref, `our Message-ID: ${ mail.messageId }` );
		assert.equal( ref.ticketId, ticket );
		assert.ok(
			verifyReference( key, ref, recipient ),
			'signed for its recipient'
		);
		assert.ok( ! verifyReference( key, ref, 'someone-else@example.test' ) );
		assert.match(
			headerText( mail, 'auto-submitted' ),
			/^auto-(generated|replied)$/
		);
		assert.equal( headerText( mail, 'x-auto-response-suppress' ), 'All' );
		if ( ticket > 0 ) {
			assert.ok(
				( mail.subject ?? '' ).startsWith( `[Ticket #${ ticket }] ` ),
				mail.subject
			);
		}
	};

	/**
	 * Answers a notification from a mailbox, as a mail client would, and runs the sidecar.
	 *
	 * @param mail Notification.
	 * @param from Sender.
	 * @param text New text.
	 */
	const answer = async (
		mail: ParsedMail,
		from: string,
		text: string
	): Promise< void > => {
		const refs = [ mail.references ?? [] ].flat();
		refs.push( mail.messageId ?? '' );
		await sendMail( stack, {
			from,
			to: mail.replyTo?.value[ 0 ]?.address ?? '',
			subject: `Re: ${ mail.subject }`,
			inReplyTo: mail.messageId ?? '',
			references: refs,
			text: `${ text }\n\nOn some day, Support wrote:\n> ${ ( mail.text ?? '' ).split( '\n' ).join( '\n> ' ) }`,
		} );
		await runOnce();
	};

	/**
	 * The ticket a thread with this text landed on, or null.
	 * @param text
	 * @param from
	 */
	const landedOn = async (
		text: string,
		from: string
	): Promise< number | null > => {
		const [ rows ] = await db.query(
			'SELECT ticket_id FROM wp_epipe_threads WHERE from_address = ? AND reply_text LIKE ? ORDER BY id DESC LIMIT 1',
			[ from, `%${ text }%` ]
		);
		const row = ( rows as Array< { ticket_id: number } > )[ 0 ];
		return row ? Number( row.ticket_id ) : null;
	};

	const inbox = ( mailbox: Mailbox, match: ( m: ParsedMail ) => boolean ) =>
		waitForMail( stack, mailbox, match );

	const about =
		( phrase: string | RegExp ) =>
		( m: ParsedMail ): boolean =>
			( m.subject ?? '' ).startsWith( `[Ticket #${ ticketId }]` ) &&
			( typeof phrase === 'string'
				? ( m.text ?? '' ).includes( phrase )
				: phrase.test( m.text ?? '' ) );

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		key = secretKey( stack );
		auth = adminAuth( stack );
		// The test Dovecot has sub-addressing (recipient_delimiter = +), so use signed reply addresses.
		const res = await api( stack, 'PATCH', '/connections/1', auth, {
			settings: { signed_reply_address: true },
		} );
		assert.equal( res.status, 200, res.text );
	} );
	after( async () => {
		await api( stack, 'PATCH', '/connections/1', auth, {
			settings: { signed_reply_address: false },
		} );
		await db.query(
			"DELETE FROM wp_epipe_settings WHERE name NOT LIKE 'sender\\_tickets\\_%'"
		);
		await db.query( 'DELETE FROM wp_epipe_templates' );
		await db.end();
	} );

	it( 'new ticket: the customer confirmation threads back', async () => {
		await sendMail( stack, {
			from: 'Casey Customer <customer@example.test>',
			to: 'support@example.test',
			subject,
			messageId: originalId,
			text: 'My order never arrived.',
		} );
		await runOnce();
		const [ rows ] = await db.query(
			'SELECT id FROM wp_epipe_tickets WHERE subject = ?',
			[ subject ]
		);
		ticketId = Number( ( rows as Array< { id: number } > )[ 0 ]?.id );
		assert.ok( ticketId > 0 );

		const confirmation = await inbox(
			stack.mailboxes.customer,
			about( 'We have received your request' )
		);
		assertSigned( confirmation, 'customer@example.test', ticketId );
		assert.equal( confirmation.inReplyTo, originalId );
		assert.equal(
			confirmation.replyTo?.value[ 0 ]?.address,
			replyAddress( ticketId, 'customer@example.test' )
		);
		assert.match( confirmation.text ?? '', /^-- Reply above this line --/ );
		assert.match( confirmation.text ?? '', /My order never arrived\./ );

		await answer(
			confirmation,
			'customer@example.test',
			`Customer answer to confirmation ${ tag }`
		);
		assert.equal(
			await landedOn(
				`Customer answer to confirmation ${ tag }`,
				'customer@example.test'
			),
			ticketId
		);
	} );

	it( 'new ticket: the agent alert threads back', async () => {
		const alert = await inbox(
			stack.mailboxes.agent,
			about( `New ticket #${ ticketId } from` )
		);
		assertSigned( alert, 'agent@example.test', ticketId );
		assert.equal(
			alert.replyTo?.value[ 0 ]?.address,
			replyAddress( ticketId, 'agent@example.test' )
		);
		assert.match(
			alert.text ?? '',
			/page=email-piping-tickets&ticket=\d+/
		);
		await answer(
			alert,
			'agent@example.test',
			`Agent answer to new-ticket alert ${ tag }`
		);
		assert.equal(
			await landedOn(
				`Agent answer to new-ticket alert ${ tag }`,
				'agent@example.test'
			),
			ticketId
		);
	} );

	it( "customer reply: the agents' alert threads back", async () => {
		const alert = await inbox(
			stack.mailboxes.agent,
			about( `Customer answer to confirmation ${ tag }` )
		);
		assertSigned( alert, 'agent@example.test', ticketId );
		assert.match(
			alert.text ?? '',
			/New reply on ticket #\d+ from customer@example\.test/
		);
		await answer(
			alert,
			'agent@example.test',
			`Agent answer to reply alert ${ tag }`
		);
		assert.equal(
			await landedOn(
				`Agent answer to reply alert ${ tag }`,
				'agent@example.test'
			),
			ticketId
		);
	} );

	it( 'agent reply on the web: the customer mail threads back', async () => {
		const res = await api(
			stack,
			'POST',
			`/tickets/${ ticketId }/replies`,
			auth,
			{
				body: `We are sending a new parcel today (${ tag }).`,
			}
		);
		assert.equal( res.status, 201, res.text );
		const mail = await inbox(
			stack.mailboxes.customer,
			about( 'We are sending a new parcel today' )
		);
		assertSigned( mail, 'customer@example.test', ticketId );
		assert.equal(
			mail.replyTo?.value[ 0 ]?.address,
			replyAddress( ticketId, 'customer@example.test' )
		);
		await answer(
			mail,
			'customer@example.test',
			`Customer answer to agent reply ${ tag }`
		);
		assert.equal(
			await landedOn(
				`Customer answer to agent reply ${ tag }`,
				'customer@example.test'
			),
			ticketId
		);
	} );

	it( 'internal note: the other agents are told, never the customer, and it threads back', async () => {
		const res = await api(
			stack,
			'POST',
			`/tickets/${ ticketId }/notes`,
			auth,
			{
				body: `Checked the courier, parcel lost (${ tag }).`,
			}
		);
		assert.equal( res.status, 201, res.text );
		const alert = await inbox(
			stack.mailboxes.agent,
			about( 'Checked the courier' )
		);
		assertSigned( alert, 'agent@example.test', ticketId );
		await answer(
			alert,
			'agent@example.test',
			`Agent answer to note alert ${ tag }`
		);
		assert.equal(
			await landedOn(
				`Agent answer to note alert ${ tag }`,
				'agent@example.test'
			),
			ticketId
		);
		const toCustomer = ( await capturedMail( stack ) ).filter(
			( m ) =>
				m.rcpt.includes( 'customer@example.test' ) &&
				( m.parsed.text ?? '' ).includes( 'Checked the courier' )
		);
		assert.deepEqual( toCustomer, [] );
		// The author is not told about their own note.
		const toAuthor = ( await capturedMail( stack ) ).filter(
			( m ) =>
				m.rcpt.includes( 'admin@example.test' ) &&
				( m.parsed.text ?? '' ).includes( 'added a note' ) &&
				( m.parsed.subject ?? '' ).startsWith(
					`[Ticket #${ ticketId }]`
				)
		);
		assert.deepEqual( toAuthor, [] );
	} );

	it( 'ticket changes: the customer (status) and agents (status, priority, assignee) are told, and both thread back', async () => {
		const agent = await userAuth( stack, 'agent', 'editor' );
		const res = await api(
			stack,
			'PATCH',
			`/tickets/${ ticketId }`,
			agent,
			{
				status: 'pending',
				priority: 'high',
			}
		);
		assert.equal( res.status, 200, res.text );
		const customerMail = await inbox(
			stack.mailboxes.customer,
			about( /changed from Open to Waiting for customer/ )
		);
		assertSigned( customerMail, 'customer@example.test', ticketId );
		await answer(
			customerMail,
			'customer@example.test',
			`Customer answer to status change ${ tag }`
		);
		assert.equal(
			await landedOn(
				`Customer answer to status change ${ tag }`,
				'customer@example.test'
			),
			ticketId
		);

		// The acting agent hears nothing; the admin (another agent) hears about each field.
		const adminMail = await inbox(
			stack.mailboxes.admin,
			about( /changed the priority of ticket #\d+ from Normal to High/ )
		);
		assertSigned( adminMail, 'admin@example.test', ticketId );
		await answer(
			adminMail,
			'admin@example.test',
			`Admin answer to change alert ${ tag }`
		);
		assert.equal(
			await landedOn(
				`Admin answer to change alert ${ tag }`,
				'admin@example.test'
			),
			ticketId
		);
		const toActor = ( await capturedMail( stack ) ).filter(
			( m ) =>
				m.rcpt.includes( 'agent@example.test' ) &&
				/changed the (status|priority)/.test( m.parsed.text ?? '' ) &&
				( m.parsed.subject ?? '' ).startsWith(
					`[Ticket #${ ticketId }]`
				)
		);
		assert.deepEqual( toActor, [] );

		// Assigning notifies the new assignee only (an assigned ticket's agent alerts go to its assignee).
		const agentId = await agentUserId( stack, auth );
		await api( stack, 'PATCH', `/tickets/${ ticketId }`, auth, {
			assignee_id: agentId,
		} );
		const assigned = await inbox(
			stack.mailboxes.agent,
			about(
				/changed the assignee of ticket #\d+ from nobody to Agent|changed the assignee of ticket #\d+ from nobody to agent/
			)
		);
		assertSigned( assigned, 'agent@example.test', ticketId );
	} );

	it( "reject notices: each of SupportCandy's four is sent once, threaded under the refused email", async () => {
		const notices = [
			'reply_not_allowed',
			'new_ticket_not_allowed',
			'sender_not_registered',
			'ticket_closed',
		];
		for ( const notice of notices ) {
			// What the sidecar writes when it refuses an email.
			await db.query(
				"INSERT INTO wp_epipe_events (type, ticket_id, thread_id, payload, status, created_at) VALUES ('reject_notice', ?, NULL, ?, 'pending', UTC_TIMESTAMP())",
				[
					notice === 'ticket_closed' ? ticketId : 0,
					JSON.stringify( {
						notice,
						to: 'customer@example.test',
						subject: `Refused ${ notice } ${ tag }`,
						in_reply_to: `<refused-${ notice }-${ tag }@customer.example.test>`,
						connection_id: 1,
					} ),
				]
			);
		}
		await dispatch( stack );
		const phrases: Record< string, RegExp > = {
			reply_not_allowed: /reply to the ticket is not allowed via email/,
			new_ticket_not_allowed: /new ticket can not be created via email/,
			sender_not_registered: /non-registered users/,
			ticket_closed: new RegExp( `ticket #${ ticketId } is closed` ),
		};
		for ( const notice of notices ) {
			const mail = await inbox( stack.mailboxes.customer, ( m ) =>
				( m.subject ?? '' ).includes( `Refused ${ notice } ${ tag }` )
			);
			assert.match( mail.text ?? '', phrases[ notice ] as RegExp );
			assertSigned(
				mail,
				'customer@example.test',
				notice === 'ticket_closed' ? ticketId : 0
			);
			assert.equal(
				headerText( mail, 'auto-submitted' ),
				'auto-replied'
			);
			assert.equal(
				mail.inReplyTo,
				`<refused-${ notice }-${ tag }@customer.example.test>`
			);
			if ( notice !== 'ticket_closed' ) {
				assert.equal(
					mail.subject,
					`Re: Refused ${ notice } ${ tag }`
				);
			}
		}
		const closed = await inbox( stack.mailboxes.customer, ( m ) =>
			( m.subject ?? '' ).includes( `Refused ticket_closed ${ tag }` )
		);
		// Answering the closed-ticket notice is recognised as being about that ticket.
		await answer(
			closed,
			'customer@example.test',
			`Customer answer to closed notice ${ tag }`
		);
		const [ rows ] = await db.query(
			'SELECT ticket_id, reason FROM wp_epipe_activity WHERE subject = ? ORDER BY id DESC LIMIT 1',
			[ `Re: ${ closed.subject }` ]
		);
		const activity = (
			rows as Array< { ticket_id: number; reason: string } >
		 )[ 0 ];
		assert.equal( Number( activity?.ticket_id ), ticketId );
		assert.match(
			activity?.reason ?? '',
			/^(reply_signed_reference|reply_address|ticket_closed)$/
		);
	} );

	it( 'sends each event once, even to concurrent dispatchers', async () => {
		const s = `Exactly once ${ tag }`;
		const id = await insertTicket( db, {
			subject: s,
			customerEmail: 'customer@example.test',
			body: 'once',
			event: true,
		} );
		await Promise.all( [
			dispatch( stack ),
			dispatch( stack ),
			dispatch( stack ),
		] );
		await waitForCaptured(
			stack,
			( m ) => ( m.parsed.subject ?? '' ) === `[Ticket #${ id }] ${ s }`
		);
		await new Promise( ( r ) => setTimeout( r, 1000 ) );
		const sent = ( await capturedMail( stack ) ).filter(
			( m ) => ( m.parsed.subject ?? '' ) === `[Ticket #${ id }] ${ s }`
		);
		const recipients = sent.flatMap( ( m ) => m.rcpt );
		assert.ok( recipients.includes( 'customer@example.test' ) );
		assert.ok( recipients.includes( 'agent@example.test' ) );
		assert.equal(
			new Set( recipients ).size,
			recipients.length,
			recipients.join( ', ' )
		);
		const [ rows ] = await db.query(
			"SELECT status FROM wp_epipe_events WHERE ticket_id = ? AND type = 'ticket_created'",
			[ id ]
		);
		assert.deepEqual( rows, [ { status: 'sent' } ] );
	} );

	it( 'never mails machine addresses, the piped mailbox or a forwarding address', async () => {
		await api( stack, 'PATCH', '/settings', auth, {
			forwarding_addresses: [ 'help@fwd.example' ],
		} );
		const s = `Never notify ${ tag }`;
		const id = await insertTicket( db, {
			subject: s,
			customerEmail: 'customer@example.test',
		} );
		const res = await api( stack, 'PATCH', `/tickets/${ id }`, auth, {
			additional_recipients: [
				'no-reply@shop.example',
				'MAILER-DAEMON@shop.example',
				'postmaster@shop.example',
				'support@example.test',
				'Support+other@example.test',
				'help@fwd.example',
				'colleague@example.test',
			],
		} );
		assert.equal( res.status, 200, res.text );
		await api( stack, 'POST', `/tickets/${ id }/replies`, auth, {
			body: 'To everyone allowed.',
		} );
		const sent = await waitForCaptured(
			stack,
			( m ) => ( m.parsed.subject ?? '' ) === `[Ticket #${ id }] ${ s }`,
			2
		);
		assert.deepEqual( sent.flatMap( ( m ) => m.rcpt ).sort(), [
			'colleague@example.test',
			'customer@example.test',
		] );
	} );

	it( 'answers a forwarded ticket from the forwarding address, when that setting is on', async () => {
		await api( stack, 'PATCH', '/connections/1', auth, {
			settings: { signed_reply_address: false },
		} );
		await api( stack, 'PATCH', '/settings', auth, {
			forwarding_as_from: true,
		} );
		const s = `Forwarded ${ tag }`;
		const id = await insertTicket( db, {
			subject: s,
			customerEmail: 'customer@example.test',
		} );
		await db.query(
			"UPDATE wp_epipe_tickets SET forwarded_from = 'help@fwd.example' WHERE id = ?",
			[ id ]
		);
		await api( stack, 'POST', `/tickets/${ id }/replies`, auth, {
			body: 'From the address you wrote to.',
		} );
		const [ mail ] = await waitForCaptured(
			stack,
			( m ) => ( m.parsed.subject ?? '' ) === `[Ticket #${ id }] ${ s }`
		);
		assert.equal(
			mail?.parsed.from?.value[ 0 ]?.address,
			'help@fwd.example'
		);
		assert.equal(
			mail?.parsed.replyTo?.value[ 0 ]?.address,
			'help@fwd.example'
		);

		// Off again: the site's own From, and the piped mailbox as Reply-To.
		await api( stack, 'PATCH', '/settings', auth, {
			forwarding_as_from: false,
		} );
		await api( stack, 'POST', `/tickets/${ id }/replies`, auth, {
			body: 'Second answer.',
		} );
		const both = await waitForCaptured(
			stack,
			( m ) => ( m.parsed.subject ?? '' ) === `[Ticket #${ id }] ${ s }`,
			2
		);
		const second = both.find( ( m ) =>
			( m.parsed.text ?? '' ).includes( 'Second answer.' )
		);
		assert.equal(
			second?.parsed.from?.value[ 0 ]?.address,
			'wordpress@example.test'
		);
		assert.equal(
			second?.parsed.replyTo?.value[ 0 ]?.address,
			'support@example.test'
		);
		await api( stack, 'PATCH', '/connections/1', auth, {
			settings: { signed_reply_address: true },
		} );
	} );

	it( "uses the admin's template, and never expands macros written by a customer", async () => {
		const saved = await api(
			stack,
			'PUT',
			'/templates/customer_agent_replied',
			auth,
			{
				subject: 'Answer about {{ticket_subject}}',
				body: 'Dear {{customer_first_name}} ({{customer_email}}),\n\n{{last_reply}}\n\nStatus: {{ticket_status}}',
			}
		);
		assert.equal( saved.status, 200, saved.text );
		const s = `Templated ${ tag }`;
		const id = await insertTicket( db, {
			subject: s,
			customerEmail: 'customer@example.test',
			customerName: 'Casey Customer',
		} );
		await api( stack, 'POST', `/tickets/${ id }/replies`, auth, {
			body: 'Literal {{customer_email}} and {{ticket_id}} stay as typed.',
		} );
		const [ mail ] = await waitForCaptured(
			stack,
			( m ) =>
				( m.parsed.subject ?? '' ) ===
				`[Ticket #${ id }] Answer about ${ s }`
		);
		const text = mail?.parsed.text ?? '';
		assert.match(
			text,
			/^-- Reply above this line --\s+Dear Casey \(customer@example\.test\),/
		);
		assert.match(
			text,
			/Literal \{\{customer_email\}\} and \{\{ticket_id\}\} stay as typed\./
		);
		assert.match( text, /Status: Open/ );

		// A disabled template sends nothing.
		await api( stack, 'PUT', '/templates/customer_agent_replied', auth, {
			enabled: false,
		} );
		await api( stack, 'POST', `/tickets/${ id }/replies`, auth, {
			body: 'Silent.',
		} );
		await new Promise( ( r ) => setTimeout( r, 1500 ) );
		const silent = ( await capturedMail( stack ) ).filter( ( m ) =>
			( m.parsed.text ?? '' ).includes( 'Silent.' )
		);
		assert.deepEqual( silent, [] );
	} );
} );
