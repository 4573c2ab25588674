/**
 * Microsoft 365 connections end to end: the real sidecar with msal-node and the Graph client,
 * pointed at a local HTTPS fake of Microsoft's identity platform and Graph
 * (tests/fakes/microsoft.ts), into the stack's MariaDB — delta sync, an expired delta link,
 * throttling, server errors, a revoked grant, rotated refresh tokens, at most four requests at
 * once, personal accounts, the code exchange and `check`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import { open } from '../../sidecar/src/security/secret-box.ts';
import { startMicrosoftFake, type MicrosoftFake } from '../fakes/microsoft.ts';
import {
	addProviderConnection,
	bigEmail,
	connectionState,
	consent,
	fakeTlsDir,
	jobOutcome,
	outcomesOf,
	pkce,
	quarantineReasons,
	providerEnv,
	queueExchange,
	rawEmail,
	runProviderOnce,
} from './support/providers.ts';
import {
	loadStack,
	openDb,
	runCli,
	secretKey,
	type Stack,
} from './support/stack.ts';

const CLIENT_ID = '6f1c2d3e-0000-4000-8000-00000000abcd';
const CLIENT_SECRET = 'graph-app-secret';

describe( 'Microsoft 365 connection', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let microsoft: MicrosoftFake;
	let env: Record< string, string >;
	let mailboxNumber = 0;

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		microsoft = await startMicrosoftFake( { tlsDir: fakeTlsDir( stack ) } );
		microsoft.addClient( CLIENT_ID, CLIENT_SECRET );
		env = providerEnv( stack, { microsoft: microsoft.url } );
	} );
	after( async () => {
		await microsoft.close();
		await db.end();
	} );

	/**
	 * A fresh mailbox with a connection authorised on it.
	 *
	 * @param settings Connection settings.
	 * @param personal Whether it is a personal (Outlook.com) account.
	 */
	const connect = async (
		settings: Record< string, unknown > = {},
		personal = false
	): Promise< { id: number; account: string } > => {
		const account = `m365-${ ++mailboxNumber }-${ Date.now() }@example.test`;
		microsoft.addAccount( account, { personal } );
		const id = await addProviderConnection( db, stack, {
			kind: 'graph',
			mailbox: account,
			clientId: CLIENT_ID,
			clientSecret: CLIENT_SECRET,
			refreshToken: microsoft.grantFor( account, CLIENT_ID ).refreshToken,
			settings: {
				tenant: personal ? 'consumers' : 'organizations',
				...settings,
			},
		} );
		return { id, account };
	};

	const outcomes = ( id: number ) => outcomesOf( db, id );
	const state = ( id: number ) => connectionState( db, id );
	const runOk = async ( id: number ): Promise< string > => {
		const result = await runProviderOnce( stack, id, env );
		assert.equal( result.code, 0, result.stderr );
		return result.stdout;
	};
	const since = ( mark: number ) => microsoft.requests.slice( mark );

	/**
	 * What "Connect" does: the consent as the given account (PHP's parameters, PKCE), then the
	 * code handed to the sidecar as WordPress does.
	 *
	 * @param id      Connection.
	 * @param account Account that signs in.
	 * @return The oauth_exchange job id.
	 */
	const authorise = async (
		id: number,
		account: string
	): Promise< number > => {
		const redirectUri = `${ stack.wp.url }/wp-admin/admin.php`;
		const { verifier, challenge } = pkce();
		const query = new URLSearchParams( {
			client_id: CLIENT_ID,
			redirect_uri: redirectUri,
			response_type: 'code',
			response_mode: 'query',
			scope: 'offline_access https://graph.microsoft.com/Mail.ReadWrite https://graph.microsoft.com/User.Read',
			state: 'epipe.test',
			code_challenge: challenge,
			code_challenge_method: 'S256',
			login_hint: account,
		} );
		const back = await consent(
			stack,
			`${ microsoft.url }/organizations/oauth2/v2.0/authorize?${ query }`
		);
		return queueExchange( db, stack, id, {
			provider: 'graph',
			code: back.get( 'code' ) ?? '',
			verifier,
			redirectUri,
		} );
	};

	it( 'starts from now, imports each new email once with its exact bytes, and marks it read', async () => {
		const { id, account } = await connect();
		const earlier = microsoft.deliver(
			account,
			rawEmail( 'm0', 'There before connecting' )
		);
		await new Promise( ( r ) => setTimeout( r, 1100 ) ); // receivedDateTime has whole seconds
		await runOk( id );
		assert.deepEqual( await outcomes( id ), {} );

		const ids = [
			microsoft.deliver(
				account,
				rawEmail( 'm1', 'Wi-Fi drops every hour' )
			),
			microsoft.deliver(
				account,
				rawEmail(
					'm2',
					'=?ISO-8859-1?Q?Pi=E8ce_jointe?=',
					[
						'Content-Type: text/plain; charset=ISO-8859-1',
						'Content-Transfer-Encoding: 8bit',
						'',
						'Voil\xe0 la pi\xe8ce demand\xe9e.',
					].join( '\r\n' )
				)
			),
		];
		const stdout = await runOk( id );
		assert.match( stdout, /2 new tickets/ );
		assert.deepEqual( await outcomes( id ), { ticket: 2 } );
		for ( const messageId of ids ) {
			assert.equal(
				microsoft.message( account, messageId )?.isRead,
				true
			);
		}
		assert.equal( microsoft.message( account, earlier )?.isRead, false );
		const [ rows ] = await db.query(
			'SELECT t.subject FROM wp_epipe_tickets t JOIN wp_epipe_messages m ON m.ticket_id = t.id WHERE m.connection_id = ? ORDER BY t.id',
			[ id ]
		);
		assert.deepEqual(
			( rows as Array< { subject: string } > ).map( ( r ) => r.subject ),
			[ 'Wi-Fi drops every hour', 'Pièce jointe' ]
		);

		// Marking read changed the messages, so the next round lists them again: nothing is
		// downloaded or imported twice.
		const mark = microsoft.requests.length;
		await runOk( id );
		assert.ok(
			! since( mark ).some( ( r ) => r.path.endsWith( '/$value' ) )
		);
		assert.deepEqual( await outcomes( id ), { ticket: 2 } );
	} );

	it( 'imports what is there when asked to, moving it to a folder created for it', async () => {
		const { id, account } = await connect( {
			start_from: 'all',
			after_import: 'move',
			move_folder: 'Piped',
		} );
		microsoft.deliver( account, rawEmail( 'a1', 'One' ) );
		microsoft.deliver( account, rawEmail( 'a2', 'Two' ) );
		await runOk( id );
		assert.deepEqual( await outcomes( id ), { ticket: 2 } );
		assert.equal( microsoft.messages( account, 'inbox' ).length, 0 );
		const moved = microsoft.messages( account, 'Piped' );
		assert.equal( moved.length, 2 );
		assert.ok( moved.every( ( m ) => m.isRead ) );
		await runOk( id );
		assert.deepEqual( await outcomes( id ), { ticket: 2 } );
	} );

	it( 'quarantines an email too large for the connection, and goes on', async () => {
		const { id, account } = await connect( { max_message_mb: 1 } );
		await runOk( id );
		const big = microsoft.deliver( account, bigEmail( 'q1', 1.5 ) );
		microsoft.deliver(
			account,
			rawEmail( 'q2', 'Small one after the big one' )
		);
		await runOk( id );
		assert.deepEqual( await outcomes( id ), { quarantined: 1, ticket: 1 } );
		assert.deepEqual( Object.values( await quarantineReasons( db, id ) ), [
			'too_large',
		] );
		assert.equal(
			microsoft.message( account, big )?.isRead,
			false,
			'a quarantined email is not marked'
		);
		await runOk( id );
		assert.deepEqual( await outcomes( id ), { quarantined: 1, ticket: 1 } );
	} );

	it( 'resyncs after the delta link expired, without importing anything twice', async () => {
		for ( const variant of [
			undefined,
			{ status: 400, code: 'syncStateNotFound' },
		] ) {
			const { id, account } = await connect();
			await runOk( id );
			microsoft.deliver( account, rawEmail( 'd1', 'Before expiry' ) );
			await runOk( id );
			microsoft.deliver( account, rawEmail( 'd2', 'After expiry' ) );
			microsoft.expireDeltaTokens( account, variant );
			await runOk( id );
			assert.deepEqual(
				await outcomes( id ),
				{ ticket: 2 },
				JSON.stringify( variant )
			);
			const mark = microsoft.requests.length;
			await runOk( id );
			assert.ok(
				since( mark ).every( ( r ) => r.status < 400 ),
				'the new delta link was stored'
			);
		}
	} );

	it( 'waits as Retry-After asks when throttled, and loses nothing when throttling lasts', async () => {
		const { id, account } = await connect();
		await runOk( id );
		microsoft.deliver( account, rawEmail( 't1', 'Throttled once' ) );
		microsoft.failNext(
			{ path: /\/\$value$/ },
			{ status: 429, retryAfter: 2 },
			1
		);
		const mark = microsoft.requests.length;
		await runOk( id );
		const value = since( mark ).filter( ( r ) =>
			r.path.endsWith( '/$value' )
		);
		assert.equal( value[ 0 ]?.status, 429 );
		assert.equal( value[ 1 ]?.status, 200 );
		assert.ok(
			( value[ 1 ]?.at ?? 0 ) - ( value[ 0 ]?.at ?? 0 ) >= 1900,
			'waited the 2 s asked for'
		);
		assert.deepEqual( await outcomes( id ), { ticket: 1 } );

		microsoft.deliver( account, rawEmail( 't2', 'Throttled for long' ) );
		microsoft.failNext(
			{ path: /\/delta$/ },
			{ status: 429, retryAfter: 120 },
			1
		);
		const throttled = await runProviderOnce( stack, id, env );
		assert.equal( throttled.code, 1 );
		assert.equal( ( await state( id ) ).status_code, 'throttled' );
		await runOk( id );
		assert.deepEqual( await outcomes( id ), { ticket: 2 } );
	} );

	it( 'retries a passing server error and keeps mail when errors persist', async () => {
		const { id, account } = await connect();
		await runOk( id );
		microsoft.deliver( account, rawEmail( 's1', 'Hiccup' ) );
		microsoft.failNext(
			{ method: 'PATCH', path: /\/messages\/[^/]+$/ },
			{ status: 503 },
			1
		);
		await runOk( id );
		assert.deepEqual( await outcomes( id ), { ticket: 1 } );
		assert.ok(
			microsoft.messages( account, 'inbox' ).every( ( m ) => m.isRead )
		);

		microsoft.deliver( account, rawEmail( 's2', 'Down' ) );
		// Two tries of the download, then the pass gives up.
		microsoft.failNext( { path: /\/\$value$/ }, { status: 500 }, 2 );
		assert.equal( ( await runProviderOnce( stack, id, env ) ).code, 1 );
		assert.deepEqual( await outcomes( id ), { ticket: 1 } );
		await runOk( id );
		assert.deepEqual( await outcomes( id ), { ticket: 2 } );
	} );

	it( 'refreshes the token once on a 401, and stops with "authorise again" when the grant is revoked', async () => {
		const { id, account } = await connect();
		microsoft.failNext( { path: /\/me$/ }, { status: 401 }, 1 );
		const mark = microsoft.requests.length;
		await runOk( id );
		assert.equal(
			since( mark ).filter( ( r ) => r.path.endsWith( '/token' ) ).length,
			2
		);

		microsoft.revokeGrant( account );
		assert.equal( ( await runProviderOnce( stack, id, env ) ).code, 1 );
		const s = await state( id );
		assert.equal( s.status_code, 'consent_required' );
		assert.match(
			String( s.status_detail ),
			/authorise the connection again/
		);
	} );

	it( 'stores every rotated refresh token at once, so the old one may die', async () => {
		const { id } = await connect();
		microsoft.strictRotation = true;
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
			assert.notEqual( second, first );
			await runOk( id );
			assert.notEqual( await stored(), second );
			const expires = Date.parse(
				`${ String( ( await state( id ) ).grant_expires_at ).replace( ' ', 'T' ) }Z`
			);
			assert.ok(
				expires > Date.now() + 89 * 24 * 3600 * 1000,
				'lapses 90 days after its last use'
			);
		} finally {
			microsoft.strictRotation = false;
		}
	} );

	it( 'sends at most four requests at once to a mailbox', async () => {
		const { id, account } = await connect();
		await runOk( id );
		for ( let i = 0; i < 12; i++ ) {
			microsoft.deliver(
				account,
				rawEmail( `c${ i }`, `Parallel ${ i }` )
			);
		}
		microsoft.responseDelayMs = 150;
		try {
			await runOk( id );
		} finally {
			microsoft.responseDelayMs = 0;
		}
		assert.deepEqual( await outcomes( id ), { ticket: 12 } );
		const peak = microsoft.maxConcurrent[ account.toLowerCase() ] ?? 0;
		assert.ok( peak <= 4, `peak ${ peak }` );
		assert.ok( peak >= 2, `requests overlap (peak ${ peak })` );
	} );

	it( 'reads personal accounts through the consumers tenant', async () => {
		const { id, account } = await connect( {}, true );
		await runOk( id );
		microsoft.deliver(
			account,
			rawEmail( 'p1', 'From an Outlook.com mailbox' )
		);
		await runOk( id );
		assert.deepEqual( await outcomes( id ), { ticket: 1 } );
	} );

	it( 'keeps the working grant when a new authorisation cannot open the mailbox', async () => {
		const { id, account } = await connect();
		await runOk( id );
		// "Connect again", signing in as another account, while the connection names a folder
		// neither mailbox has: the trial fails, and the stored grant must stay the first one.
		const other = `m365-other-${ Date.now() }@example.test`;
		microsoft.addAccount( other );
		await db.query(
			"UPDATE wp_epipe_connections SET settings = JSON_SET( settings, '$.folder', 'Nowhere' ) WHERE id = ?",
			[ id ]
		);
		const job = await authorise( id, other );
		// The job runs first; then the pass refreshes whatever grant is stored (and fails on the folder).
		await runProviderOnce( stack, id, env );
		const row = await jobOutcome( db, job );
		assert.equal( row.status, 'failed' );
		assert.equal( row.result[ 'code' ], 'folder_not_found' );
		assert.equal(
			( await state( id ) ).grant_account,
			account,
			'the stored grant is still the first account’s'
		);
	} );

	it( 'finishes the consent: trades the code, stores the grant, and `check` reports the mailbox', async () => {
		const account = `m365-consent-${ Date.now() }@example.test`;
		microsoft.addAccount( account );
		const id = await addProviderConnection( db, stack, {
			kind: 'graph',
			mailbox: account,
			clientId: CLIENT_ID,
			clientSecret: CLIENT_SECRET,
			refreshToken: '',
			settings: { tenant: 'organizations' },
		} );
		const job = await authorise( id, account );
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
		assert.equal( report.folder, 'inbox' );
	} );
} );
