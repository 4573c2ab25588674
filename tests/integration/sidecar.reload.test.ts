/**
 * The daemon follows the connections table: a connection added in WordPress is worked within
 * seconds without a restart, and one that is disabled is let go.
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
		if ( id > 0 ) {
			await db.query(
				'UPDATE wp_epipe_connections SET enabled = 0 WHERE id = ?',
				[ id ]
			);
		}
		await db.end();
	} );

	it( 'works a connection added while it runs, and lets go of one that is disabled', async () => {
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
