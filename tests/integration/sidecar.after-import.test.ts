/**
 * What happens to an email at the source once it is stored: marked read, moved, deleted or
 * left alone, as the connection says.
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

describe( 'after import', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let imap: ImapFlow;

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		imap = mailboxClient( stack, stack.mailboxes.harness );
		await imap.connect();
	} );
	after( async () => {
		await imap.logout();
		await db.end();
	} );

	/**
	 * Flags of every message in a folder ([] when the folder is empty or missing).
	 * @param path
	 */
	const folder = async ( path: string ): Promise< string[][] > => {
		if ( ! ( await imap.list() ).some( ( b ) => b.path === path ) ) {
			return [];
		}
		const box = await imap.mailboxOpen( path );
		const out: string[][] = [];
		if ( box.exists > 0 ) {
			for await ( const msg of imap.fetch( '1:*', { flags: true } ) ) {
				// \Recent depends on which session saw the message first; it says nothing here.
				out.push(
					[ ...( msg.flags ?? [] ) ].filter(
						( f ) => f !== '\\Recent'
					)
				);
			}
		}
		return out;
	};

	const cases: Array<
		[
			string,
			Record< string, string >,
			( inbox: string[][], processed: string[][] ) => void,
		]
	> = [
		[
			'mark_read',
			{},
			( inbox ) => assert.deepEqual( inbox, [ [ '\\Seen' ] ] ),
		],
		[ 'leave', {}, ( inbox ) => assert.deepEqual( inbox, [ [] ] ) ],
		[ 'delete', {}, ( inbox ) => assert.deepEqual( inbox, [] ) ],
		[
			'move',
			{ move_folder: 'Processed' },
			( inbox, processed ) => {
				assert.deepEqual( inbox, [] );
				assert.deepEqual( processed, [ [ '\\Seen' ] ] );
			},
		],
	];

	for ( const [ mode, extra, check ] of cases ) {
		it( `${ mode }: the email is stored, then ${ mode === 'leave' ? 'left alone' : mode.replace( '_', ' ' ) }`, async () => {
			await imap.mailboxOpen( 'INBOX' );
			if ( imap.mailbox && imap.mailbox.exists > 0 ) {
				await imap.messageDelete( '1:*' );
			}
			for ( const path of [ 'Processed' ] ) {
				if ( ( await imap.list() ).some( ( b ) => b.path === path ) ) {
					await imap.mailboxDelete( path );
				}
			}
			const subject = `After import ${ mode } ${ randomUUID().slice( 0, 8 ) }`;
			await imap.append(
				'INBOX',
				Buffer.from(
					`From: customer@example.test\r\nTo: harness@example.test\r\nSubject: ${ subject }\r\n\r\nhello\r\n`
				)
			);
			const id = await addImapConnection( db, stack, {
				name: mode,
				mailbox: stack.mailboxes.harness,
				settings: { after_import: mode, ...extra },
			} );
			const result = await runCli( [
				'run',
				'--once',
				'--connection',
				String( id ),
				'--wp-config',
				stack.wp.config,
			] );
			assert.equal( result.code, 0, result.stderr );
			assert.equal(
				await count(
					db,
					'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE subject = ?',
					[ subject ]
				),
				1
			);
			check( await folder( 'INBOX' ), await folder( 'Processed' ) );
		} );
	}
} );
