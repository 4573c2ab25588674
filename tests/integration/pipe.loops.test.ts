/**
 * Loop and flood protection on the real stack: an auto-responder without machine headers
 * answering every notification, and a sender opening ticket after ticket. Every email is kept;
 * past the caps nobody is mailed about it, and past the hard limit it waits in quarantine.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import {
	DEFAULT_SENDER_LIMITS,
	TICKET_REPLY_CAPS,
} from '../../sidecar/src/pipeline/loop-guard.ts';
import {
	count,
	loadStack,
	openDb,
	runCli,
	runOnceOk,
	sendMail,
	type Stack,
} from './support/stack.ts';
import { adminAuth, api, insertTicket } from './support/wp.ts';

const SENDER_QUIET_TICKETS = DEFAULT_SENDER_LIMITS.quiet;
const SENDER_MAX_TICKETS = DEFAULT_SENDER_LIMITS.limit;

describe( 'loop and flood protection', () => {
	let stack: Stack;
	let db: mysql.Pool;
	const tag = randomUUID().slice( 0, 8 );

	const runOnce = () => runOnceOk( stack );

	/**
	 * The activity row of the email with this subject.
	 *
	 * @param subject Subject.
	 */
	const activityOf = async (
		subject: string
	): Promise< Record< string, unknown > > => {
		const [ rows ] = await db.query(
			'SELECT outcome, reason, ticket_id, thread_id, details FROM wp_epipe_activity WHERE subject = ? ORDER BY id DESC LIMIT 1',
			[ subject ]
		);
		const row = ( rows as Array< Record< string, unknown > > )[ 0 ];
		assert.ok( row, `activity of ${ subject }` );
		return {
			...row,
			details: JSON.parse( String( row[ 'details' ] ) ) as unknown,
		};
	};

	const eventsOfThread = ( threadId: unknown ) =>
		count(
			db,
			'SELECT COUNT(*) n FROM wp_epipe_events WHERE thread_id = ?',
			[ Number( threadId ) ]
		);

	/**
	 * Saves the per-sender limits through the settings API, as an admin would.
	 *
	 * @param quiet sender_tickets_quiet.
	 * @param limit sender_tickets_limit.
	 */
	const senderLimits = async ( quiet: number, limit: number ) => {
		const res = await api(
			stack,
			'PATCH',
			'/settings',
			adminAuth( stack ),
			{
				sender_tickets_quiet: quiet,
				sender_tickets_limit: limit,
			}
		);
		assert.equal( res.status, 200, res.text );
	};

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		// The test stack turns the protection off (see tests/env/wp-install.php); here it runs
		// with the product's defaults.
		await senderLimits( SENDER_QUIET_TICKETS, SENDER_MAX_TICKETS );
	} );
	after( async () => {
		await senderLimits( 0, 0 );
		await db.end();
	} );

	it( "keeps a ticket's replies past its cap, but stops notifying about them", async () => {
		const responder = `responder-${ tag }@example.test`;
		const cap = TICKET_REPLY_CAPS[ 0 ] as { minutes: number; max: number };
		const ticketId = await insertTicket( db, {
			subject: `Loop ${ tag }`,
			customerEmail: responder,
		} );
		// A responder answering each notification at once: `max` replies within minutes.
		for ( let i = 1; i <= cap.max + 1; i++ ) {
			await sendMail( stack, {
				from: responder,
				to: 'support@example.test',
				subject: `Re: [Ticket #${ ticketId }] Loop ${ tag } ${ i }`,
				text: `Thank you for your message (${ i }).`,
			} );
		}
		await runOnce();
		const replies = await count(
			db,
			"SELECT COUNT(*) n FROM wp_epipe_threads WHERE ticket_id = ? AND type = 'reply'",
			[ ticketId ]
		);
		assert.equal( replies, cap.max + 1, 'every reply is kept' );
		const last = await activityOf(
			`Re: [Ticket #${ ticketId }] Loop ${ tag } ${ cap.max + 1 }`
		);
		assert.equal( last[ 'outcome' ], 'reply' );
		assert.deepEqual(
			( last[ 'details' ] as Record< string, unknown > )[
				'notifications_held'
			],
			{ limit: 'ticket_replies', minutes: cap.minutes, count: cap.max }
		);
		assert.equal( await eventsOfThread( last[ 'thread_id' ] ), 0 );
		const earlier = await activityOf(
			`Re: [Ticket #${ ticketId }] Loop ${ tag } ${ cap.max }`
		);
		assert.equal( await eventsOfThread( earlier[ 'thread_id' ] ), 1 );
	} );

	it( 'quiets, then quarantines, a sender opening ticket after ticket; the admin can let one in', async () => {
		const flooder = `flood-${ tag }@example.test`;
		// The tickets this sender opened in the last hour, as earlier runs would have left them.
		for ( let i = 0; i < SENDER_QUIET_TICKETS; i++ ) {
			await insertTicket( db, {
				subject: `Flood seed ${ tag } ${ i }`,
				customerEmail: flooder,
			} );
		}
		const quiet = `Flood quiet ${ tag }`;
		await sendMail( stack, {
			from: flooder,
			to: 'support@example.test',
			subject: quiet,
			text: 'One more.',
		} );
		await runOnce();
		const held = await activityOf( quiet );
		assert.equal( held[ 'outcome' ], 'ticket' );
		assert.deepEqual(
			( held[ 'details' ] as Record< string, unknown > )[
				'notifications_held'
			],
			{
				limit: 'sender_tickets',
				minutes: 60,
				count: SENDER_QUIET_TICKETS,
			}
		);
		assert.equal( await eventsOfThread( held[ 'thread_id' ] ), 0 );

		for ( let i = SENDER_QUIET_TICKETS + 1; i < SENDER_MAX_TICKETS; i++ ) {
			await insertTicket( db, {
				subject: `Flood seed ${ tag } ${ i }`,
				customerEmail: flooder,
			} );
		}
		const over = `Flood over ${ tag }`;
		await sendMail( stack, {
			from: flooder,
			to: 'support@example.test',
			subject: over,
			text: 'And another.',
		} );
		await runOnce();
		const quarantined = await activityOf( over );
		assert.deepEqual(
			[ quarantined[ 'outcome' ], quarantined[ 'reason' ] ],
			[ 'quarantined', 'sender_flood' ]
		);
		assert.equal(
			await count(
				db,
				'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE subject = ?',
				[ over ]
			),
			0
		);
		const [ entries ] = await db.query(
			"SELECT id FROM wp_epipe_quarantine WHERE reason = 'sender_flood' AND subject = ?",
			[ over ]
		);
		const id = ( entries as Array< { id: number } > )[ 0 ]?.id;
		assert.ok( id, 'the email waits in quarantine' );
		const retry = await runCli( [
			'quarantine',
			'reprocess',
			String( id ),
			'--wp-config',
			stack.wp.config,
		] );
		assert.equal( retry.code, 0, retry.stdout + retry.stderr );
		assert.equal(
			await count(
				db,
				'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE subject = ?',
				[ over ]
			),
			1,
			'reprocessing lets the admin take it in'
		);
	} );
} );
