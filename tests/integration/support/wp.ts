/**
 * Helpers for testing the PHP plugin through its real HTTP surface: REST as different users,
 * wp-admin pages with a cookie session, the outbox dispatch ping, and the SMTP capture.
 */
import fs from 'node:fs';
import path from 'node:path';

import { simpleParser, type ParsedMail } from 'mailparser';
import type mysql from 'mysql2/promise';

import { pingHeaders } from '../../../sidecar/src/security/signer.ts';
import { secretKey, wpEval, type Stack } from './stack.ts';

export interface ApiResponse< T = unknown > {
	status: number;
	headers: Headers;
	json: T;
	text: string;
}

export type Auth = string | null;

export { secretKey };

/**
 * Basic auth header of the stack's administrator (application password).
 *
 * @param stack Stack.
 */
export function adminAuth( stack: Stack ): string {
	return basic( stack.wp.adminUser, stack.wp.appPassword );
}

/**
 * A Basic auth header.
 *
 * @param user     Login.
 * @param password Application password.
 */
export function basic( user: string, password: string ): string {
	return (
		'Basic ' + Buffer.from( `${ user }:${ password }` ).toString( 'base64' )
	);
}

/**
 * Creates (once) a user with a role and returns a Basic auth header with a fresh application
 * password.
 *
 * @param stack     Stack.
 * @param userLogin Login, also the local part of the address (@example.test).
 * @param role      WordPress role.
 */
export async function userAuth(
	stack: Stack,
	userLogin: string,
	role: string
): Promise< string > {
	const out = await wpEval(
		stack,
		`$login = ${ JSON.stringify( userLogin ) };
		$user = get_user_by( 'login', $login );
		if ( ! $user ) {
			$id = wp_insert_user( array( 'user_login' => $login, 'user_pass' => $login . '-pass-123', 'user_email' => $login . '@example.test', 'role' => ${ JSON.stringify( role ) }, 'display_name' => ucfirst( $login ) ) );
			$user = get_user_by( 'id', $id );
		}
		list( $password ) = WP_Application_Passwords::create_new_application_password( $user->ID, array( 'name' => 'test ' . wp_generate_password( 6, false ) ) );
		echo $password;`
	);
	return basic( userLogin, out.trim() );
}

/**
 * URL of a route of email-piping/v1 (plain permalinks form, like the sidecar's ping).
 *
 * @param stack Stack.
 * @param route Route with a leading slash, optionally with a query string.
 */
export function apiUrl( stack: Stack, route: string ): string {
	const [ pathPart, query ] = route.split( '?' );
	return `${ stack.wp.url }/?rest_route=/email-piping/v1${ pathPart }${
		query ? `&${ query }` : ''
	}`;
}

/**
 * Calls the REST API.
 *
 * @param stack  Stack.
 * @param method HTTP method.
 * @param route  Route under email-piping/v1.
 * @param auth   Authorization header value, or null for anonymous.
 * @param body   JSON body.
 */
export async function api< T = unknown >(
	stack: Stack,
	method: string,
	route: string,
	auth: Auth,
	body?: unknown
): Promise< ApiResponse< T > > {
	const headers: Record< string, string > = {};
	if ( auth !== null ) {
		headers[ 'Authorization' ] = auth;
	}
	if ( body !== undefined ) {
		headers[ 'Content-Type' ] = 'application/json';
	}
	const res = await fetch( apiUrl( stack, route ), {
		method,
		headers,
		...( body !== undefined ? { body: JSON.stringify( body ) } : {} ),
	} );
	const text = await res.text();
	let json: unknown = null;
	try {
		json = JSON.parse( text );
	} catch {
		json = null;
	}
	return { status: res.status, headers: res.headers, json: json as T, text };
}

/**
 * The user id of the stack's agent (agent@example.test), as the REST API lists agents.
 *
 * @param stack Stack.
 * @param auth  Credentials of a user who may see the agents.
 */
export async function agentUserId(
	stack: Stack,
	auth: Auth
): Promise< number > {
	const agents = await api< Array< { id: number; email: string } > >(
		stack,
		'GET',
		'/agents',
		auth
	);
	return Number(
		agents.json.find( ( a ) => a.email === 'agent@example.test' )?.id
	);
}

/**
 * Asks WordPress to send due notifications now, as the sidecar's signed ping does.
 *
 * @param stack Stack.
 */
export async function dispatch(
	stack: Stack
): Promise< { sent: number; failed: number } > {
	const res = await fetch( apiUrl( stack, '/events/dispatch' ), {
		method: 'POST',
		headers: pingHeaders( secretKey( stack ) ),
	} );
	return ( await res.json() ) as { sent: number; failed: number };
}

/**
 * A page fetched by a session; the body is read at once, so no connection is left waiting
 * on an unread response.
 */
export interface Page {
	status: number;
	headers: Headers;
	text: () => Promise< string >;
	arrayBuffer: () => Promise< ArrayBuffer >;
}

/** A logged-in browser-like session on wp-admin (cookies, no JavaScript). */
export interface Session {
	cookie: string;
	get: ( pathAndQuery: string ) => Promise< Page >;
	post: (
		pathAndQuery: string,
		form: Record< string, string >
	) => Promise< Page >;
	restNonce: () => Promise< string >;
}

/**
 * Reads a response whole.
 *
 * @param res Response.
 */
async function page( res: Response ): Promise< Page > {
	const body = Buffer.from( await res.arrayBuffer() );
	return {
		status: res.status,
		headers: res.headers,
		text: async () => body.toString( 'utf8' ),
		arrayBuffer: async () =>
			body.buffer.slice(
				body.byteOffset,
				body.byteOffset + body.byteLength
			) as ArrayBuffer,
	};
}

/**
 * Logs in through wp-login.php and returns a cookie session.
 *
 * @param stack     Stack.
 * @param userLogin Login.
 * @param password  Password.
 */
export async function login(
	stack: Stack,
	userLogin: string,
	password: string
): Promise< Session > {
	const res = await fetch( `${ stack.wp.url }/wp-login.php`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			'Content-Type': 'application/x-www-form-urlencoded',
			Cookie: 'wordpress_test_cookie=WP%20Cookie%20check',
		},
		body: new URLSearchParams( {
			log: userLogin,
			pwd: password,
			testcookie: '1',
			redirect_to: `${ stack.wp.url }/wp-admin/`,
		} ),
	} );
	await res.arrayBuffer();
	const cookies = res.headers
		.getSetCookie()
		.map( ( c ) => c.split( ';' )[ 0 ] )
		.filter( ( c ): c is string => !! c && ! c.endsWith( '=deleted' ) );
	if ( ! cookies.some( ( c ) => c.startsWith( 'wordpress_logged_in_' ) ) ) {
		throw new Error(
			`login as ${ userLogin } failed (HTTP ${ res.status })`
		);
	}
	const cookie = cookies.join( '; ' );
	const session: Session = {
		cookie,
		get: async ( p ) =>
			page(
				await fetch( `${ stack.wp.url }${ p }`, {
					redirect: 'manual',
					headers: { Cookie: cookie },
				} )
			),
		post: async ( p, form ) =>
			page(
				await fetch( `${ stack.wp.url }${ p }`, {
					method: 'POST',
					redirect: 'manual',
					headers: {
						Cookie: cookie,
						'Content-Type': 'application/x-www-form-urlencoded',
					},
					body: new URLSearchParams( form ),
				} )
			),
		restNonce: async () =>
			(
				await session.get(
					'/wp-admin/admin-ajax.php?action=rest-nonce'
				)
			).text(),
	};
	return session;
}

/**
 * The value of a hidden input (e.g. a nonce) in an HTML page.
 *
 * @param html HTML.
 * @param name Input name.
 */
export function inputValue( html: string, name: string ): string {
	const m = new RegExp(
		`<input[^>]*name="${ name }"[^>]*value="([^"]*)"`
	).exec( html );
	if ( ! m ) {
		throw new Error( `no input ${ name } in the page` );
	}
	return m[ 1 ] as string;
}

/** One message captured by the SMTP sink. */
export interface CapturedMail {
	id: string;
	rcpt: string[];
	raw: string;
	/** The header block as sent, unfolded lines kept as they are. */
	rawHeaders: string;
	parsed: ParsedMail;
}

/** Parsed sink messages by id: the sink only appends, so each file is parsed once. */
const parsedCache = new Map< string, CapturedMail | null >();

/**
 * Every message the SMTP sink captured, parsed, oldest first. Messages mailparser refuses
 * (other tests send deliberately malformed or oversized mail through the sink) are left out.
 *
 * @param stack Stack.
 */
export async function capturedMail( stack: Stack ): Promise< CapturedMail[] > {
	const index = path.join( stack.smtp.sinkDir, 'index.jsonl' );
	if ( ! fs.existsSync( index ) ) {
		return [];
	}
	const out: CapturedMail[] = [];
	for ( const line of fs.readFileSync( index, 'utf8' ).split( '\n' ) ) {
		if ( line.trim() === '' ) {
			continue;
		}
		const rec = JSON.parse( line ) as {
			id: string;
			file?: string;
			rcpt: string[];
		};
		const key = `${ stack.smtp.sinkDir }/${ rec.id }`;
		if ( ! parsedCache.has( key ) ) {
			parsedCache.set( key, await parseCaptured( stack, rec ) );
		}
		const mail = parsedCache.get( key );
		if ( mail ) {
			out.push( mail );
		}
	}
	return out;
}

/**
 * One sink message, parsed, or null when mailparser refuses it.
 *
 * @param stack    Stack.
 * @param rec      Its index line.
 * @param rec.id   Sink id.
 * @param rec.file File name.
 * @param rec.rcpt Envelope recipients.
 */
async function parseCaptured(
	stack: Stack,
	rec: { id: string; file?: string; rcpt: string[] }
): Promise< CapturedMail | null > {
	const raw = fs.readFileSync(
		path.join( stack.smtp.sinkDir, rec.file ?? `${ rec.id }.eml` ),
		'utf8'
	);
	const end = raw.search( /\r?\n\r?\n/ );
	try {
		return {
			id: rec.id,
			rcpt: rec.rcpt,
			raw,
			rawHeaders: end >= 0 ? raw.slice( 0, end ) : raw,
			parsed: await simpleParser( raw ),
		};
	} catch {
		return null;
	}
}

/**
 * Waits until the sink captured mail matching a predicate; returns all matches.
 *
 * @param stack     Stack.
 * @param match     Predicate.
 * @param minCount  How many matches to wait for.
 * @param timeoutMs How long.
 */
export async function waitForCaptured(
	stack: Stack,
	match: ( m: CapturedMail ) => boolean,
	minCount = 1,
	timeoutMs = 15_000
): Promise< CapturedMail[] > {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const found = ( await capturedMail( stack ) ).filter( match );
		if ( found.length >= minCount || Date.now() > deadline ) {
			if ( found.length < minCount ) {
				throw new Error(
					`only ${ found.length } of ${ minCount } expected messages were sent within ${ timeoutMs } ms`
				);
			}
			return found;
		}
		await new Promise( ( r ) => setTimeout( r, 200 ) );
	}
}

/**
 * The value of one header of a captured mail as a string.
 *
 * @param mail Parsed mail.
 * @param name Lower-case header name.
 */
export function headerText( mail: ParsedMail, name: string ): string {
	const value = mail.headers.get( name );
	if ( value === undefined ) {
		return '';
	}
	if ( typeof value === 'string' ) {
		return value;
	}
	if ( typeof value === 'object' && value !== null && 'text' in value ) {
		return String( ( value as { text: string } ).text );
	}
	return JSON.stringify( value );
}

/**
 * Creates a ticket the way the sidecar stores one (customer, ticket, first thread, outbox
 * event), for tests of the WordPress side that do not need a real email.
 *
 * @param db                    Database.
 * @param options               Ticket values.
 * @param options.subject
 * @param options.customerEmail
 * @param options.customerName
 * @param options.body
 * @param options.bodyHtml
 * @param options.messageId
 * @param options.connectionId
 * @param options.status
 * @param options.event
 * @return The ticket id.
 */
export async function insertTicket(
	db: mysql.Pool,
	options: {
		subject: string;
		customerEmail: string;
		customerName?: string;
		body?: string;
		bodyHtml?: string | null;
		messageId?: string;
		connectionId?: number;
		status?: string;
		event?: boolean;
	}
): Promise< number > {
	await db.query(
		'INSERT INTO wp_epipe_customers (email, name, created_at) VALUES (?, ?, UTC_TIMESTAMP()) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)',
		[ options.customerEmail, options.customerName ?? '' ]
	);
	const [ customer ] = await db.query( 'SELECT LAST_INSERT_ID() AS id' );
	const customerId = Number(
		( customer as Array< { id: number } > )[ 0 ]?.id
	);
	const [ ticket ] = await db.query(
		"INSERT INTO wp_epipe_tickets (subject, status, priority, customer_id, connection_id, source, created_at, updated_at) VALUES (?, ?, 'normal', ?, ?, 'email', UTC_TIMESTAMP(), UTC_TIMESTAMP())",
		[
			options.subject,
			options.status ?? 'open',
			customerId,
			options.connectionId ?? 1,
		]
	);
	const ticketId = ( ticket as { insertId: number } ).insertId;
	const [ thread ] = await db.query(
		"INSERT INTO wp_epipe_threads (ticket_id, type, author_kind, customer_id, from_address, from_name, body_text, body_html, reply_text, message_id, source, created_at) VALUES (?, 'report', 'customer', ?, ?, ?, ?, ?, ?, ?, 'email', UTC_TIMESTAMP())",
		[
			ticketId,
			customerId,
			options.customerEmail,
			options.customerName ?? '',
			options.body ?? 'Hello',
			options.bodyHtml ?? null,
			options.body ?? 'Hello',
			options.messageId ?? null,
		]
	);
	if ( options.event ) {
		await db.query(
			"INSERT INTO wp_epipe_events (type, ticket_id, thread_id, status, created_at) VALUES ('ticket_created', ?, ?, 'pending', UTC_TIMESTAMP())",
			[ ticketId, ( thread as { insertId: number } ).insertId ]
		);
	}
	return ticketId;
}
