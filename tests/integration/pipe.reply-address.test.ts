/**
 * A reply sent to the signed reply address of a notification lands on its ticket even when the
 * mail client kept no reference header and rewrote the subject; a stranger writing to the same
 * address does not.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import {
	count,
	loadStack,
	openDb,
	runCli,
	sendMail,
	waitForMail,
	type Stack,
} from './support/stack.ts';
import { adminAuth, api } from './support/wp.ts';

describe( 'signed reply address', () => {
	let stack: Stack;
	let db: mysql.Pool;

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		// The test Dovecot delivers support+anything@ to support@ (recipient_delimiter = +).
		const res = await api(
			stack,
			'PATCH',
			'/connections/1',
			adminAuth( stack ),
			{ settings: { signed_reply_address: true } }
		);
		assert.equal( res.status, 200, res.text );
	} );
	after( async () => {
		await api( stack, 'PATCH', '/connections/1', adminAuth( stack ), {
			settings: { signed_reply_address: false },
		} );
		await db.end();
	} );

	it( 'threads a reply by its address alone, and only for the participant', async () => {
		const subject = `Reply address ${ randomUUID().slice( 0, 8 ) }`;
		await sendMail( stack, {
			from: 'customer@example.test',
			to: 'support@example.test',
			subject,
			text: 'first',
		} );
		assert.equal(
			(
				await runCli( [
					'run',
					'--once',
					'--wp-config',
					stack.wp.config,
				] )
			).code,
			0
		);
		const confirmation = await waitForMail(
			stack,
			stack.mailboxes.customer,
			( m ) => ( m.subject ?? '' ).endsWith( subject )
		);
		const replyTo = confirmation.replyTo?.value[ 0 ]?.address ?? '';
		const ticket = /\+t(\d+)-[0-9a-f]{20}@example\.test$/.exec( replyTo );
		assert.ok( ticket, `signed reply address, got ${ replyTo }` );
		const ticketId = Number( ticket[ 1 ] );

		// A CRM-like client: new subject, no In-Reply-To, no References.
		await sendMail( stack, {
			from: 'customer@example.test',
			to: replyTo,
			subject: 'Case update',
			text: 'second, by address only',
		} );
		// Someone who learned the address can't use it.
		await sendMail( stack, {
			from: 'agent@example.test',
			to: replyTo,
			subject: 'Case update',
			text: 'not a participant',
		} );
		assert.equal(
			(
				await runCli( [
					'run',
					'--once',
					'--wp-config',
					stack.wp.config,
				] )
			).code,
			0
		);

		assert.equal(
			await count(
				db,
				"SELECT COUNT(*) n FROM wp_epipe_threads WHERE ticket_id = ? AND type = 'reply' AND from_address = 'customer@example.test'",
				[ ticketId ]
			),
			1
		);
		assert.equal(
			await count(
				db,
				"SELECT COUNT(*) n FROM wp_epipe_activity WHERE ticket_id = ? AND reason = 'reply_address'",
				[ ticketId ]
			),
			1
		);
		assert.equal(
			await count(
				db,
				"SELECT COUNT(*) n FROM wp_epipe_threads WHERE ticket_id = ? AND from_address = 'agent@example.test'",
				[ ticketId ]
			),
			0
		);
	} );
} );
