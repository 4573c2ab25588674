/**
 * A forged customer address (bad-input catalogue A2): when the receiving server reports the
 * sender's domain as failing DMARC, the email joins none of that customer's tickets by reference
 * or ticket number — it opens a ticket of its own, the agents hear of it, and no confirmation
 * goes to the impersonated address. The same email with a passing result is a reply.
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
import { insertTicket, waitForCaptured } from './support/wp.ts';

describe( 'a forged customer address', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let ticketId = 0;
	const tag = randomUUID().slice( 0, 8 );
	const subject = `Invoice question ${ tag }`;
	const originalId = `<forged-${ tag }@customer.example.test>`;

	/**
	 * Sends a follow-up "from" the customer with the given DMARC result, runs the sidecar, and
	 * returns the activity row of it.
	 *
	 * @param dmarc Result the receiving server wrote.
	 * @param text  Body (identifies the email).
	 */
	const followUp = async (
		dmarc: 'pass' | 'fail',
		text: string
	): Promise< Record< string, unknown > > => {
		await sendMail( stack, {
			from: 'Casey Customer <customer@example.test>',
			to: 'support@example.test',
			subject: `Re: [Ticket #${ ticketId }] ${ subject } ${ dmarc }`,
			inReplyTo: originalId,
			references: [ originalId ],
			headers: {
				'Authentication-Results': `mx.example.test; spf=${ dmarc } smtp.mailfrom=example.test; dmarc=${ dmarc } (p=reject) header.from=example.test`,
			},
			text,
		} );
		await runOnceOk( stack );
		const [ rows ] = await db.query(
			'SELECT outcome, reason, ticket_id, details FROM wp_epipe_activity WHERE subject = ? ORDER BY id DESC LIMIT 1',
			[ `Re: [Ticket #${ ticketId }] ${ subject } ${ dmarc }` ]
		);
		const row = ( rows as Array< Record< string, unknown > > )[ 0 ];
		assert.ok( row );
		return row;
	};

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		ticketId = await insertTicket( db, {
			subject,
			customerEmail: 'customer@example.test',
			messageId: originalId,
		} );
	} );
	after( async () => {
		await db.end();
	} );

	it( 'opens a ticket of its own, alerts the agents and confirms nothing to the address', async () => {
		const row = await followUp(
			'fail',
			`Please pay to my new account ${ tag }.`
		);
		assert.equal( row[ 'outcome' ], 'ticket' );
		assert.notEqual( Number( row[ 'ticket_id' ] ), ticketId );
		assert.equal(
			(
				JSON.parse( String( row[ 'details' ] ) ) as Record<
					string,
					unknown
				>
			 )[ 'sender_unverified' ],
			true
		);
		const forgedTicket = Number( row[ 'ticket_id' ] );
		const about = ( m: { parsed: { subject?: string } } ) =>
			( m.parsed.subject ?? '' ).startsWith(
				`[Ticket #${ forgedTicket }]`
			);
		const alerts = await waitForCaptured( stack, about );
		assert.ok(
			alerts.every(
				( m ) => ! m.rcpt.includes( 'customer@example.test' )
			),
			'no confirmation to the impersonated customer'
		);
		const [ sent ] = await db.query(
			'SELECT recipient FROM wp_epipe_notifications WHERE ticket_id = ?',
			[ forgedTicket ]
		);
		const recipients = ( sent as Array< { recipient: string } > ).map(
			( r ) => r.recipient
		);
		assert.ok( recipients.length > 0, 'the agents were alerted' );
		assert.ok( ! recipients.includes( 'customer@example.test' ) );
	} );

	it( 'joins the ticket when the sender passes DMARC', async () => {
		const row = await followUp(
			'pass',
			`Thanks for the invoice ${ tag }.`
		);
		assert.deepEqual(
			[ row[ 'outcome' ], Number( row[ 'ticket_id' ] ) ],
			[ 'reply', ticketId ]
		);
	} );
} );
