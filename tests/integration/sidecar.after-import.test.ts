/**
 * What happens to an email at the source once it is stored: marked read, moved, deleted or
 * left alone, as the connection says.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { ImapFlow } from 'imapflow';
import type mysql from 'mysql2/promise';

import { seal } from '../../sidecar/src/security/secret-box.ts';
import {
	count,
	loadStack,
	openDb,
	runCli,
	type Stack,
} from './support/stack.ts';

describe( 'after import', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let key: string;
	let imap: ImapFlow;

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		key = /define\(\s*'EPIPE_SECRET_KEY',\s*'([^']+)'/.exec(
			fs.readFileSync( stack.wp.config, 'utf8' )
		)?.[ 1 ] as string;
		imap = new ImapFlow( {
			host: stack.imap.host,
			port: stack.imap.port,
			secure: false,
			tls: { ca: fs.readFileSync( stack.imap.caFile ) },
			auth: {
				user: stack.mailboxes.harness.user,
				pass: stack.mailboxes.harness.password,
			},
			logger: false,
		} );
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
			const settings = {
				host: stack.imap.host,
				port: stack.imap.port,
				security: 'starttls',
				ca_file: stack.imap.caFile,
				username: stack.mailboxes.harness.user,
				start_from: 'all',
				after_import: mode,
				...extra,
			};
			const [ res ] = await db.query(
				"INSERT INTO wp_epipe_connections (name, kind, enabled, mailbox_address, settings, secret, created_at, updated_at) VALUES (?, 'imap', 0, 'harness@example.test', ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())",
				[
					mode,
					JSON.stringify( settings ),
					seal( key, stack.mailboxes.harness.password ),
				]
			);
			const id = ( res as { insertId: number } ).insertId;
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
