/**
 * Gmail connections end to end: the real sidecar with googleapis and google-auth-library,
 * pointed at a local HTTPS fake of Google's OAuth and Gmail API (tests/fakes/google.ts), into
 * the stack's MariaDB — normal sync, an expired history id, throttling, server errors, a
 * revoked grant, a rotated refresh token, the code exchange and `check`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import { saveRefreshToken } from '../../sidecar/src/db/connections-repo.ts';
import { tableNames } from '../../sidecar/src/db/tables.ts';
import { open, seal } from '../../sidecar/src/security/secret-box.ts';
import { startGoogleFake, type GoogleFake } from '../fakes/google.ts';
import {
	addProviderConnection,
	bigEmail,
	connectionState as stateOf,
	consent,
	fakeTlsDir,
	jobOutcome,
	outcomesOf,
	pkce,
	providerEnv,
	quarantineReasons,
	queueExchange,
	rawEmail,
	runProviderOnce,
} from './support/providers.ts';
import {
	count,
	loadStack,
	openDb,
	runCli,
	secretKey,
	type Stack,
} from './support/stack.ts';

const CLIENT_ID = '123-gmail.apps.googleusercontent.example';
const CLIENT_SECRET = 'gmail-app-secret';

describe( 'Gmail connection', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let google: GoogleFake;
	let env: Record< string, string >;
	let mailboxNumber = 0;

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		google = await startGoogleFake( { tlsDir: fakeTlsDir( stack ) } );
		google.addClient( CLIENT_ID, CLIENT_SECRET );
		env = providerEnv( stack, { google: google.url } );
	} );
	after( async () => {
		await google.close();
		await db.end();
	} );

	/**
	 * A fresh Gmail account with a connection authorised on it.
	 *
	 * @param settings Connection settings.
	 */
	const connect = async (
		settings: Record< string, unknown > = {}
	): Promise< { id: number; account: string } > => {
		const account = `gmail-${ ++mailboxNumber }-${ Date.now() }@example.test`;
		google.addAccount( account );
		const id = await addProviderConnection( db, stack, {
			kind: 'gmail',
			mailbox: account,
			clientId: CLIENT_ID,
			clientSecret: CLIENT_SECRET,
			refreshToken: google.grantFor( account, CLIENT_ID ).refreshToken,
			settings,
		} );
		return { id, account };
	};

	const outcomes = ( id: number ) => outcomesOf( db, id );
	const state = ( id: number ) => stateOf( db, id );

	const runOk = async ( id: number ): Promise< string > => {
		const result = await runProviderOnce( stack, id, env );
		assert.equal( result.code, 0, result.stderr );
		return result.stdout;
	};

	it( 'starts from now, then imports each new email once and marks it read after the commit', async () => {
		const { id, account } = await connect();
		const earlier = google.deliver(
			account,
			rawEmail( 'g0', 'Already there before connecting' )
		);
		await runOk( id );
		assert.deepEqual(
			await outcomes( id ),
			{},
			'mail already there is not imported'
		);

		const ids = [
			google.deliver(
				account,
				rawEmail( 'g1', 'Printer prints blank pages' )
			),
			google.deliver(
				account,
				rawEmail(
					'g2',
					'Invoice attached',
					[
						'Content-Type: multipart/mixed; boundary="b1"',
						'',
						'--b1',
						'Content-Type: text/plain; charset=utf-8',
						'',
						'Please see the attached invoice.',
						'--b1',
						'Content-Type: application/pdf; name="invoice.pdf"',
						'Content-Disposition: attachment; filename="invoice.pdf"',
						'Content-Transfer-Encoding: base64',
						'',
						Buffer.from( '%PDF-1.4 invoice 42\n%%EOF\n' ).toString(
							'base64'
						),
						'--b1--',
					].join( '\r\n' )
				)
			),
			google.deliver( account, rawEmail( 'g3', 'Cannot log in' ) ),
		];
		const stdout = await runOk( id );
		assert.match( stdout, /3 new tickets/ );
		assert.deepEqual( await outcomes( id ), { ticket: 3 } );
		for ( const messageId of ids ) {
			assert.ok(
				! google
					.message( account, messageId )
					?.labelIds.includes( 'UNREAD' ),
				'marked read once stored'
			);
		}
		assert.ok(
			google.message( account, earlier )?.labelIds.includes( 'UNREAD' ),
			'old mail untouched'
		);
		assert.equal(
			await count(
				db,
				"SELECT COUNT(*) AS n FROM wp_epipe_attachments a JOIN wp_epipe_messages m ON m.ticket_id = a.ticket_id WHERE m.connection_id = ? AND a.filename = 'invoice.pdf'",
				[ id ]
			),
			1
		);

		// Nothing new: a history call and no message fetched.
		const mark = google.requests.length;
		await runOk( id );
		const quiet = google.requests.slice( mark );
		assert.ok( quiet.some( ( r ) => r.path.endsWith( '/history' ) ) );
		assert.ok(
			! quiet.some( ( r ) => /\/messages\/[^/]+$/.test( r.path ) ),
			'no message read when nothing changed'
		);
		assert.deepEqual( await outcomes( id ), { ticket: 3 } );
	} );

	it( 'imports what is already there when asked to, and moves it to a label', async () => {
		const { id, account } = await connect( {
			start_from: 'all',
			after_import: 'move',
			move_folder: 'Piped',
		} );
		const first = google.deliver(
			account,
			rawEmail( 'a1', 'Older request' )
		);
		google.deliver( account, rawEmail( 'a2', 'Newer request' ) );
		await runOk( id );
		assert.deepEqual( await outcomes( id ), { ticket: 2 } );
		const labels = google.message( account, first )?.labelIds ?? [];
		assert.ok(
			! labels.includes( 'INBOX' ) && ! labels.includes( 'UNREAD' ),
			labels.join( ',' )
		);
		assert.ok(
			labels.some( ( l ) => l.startsWith( 'Label_' ) ),
			'the Piped label was created and applied'
		);
	} );

	it( 'quarantines an email too large for the connection without downloading it, and goes on', async () => {
		const { id, account } = await connect( { max_message_mb: 1 } );
		await runOk( id );
		const big = google.deliver( account, bigEmail( 'q1', 1.5 ) );
		google.deliver(
			account,
			rawEmail( 'q2', 'Small one after the big one' )
		);
		const mark = google.requests.length;
		await runOk( id );
		assert.deepEqual( await outcomes( id ), { quarantined: 1, ticket: 1 } );
		assert.deepEqual( await quarantineReasons( db, id ), {
			[ `gmail:${ big }` ]: 'too_large',
		} );
		assert.ok(
			! google.requests
				.slice( mark )
				.some(
					( r ) =>
						r.path.endsWith( `/messages/${ big }` ) &&
						r.query[ 'format' ] === 'raw'
				),
			'its size estimate was enough'
		);
		assert.ok(
			google.message( account, big )?.labelIds.includes( 'UNREAD' ),
			'a quarantined email is not marked'
		);
	} );

	it( 'imports mail moved into the folder later ("Not spam"), once', async () => {
		const { id, account } = await connect();
		await runOk( id );
		const rescued = google.deliver(
			account,
			rawEmail( 'ns1', 'Caught as spam by mistake' ),
			[ 'SPAM', 'UNREAD' ]
		);
		await runOk( id );
		assert.deepEqual(
			await outcomes( id ),
			{},
			'mail in spam is not read'
		);
		google.relabel( account, rescued, {
			add: [ 'INBOX' ],
			remove: [ 'SPAM' ],
		} );
		await runOk( id );
		assert.deepEqual( await outcomes( id ), { ticket: 1 } );
		await runOk( id );
		assert.deepEqual( await outcomes( id ), { ticket: 1 } );
	} );

	it( 'resyncs after Gmail forgot the history id, without importing anything twice', async () => {
		const { id, account } = await connect();
		await runOk( id );
		google.deliver( account, rawEmail( 'h1', 'First' ) );
		google.deliver( account, rawEmail( 'h2', 'Second' ) );
		await runOk( id );
		google.deliver(
			account,
			rawEmail( 'h3', 'Third, after the history expired' )
		);
		google.expireHistory( account );
		await runOk( id );
		assert.deepEqual( await outcomes( id ), { ticket: 3 } );
		const mark = google.requests.length;
		await runOk( id );
		assert.ok(
			google.requests.slice( mark ).every( ( r ) => r.status !== 404 ),
			'the new history id is stored after the resync'
		);
		assert.deepEqual( await outcomes( id ), { ticket: 3 } );
	} );

	it( 'waits as Retry-After asks when throttled, and loses nothing when throttling lasts', async () => {
		const { id, account } = await connect();
		await runOk( id );
		google.deliver( account, rawEmail( 't1', 'Throttled once' ) );
		google.failNext(
			{ path: /\/history$/ },
			{ status: 429, retryAfter: 2 },
			1
		);
		const mark = google.requests.length;
		await runOk( id );
		const history = google.requests
			.slice( mark )
			.filter( ( r ) => r.path.endsWith( '/history' ) );
		assert.equal( history[ 0 ]?.status, 429 );
		assert.equal( history[ 1 ]?.status, 200 );
		assert.ok(
			( history[ 1 ]?.at ?? 0 ) - ( history[ 0 ]?.at ?? 0 ) >= 1900,
			'waited the 2 s asked for'
		);
		assert.deepEqual( await outcomes( id ), { ticket: 1 } );

		google.deliver( account, rawEmail( 't2', 'Throttled for long' ) );
		google.failNext(
			{ path: /\/history$/ },
			{ status: 429, retryAfter: 120 },
			1
		);
		const throttled = await runProviderOnce( stack, id, env );
		assert.equal( throttled.code, 1 );
		assert.equal( ( await state( id ) ).status_code, 'throttled' );
		assert.match( throttled.stderr, /limiting requests/ );
		await runOk( id );
		assert.deepEqual(
			await outcomes( id ),
			{ ticket: 2 },
			'imported once the throttling ended'
		);
	} );

	it( 'retries a passing server error and keeps mail when errors persist', async () => {
		const { id, account } = await connect();
		await runOk( id );
		google.deliver( account, rawEmail( 's1', 'Server hiccup' ) );
		google.failNext( { path: /\/messages\/[^/]+$/ }, { status: 503 }, 1 );
		await runOk( id );
		assert.deepEqual( await outcomes( id ), { ticket: 1 } );

		google.deliver( account, rawEmail( 's2', 'Server down' ) );
		// Three tries of the first request of the pass, then the pass gives up.
		google.failNext( { path: /\/messages\/[^/]+$/ }, { status: 500 }, 3 );
		const failed = await runProviderOnce( stack, id, env );
		assert.equal( failed.code, 1 );
		assert.deepEqual( await outcomes( id ), { ticket: 1 } );
		await runOk( id );
		assert.deepEqual(
			await outcomes( id ),
			{ ticket: 2 },
			'the email came in on the next pass'
		);
	} );

	it( 'refreshes the access token once on a 401, and fails clearly when it keeps being refused', async () => {
		const { id } = await connect();
		google.failNext( { path: /\/profile$/ }, { status: 401 }, 1 );
		const mark = google.requests.length;
		await runOk( id );
		const tokens = google.requests
			.slice( mark )
			.filter( ( r ) => r.path === '/token' );
		assert.equal(
			tokens.length,
			2,
			'one refresh at start, one after the 401'
		);

		// Refused, refreshed, refused again: no third try.
		google.failNext( { path: /\/profile$/ }, { status: 401 }, 2 );
		const refused = await runProviderOnce( stack, id, env );
		assert.equal( refused.code, 1 );
		assert.equal( ( await state( id ) ).status_code, 'auth_failed' );
	} );

	it( 'stops with "authorise again" when the grant is revoked', async () => {
		const { id, account } = await connect();
		await runOk( id );
		google.revokeGrant( account );
		const result = await runProviderOnce( stack, id, env );
		assert.equal( result.code, 1 );
		const s = await state( id );
		assert.equal( s.status, 'error' );
		assert.equal( s.status_code, 'consent_required' );
		assert.match(
			String( s.status_detail ),
			/authorise the connection again/
		);
	} );

	it( 'stores a rotated refresh token at once and records a grant that will expire', async () => {
		const { id, account } = await connect();
		google.rotateRefreshTokens = true;
		google.grantLifetimeSeconds = 7 * 24 * 3600;
		try {
			const stored = async (): Promise< string > => {
				const [ rows ] = await db.query(
					'SELECT secret FROM wp_epipe_connections WHERE id = ?',
					[ id ]
				);
				return open(
					secretKey( stack ),
					String(
						( rows as Array< { secret: string } > )[ 0 ]?.secret
					)
				);
			};
			const first = await stored();
			await runOk( id );
			const second = await stored();
			assert.notEqual(
				second,
				first,
				'the rotated token replaced the old one'
			);
			await runOk( id ); // The old token is dead at Google: only the stored one works.
			assert.notEqual( await stored(), second );
			const s = await state( id );
			assert.equal( s.grant_account, account );
			const expires = Date.parse(
				`${ String( s.grant_expires_at ).replace( ' ', 'T' ) }Z`
			);
			assert.ok(
				Math.abs( expires - ( Date.now() + 7 * 24 * 3600 * 1000 ) ) <
					120_000,
				String( s.grant_expires_at )
			);
		} finally {
			google.rotateRefreshTokens = false;
			google.grantLifetimeSeconds = null;
		}
	} );

	it( 'finishes the consent: trades the code, stores the grant, and `check` reports the mailbox', async () => {
		const account = `gmail-consent-${ Date.now() }@example.test`;
		google.addAccount( account );
		const id = await addProviderConnection( db, stack, {
			kind: 'gmail',
			mailbox: account,
			clientId: CLIENT_ID,
			clientSecret: CLIENT_SECRET,
			refreshToken: '',
		} );
		const unauthorised = await runProviderOnce( stack, id, env );
		assert.equal( unauthorised.code, 1 );
		assert.equal( ( await state( id ) ).status_code, 'consent_required' );

		const redirectUri = `${ stack.wp.url }/wp-admin/admin.php`;
		const { verifier, challenge } = pkce();
		const query = new URLSearchParams( {
			client_id: CLIENT_ID,
			redirect_uri: redirectUri,
			response_type: 'code',
			scope: 'https://www.googleapis.com/auth/gmail.modify',
			state: 'epipe.test',
			code_challenge: challenge,
			code_challenge_method: 'S256',
			access_type: 'offline',
			prompt: 'consent',
			login_hint: account,
		} );
		const back = await consent(
			stack,
			`${ google.url }/o/oauth2/v2/auth?${ query }`
		);
		const job = await queueExchange( db, stack, id, {
			provider: 'gmail',
			code: back.get( 'code' ) ?? '',
			verifier,
			redirectUri,
		} );
		await runOk( id );
		const row = await jobOutcome( db, job );
		assert.equal( row.status, 'done', JSON.stringify( row.result ) );
		assert.equal( row.result[ 'email' ], account );
		assert.equal( ( await state( id ) ).grant_account, account );

		const check = await runCli(
			[ 'check', String( id ), '--wp-config', stack.wp.config ],
			env
		);
		assert.equal( check.code, 0, check.stderr );
		const report = JSON.parse( check.stdout.trim() );
		assert.equal( report.ok, true );
		assert.equal( report.account, account );
		assert.equal( report.folder, 'INBOX' );

		// A code is single use: replaying it fails with a reason, and the grant stays.
		const replay = await queueExchange( db, stack, id, {
			provider: 'gmail',
			code: back.get( 'code' ) ?? '',
			verifier,
			redirectUri,
		} );
		await runProviderOnce( stack, id, env );
		const failed = await jobOutcome( db, replay );
		assert.equal( failed.status, 'failed' );
		assert.equal( failed.result[ 'code' ], 'oauth_failed' );
		assert.equal(
			(
				await runCli(
					[ 'check', String( id ), '--wp-config', stack.wp.config ],
					env
				)
			).code,
			0
		);
	} );

	it( 'never stores a rotated token of an old grant over a new authorisation', async () => {
		const { id } = await connect();
		const tables = tableNames( 'wp_' );
		const read = async (): Promise< {
			secret: string;
			updated_at: string;
		} > => {
			const [ rows ] = await db.query(
				"SELECT secret, DATE_FORMAT( updated_at, '%Y-%m-%d %H:%i:%s' ) AS updated_at FROM wp_epipe_connections WHERE id = ?",
				[ id ]
			);
			return (
				rows as Array< { secret: string; updated_at: string } >
			 )[ 0 ] as {
				secret: string;
				updated_at: string;
			};
		};
		const seen = await read();
		const key = secretKey( stack );
		// The worker read this version; storing a rotated token of it works.
		assert.equal(
			await saveRefreshToken(
				db,
				tables,
				id,
				seal( key, 'rotated-1' ),
				seen.updated_at
			),
			true
		);
		assert.equal( open( key, ( await read() ).secret ), 'rotated-1' );
		assert.equal(
			( await read() ).updated_at,
			seen.updated_at,
			'the worker is not restarted for it'
		);
		// An admin authorises again (a new grant, a new updated_at) before the old worker stops.
		await db.query(
			'UPDATE wp_epipe_connections SET secret = ?, updated_at = DATE_ADD( updated_at, INTERVAL 1 SECOND ) WHERE id = ?',
			[ seal( key, 'new-grant' ), id ]
		);
		assert.equal(
			await saveRefreshToken(
				db,
				tables,
				id,
				seal( key, 'rotated-2' ),
				seen.updated_at
			),
			false
		);
		assert.equal( open( key, ( await read() ).secret ), 'new-grant' );
	} );
} );
