/**
 * Gmail and Microsoft connections for integration tests: rows in the stack's database, the
 * sidecar pointed at the local HTTPS fakes of Google and Microsoft (tests/fakes/), and the
 * consent step a browser would do, done over HTTPS directly.
 */
import { createHash, randomBytes } from 'node:crypto';
import https from 'node:https';
import path from 'node:path';

import type mysql from 'mysql2/promise';

import { seal } from '../../../sidecar/src/security/secret-box.ts';
import { fakeTls } from '../../fakes/tls.ts';
import { runCli, secretKey, type CliResult, type Stack } from './stack.ts';

/**
 * The fakes' certificates, one CA for both, under the stack's state directory.
 * @param stack
 */
export function fakeTlsDir( stack: Stack ): string {
	return path.join( stack.stateDir, 'fake-tls' );
}

/**
 * Adds a Gmail or Microsoft connection (enabled only for `--connection` runs).
 *
 * @param db                   Stack database.
 * @param stack                Stack.
 * @param options              Kind, address, app, refresh token ('' = not authorised) and settings.
 * @param options.kind
 * @param options.mailbox
 * @param options.clientId
 * @param options.clientSecret
 * @param options.refreshToken
 * @param options.settings
 * @return The connection id.
 */
export async function addProviderConnection(
	db: mysql.Pool,
	stack: Stack,
	options: {
		kind: 'gmail' | 'graph';
		mailbox: string;
		clientId: string;
		clientSecret: string;
		refreshToken: string;
		settings?: Record< string, unknown >;
	}
): Promise< number > {
	const key = secretKey( stack );
	const [ res ] = await db.query(
		'INSERT INTO wp_epipe_connections (name, kind, enabled, mailbox_address, settings, secret, client_secret, created_at, updated_at) VALUES (?, ?, 0, ?, ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())',
		[
			`${ options.kind } ${ options.mailbox }`,
			options.kind,
			options.mailbox,
			JSON.stringify( {
				client_id: options.clientId,
				start_from: 'now',
				after_import: 'mark_read',
				...options.settings,
			} ),
			options.refreshToken === ''
				? null
				: seal( key, options.refreshToken ),
			seal( key, options.clientSecret ),
		]
	);
	return ( res as { insertId: number } ).insertId;
}

/**
 * One `run --once` pass over one connection, with the sidecar pointed at the fakes.
 *
 * @param stack        Stack.
 * @param connectionId Connection.
 * @param env          The fakes' endpoints (see providerEnv).
 */
export function runProviderOnce(
	stack: Stack,
	connectionId: number,
	env: Record< string, string >
): Promise< CliResult > {
	return runCli(
		[
			'run',
			'--once',
			'--connection',
			String( connectionId ),
			'--wp-config',
			stack.wp.config,
		],
		env
	);
}

/**
 * The environment that points the sidecar at the fakes and makes it trust their CA.
 *
 * @param stack          Stack.
 * @param urls           Fake base URLs.
 * @param urls.google    Google fake.
 * @param urls.microsoft Microsoft fake.
 */
export function providerEnv(
	stack: Stack,
	urls: { google?: string; microsoft?: string }
): Record< string, string > {
	return {
		NODE_EXTRA_CA_CERTS: fakeTls( fakeTlsDir( stack ) ).caFile,
		...( urls.google
			? {
					EPIPE_GOOGLE_TOKEN_URL: `${ urls.google }/token`,
					EPIPE_GMAIL_API_URL: `${ urls.google }/`,
				}
			: {} ),
		...( urls.microsoft
			? {
					EPIPE_MICROSOFT_LOGIN_URL: urls.microsoft,
					EPIPE_GRAPH_API_URL: `${ urls.microsoft }/`,
				}
			: {} ),
	};
}

/** A PKCE pair (RFC 7636, S256). */
export function pkce(): { verifier: string; challenge: string } {
	const verifier = randomBytes( 32 ).toString( 'base64url' );
	return {
		verifier,
		challenge: createHash( 'sha256' )
			.update( verifier )
			.digest( 'base64url' ),
	};
}

/**
 * Follows a consent URL the way the admin's browser would and returns the redirect's query.
 *
 * @param stack Stack (for the fakes' CA).
 * @param url   Consent URL.
 */
export function consent(
	stack: Stack,
	url: string
): Promise< URLSearchParams > {
	return new Promise( ( resolve, reject ) => {
		https
			.get( url, { ca: fakeTls( fakeTlsDir( stack ) ).ca }, ( res ) => {
				res.resume();
				const location = res.headers.location;
				if ( res.statusCode !== 302 || ! location ) {
					reject(
						new Error( `consent answered ${ res.statusCode }` )
					);
					return;
				}
				resolve( new URL( location ).searchParams );
			} )
			.on( 'error', reject );
	} );
}

/**
 * Queues an oauth_exchange job as WordPress's OAuth_Service does after the redirect.
 *
 * @param db                  Stack database.
 * @param stack               Stack.
 * @param connectionId        Connection.
 * @param payload             Provider, code, verifier and redirect URI (sealed here).
 * @param payload.provider    gmail | graph.
 * @param payload.code        Authorisation code.
 * @param payload.verifier    PKCE verifier.
 * @param payload.redirectUri Redirect URI of the consent.
 * @return The job id.
 */
export async function queueExchange(
	db: mysql.Pool,
	stack: Stack,
	connectionId: number,
	payload: {
		provider: string;
		code: string;
		verifier: string;
		redirectUri: string;
	}
): Promise< number > {
	const key = secretKey( stack );
	const [ res ] = await db.query(
		"INSERT INTO wp_epipe_jobs (type, connection_id, payload, status, created_at, updated_at) VALUES ('oauth_exchange', ?, ?, 'pending', UTC_TIMESTAMP(), UTC_TIMESTAMP())",
		[
			connectionId,
			JSON.stringify( {
				provider: payload.provider,
				code: seal( key, payload.code ),
				code_verifier: seal( key, payload.verifier ),
				redirect_uri: payload.redirectUri,
			} ),
		]
	);
	return ( res as { insertId: number } ).insertId;
}

/**
 * A small email, distinct per call.
 *
 * @param n       Its number.
 * @param subject Subject.
 * @param extra   Extra MIME (e.g. an attachment) replacing the plain body.
 */
export function rawEmail(
	n: number | string,
	subject: string,
	extra?: string
): string {
	const body =
		extra ??
		[
			'Content-Type: text/plain; charset=utf-8',
			'',
			`Hello, this is request ${ n }: the printer in room ${ n } prints blank pages.`,
			'',
			'Regards,',
			'Dana',
		].join( '\r\n' );
	return [
		`From: Dana Customer <dana${ n }@customer.example>`,
		'To: support@example.test',
		`Subject: ${ subject }`,
		`Message-ID: <provider-${ n }-${ randomBytes( 6 ).toString( 'hex' ) }@customer.example>`,
		'Date: Mon, 30 Nov 2026 10:00:00 +0000',
		'MIME-Version: 1.0',
		body,
		'',
	].join( '\r\n' );
}

/**
 * How many emails of a connection ended as what (ticket, reply, skipped, quarantined).
 *
 * @param db Stack database.
 * @param id Connection.
 */
export async function outcomesOf(
	db: mysql.Pool,
	id: number
): Promise< Record< string, number > > {
	const [ rows ] = await db.query(
		'SELECT outcome, COUNT(*) AS n FROM wp_epipe_messages WHERE connection_id = ? GROUP BY outcome',
		[ id ]
	);
	return Object.fromEntries(
		( rows as Array< { outcome: string; n: number } > ).map( ( r ) => [
			r.outcome,
			Number( r.n ),
		] )
	);
}

export interface ConnectionState {
	status?: string;
	status_code?: string | null;
	status_detail?: string | null;
	cursor_token?: string | null;
	grant_account?: string | null;
	grant_expires_at?: string | null;
}

/**
 * The connection's state row (status, cursor, grant).
 *
 * @param db Stack database.
 * @param id Connection.
 */
export async function connectionState(
	db: mysql.Pool,
	id: number
): Promise< ConnectionState > {
	const [ rows ] = await db.query(
		'SELECT status, status_code, status_detail, cursor_token, grant_account, grant_expires_at FROM wp_epipe_mailbox_state WHERE connection_id = ?',
		[ id ]
	);
	return ( rows as ConnectionState[] )[ 0 ] ?? {};
}

/**
 * An email of about `megabytes` MB (a base64 attachment), distinct per call.
 *
 * @param n         Its number.
 * @param megabytes Approximate size.
 */
export function bigEmail( n: number | string, megabytes: number ): string {
	const bytes = Buffer.alloc(
		Math.round( ( megabytes * 1024 * 1024 * 3 ) / 4 ),
		7
	);
	return rawEmail(
		n,
		`Scans of the whole contract ${ n }`,
		[
			'Content-Type: multipart/mixed; boundary="big"',
			'',
			'--big',
			'Content-Type: text/plain; charset=utf-8',
			'',
			'All the scanned pages are attached.',
			'--big',
			'Content-Type: application/pdf; name="scans.pdf"',
			'Content-Disposition: attachment; filename="scans.pdf"',
			'Content-Transfer-Encoding: base64',
			'',
			( bytes.toString( 'base64' ).match( /.{1,76}/g ) ?? [] ).join(
				'\r\n'
			),
			'--big--',
		].join( '\r\n' )
	);
}

/**
 * Why a connection's emails were quarantined, by source key.
 *
 * @param db Stack database.
 * @param id Connection.
 */
export async function quarantineReasons(
	db: mysql.Pool,
	id: number
): Promise< Record< string, string > > {
	const [ rows ] = await db.query(
		'SELECT source_key, reason FROM wp_epipe_quarantine WHERE connection_id = ?',
		[ id ]
	);
	return Object.fromEntries(
		( rows as Array< { source_key: string; reason: string } > ).map(
			( r ) => [ r.source_key, r.reason ]
		)
	);
}

/**
 * How a sidecar job ended: its status and its result.
 *
 * @param db Stack database.
 * @param id Job.
 */
export async function jobOutcome(
	db: mysql.Pool,
	id: number
): Promise< { status: string; result: Record< string, unknown > } > {
	const [ rows ] = await db.query(
		'SELECT status, result FROM wp_epipe_jobs WHERE id = ?',
		[ id ]
	);
	const row = (
		rows as Array< { status: string; result: string | null } >
	 )[ 0 ];
	return {
		status: row?.status ?? '',
		result: JSON.parse( row?.result ?? '{}' ) as Record< string, unknown >,
	};
}
