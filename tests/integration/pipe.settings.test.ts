/**
 * Settings an admin saves in WordPress reach the sidecar: a custom reply marker cuts replies.
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
import { adminAuth, api } from './support/wp.ts';

describe( 'settings from WordPress', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let original: string;

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		const current = await api< Record< string, unknown > >(
			stack,
			'GET',
			'/settings',
			adminAuth( stack )
		);
		original = String( current.json[ 'reply_above_text' ] );
	} );
	after( async () => {
		await api( stack, 'PATCH', '/settings', adminAuth( stack ), {
			reply_above_text: original,
		} );
		await db.end();
	} );

	it( 'a custom reply marker set in the admin cuts the reply there', async () => {
		const saved = await api(
			stack,
			'PATCH',
			'/settings',
			adminAuth( stack ),
			{ reply_above_text: '=== write above ===' }
		);
		assert.equal( saved.status, 200, saved.text );
		const subject = `Marker ${ randomUUID().slice( 0, 8 ) }`;
		await sendMail( stack, {
			from: 'customer@example.test',
			to: 'support@example.test',
			subject,
			text: 'Only this line is new.\n\n=== write above ===\nolder text the customer quoted',
		} );
		const result = await runCli( [
			'run',
			'--once',
			'--wp-config',
			stack.wp.config,
		] );
		assert.equal( result.code, 0, result.stderr );
		const [ rows ] = await db.query(
			'SELECT th.reply_text FROM wp_epipe_threads th JOIN wp_epipe_tickets t ON t.id = th.ticket_id WHERE t.subject = ?',
			[ subject ]
		);
		assert.equal(
			( rows as Array< { reply_text: string } > )[ 0 ]?.reply_text,
			'Only this line is new.'
		);
	} );
} );
