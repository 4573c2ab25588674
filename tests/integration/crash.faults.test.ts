/**
 * Faults of the real servers around the sidecar: the mailbox renumbered (UIDVALIDITY), the IMAP
 * connection kicked mid-download, the database connection killed mid-transaction. Each ends with
 * every email imported exactly once.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { ImapFlow } from 'imapflow';
import type mysql from 'mysql2/promise';

import {
	addImapConnection,
	CLI,
	type CliResult,
	count,
	loadStack,
	mailboxClient,
	openDb,
	openRootDb,
	runCli,
	type Stack,
} from './support/stack.ts';

const exec = promisify( execFile );
const ORPHAN_BLOBS =
	'SELECT COUNT(*) n FROM wp_epipe_blobs b WHERE NOT EXISTS (SELECT 1 FROM wp_epipe_attachments a WHERE a.blob_id = b.id) AND NOT EXISTS (SELECT 1 FROM wp_epipe_quarantine q WHERE q.blob_id = b.id)';

describe( 'server faults', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let root: mysql.Pool;
	let connectionId = 0;
	let doveadm: ( ...args: string[] ) => Promise< string >;

	before( () => {
		stack = loadStack();
		db = openDb( stack );
		root = openRootDb( stack );
		const conf = path.join( stack.stateDir, 'dovecot', 'dovecot.conf' );
		doveadm = async ( ...args ) =>
			( await exec( 'doveadm', [ '-c', conf, ...args ] ) ).stdout;
	} );
	after( async () => {
		await db.end();
		await root.end();
	} );

	/**
	 * Runs `fn` on a fresh IMAP session of the harness mailbox (a kick ends every session).
	 * @param fn
	 */
	const withImap = async < T >(
		fn: ( imap: ImapFlow ) => Promise< T >
	): Promise< T > => {
		const imap = mailboxClient( stack, stack.mailboxes.harness );
		await imap.connect();
		try {
			await imap.mailboxOpen( 'INBOX' );
			return await fn( imap );
		} finally {
			await imap.logout().catch( () => imap.close() );
		}
	};

	beforeEach( async () => {
		await withImap( async ( imap ) => {
			if ( imap.mailbox && imap.mailbox.exists > 0 ) {
				await imap.messageDelete( '1:*' );
			}
		} );
		connectionId = await addImapConnection( db, stack, {
			name: 'faults',
			mailbox: stack.mailboxes.harness,
		} );
	} );

	const args = () => [
		'run',
		'--once',
		'--connection',
		String( connectionId ),
		'--wp-config',
		stack.wp.config,
	];
	const tickets = () =>
		count(
			db,
			'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE connection_id = ?',
			[ connectionId ]
		);
	const append = ( raw: string ) =>
		withImap( ( imap ) => imap.append( 'INBOX', Buffer.from( raw ) ) );
	const appendSmall = ( subject: string ) =>
		append(
			`From: customer@example.test\r\nTo: harness@example.test\r\nSubject: ${ subject }\r\nMessage-ID: <${ randomUUID() }@example.test>\r\n\r\nhello\r\n`
		);
	/**
	 * A 12 MB email with an attachment: long enough to download and store that a fault lands in the middle.
	 * @param subject
	 */
	const appendBig = ( subject: string ) => {
		const file = randomBytes( 9 * 1024 * 1024 )
			.toString( 'base64' )
			.replace( /.{76}/g, '$&\r\n' );
		return append(
			`From: customer@example.test\r\nTo: harness@example.test\r\nSubject: ${ subject }\r\nMessage-ID: <${ randomUUID() }@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbig file\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="big.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${ file }\r\n--b--\r\n`
		);
	};

	/**
	 * Starts `run --once` frozen at a failpoint, does the damage, and lets it run on.
	 *
	 * @param point Failpoint to freeze at.
	 * @param fault The damage.
	 */
	const runWithFault = async (
		point: string,
		fault: () => Promise< unknown >
	): Promise< CliResult > => {
		const marker = path.join(
			stack.stateDir,
			`failpoint-${ randomUUID() }`
		);
		const child = spawn( CLI, args(), {
			env: {
				PATH: process.env[ 'PATH' ] ?? '',
				EPIPE_FAILPOINT: `${ point }:1:pause=4000`,
				EPIPE_FAILPOINT_MARKER: marker,
			},
		} );
		let stdout = '';
		let stderr = '';
		child.stdout.on( 'data', ( d ) => ( stdout += d ) );
		child.stderr.on( 'data', ( d ) => ( stderr += d ) );
		const exited = new Promise< number >( ( r ) =>
			child.once( 'exit', ( code ) => r( code ?? 1 ) )
		);
		while ( child.exitCode === null && ! fs.existsSync( marker ) ) {
			await new Promise( ( r ) => setTimeout( r, 20 ) );
		}
		assert.ok(
			fs.existsSync( marker ),
			`the sidecar reached ${ point }: ${ stderr }`
		);
		await fault();
		return { code: await exited, signal: null, stdout, stderr };
	};

	/** Whether the sidecar has an open transaction that already wrote rows (blob chunks). */
	const writingTransaction = async (): Promise< number > => {
		const [ rows ] = await root.query(
			'SELECT trx_mysql_thread_id id FROM information_schema.INNODB_TRX WHERE trx_rows_modified > 0 LIMIT 1'
		);
		return Number( ( rows as Array< { id: number } > )[ 0 ]?.id ?? 0 );
	};

	it( 'a renumbered mailbox (UIDVALIDITY change) creates no duplicates', async () => {
		for ( const n of [ 1, 2, 3 ] ) {
			await appendSmall( `Renumbered ${ n }` );
		}
		assert.equal( ( await runCli( args() ) ).code, 0 );
		assert.equal( await tickets(), 3 );
		await doveadm(
			'mailbox',
			'update',
			'--uid-validity',
			String( 1000 + Math.floor( Math.random() * 100000 ) ),
			'-u',
			stack.mailboxes.harness.user,
			'INBOX'
		);
		await appendSmall( 'After renumbering' );
		const again = await runCli( args() );
		assert.equal( again.code, 0, again.stderr );
		assert.match( again.stdout, /1 new tickets, 0 replies, 3 skipped/ );
		assert.equal( await tickets(), 4 );
		assert.equal(
			await count(
				db,
				"SELECT COUNT(*) n FROM wp_epipe_activity WHERE connection_id = ? AND reason = 'duplicate'",
				[ connectionId ]
			),
			3
		);
	} );

	it( 'an IMAP connection kicked mid-download: retried, imported once', async () => {
		await appendBig( 'Kicked' );
		const first = await runWithFault( 'download_started', () =>
			doveadm( 'kick', stack.mailboxes.harness.user ).catch( () => '' )
		);
		assert.notEqual(
			first.code,
			0,
			'the interrupted run reports the failure'
		);
		assert.equal( await tickets(), 0 );
		assert.equal( await count( db, ORPHAN_BLOBS ), 0 );
		const second = await runCli( args() );
		assert.equal( second.code, 0, second.stderr );
		assert.equal( await tickets(), 1 );
		assert.equal(
			await count(
				db,
				'SELECT COUNT(*) n FROM wp_epipe_messages WHERE connection_id = ?',
				[ connectionId ]
			),
			1
		);
	} );

	it( 'the database connection killed mid-transaction: rolled back, retried, imported once', async () => {
		await appendBig( 'Database killed' );
		await appendSmall( 'Small after it' );
		const first = await runWithFault( 'after_attachment_write', async () =>
			root
				.query( `KILL CONNECTION ${ await writingTransaction() }` )
				.catch( () => undefined )
		);
		assert.notEqual(
			first.code,
			0,
			'the interrupted run reports the failure'
		);
		assert.equal( await count( db, ORPHAN_BLOBS ), 0 );
		const second = await runCli( args() );
		assert.equal( second.code, 0, second.stderr );
		assert.equal( await tickets(), 2 );
		assert.equal(
			await count(
				db,
				'SELECT COUNT(*) n FROM wp_epipe_quarantine WHERE connection_id = ?',
				[ connectionId ]
			),
			0
		);
	} );
} );
