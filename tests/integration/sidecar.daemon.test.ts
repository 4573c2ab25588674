/**
 * The daemon: new mail is picked up through IMAP IDLE within seconds, two sidecars share one
 * mailbox through the lease without doing anything twice, the standby takes over when the
 * holder dies, and SIGTERM stops it cleanly.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { ImapFlow } from 'imapflow';
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
import { adminAuth, api } from './support/wp.ts';

/** A port nothing listens on right now. */
function freePort(): Promise< number > {
	return new Promise( ( resolve ) => {
		const server = net.createServer().listen( 0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close( () => resolve( port ) );
		} );
	} );
}

describe( 'the daemon', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let imap: ImapFlow;
	let connectionId = 0;
	let metricsPort = 0;
	const daemons: ChildProcess[] = [];
	const tag = randomUUID().slice( 0, 8 );

	const startDaemon = ( extra: string[] = [] ): ChildProcess => {
		const child = spawn(
			CLI,
			[
				'run',
				'--connection',
				String( connectionId ),
				'--lease-seconds',
				'6',
				'--wp-config',
				stack.wp.config,
				...extra,
			],
			{
				env: { PATH: process.env[ 'PATH' ] ?? '' },
				stdio: [ 'ignore', 'ignore', 'pipe' ],
			}
		);
		child.stderr?.resume();
		daemons.push( child );
		return child;
	};

	const waitFor = async (
		what: string,
		check: () => Promise< boolean >,
		timeoutMs: number
	): Promise< number > => {
		const start = Date.now();
		while ( Date.now() - start < timeoutMs ) {
			if ( await check() ) {
				return Date.now() - start;
			}
			await new Promise( ( r ) => setTimeout( r, 100 ) );
		}
		throw new Error( `${ what } did not happen within ${ timeoutMs } ms` );
	};

	const send = ( subject: string ) =>
		imap.append(
			'INBOX',
			Buffer.from(
				`From: customer@example.test\r\nTo: harness@example.test\r\nSubject: ${ subject }\r\nMessage-ID: <${ randomUUID() }@example.test>\r\n\r\nhello\r\n`
			)
		);
	const tickets = ( subject: string ) =>
		count(
			db,
			'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE subject = ?',
			[ subject ]
		);
	const leaseOwner = async (): Promise< string | null > => {
		const [ rows ] = await db.query(
			'SELECT lease_owner FROM wp_epipe_mailbox_state WHERE connection_id = ?',
			[ connectionId ]
		);
		return (
			( rows as Array< { lease_owner: string | null } > )[ 0 ]
				?.lease_owner ?? null
		);
	};

	before( async () => {
		metricsPort = await freePort();
		stack = loadStack();
		db = openDb( stack );
		imap = mailboxClient( stack, stack.mailboxes.harness );
		await imap.connect();
		await imap.mailboxOpen( 'INBOX' );
		if ( imap.mailbox && imap.mailbox.exists > 0 ) {
			await imap.messageDelete( '1:*' );
		}
		connectionId = await addImapConnection( db, stack, {
			name: 'daemon',
			mailbox: stack.mailboxes.harness,
			settings: { start_from: 'now' },
		} );
	} );

	after( async () => {
		for ( const d of daemons ) {
			d.kill( 'SIGKILL' );
		}
		await imap.logout();
		await db.end();
	} );

	it( 'picks up a new email within seconds through IDLE, not at the next poll', async () => {
		startDaemon( [ '--metrics-port', String( metricsPort ) ] );
		await waitFor(
			'the daemon connecting',
			async () =>
				( await count(
					db,
					// 'connected', then 'idle' once its first pass is done (Dovecot offers IDLE).
					"SELECT COUNT(*) n FROM wp_epipe_mailbox_state WHERE connection_id = ? AND status IN ('connected', 'idle')",
					[ connectionId ]
				) ) === 1,
			15_000
		);
		await new Promise( ( r ) => setTimeout( r, 500 ) ); // Let it enter IDLE.
		const subject = `Idle ${ tag }`;
		await send( subject );
		// The fallback poll runs every 30 s; a pickup well under that comes from IDLE.
		const ms = await waitFor(
			'the IDLE pickup',
			async () => ( await tickets( subject ) ) === 1,
			5_000
		);
		assert.ok( ms < 5_000, `picked up after ${ ms } ms` );
	} );

	it( 'records that it listens with IDLE and when it last looked, shown in words by WordPress', async () => {
		const [ rows ] = await db.query(
			'SELECT status, status_code, status_detail, TIMESTAMPDIFF(SECOND, last_checked_at, UTC_TIMESTAMP()) AS age FROM wp_epipe_mailbox_state WHERE connection_id = ?',
			[ connectionId ]
		);
		const state = ( rows as Array< Record< string, unknown > > )[ 0 ];
		assert.equal( state?.[ 'status' ], 'idle' );
		assert.equal( state?.[ 'status_code' ], null );
		assert.deepEqual( JSON.parse( String( state?.[ 'status_detail' ] ) ), {
			poll_seconds: 30,
		} );
		// The pass after the pickup wrote it: seconds ago, not at connect time.
		assert.ok(
			Number( state?.[ 'age' ] ) <= 10,
			`age ${ state?.[ 'age' ] }`
		);
		const res = await api< {
			status: {
				state: string;
				mode: string | null;
				mode_text: string | null;
			};
		} >(
			stack,
			'GET',
			`/connections/${ connectionId }`,
			adminAuth( stack )
		);
		assert.equal( res.status, 200, res.text );
		assert.equal( res.json.status.state, 'ok' );
		assert.equal( res.json.status.mode, 'idle' );
		assert.equal( res.json.status.mode_text, 'Listening (IDLE)' );
	} );

	it( 'serves /metrics and /healthz on loopback', async () => {
		const metrics = await (
			await fetch( `http://127.0.0.1:${ metricsPort }/metrics` )
		).text();
		assert.match(
			metrics,
			/^epipe_emails_total\{outcome="ticket"\} [1-9]/m
		);
		assert.match(
			metrics,
			new RegExp(
				`^epipe_connection_up\\{connection="${ connectionId }"\\} 1$`,
				'm'
			)
		);
		assert.match( metrics, /^epipe_process_resident_memory_bytes \d+/m );
		const health = await fetch(
			`http://127.0.0.1:${ metricsPort }/healthz`
		);
		assert.equal( health.status, 200 );
		assert.deepEqual( await health.json(), { status: 'ok' } );
	} );

	it( 'shares the mailbox with a second sidecar without doing anything twice', async () => {
		startDaemon();
		const subjects = [ 1, 2, 3 ].map( ( n ) => `Shared ${ n } ${ tag }` );
		for ( const s of subjects ) {
			await send( s );
		}
		await waitFor(
			'all three tickets',
			async () =>
				( await Promise.all( subjects.map( tickets ) ) ).every(
					( n ) => n === 1
				),
			15_000
		);
		await new Promise( ( r ) => setTimeout( r, 1500 ) );
		assert.deepEqual(
			await Promise.all( subjects.map( tickets ) ),
			[ 1, 1, 1 ]
		);
	} );

	it( 'lets the standby take over when the lease holder dies', async () => {
		const owner = await leaseOwner();
		const holder = daemons.find(
			( d ) => owner?.split( '/' )[ 1 ] === String( d.pid )
		);
		assert.ok( holder, `one of the daemons holds the lease (${ owner })` );
		holder.kill( 'SIGKILL' );
		await new Promise( ( r ) => holder.once( 'exit', r ) );
		const subject = `Takeover ${ tag }`;
		await send( subject );
		await waitFor(
			'the standby taking over',
			async () => ( await tickets( subject ) ) === 1,
			20_000
		);
		assert.notEqual( await leaseOwner(), owner );
	} );

	it( 'carries out a job from WordPress within seconds, without being restarted', async () => {
		const queued = await api< { id: number } >(
			stack,
			'POST',
			`/connections/${ connectionId }/test`,
			adminAuth( stack )
		);
		assert.ok( queued.status < 300, queued.text );
		let job: { status: string; result: { ok?: boolean } | null } = {
			status: 'pending',
			result: null,
		};
		await waitFor(
			'the job',
			async () => {
				job = (
					await api< typeof job >(
						stack,
						'GET',
						`/jobs/${ queued.json.id }`,
						adminAuth( stack )
					)
				).json;
				return job.status === 'done' || job.status === 'failed';
			},
			10_000
		);
		assert.equal( job.status, 'done' );
		assert.equal( job.result?.ok, true );
	} );

	it( 'stops cleanly on SIGTERM and gives the lease back', async () => {
		const alive = daemons.filter(
			( d ) => d.exitCode === null && d.signalCode === null
		);
		assert.equal( alive.length, 1 );
		const daemon = alive[ 0 ] as ChildProcess;
		const exited = new Promise< number | null >( ( r ) =>
			daemon.once( 'exit', ( code ) => r( code ) )
		);
		daemon.kill( 'SIGTERM' );
		const code = await Promise.race( [
			exited,
			new Promise< string >( ( r ) =>
				setTimeout( () => r( 'timeout' ), 12_000 )
			),
		] );
		assert.equal( code, 0 );
		assert.equal( await leaseOwner(), null );
	} );
} );
