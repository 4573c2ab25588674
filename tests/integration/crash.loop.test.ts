/**
 * An email that stops the sidecar every time it is processed (a crash loop) is quarantined
 * after three such passes, and the rest of the mailbox flows again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { ImapFlow } from 'imapflow';
import type mysql from 'mysql2/promise';

import {
	addImapConnection,
	count,
	loadStack,
	mailboxClient,
	openDb,
	runCli,
	type Stack,
} from './support/stack.ts';

describe( 'crash loop', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let imap: ImapFlow;

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		imap = mailboxClient( stack, stack.mailboxes.harness );
		await imap.connect();
		await imap.mailboxOpen( 'INBOX' );
	} );
	after( async () => {
		await imap.logout();
		await db.end();
	} );

	it( 'quarantines the email that keeps killing the sidecar, then goes on', async () => {
		if ( imap.mailbox && imap.mailbox.exists > 0 ) {
			await imap.messageDelete( '1:*' );
		}
		const tag = randomUUID().slice( 0, 8 );
		const uids: number[] = [];
		for ( const n of [ 1, 2, 3 ] ) {
			const res = await imap.append(
				'INBOX',
				Buffer.from(
					`From: customer@example.test\r\nTo: harness@example.test\r\nSubject: Loop ${ n } ${ tag }\r\nMessage-ID: <loop-${ n }-${ tag }@example.test>\r\n\r\nbody ${ n }\r\n`
				)
			);
			uids.push( res ? Number( res.uid ) : 0 );
		}
		const id = await addImapConnection( db, stack, {
			name: 'loop',
			mailbox: stack.mailboxes.harness,
		} );
		const args = [
			'run',
			'--once',
			'--connection',
			String( id ),
			'--wp-config',
			stack.wp.config,
		];

		// Every run dies on the first email it parses, as with a parser bug that crashes the process.
		for ( let run = 1; run <= 3; run++ ) {
			const r = await runCli( args, {
				EPIPE_FAILPOINT: 'after_download:1',
			} );
			assert.equal( r.signal, 'SIGKILL', `run ${ run } died` );
			assert.equal(
				await count(
					db,
					'SELECT COUNT(*) n FROM wp_epipe_messages WHERE connection_id = ?',
					[ id ]
				),
				0
			);
		}
		// The fourth run quarantines that email without parsing it (and still dies on the next one).
		await runCli( args, { EPIPE_FAILPOINT: 'after_download:1' } );
		const final = await runCli( args );
		assert.equal( final.code, 0, final.stderr );

		const [ rows ] = await db.query(
			'SELECT source_key, reason, blob_id FROM wp_epipe_quarantine WHERE connection_id = ?',
			[ id ]
		);
		const held = rows as Array< {
			source_key: string;
			reason: string;
			blob_id: number | null;
		} >;
		assert.equal( held.length, 1 );
		assert.match(
			held[ 0 ]?.source_key ?? '',
			new RegExp( `:${ uids[ 0 ] }$` )
		);
		assert.equal( held[ 0 ]?.reason, 'crash_loop' );
		assert.notEqual( held[ 0 ]?.blob_id, null, 'the raw email is kept' );
		assert.equal(
			await count(
				db,
				'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE connection_id = ?',
				[ id ]
			),
			2
		);
		// A fresh session: flags set by the sidecar's own sessions.
		const check = mailboxClient( stack, stack.mailboxes.harness );
		await check.connect();
		await check.mailboxOpen( 'INBOX' );
		const unseen =
			( await check.search( { seen: false }, { uid: true } ) ) || [];
		await check.logout();
		assert.deepEqual(
			unseen,
			[ uids[ 0 ] ],
			'the quarantined email stays unread, the others are read'
		);
	} );
} );
