/**
 * One email sent to two piped addresses (To support@, Cc another piped mailbox) arrives in both
 * mailboxes: with the duplicate filter on (the default) it becomes one ticket, the second copy a
 * "duplicate" entry pointing at it; with the filter off, each mailbox opens its own ticket.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import {
	addImapConnection,
	count,
	loadStack,
	openDb,
	runOnceOk,
	sendMail,
	type Stack,
} from './support/stack.ts';
import { adminAuth, api } from './support/wp.ts';

describe( 'the same email in two piped mailboxes', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let second = 0;
	const tag = randomUUID().slice( 0, 8 );

	const run = ( connection?: number ) => runOnceOk( stack, connection );

	/**
	 * Sends one email to both mailboxes and reads both.
	 *
	 * @param subject Subject.
	 */
	const sendToBoth = async ( subject: string ): Promise< void > => {
		await sendMail( stack, {
			from: `twice-${ tag }@example.test`,
			to: 'support@example.test',
			cc: stack.mailboxes.harness.user,
			subject,
			messageId: `<${ randomUUID() }@client.example.test>`,
			text: 'Please help, I wrote to both of your addresses.',
		} );
		await run();
		await run( second );
	};

	const ticketsWith = ( subject: string ) =>
		count(
			db,
			'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE subject = ?',
			[ subject ]
		);

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		second = await addImapConnection( db, stack, {
			name: `Second mailbox ${ tag }`,
			mailbox: stack.mailboxes.harness,
			settings: { start_from: 'now', after_import: 'leave' },
		} );
		// The first pass only notes where "now" is in that mailbox.
		await run( second );
	} );
	after( async () => {
		await api( stack, 'PATCH', '/settings', adminAuth( stack ), {
			duplicate_filter: true,
		} );
		await db.query( 'DELETE FROM wp_epipe_connections WHERE id = ?', [
			second,
		] );
		await db.query(
			'DELETE FROM wp_epipe_mailbox_state WHERE connection_id = ?',
			[ second ]
		);
		await db.end();
	} );

	it( 'opens one ticket and records the second copy as its duplicate', async () => {
		const subject = `Both addresses ${ tag }`;
		await sendToBoth( subject );
		assert.equal( await ticketsWith( subject ), 1 );
		const [ rows ] = await db.query(
			'SELECT connection_id, outcome, reason, ticket_id, details FROM wp_epipe_activity WHERE subject = ? ORDER BY id',
			[ subject ]
		);
		const activity = rows as Array< Record< string, unknown > >;
		assert.deepEqual(
			activity.map( ( a ) => [
				Number( a[ 'connection_id' ] ),
				a[ 'outcome' ],
				a[ 'reason' ],
			] ),
			[
				[ 1, 'ticket', 'new_ticket' ],
				[ second, 'skipped', 'duplicate' ],
			]
		);
		assert.equal(
			Number( activity[ 1 ]?.[ 'ticket_id' ] ),
			Number( activity[ 0 ]?.[ 'ticket_id' ] ),
			'the duplicate points at the ticket'
		);
		assert.deepEqual(
			(
				JSON.parse( String( activity[ 1 ]?.[ 'details' ] ) ) as {
					duplicate_of: unknown;
				}
			 ).duplicate_of,
			{ ticket_id: Number( activity[ 0 ]?.[ 'ticket_id' ] ) }
		);
	} );

	it( 'opens a ticket in each mailbox with the duplicate filter off', async () => {
		const res = await api(
			stack,
			'PATCH',
			'/settings',
			adminAuth( stack ),
			{
				duplicate_filter: false,
			}
		);
		assert.equal( res.status, 200, res.text );
		const subject = `Both addresses, filter off ${ tag }`;
		await sendToBoth( subject );
		assert.equal( await ticketsWith( subject ), 2 );
	} );
} );
