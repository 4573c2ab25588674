/**
 * The daemon follows the connections table and the settings: a connection added in WordPress is
 * worked within seconds without a restart, a changed setting applies from the next pass, and a
 * connection that is disabled is let go.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import {
	addImapConnection,
	CLI,
	count,
	loadStack,
	mailboxClient,
	openDb,
	type Stack,
} from './support/stack.ts';

describe( 'the daemon follows connection changes', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let daemon: ChildProcess;
	let id = 0;

	const waitFor = async (
		what: string,
		check: () => Promise< boolean >,
		ms: number
	): Promise< void > => {
		const end = Date.now() + ms;
		while ( ! ( await check() ) ) {
			if ( Date.now() > end ) {
				throw new Error( `${ what } did not happen within ${ ms } ms` );
			}
			await new Promise( ( r ) => setTimeout( r, 200 ) );
		}
	};

	before( () => {
		stack = loadStack();
		db = openDb( stack );
		daemon = spawn(
			CLI,
			[ 'run', '--lease-seconds', '6', '--wp-config', stack.wp.config ],
			{
				env: { PATH: process.env[ 'PATH' ] ?? '' },
				stdio: [ 'ignore', 'ignore', 'pipe' ],
			}
		);
		daemon.stderr?.resume();
	} );
	after( async () => {
		daemon.kill( 'SIGTERM' );
		await new Promise( ( r ) => daemon.once( 'exit', r ) );
		await db.query(
			"DELETE FROM wp_epipe_settings WHERE name = 'reply_above_text'"
		);
		if ( id > 0 ) {
			await db.query(
				'UPDATE wp_epipe_connections SET enabled = 0 WHERE id = ?',
				[ id ]
			);
		}
		await db.end();
	} );

	it( 'works a connection added while it runs, applies changed settings, and lets go of a disabled connection', async () => {
		const imap = mailboxClient( stack, stack.mailboxes.harness );
		await imap.connect();
		await imap.mailboxOpen( 'INBOX' );
		if ( imap.mailbox && imap.mailbox.exists > 0 ) {
			await imap.messageDelete( '1:*' );
		}
		const subject = `Added while running ${ randomUUID().slice( 0, 8 ) }`;
		await imap.append(
			'INBOX',
			Buffer.from(
				`From: customer@example.test\r\nTo: harness@example.test\r\nSubject: ${ subject }\r\n\r\nhello\r\n`
			)
		);
		await imap.logout();

		id = await addImapConnection( db, stack, {
			name: 'added',
			mailbox: stack.mailboxes.harness,
			enabled: true,
		} );
		await waitFor(
			'the new connection being worked',
			async () =>
				( await count(
					db,
					'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE subject = ?',
					[ subject ]
				) ) === 1,
			20_000
		);

		// The admin changes the line replies are cut at; the running daemon uses it from then on.
		await db.query(
			`INSERT INTO wp_epipe_settings (name, value, updated_at) VALUES ('reply_above_text', ?, UTC_TIMESTAMP())
			 ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)`,
			[ JSON.stringify( '##- Write above this line -##' ) ]
		);
		await new Promise( ( r ) => setTimeout( r, 5_500 ) ); // Settings are re-read after 5 s.
		const cut = `Cut at the new line ${ randomUUID().slice( 0, 8 ) }`;
		const again = mailboxClient( stack, stack.mailboxes.harness );
		await again.connect();
		await again.append(
			'INBOX',
			Buffer.from(
				`From: customer@example.test\r\nTo: harness@example.test\r\nSubject: ${ cut }\r\n\r\nIt works now, thanks.\r\n\r\n##- Write above this line -##\r\nYour ticket was answered.\r\n`
			)
		);
		await again.logout();
		await waitFor(
			'the email after the settings change',
			async () =>
				( await count(
					db,
					'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE subject = ?',
					[ cut ]
				) ) === 1,
			20_000
		);
		const [ rows ] = await db.query(
			'SELECT th.reply_text FROM wp_epipe_threads th JOIN wp_epipe_tickets t ON t.id = th.ticket_id WHERE t.subject = ?',
			[ cut ]
		);
		assert.equal(
			( rows as Array< { reply_text: string } > )[ 0 ]?.reply_text,
			'It works now, thanks.'
		);

		await db.query(
			'UPDATE wp_epipe_connections SET enabled = 0, updated_at = UTC_TIMESTAMP() WHERE id = ?',
			[ id ]
		);
		await waitFor(
			'the disabled connection being let go',
			async () =>
				( await count(
					db,
					'SELECT COUNT(*) n FROM wp_epipe_mailbox_state WHERE connection_id = ? AND lease_owner IS NULL',
					[ id ]
				) ) === 1,
			15_000
		);
		assert.equal( daemon.exitCode, null, 'the daemon keeps running' );
	} );
} );
