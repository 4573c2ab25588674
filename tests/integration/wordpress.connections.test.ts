/**
 * Connections over HTTP: write-only secrets sealed at rest (and readable by the sidecar), status
 * in words, tests as sidecar jobs, an unreadable secret that stops only its own connection, and
 * the WordPress half of OAuth (consent URL, state check, code handed over through the database).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import { open, seal } from '../../sidecar/src/security/secret-box.ts';
import {
	loadStack,
	openDb,
	runCli,
	sendMail,
	type Stack,
} from './support/stack.ts';
import {
	adminAuth,
	api,
	login,
	secretKey,
	userAuth,
	type Session,
} from './support/wp.ts';

interface Connection {
	id: number;
	kind: string;
	name: string;
	mailbox_address: string;
	settings: Record< string, unknown >;
	secret: string;
	client_secret?: string;
	secret_message?: string;
	status: { code: string | null; message: string; fix: string | null };
}

describe( 'connections REST API', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let auth: string;
	let key: string;
	let admin: Session;
	const created: number[] = [];

	const imap = ( overrides: Record< string, unknown > = {} ) => ( {
		kind: 'imap',
		name: 'Sales inbox',
		mailbox_address: 'sales@example.test',
		password: 'p@ss-w0rd-✓',
		settings: {
			host: 'imap.example.test',
			port: 993,
			security: 'tls',
			username: 'sales@example.test',
		},
		...overrides,
	} );

	const secretOf = async (
		id: number,
		column = 'secret'
	): Promise< string > => {
		const [ rows ] = await db.query(
			`SELECT ${ column } AS s FROM wp_epipe_connections WHERE id = ?`,
			[ id ]
		);
		return ( rows as Array< { s: string } > )[ 0 ]?.s ?? '';
	};

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		auth = adminAuth( stack );
		key = secretKey( stack );
		admin = await login(
			stack,
			stack.wp.adminUser,
			stack.wp.adminPassword
		);
	} );
	after( async () => {
		for ( const id of created ) {
			await api( stack, 'DELETE', `/connections/${ id }`, auth );
		}
		await db.end();
	} );

	it( 'creates an IMAP connection whose password is sealed and never returned', async () => {
		const res = await api< Connection >(
			stack,
			'POST',
			'/connections',
			auth,
			imap()
		);
		assert.equal( res.status, 201, res.text );
		created.push( res.json.id );
		assert.equal( res.json.secret, 'set' );
		assert.ok( ! res.text.includes( 'p@ss-w0rd' ) );
		assert.ok( ! ( 'password' in res.json ) );
		assert.equal( res.json.settings[ 'signed_reply_address' ], false );
		const stored = await secretOf( res.json.id );
		assert.match( stored, /^epipe1:[0-9a-f]{8}:/ );
		assert.ok( ! stored.includes( 'p@ss' ) );
		// The sidecar opens what PHP sealed.
		assert.equal( open( key, stored ), 'p@ss-w0rd-✓' );

		for ( const route of [
			'/connections',
			`/connections/${ res.json.id }`,
		] ) {
			const read = await api( stack, 'GET', route, auth );
			assert.equal( read.status, 200 );
			assert.ok( ! read.text.includes( 'p@ss-w0rd' ), route );
			assert.ok( ! read.text.includes( stored.slice( 20, 40 ) ), route );
		}
	} );

	it( 'keeps the password on an update without one, and replaces it when one is sent', async () => {
		const id = created[ 0 ] as number;
		const original = await secretOf( id );
		const renamed = await api< Connection >(
			stack,
			'PATCH',
			`/connections/${ id }`,
			auth,
			{
				name: 'Sales',
				settings: { folder: 'Support' },
			}
		);
		assert.equal( renamed.status, 200, renamed.text );
		assert.equal( renamed.json.name, 'Sales' );
		assert.equal( renamed.json.settings[ 'folder' ], 'Support' );
		assert.equal( renamed.json.settings[ 'host' ], 'imap.example.test' );
		assert.equal( await secretOf( id ), original );

		const replaced = await api< Connection >(
			stack,
			'PUT',
			`/connections/${ id }`,
			auth,
			{
				password: 'new-secret',
			}
		);
		assert.equal( replaced.status, 200 );
		assert.ok( ! replaced.text.includes( 'new-secret' ) );
		assert.equal( open( key, await secretOf( id ) ), 'new-secret' );
	} );

	it( 'answers invalid connections with 400 naming each field', async () => {
		const res = await api< { data: { params: Record< string, string > } } >(
			stack,
			'POST',
			'/connections',
			auth,
			imap( {
				password: '',
				settings: { host: 'bad host\r\nname', port: 993, username: '' },
			} )
		);
		assert.equal( res.status, 400 );
		assert.deepEqual( Object.keys( res.json.data.params ).sort(), [
			'password',
			'settings[host]',
			'settings[username]',
		] );
		const schema = await api< {
			code: string;
			data: { params: Record< string, string > };
		} >(
			stack,
			'POST',
			'/connections',
			auth,
			imap( { kind: 'pop3', mailbox_address: 'nope' } )
		);
		assert.equal( schema.status, 400 );
		assert.equal( schema.json.code, 'rest_invalid_param' );
		assert.ok( 'kind' in schema.json.data.params );
	} );

	it( 'says in words how a connection is doing, with a fix', async () => {
		const id = created[ 0 ] as number;
		const fresh = await api< Connection[ 'status' ] >(
			stack,
			'GET',
			`/connections/${ id }/status`,
			auth
		);
		assert.equal( fresh.status, 200 );
		assert.equal( fresh.json.code, null );
		assert.match( fresh.json.message, /not checked this connection yet/ );

		await db.query(
			"INSERT INTO wp_epipe_mailbox_state (connection_id, status, status_code, status_detail, last_checked_at, updated_at) VALUES (?, 'error', 'auth_failed', 'AUTHENTICATIONFAILED', UTC_TIMESTAMP(), UTC_TIMESTAMP())",
			[ id ]
		);
		const failed = await api< Connection[ 'status' ] >(
			stack,
			'GET',
			`/connections/${ id }/status`,
			auth
		);
		assert.equal( failed.json.code, 'auth_failed' );
		assert.match( failed.json.message, /refused the login/ );
		assert.match( failed.json.fix ?? '', /enter the password again/ );
	} );

	it( 'tests a connection through a sidecar job the admin can poll', async () => {
		const id = created[ 0 ] as number;
		const res = await api< { id: number; type: string; status: string } >(
			stack,
			'POST',
			`/connections/${ id }/test`,
			auth
		);
		assert.equal( res.status, 202, res.text );
		assert.deepEqual(
			[ res.json.type, res.json.status ],
			[ 'check_connection', 'pending' ]
		);
		const [ rows ] = await db.query(
			'SELECT connection_id FROM wp_epipe_jobs WHERE id = ?',
			[ res.json.id ]
		);
		assert.equal(
			( rows as Array< { connection_id: number } > )[ 0 ]?.connection_id,
			id
		);

		// What the sidecar writes when it is done.
		await db.query(
			"UPDATE wp_epipe_jobs SET status = 'done', claimed_by = 'test', result = ?, finished_at = UTC_TIMESTAMP() WHERE id = ?",
			[
				JSON.stringify( {
					ok: true,
					folder: 'INBOX',
					messages: 42,
					uidvalidity: 7,
				} ),
				res.json.id,
			]
		);
		const done = await api< {
			status: string;
			message: string;
			result: { messages: number };
		} >( stack, 'GET', `/jobs/${ res.json.id }`, auth );
		assert.equal( done.json.status, 'done' );
		assert.equal( done.json.result.messages, 42 );
		assert.match( done.json.message, /INBOX holds 42 messages/ );

		await db.query(
			"UPDATE wp_epipe_jobs SET status = 'failed', result = ? WHERE id = ?",
			[
				JSON.stringify( {
					ok: false,
					code: 'tls_failed',
					message: 'self signed',
				} ),
				res.json.id,
			]
		);
		const failed = await api< { code: string; fix: string } >(
			stack,
			'GET',
			`/jobs/${ res.json.id }`,
			auth
		);
		assert.equal( failed.json.code, 'tls_failed' );
		assert.match( failed.json.fix, /CA file/ );
		assert.equal(
			( await api( stack, 'GET', '/jobs/999999', auth ) ).status,
			404
		);
	} );

	it( 'tells a host name that does not resolve from a closed port and an unreadable CA file', async () => {
		const id = created[ 0 ] as number;
		const explain = async ( code: string, message: string ) => {
			const job = await api< { id: number } >(
				stack,
				'POST',
				`/connections/${ id }/test`,
				auth
			);
			// What the sidecar writes for a failed check (its message quotes the system's code).
			await db.query(
				"UPDATE wp_epipe_jobs SET status = 'failed', claimed_by = 'test', result = ?, finished_at = UTC_TIMESTAMP() WHERE id = ?",
				[ JSON.stringify( { ok: false, code, message } ), job.json.id ]
			);
			return (
				await api< { code: string; message: string; fix: string } >(
					stack,
					'GET',
					`/jobs/${ job.json.id }`,
					auth
				)
			).json;
		};
		const dns = await explain(
			'connect_failed',
			'Connection #1 (u@imap.example.invalid:993): cannot connect (ENOTFOUND); check the host and port.'
		);
		assert.equal( dns.code, 'connect_failed' );
		assert.match( dns.message, /host name could not be found \(DNS\)/ );
		assert.match( dns.fix, /spelling of the host name/ );
		const refused = await explain(
			'connect_failed',
			'Connection #1 (u@127.0.0.1:1): cannot connect (ECONNREFUSED); check the host and port.'
		);
		assert.match( refused.message, /refused the connection on this port/ );
		const unreachable = await explain(
			'connect_failed',
			'Connection #1: cannot connect (EHOSTUNREACH); check the host and port.'
		);
		assert.match( unreachable.message, /could not be reached/ );
		const ca = await explain(
			'protocol_error',
			"Error: ENOENT: no such file or directory, open '/etc/ssl/nope.pem'"
		);
		assert.match( ca.message, /cannot read the CA certificate file/ );
		const other = await explain(
			'protocol_error',
			'Connection #1: Unexpected greeting.'
		);
		assert.match( other.message, /did not expect/ );
		assert.doesNotMatch( other.message, /protocol_error/ );
	} );

	it( 'asks to re-enter the password of a connection whose secret no longer opens, and only that one', async () => {
		const good = await api< Connection >(
			stack,
			'POST',
			'/connections',
			auth,
			imap( { name: 'Billing', mailbox_address: 'billing@example.test' } )
		);
		created.push( good.json.id );
		const broken = created[ 0 ] as number;
		// As if EPIPE_SECRET_KEY had changed since the password was saved.
		await db.query(
			'UPDATE wp_epipe_connections SET secret = ? WHERE id = ?',
			[
				seal( 'a-different-key-that-is-long-enough-0123456789', 'old' ),
				broken,
			]
		);
		const res = await api< Connection >(
			stack,
			'GET',
			`/connections/${ broken }`,
			auth
		);
		assert.equal( res.json.secret, 'unreadable' );
		assert.match( res.json.secret_message ?? '', /re-enter the password/ );
		assert.equal( res.json.status.code, 'secret_undecryptable' );
		assert.match( res.json.status.fix ?? '', /Re-enter the password/ );
		const other = await api< Connection >(
			stack,
			'GET',
			`/connections/${ good.json.id }`,
			auth
		);
		assert.equal( other.json.secret, 'set' );
		assert.notEqual( other.json.status.code, 'secret_undecryptable' );

		const page = await ( await admin.get( '/wp-admin/index.php' ) ).text();
		assert.ok(
			page.includes(
				`connection &quot;Sales&quot; (#${ broken }) can no longer be read`
			),
			'the admin notice names the connection'
		);
		assert.ok( ! page.includes( '&quot;Billing&quot;' ) );

		// Entering the password again fixes it.
		await api( stack, 'PATCH', `/connections/${ broken }`, auth, {
			password: 'again',
		} );
		const fixed = await api< Connection >(
			stack,
			'GET',
			`/connections/${ broken }`,
			auth
		);
		assert.equal( fixed.json.secret, 'set' );
	} );

	it( 'stops only the connection whose secret no longer opens; the others keep piping', async () => {
		// A second mailbox whose password was sealed under another key.
		const second = await api< Connection >(
			stack,
			'POST',
			'/connections',
			auth,
			imap( {
				name: 'Agent box',
				mailbox_address: 'agent@example.test',
				password: 'agent-pass',
				settings: {
					host: stack.imap.host,
					port: stack.imap.port,
					security: 'starttls',
					ca_file: stack.imap.caFile,
					username: 'agent@example.test',
				},
			} )
		);
		assert.equal( second.status, 201, second.text );
		created.push( second.json.id );
		await db.query(
			'UPDATE wp_epipe_connections SET secret = ? WHERE id = ?',
			[
				seal(
					'a-different-key-that-is-long-enough-0123456789',
					'agent-pass'
				),
				second.json.id,
			]
		);
		// The other connections created above point at hosts that do not exist.
		await db.query(
			'UPDATE wp_epipe_connections SET enabled = 0 WHERE id NOT IN (1, ?)',
			[ second.json.id ]
		);
		const subject = `Still piped ${ randomUUID().slice( 0, 8 ) }`;
		await sendMail( stack, {
			from: 'customer@example.test',
			to: 'support@example.test',
			subject,
			text: 'x',
		} );
		const run = await runCli( [
			'run',
			'--once',
			'--wp-config',
			stack.wp.config,
		] );
		assert.match(
			run.stdout,
			/connection #1 \(support@example\.test\): 1 new tickets/
		);
		const [ rows ] = await db.query(
			'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE subject = ?',
			[ subject ]
		);
		assert.equal( Number( ( rows as Array< { n: number } > )[ 0 ]?.n ), 1 );

		const status = await api< Connection[ 'status' ] & { detail: string } >(
			stack,
			'GET',
			`/connections/${ second.json.id }/status`,
			auth
		);
		assert.equal( status.json.code, 'secret_undecryptable' );
		assert.match(
			status.json.fix ?? '',
			/Re-enter the password.*Other connections are not affected/
		);
		const [ state ] = await db.query(
			'SELECT status_code FROM wp_epipe_mailbox_state WHERE connection_id = ?',
			[ second.json.id ]
		);
		assert.equal(
			( state as Array< { status_code: string } > )[ 0 ]?.status_code,
			'secret_undecryptable'
		);
		const first = await api< Connection[ 'status' ] >(
			stack,
			'GET',
			'/connections/1/status',
			auth
		);
		assert.equal( first.json.code, null );
		await api( stack, 'DELETE', `/connections/${ second.json.id }`, auth );
		created.pop();
	} );

	it( 'never stores a secret in clear without EPIPE_SECRET_KEY, and says so in the admin', async () => {
		// The same site, booted from a copy of wp-config.php without the key.
		const dir = fs.mkdtempSync( path.join( stack.stateDir, 'nokey-' ) );
		const config = path.join( dir, 'wp-config.php' );
		fs.writeFileSync(
			config,
			fs
				.readFileSync( stack.wp.config, 'utf8' )
				.replace( /define\( 'EPIPE_SECRET_KEY'[^\n]*\n/, '' )
		);
		const script = path.join( dir, 'run.php' );
		fs.writeFileSync(
			script,
			`<?php
$_SERVER['HTTP_HOST'] = '127.0.0.1'; $_SERVER['REQUEST_URI'] = '/wp-admin/'; $_SERVER['REQUEST_METHOD'] = 'GET';
define( 'WP_ADMIN', true );
require ${ JSON.stringify( config ) };
wp_set_current_user( 1 );
$request = new WP_REST_Request( 'POST', '/email-piping/v1/connections' );
$request->set_header( 'Content-Type', 'application/json' );
$request->set_body( wp_json_encode( array( 'kind' => 'imap', 'mailbox_address' => 'nokey@example.test', 'password' => 'plain-text-never', 'settings' => array( 'host' => 'imap.example.test', 'username' => 'u' ) ) ) );
$response = rest_do_request( $request );
ob_start();
do_action( 'admin_notices' );
$notices = ob_get_clean();
echo wp_json_encode( array( 'status' => $response->get_status(), 'code' => $response->get_data()['code'] ?? null, 'notice' => false !== strpos( $notices, 'Email Piping needs a secret key' ) ) );
`
		);
		const out = await new Promise< string >( ( resolve, reject ) =>
			execFile(
				'php',
				[
					'-d',
					'display_errors=stderr',
					'-d',
					'error_reporting=E_ALL & ~E_DEPRECATED',
					script,
				],
				( err, stdout, stderr ) =>
					err
						? reject( new Error( `${ err.message }\n${ stderr }` ) )
						: resolve( stdout )
			)
		);
		assert.deepEqual( JSON.parse( out.slice( out.indexOf( '{' ) ) ), {
			status: 503,
			code: 'epipe_secret_key_missing',
			notice: true,
		} );
		const [ rows ] = await db.query(
			"SELECT COUNT(*) n FROM wp_epipe_connections WHERE mailbox_address = 'nokey@example.test' OR secret LIKE '%plain-text-never%'"
		);
		assert.equal( Number( ( rows as Array< { n: number } > )[ 0 ]?.n ), 0 );
	} );

	it( 'builds the OAuth consent URL with a single-use state and PKCE, and hands the code to the sidecar', async () => {
		const gmail = await api< Connection >(
			stack,
			'POST',
			'/connections',
			auth,
			{
				kind: 'gmail',
				name: 'Gmail',
				mailbox_address: 'help@gmail.example',
				client_secret: 'google-client-secret',
				settings: {
					client_id: 'client-123.apps.googleusercontent.com',
				},
			}
		);
		assert.equal( gmail.status, 201, gmail.text );
		created.push( gmail.json.id );
		assert.equal( gmail.json.client_secret, 'set' );
		assert.equal( gmail.json.secret, 'missing' );
		assert.equal( gmail.json.status.code, 'consent_required' );
		assert.ok( ! gmail.text.includes( 'google-client-secret' ) );
		assert.equal(
			open( key, await secretOf( gmail.json.id, 'client_secret' ) ),
			'google-client-secret'
		);

		const start = await api< { url: string; redirect_uri: string } >(
			stack,
			'POST',
			`/connections/${ gmail.json.id }/oauth`,
			auth
		);
		assert.equal( start.status, 200, start.text );
		const url = new URL( start.json.url );
		assert.equal(
			url.origin + url.pathname,
			'https://accounts.google.com/o/oauth2/v2/auth'
		);
		assert.equal(
			url.searchParams.get( 'client_id' ),
			'client-123.apps.googleusercontent.com'
		);
		assert.equal(
			url.searchParams.get( 'redirect_uri' ),
			`${ stack.wp.url }/wp-admin/admin.php`
		);
		assert.equal( url.searchParams.get( 'access_type' ), 'offline' );
		assert.equal( url.searchParams.get( 'code_challenge_method' ), 'S256' );
		assert.match( url.searchParams.get( 'scope' ) ?? '', /gmail\.modify/ );
		const state = url.searchParams.get( 'state' ) ?? '';
		assert.match( state, /^epipe\.[0-9a-f]{32}$/ );

		// The provider sends the admin back with the code.
		const back = await admin.get(
			`/wp-admin/admin.php?state=${ state }&code=4%2F0AX-the-code&scope=x`
		);
		assert.equal( back.status, 302 );
		const location = back.headers.get( 'location' ) ?? '';
		assert.match( location, /page=email-piping&epipe_oauth=exchanging/ );
		const jobId = Number( new URL( location ).searchParams.get( 'job' ) );
		const [ rows ] = await db.query(
			'SELECT type, connection_id, payload FROM wp_epipe_jobs WHERE id = ?',
			[ jobId ]
		);
		const job = (
			rows as Array< {
				type: string;
				connection_id: number;
				payload: string;
			} >
		 )[ 0 ];
		assert.equal( job?.type, 'oauth_exchange' );
		assert.equal( job?.connection_id, gmail.json.id );
		const payload = JSON.parse( job?.payload ?? '{}' ) as Record<
			string,
			string
		>;
		assert.equal( payload[ 'provider' ], 'gmail' );
		assert.equal(
			payload[ 'redirect_uri' ],
			`${ stack.wp.url }/wp-admin/admin.php`
		);
		// Sealed at rest; the sidecar opens them, and the verifier matches the challenge sent.
		assert.ok( ! ( payload[ 'code' ] ?? '' ).includes( 'the-code' ) );
		assert.equal( open( key, payload[ 'code' ] ?? '' ), '4/0AX-the-code' );
		const verifier = open( key, payload[ 'code_verifier' ] ?? '' );
		assert.equal(
			createHash( 'sha256' ).update( verifier ).digest( 'base64url' ),
			url.searchParams.get( 'code_challenge' )
		);
		const notice = await (
			await admin.get(
				new URL( location ).pathname + new URL( location ).search
			)
		).text();
		assert.match( notice, /Authorisation received/ );

		// The same state again is refused (single use), and so is a forged one.
		for ( const forged of [ state, 'epipe.' + '0'.repeat( 32 ) ] ) {
			const again = await admin.get(
				`/wp-admin/admin.php?state=${ forged }&code=other`
			);
			assert.match(
				again.headers.get( 'location' ) ?? '',
				/epipe_oauth=state_invalid/
			);
		}
	} );

	it( 'refuses an OAuth redirect for anyone but the admin who started it', async () => {
		const id = created[ created.length - 1 ] as number;
		const start = await api< { url: string } >(
			stack,
			'POST',
			`/connections/${ id }/oauth`,
			auth
		);
		const state =
			new URL( start.json.url ).searchParams.get( 'state' ) ?? '';

		const anonymous = await fetch(
			`${ stack.wp.url }/wp-admin/admin.php?state=${ state }&code=x`,
			{ redirect: 'manual' }
		);
		assert.equal( anonymous.status, 302 );
		assert.match(
			anonymous.headers.get( 'location' ) ?? '',
			/wp-login\.php/
		);
		await anonymous.arrayBuffer();

		await userAuth( stack, 'oauth-agent', 'editor' );
		const agent = await login(
			stack,
			'oauth-agent',
			'oauth-agent-pass-123'
		);
		const refused = await agent.get(
			`/wp-admin/admin.php?state=${ state }&code=x`
		);
		assert.equal( refused.status, 403 );

		// A second administrator holds a valid session but did not start this flow.
		await userAuth( stack, 'oauth-admin2', 'administrator' );
		const other = await login(
			stack,
			'oauth-admin2',
			'oauth-admin2-pass-123'
		);
		const denied = await other.get(
			`/wp-admin/admin.php?state=${ state }&code=x`
		);
		assert.match( denied.headers.get( 'location' ) ?? '', /state_invalid/ );

		// A consent the user refused is reported, and no job is queued.
		const jobs = async () => {
			const [ rows ] = await db.query(
				"SELECT COUNT(*) n FROM wp_epipe_jobs WHERE type = 'oauth_exchange'"
			);
			return Number( ( rows as Array< { n: number } > )[ 0 ]?.n );
		};
		const beforeJobs = await jobs();
		const refusedConsent = await admin.get(
			`/wp-admin/admin.php?state=${ state }&error=access_denied&error_description=User+said+no`
		);
		assert.match(
			refusedConsent.headers.get( 'location' ) ?? '',
			/epipe_oauth=denied/
		);
		assert.equal( await jobs(), beforeJobs );
	} );

	it( 'builds a Microsoft consent URL for the configured tenant', async () => {
		const graph = await api< Connection >(
			stack,
			'POST',
			'/connections',
			auth,
			{
				kind: 'graph',
				mailbox_address: 'support@contoso.example',
				client_secret: 'ms-secret',
				settings: {
					client_id: '11111111-2222-3333-4444-555555555555',
					tenant: 'organizations',
				},
			}
		);
		assert.equal( graph.status, 201, graph.text );
		created.push( graph.json.id );
		const start = await api< { url: string } >(
			stack,
			'POST',
			`/connections/${ graph.json.id }/oauth`,
			auth
		);
		const url = new URL( start.json.url );
		assert.equal(
			url.origin + url.pathname,
			'https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize'
		);
		assert.match(
			url.searchParams.get( 'scope' ) ?? '',
			/offline_access .*Mail\.ReadWrite/
		);
		assert.equal( url.searchParams.get( 'response_mode' ), 'query' );

		const imapOauth = await api(
			stack,
			'POST',
			`/connections/${ created[ 0 ] }/oauth`,
			auth
		);
		assert.equal( imapOauth.status, 400 );
	} );

	it( 'deletes a connection with its mailbox state', async () => {
		const id = created.shift() as number;
		const res = await api( stack, 'DELETE', `/connections/${ id }`, auth );
		assert.equal( res.status, 200 );
		assert.ok( ! res.text.includes( 'again' ) );
		assert.equal(
			( await api( stack, 'GET', `/connections/${ id }`, auth ) ).status,
			404
		);
		const [ rows ] = await db.query(
			'SELECT COUNT(*) n FROM wp_epipe_mailbox_state WHERE connection_id = ?',
			[ id ]
		);
		assert.equal( Number( ( rows as Array< { n: number } > )[ 0 ]?.n ), 0 );
	} );
} );
