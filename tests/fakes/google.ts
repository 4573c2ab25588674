/**
 * A local HTTPS fake of Google's OAuth 2.0 endpoints and of the Gmail REST API v1, written from
 * Google's public documentation, so that tests can drive the real client libraries
 * (google-auth-library's OAuth2Client and @googleapis/gmail) unmodified:
 *
 *   new OAuth2Client( { clientId, clientSecret, redirectUri, endpoints: {
 *       oauth2TokenUrl: fake.url + '/token',
 *       oauth2AuthBaseUrl: fake.url + '/o/oauth2/v2/auth',
 *       oauth2RevokeUrl: fake.url + '/revoke' } } );
 *   gmail( { version: 'v1', auth, rootUrl: fake.url + '/' } );
 *
 * Processes that talk to it trust its CA through NODE_EXTRA_CA_CERTS=<fakeTls(dir).caFile>.
 *
 * What it serves:
 * - GET  /o/oauth2/v2/auth            consent, answered at once with a 302 to redirect_uri
 * - POST /token                       authorization_code (with PKCE) and refresh_token grants
 * - POST /revoke                      token revocation (token in the query or the form body)
 * - /gmail/v1/users/{me|address}/     profile, messages (list, get, modify, batchModify),
 *                                     history, labels (list, get, create)
 *
 * Deliberate simplifications (kept small on purpose, see the comments where they happen):
 * - one history record per change of one message (Gmail may group changes);
 * - `q` understands a subset of Gmail's search operators (no OR, no braces or parentheses);
 * - format=full returns the top-level headers and MIME type only, without parsed parts;
 * - threads are joined through In-Reply-To/References only (no subject heuristics);
 * - codes and tokens are opaque random strings with Google's prefixes (4/, 1//, ya29.).
 */
import crypto from 'node:crypto';
import https from 'node:https';
import type {
	IncomingHttpHeaders,
	IncomingMessage,
	ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeTls } from './tls.ts';

/* ------------------------------------------------------------------------------------------ */
/* Public API                                                                                  */
/* ------------------------------------------------------------------------------------------ */

export interface FaultMatch {
	/** HTTP method, case-insensitive; any method when omitted. */
	method?: string;
	/** Tested against the request's path, without the query string. */
	path: RegExp;
}

export interface FaultReply {
	status: number;
	/** Seconds, sent as a Retry-After header (and named in the default 429 message). */
	retryAfter?: number;
	/** Sent as JSON (a string or Buffer as is); defaults to Google's error format for `status`. */
	body?: unknown;
}

export interface RecordedRequest {
	method: string;
	/** The path, without the query string. */
	path: string;
	/** Query parameters; a repeated parameter (labelIds=A&labelIds=B) reads 'A,B'. */
	query: Record< string, string >;
	status: number;
	/** Date.now() when the answer was sent. */
	at: number;
}

/** A stored Gmail message, as tests see it (copies: changing them changes nothing). */
export interface FakeMessage {
	id: string;
	threadId: string;
	labelIds: string[];
	/** Milliseconds since the epoch. */
	internalDate: number;
	historyId: string;
	raw: Buffer;
}

export interface DeliverOptions {
	/** Milliseconds since the epoch; defaults to now. Lets tests exercise `after:` queries. */
	internalDate?: number;
	/** Forces the thread; by default In-Reply-To/References pick an existing thread. */
	threadId?: string;
}

export interface GoogleFake {
	readonly url: string;
	/** Registers an OAuth client. With `redirectUris`, other redirect URIs are refused. */
	addClient: (
		clientId: string,
		clientSecret: string,
		redirectUris?: string[]
	) => void;
	/** A Gmail mailbox; its labels: INBOX, UNREAD, SENT, TRASH, SPAM + user labels. */
	addAccount: ( email: string ) => void;
	/** Creates a user label directly (no history record), returns its id ('Label_1', ...). */
	addLabel: ( email: string, name: string ) => string;
	/**
	 * Stores a message (default labels INBOX and UNREAD), bumps historyId and records a
	 * messageAdded history record. Returns the message id (hex, like Gmail's).
	 */
	deliver: (
		email: string,
		raw: string | Buffer,
		labelIds?: string[],
		options?: DeliverOptions
	) => string;
	/** The message as stored now, to assert acknowledgements. */
	message: ( email: string, id: string ) => FakeMessage | undefined;
	/** The mailbox's current historyId (a decimal string, as Gmail's JSON has it). */
	historyId: ( email: string ) => string;
	/**
	 * Changes a message's labels as the user or a filter would (history records
	 * labelsAdded / labelsRemoved), e.g. "Not spam": add INBOX, remove SPAM.
	 */
	relabel: (
		email: string,
		id: string,
		change: { add?: string[]; remove?: string[] }
	) => void;
	/** A refresh token issued as if consent had happened (default scope gmail.modify). */
	grantFor: (
		email: string,
		clientId: string,
		scope?: string
	) => { refreshToken: string };
	/** From now on, every startHistoryId older than the current historyId answers 404. */
	expireHistory: ( email: string ) => void;
	/** Access tokens issued so far answer 401 UNAUTHENTICATED. */
	expireAccessTokens: () => void;
	/**
	 * The user withdraws access: refresh tokens of this account answer invalid_grant, and
	 * (as with Google) the access tokens issued under those grants stop working too.
	 */
	revokeGrant: ( email: string ) => void;
	/** When true, every refresh_token grant returns a new refresh_token; the old one dies. */
	rotateRefreshTokens: boolean;
	/**
	 * Seconds a grant lasts, like an app in Google's "Testing" status (7 days): token answers
	 * then carry `refresh_token_expires_in`. Null (the default): grants do not expire.
	 */
	grantLifetimeSeconds: number | null;
	/** Scripted faults, checked before anything else (authentication included). */
	failNext: ( match: FaultMatch, reply: FaultReply, times?: number ) => void;
	/** The consent endpoint redirects with error=access_denied. */
	denyConsent: boolean;
	readonly requests: RecordedRequest[];
	close: () => Promise< void >;
}

export interface GoogleFakeOptions {
	/** Where fakeTls() keeps (or creates) the CA and the server certificate. */
	tlsDir: string;
	/** 0 (any free port) by default. */
	port?: number;
}

/**
 * Starts the fake on 127.0.0.1.
 *
 * @param opts See GoogleFakeOptions.
 */
export async function startGoogleFake(
	opts: GoogleFakeOptions
): Promise< GoogleFake > {
	const tls = fakeTls( opts.tlsDir );
	const fake = new FakeGoogle( tls.key );
	const server = https.createServer(
		{ key: tls.key, cert: tls.cert },
		( req, res ) => {
			fake.handle( req, res ).catch( ( error: unknown ) => {
				// Only a broken socket gets here: handle() turns every other failure into a 500.
				res.destroy( error instanceof Error ? error : undefined );
			} );
		}
	);
	await new Promise< void >( ( resolve, reject ) => {
		server.once( 'error', reject );
		server.listen( opts.port ?? 0, '127.0.0.1', () => resolve() );
	} );
	const { port } = server.address() as AddressInfo;
	fake.setUrl( `https://127.0.0.1:${ port }` );
	fake.setCloser( async () => {
		server.closeAllConnections();
		await new Promise< void >( ( resolve ) =>
			server.close( () => resolve() )
		);
	} );
	return fake;
}

/* ------------------------------------------------------------------------------------------ */
/* Wire helpers                                                                                */
/* ------------------------------------------------------------------------------------------ */

/** What a handler answers; the dispatcher sends it and records the request. */
interface Reply {
	status: number;
	headers?: Record< string, string >;
	/** Object: JSON. String or Buffer: sent as is (set a content-type in headers). */
	body?: unknown;
}

interface Request {
	method: string;
	url: URL;
	headers: IncomingHttpHeaders;
	body: Buffer;
}

/** Thrown by handlers deep in a call chain to answer at once. */
class HttpError extends Error {
	readonly reply: Reply;

	constructor( reply: Reply ) {
		super( `HTTP ${ reply.status }` );
		this.reply = reply;
	}
}

const STATUS_NAMES: Record< number, string > = {
	400: 'INVALID_ARGUMENT',
	401: 'UNAUTHENTICATED',
	403: 'PERMISSION_DENIED',
	404: 'NOT_FOUND',
	409: 'ABORTED',
	429: 'RESOURCE_EXHAUSTED',
	500: 'INTERNAL',
	503: 'UNAVAILABLE',
};

/**
 * Google's JSON error body for the googleapis.com APIs:
 * {"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}.
 *
 * @param code    HTTP status.
 * @param message Human-readable message.
 * @param reason  Legacy reason code (notFound, invalidArgument, rateLimitExceeded...).
 * @param extra   More fields for errors[0] (domain, location, locationType).
 */
function apiError(
	code: number,
	message: string,
	reason: string,
	extra: Record< string, string > = {}
): Reply {
	return {
		status: code,
		body: {
			error: {
				code,
				message,
				errors: [ { message, domain: 'global', reason, ...extra } ],
				status: STATUS_NAMES[ code ] ?? 'UNKNOWN',
			},
		},
	};
}

const NOT_FOUND = (): Reply =>
	apiError( 404, 'Requested entity was not found.', 'notFound' );
const INVALID = ( message: string ): Reply =>
	apiError( 400, message, 'invalidArgument' );

/**
 * The OAuth endpoints' error body: {"error","error_description"}.
 *
 * @param status      HTTP status.
 * @param error       OAuth error code (invalid_grant, invalid_client...).
 * @param description error_description.
 */
function oauthError(
	status: number,
	error: string,
	description: string
): Reply {
	return { status, body: { error, error_description: description } };
}

/**
 * The default body of a scripted fault: what Google sends for that status.
 *
 * @param path       Request path: the OAuth endpoints answer in the OAuth format.
 * @param status     HTTP status.
 * @param retryAfter Seconds, named in the 429 message like Gmail does.
 */
function defaultFaultBody(
	path: string,
	status: number,
	retryAfter?: number
): unknown {
	if ( path === '/token' || path === '/revoke' ) {
		return status >= 500
			? { error: 'internal_failure', error_description: 'Backend Error' }
			: { error: 'invalid_request', error_description: 'Bad Request' };
	}
	const until =
		retryAfter === undefined
			? ''
			: `  Retry after ${ new Date( Date.now() + retryAfter * 1000 ).toISOString() }`;
	const defaults: Record< number, [ string, string, string ] > = {
		400: [ 'global', 'invalidArgument', 'Invalid argument.' ],
		401: [ 'global', 'authError', 'Invalid Credentials' ],
		403: [ 'global', 'forbidden', 'Forbidden' ],
		404: [ 'global', 'notFound', 'Requested entity was not found.' ],
		429: [
			'usageLimits',
			'rateLimitExceeded',
			'User-rate limit exceeded.' + until,
		],
		500: [ 'global', 'backendError', 'Backend Error' ],
		503: [
			'global',
			'backendError',
			'The service is currently unavailable.',
		],
	};
	const [ domain, reason, message ] = defaults[ status ] ?? [
		'global',
		'backendError',
		'Backend Error',
	];
	return apiError( status, message, reason, { domain } ).body;
}

async function readBody( req: IncomingMessage ): Promise< Buffer > {
	const chunks: Buffer[] = [];
	for await ( const chunk of req ) {
		chunks.push( chunk as Buffer );
	}
	return Buffer.concat( chunks );
}

function send( res: ServerResponse, reply: Reply ): void {
	const headers: Record< string, string > = { ...reply.headers };
	let payload: Buffer | string = '';
	if ( Buffer.isBuffer( reply.body ) || typeof reply.body === 'string' ) {
		payload = reply.body;
	} else if ( reply.body !== undefined ) {
		payload = JSON.stringify( reply.body );
		headers[ 'content-type' ] ??= 'application/json; charset=UTF-8';
	}
	headers[ 'content-length' ] = String( Buffer.byteLength( payload ) );
	res.writeHead( reply.status, headers );
	res.end( payload );
}

/**
 * Query parameters for `requests`: repeated ones joined with commas.
 * @param url The request URL.
 */
function flatQuery( url: URL ): Record< string, string > {
	const query: Record< string, string > = {};
	for ( const key of new Set( url.searchParams.keys() ) ) {
		query[ key ] = url.searchParams.getAll( key ).join( ',' );
	}
	return query;
}

/**
 * Form fields of a token or revoke request (Google also accepts JSON there).
 * @param req The request.
 */
function formFields( req: Request ): URLSearchParams {
	const type = req.headers[ 'content-type' ] ?? '';
	const text = req.body.toString( 'utf8' );
	if ( type.includes( 'json' ) ) {
		try {
			const parsed = JSON.parse( text ) as Record< string, unknown >;
			return new URLSearchParams(
				Object.entries( parsed ).map(
					( [ k, v ] ): [ string, string ] => [ k, String( v ) ]
				)
			);
		} catch {
			throw new HttpError(
				oauthError( 400, 'invalid_request', 'Invalid JSON payload.' )
			);
		}
	}
	return new URLSearchParams( text );
}

/**
 * A JSON request body of the Gmail API (an empty body reads as {}).
 * @param req The request.
 */
function jsonBody( req: Request ): Record< string, unknown > {
	if ( req.body.length === 0 ) {
		return {};
	}
	try {
		const parsed: unknown = JSON.parse( req.body.toString( 'utf8' ) );
		if (
			parsed &&
			typeof parsed === 'object' &&
			! Array.isArray( parsed )
		) {
			return parsed as Record< string, unknown >;
		}
	} catch {
		// Answered below, like any other payload that is not an object.
	}
	throw new HttpError( INVALID( 'Invalid JSON payload received.' ) );
}

/**
 * A string-array field of a JSON body; absent reads as [].
 * @param body  The parsed JSON body.
 * @param field Field name.
 */
function stringList(
	body: Record< string, unknown >,
	field: string
): string[] {
	const value = body[ field ];
	if ( value === undefined || value === null ) {
		return [];
	}
	if (
		! Array.isArray( value ) ||
		value.some( ( v ) => typeof v !== 'string' )
	) {
		throw new HttpError(
			INVALID(
				`Invalid value at '${ field }': expected a list of strings.`
			)
		);
	}
	return value as string[];
}

/**
 * maxResults as Gmail reads it: a positive integer, capped at the documented maximum.
 *
 * @param url  Request URL.
 * @param dflt Default page size.
 * @param max  Documented maximum (values above are capped, not refused).
 */
function pageSize( url: URL, dflt: number, max: number ): number {
	const text = url.searchParams.get( 'maxResults' );
	if ( text === null || text === '' ) {
		return dflt;
	}
	const n = Number( text );
	if ( ! Number.isInteger( n ) || n < 0 ) {
		throw new HttpError(
			INVALID( `Invalid value for maxResults: ${ text }` )
		);
	}
	return n === 0 ? dflt : Math.min( n, max );
}

/**
 * Page tokens are opaque to clients; here they carry a JSON cursor.
 * @param cursor Any JSON value.
 */
function encodePageToken( cursor: unknown ): string {
	return Buffer.from( JSON.stringify( cursor ) ).toString( 'base64url' );
}

function decodePageToken< T >(
	url: URL,
	valid: ( v: unknown ) => v is T
): T | undefined {
	const token = url.searchParams.get( 'pageToken' );
	if ( ! token ) {
		return undefined;
	}
	try {
		const cursor: unknown = JSON.parse(
			Buffer.from( token, 'base64url' ).toString( 'utf8' )
		);
		if ( valid( cursor ) ) {
			return cursor;
		}
	} catch {
		// Answered below.
	}
	throw new HttpError( INVALID( 'Invalid pageToken' ) );
}

function randomToken( prefix: string, bytes = 24 ): string {
	return prefix + crypto.randomBytes( bytes ).toString( 'base64url' );
}

/**
 * Gmail's raw field: base64url, and Gmail keeps the '=' padding (clients must accept it).
 * @param data Bytes to encode.
 */
function base64urlPadded( data: Buffer ): string {
	const text = data.toString( 'base64url' );
	return text + '='.repeat( ( 4 - ( text.length % 4 ) ) % 4 );
}

/* ------------------------------------------------------------------------------------------ */
/* MIME, just enough for headers, threads, snippets and search                                */
/* ------------------------------------------------------------------------------------------ */

interface Header {
	name: string;
	value: string;
}

/**
 * Splits a MIME entity into its (unfolded) header fields and its body.
 * @param raw The message (or part), one character per byte.
 */
function splitEntity( raw: string ): { headers: Header[]; body: string } {
	const match = /\r?\n\r?\n/.exec( raw );
	const head = match ? raw.slice( 0, match.index ) : raw;
	const body = match ? raw.slice( match.index + match[ 0 ].length ) : '';
	const headers: Header[] = [];
	for ( const line of head.split( /\r?\n/ ) ) {
		const last = headers[ headers.length - 1 ];
		if ( /^[ \t]/.test( line ) && last ) {
			last.value += ' ' + line.trim();
			continue;
		}
		const colon = line.indexOf( ':' );
		if ( colon > 0 ) {
			headers.push( {
				name: line.slice( 0, colon ).trim(),
				value: line.slice( colon + 1 ).trim(),
			} );
		}
	}
	return { headers, body };
}

function headerValue( headers: Header[], name: string ): string {
	const lower = name.toLowerCase();
	return headers.find( ( h ) => h.name.toLowerCase() === lower )?.value ?? '';
}

/**
 * Decodes a part's body (a string of bytes, read as latin1) to text, assuming UTF-8: enough
 * for snippets, which is all this is used for.
 *
 * @param body     The part's body, one character per byte.
 * @param encoding Its Content-Transfer-Encoding.
 */
function decodeTransfer( body: string, encoding: string ): string {
	const enc = encoding.toLowerCase();
	if ( enc === 'base64' ) {
		return Buffer.from( body.replace( /\s+/g, '' ), 'base64' ).toString(
			'utf8'
		);
	}
	let bytes = body;
	if ( enc === 'quoted-printable' ) {
		bytes = body
			.replace( /=\r?\n/g, '' )
			.replace( /=([0-9A-Fa-f]{2})/g, ( _m, hex: string ) =>
				String.fromCharCode( parseInt( hex, 16 ) )
			);
	}
	return Buffer.from( bytes, 'latin1' ).toString( 'utf8' );
}

/**
 * The first text part of an entity (recursing into multiparts), decoded.
 * @param raw   The message (or part), one character per byte.
 * @param depth Nesting level (bounded).
 */
function firstText( raw: string, depth = 0 ): string {
	const { headers, body } = splitEntity( raw );
	const type =
		headerValue( headers, 'content-type' ).toLowerCase() || 'text/plain';
	const boundary = /boundary="?([^";]+)"?/i.exec(
		headerValue( headers, 'content-type' )
	);
	if ( type.startsWith( 'multipart/' ) && boundary?.[ 1 ] && depth < 5 ) {
		const parts = body.split( '--' + boundary[ 1 ] ).slice( 1 );
		for ( const part of parts ) {
			if ( part.startsWith( '--' ) ) {
				break;
			}
			const text = firstText( part.replace( /^\r?\n/, '' ), depth + 1 );
			if ( text ) {
				return text;
			}
		}
		return '';
	}
	if ( ! type.startsWith( 'text/' ) ) {
		return '';
	}
	const text = decodeTransfer(
		body,
		headerValue( headers, 'content-transfer-encoding' )
	);
	return type.startsWith( 'text/html' )
		? text.replace( /<[^>]*>/g, ' ' )
		: text;
}

/**
 * Gmail's snippet: the start of the text, whitespace collapsed (simplified: no entities).
 * @param raw The message (or part), one character per byte.
 */
function snippetOf( raw: string ): string {
	return firstText( raw ).replace( /\s+/g, ' ' ).trim().slice( 0, 200 );
}

/**
 * Message-IDs in a header such as References: '<a@x> <b@y>'.
 * @param value Header value.
 */
function messageIds( value: string ): string[] {
	return value.match( /<[^>]+>/g ) ?? [];
}

/* ------------------------------------------------------------------------------------------ */
/* Mailbox state                                                                               */
/* ------------------------------------------------------------------------------------------ */

const SYSTEM_LABELS = [ 'INBOX', 'UNREAD', 'SENT', 'TRASH', 'SPAM' ];

interface Label {
	id: string;
	name: string;
	type: 'system' | 'user';
	messageListVisibility?: string;
	labelListVisibility?: string;
}

interface StoredMessage {
	id: string;
	threadId: string;
	raw: Buffer;
	headers: Header[];
	snippet: string;
	labels: Set< string >;
	internalDate: number;
	/** Delivery order, to break ties between equal internalDates. */
	seq: number;
	historyId: number;
}

/** One change to one message. */
interface HistoryRecord {
	id: number;
	message: { id: string; threadId: string; labelIds: string[] };
	messageAdded: boolean;
	labelsAdded: string[];
	labelsRemoved: string[];
}

interface Mailbox {
	email: string;
	labels: Map< string, Label >;
	messages: Map< string, StoredMessage >;
	history: HistoryRecord[];
	historyId: number;
	/** startHistoryIds below this answer 404 (Gmail keeps history for about a week). */
	oldestHistoryId: number;
	nextLabel: number;
	nextSeq: number;
}

interface Client {
	secret: string;
	redirectUris: string[] | undefined;
}

/** One consent of one account to one client; rotation changes its refreshToken. */
interface Grant {
	email: string;
	clientId: string;
	scope: string;
	refreshToken: string;
	live: boolean;
}

interface AccessToken {
	grant: Grant;
	expiresAt: number;
	revoked: boolean;
}

interface AuthCode {
	clientId: string;
	redirectUri: string;
	challenge: string;
	email: string;
	scope: string;
	/** access_type=offline, and first consent or prompt=consent (see consent()). */
	issueRefreshToken: boolean;
	expiresAt: number;
}

const SCOPE = 'https://www.googleapis.com/auth/';
const FULL_SCOPE = 'https://mail.google.com/';
const MODIFY_SCOPES = [ FULL_SCOPE, SCOPE + 'gmail.modify' ];
const READ_SCOPES = [
	...MODIFY_SCOPES,
	SCOPE + 'gmail.readonly',
	SCOPE + 'gmail.metadata',
];
const LABEL_SCOPES = [ ...MODIFY_SCOPES, SCOPE + 'gmail.labels' ];
const LABEL_READ_SCOPES = [ ...READ_SCOPES, SCOPE + 'gmail.labels' ];
const ACCESS_TOKEN_SECONDS = 3599;

/** What a Gmail handler gets: the caller's mailbox and grant, and the id in the path. */
interface GmailCall {
	box: Mailbox;
	grant: Grant;
	req: Request;
	/** The path's {id} (message or label), decoded; '' when the route has none. */
	param: string;
}

interface GmailRoute {
	method: string;
	/** Matched against the path after /gmail/v1/users/{userId}/. */
	path: RegExp;
	/** Any one of these scopes lets the call through (otherwise 403 insufficientPermissions). */
	scopes: string[];
	handle: ( fake: FakeGoogle, call: GmailCall ) => Reply;
}

const GMAIL_ROUTES: GmailRoute[] = [
	{
		method: 'GET',
		path: /^profile$/,
		scopes: LABEL_READ_SCOPES,
		handle: ( fake, c ) => fake.profile( c.box ),
	},
	{
		method: 'GET',
		path: /^messages$/,
		scopes: READ_SCOPES,
		handle: ( fake, c ) => fake.listMessages( c.box, c.req.url ),
	},
	{
		method: 'POST',
		path: /^messages\/batchModify$/,
		scopes: MODIFY_SCOPES,
		handle: ( fake, c ) => fake.batchModify( c.box, jsonBody( c.req ) ),
	},
	{
		method: 'GET',
		path: /^messages\/([^/]+)$/,
		scopes: READ_SCOPES,
		handle: ( fake, c ) =>
			fake.getMessage( c.box, c.param, c.req.url, c.grant ),
	},
	{
		method: 'POST',
		path: /^messages\/([^/]+)\/modify$/,
		scopes: MODIFY_SCOPES,
		handle: ( fake, c ) => fake.modify( c.box, c.param, jsonBody( c.req ) ),
	},
	{
		method: 'GET',
		path: /^history$/,
		scopes: READ_SCOPES,
		handle: ( fake, c ) => fake.listHistory( c.box, c.req.url ),
	},
	{
		method: 'GET',
		path: /^labels$/,
		scopes: LABEL_READ_SCOPES,
		handle: ( fake, c ) => fake.gmailLabels( c ),
	},
	{
		method: 'POST',
		path: /^labels$/,
		scopes: LABEL_SCOPES,
		handle: ( fake, c ) => fake.gmailCreateLabel( c ),
	},
	{
		method: 'GET',
		path: /^labels\/([^/]+)$/,
		scopes: LABEL_READ_SCOPES,
		handle: ( fake, c ) => fake.getLabel( c.box, c.param ),
	},
];

/** The fake itself: state, test controls, and one handler per endpoint. */
class FakeGoogle implements GoogleFake {
	url = '';
	rotateRefreshTokens = false;
	grantLifetimeSeconds: number | null = null;
	denyConsent = false;
	readonly requests: RecordedRequest[] = [];

	private readonly signingKey: string;
	private readonly clients = new Map< string, Client >();
	private readonly mailboxes = new Map< string, Mailbox >();
	private readonly grants: Grant[] = [];
	private readonly refreshTokens = new Map< string, Grant >();
	private readonly accessTokens = new Map< string, AccessToken >();
	private readonly codes = new Map< string, AuthCode >();
	private readonly faults: Array< {
		match: FaultMatch;
		reply: FaultReply;
		left: number;
	} > = [];
	private messageCounter = 0;
	private closer: () => Promise< void > = async () => {};

	constructor( signingKey: string ) {
		this.signingKey = signingKey;
	}

	setUrl( url: string ): void {
		this.url = url;
	}

	setCloser( closer: () => Promise< void > ): void {
		this.closer = closer;
	}

	close(): Promise< void > {
		return this.closer();
	}

	/* ---------------------------------- test controls ---------------------------------- */

	addClient(
		clientId: string,
		clientSecret: string,
		redirectUris?: string[]
	): void {
		this.clients.set( clientId, { secret: clientSecret, redirectUris } );
	}

	addAccount( email: string ): void {
		const labels = new Map< string, Label >();
		for ( const id of SYSTEM_LABELS ) {
			labels.set( id, { id, name: id, type: 'system' } );
		}
		// Each mailbox starts at its own arbitrary historyId, as real ones never start at 1.
		const start = 1000 + this.mailboxes.size * 100000;
		this.mailboxes.set( email.toLowerCase(), {
			email,
			labels,
			messages: new Map(),
			history: [],
			historyId: start,
			oldestHistoryId: start,
			nextLabel: 1,
			nextSeq: 1,
		} );
	}

	addLabel( email: string, name: string ): string {
		return this.createLabel( this.mailbox( email ), { name } ).id;
	}

	deliver(
		email: string,
		raw: string | Buffer,
		labelIds: string[] = [ 'INBOX', 'UNREAD' ],
		options: DeliverOptions = {}
	): string {
		const box = this.mailbox( email );
		for ( const label of labelIds ) {
			if ( ! box.labels.has( label ) ) {
				throw new Error(
					`deliver: ${ email } has no label ${ label }`
				);
			}
		}
		const bytes = Buffer.isBuffer( raw ) ? raw : Buffer.from( raw, 'utf8' );
		const text = bytes.toString( 'latin1' );
		const { headers } = splitEntity( text );
		const internalDate = options.internalDate ?? Date.now();
		const id = this.newMessageId( box, internalDate );
		const message: StoredMessage = {
			id,
			threadId: options.threadId ?? this.threadFor( box, headers ) ?? id,
			raw: bytes,
			headers,
			snippet: snippetOf( text ),
			labels: new Set( labelIds ),
			internalDate,
			seq: box.nextSeq++,
			historyId: 0,
		};
		box.messages.set( id, message );
		this.record( box, message, { messageAdded: true } );
		return id;
	}

	message( email: string, id: string ): FakeMessage | undefined {
		const m = this.mailbox( email ).messages.get( id );
		return (
			m && {
				id: m.id,
				threadId: m.threadId,
				labelIds: [ ...m.labels ],
				internalDate: m.internalDate,
				historyId: String( m.historyId ),
				raw: Buffer.from( m.raw ),
			}
		);
	}

	historyId( email: string ): string {
		return String( this.mailbox( email ).historyId );
	}

	relabel(
		email: string,
		id: string,
		change: { add?: string[]; remove?: string[] }
	): void {
		const box = this.mailbox( email );
		const message = box.messages.get( id );
		if ( ! message ) {
			throw new Error( `No message ${ id } in ${ email }` );
		}
		this.applyLabels( box, [ message ], {
			addLabelIds: change.add ?? [],
			removeLabelIds: change.remove ?? [],
		} );
	}

	grantFor(
		email: string,
		clientId: string,
		scope = SCOPE + 'gmail.modify'
	): { refreshToken: string } {
		this.mailbox( email );
		if ( ! this.clients.has( clientId ) ) {
			throw new Error( `grantFor: unknown client ${ clientId }` );
		}
		return {
			refreshToken: this.newGrant( email, clientId, scope ).refreshToken,
		};
	}

	expireHistory( email: string ): void {
		const box = this.mailbox( email );
		box.oldestHistoryId = box.historyId;
	}

	expireAccessTokens(): void {
		for ( const token of this.accessTokens.values() ) {
			token.expiresAt = 0;
		}
	}

	revokeGrant( email: string ): void {
		for ( const grant of this.grants ) {
			if ( grant.email.toLowerCase() === email.toLowerCase() ) {
				this.revoke( grant );
			}
		}
	}

	failNext( match: FaultMatch, reply: FaultReply, times = 1 ): void {
		this.faults.push( { match, reply, left: times } );
	}

	/* ---------------------------------- dispatching ---------------------------------- */

	async handle(
		incoming: IncomingMessage,
		res: ServerResponse
	): Promise< void > {
		const req: Request = {
			method: ( incoming.method ?? 'GET' ).toUpperCase(),
			url: new URL( incoming.url ?? '/', 'https://127.0.0.1' ),
			headers: incoming.headers,
			body: await readBody( incoming ),
		};
		let reply: Reply;
		try {
			reply = this.scriptedFault( req ) ?? this.route( req );
		} catch ( error ) {
			reply =
				error instanceof HttpError
					? error.reply
					: apiError(
							500,
							`Fake failure: ${ String( error ) }`,
							'backendError'
						);
		}
		this.requests.push( {
			method: req.method,
			path: req.url.pathname,
			query: flatQuery( req.url ),
			status: reply.status,
			at: Date.now(),
		} );
		send( res, reply );
	}

	private scriptedFault( req: Request ): Reply | undefined {
		const index = this.faults.findIndex(
			( f ) =>
				( ! f.match.method ||
					f.match.method.toUpperCase() === req.method ) &&
				f.match.path.test( req.url.pathname )
		);
		const fault = this.faults[ index ];
		if ( ! fault ) {
			return undefined;
		}
		if ( --fault.left <= 0 ) {
			this.faults.splice( index, 1 );
		}
		const { status, retryAfter, body } = fault.reply;
		return {
			status,
			headers:
				retryAfter === undefined
					? {}
					: { 'retry-after': String( retryAfter ) },
			body:
				body ??
				defaultFaultBody( req.url.pathname, status, retryAfter ),
		};
	}

	private route( req: Request ): Reply {
		const path = req.url.pathname;
		if ( path === '/o/oauth2/v2/auth' && req.method === 'GET' ) {
			return this.consent( req );
		}
		if ( path === '/token' && req.method === 'POST' ) {
			return this.token( req );
		}
		if ( path === '/revoke' && req.method === 'POST' ) {
			return this.revokeEndpoint( req );
		}
		const gmail = /^\/gmail\/v1\/users\/([^/]+)\/(.+)$/.exec( path );
		if ( gmail?.[ 1 ] && gmail[ 2 ] ) {
			return this.gmail(
				req,
				decodeURIComponent( gmail[ 1 ] ),
				gmail[ 2 ]
			);
		}
		return {
			status: 404,
			headers: { 'content-type': 'text/html' },
			body: '<h1>Not Found</h1>',
		};
	}

	/* ---------------------------------- OAuth ---------------------------------- */

	/**
	 * The consent screen, answered at once as if the user had clicked "Allow". Google shows an
	 * error page (no redirect) for a bad client or redirect URI, and redirects with ?error=
	 * for everything the user or the request decides after that.
	 *
	 * @param req The request.
	 */
	private consent( req: Request ): Reply {
		const q = req.url.searchParams;
		const page = ( error: string, detail: string ): Reply => ( {
			status: 400,
			headers: { 'content-type': 'text/html; charset=utf-8' },
			body: `<h1>Error 400: ${ error }</h1><p>${ detail }</p>`,
		} );
		const clientId = q.get( 'client_id' ) ?? '';
		const client = this.clients.get( clientId );
		if ( ! client ) {
			return {
				...page( 'invalid_client', 'The OAuth client was not found.' ),
				status: 401,
			};
		}
		const redirectUri = q.get( 'redirect_uri' ) ?? '';
		if ( ! redirectUri ) {
			return page(
				'invalid_request',
				'Missing required parameter: redirect_uri'
			);
		}
		if (
			client.redirectUris &&
			! client.redirectUris.includes( redirectUri )
		) {
			return page(
				'redirect_uri_mismatch',
				`Unregistered redirect_uri: ${ redirectUri }`
			);
		}
		const redirect = ( params: Record< string, string > ): Reply => {
			const target = new URL( redirectUri );
			const state = q.get( 'state' );
			for ( const [ k, v ] of Object.entries( {
				...params,
				...( state === null ? {} : { state } ),
			} ) ) {
				target.searchParams.set( k, v );
			}
			return { status: 302, headers: { location: target.toString() } };
		};
		if ( q.get( 'response_type' ) !== 'code' ) {
			return redirect( { error: 'unsupported_response_type' } );
		}
		const scope = q.get( 'scope' ) ?? '';
		if ( ! scope ) {
			return page(
				'invalid_request',
				'Missing required parameter: scope'
			);
		}
		// Google accepts consent without PKCE; this project always uses S256, so the fake insists.
		const challenge = q.get( 'code_challenge' ) ?? '';
		if ( ! challenge || q.get( 'code_challenge_method' ) !== 'S256' ) {
			return page(
				'invalid_request',
				'code_challenge with code_challenge_method=S256 required'
			);
		}
		const email = this.pickAccount( q.get( 'login_hint' ) );
		if ( ! email ) {
			return page(
				'invalid_request',
				'No account matches login_hint (or several exist).'
			);
		}
		if ( this.denyConsent ) {
			return redirect( { error: 'access_denied' } );
		}
		// Google hands out a refresh token only for access_type=offline, and only on the
		// first consent unless prompt=consent asks for the consent screen again.
		const hasGrant = this.grants.some(
			( g ) => g.live && g.clientId === clientId && g.email === email
		);
		const code = randomToken( '4/0A' );
		this.codes.set( code, {
			clientId,
			redirectUri,
			challenge,
			email,
			scope,
			issueRefreshToken:
				q.get( 'access_type' ) === 'offline' &&
				( ! hasGrant ||
					( q.get( 'prompt' ) ?? '' )
						.split( ' ' )
						.includes( 'consent' ) ),
			expiresAt: Date.now() + 10 * 60 * 1000,
		} );
		return redirect( { code, scope } );
	}

	private pickAccount( hint: string | null ): string | undefined {
		if ( hint ) {
			return this.mailboxes.get( hint.toLowerCase() )?.email;
		}
		const all = [ ...this.mailboxes.values() ];
		return all.length === 1 ? all[ 0 ]?.email : undefined;
	}

	/**
	 * Client authentication: HTTP Basic (client_secret_basic) or the form body (client_secret_post).
	 *
	 * @param req  The request.
	 * @param form Its form fields.
	 */
	private authenticateClient( req: Request, form: URLSearchParams ): string {
		let id = form.get( 'client_id' ) ?? '';
		let secret = form.get( 'client_secret' ) ?? '';
		const basic = /^Basic\s+(.+)$/i.exec( req.headers.authorization ?? '' );
		if ( basic?.[ 1 ] ) {
			const decoded = Buffer.from( basic[ 1 ], 'base64' ).toString(
				'utf8'
			);
			const colon = decoded.indexOf( ':' );
			id = decodeURIComponent( decoded.slice( 0, colon ) );
			secret = decodeURIComponent( decoded.slice( colon + 1 ) );
		}
		const client = this.clients.get( id );
		if ( ! client ) {
			throw new HttpError(
				oauthError(
					401,
					'invalid_client',
					'The OAuth client was not found.'
				)
			);
		}
		if ( client.secret !== secret ) {
			throw new HttpError(
				oauthError( 401, 'invalid_client', 'Unauthorized' )
			);
		}
		return id;
	}

	private token( req: Request ): Reply {
		const form = formFields( req );
		const grantType = form.get( 'grant_type' ) ?? '';
		if (
			grantType !== 'authorization_code' &&
			grantType !== 'refresh_token'
		) {
			return oauthError(
				400,
				'unsupported_grant_type',
				`Invalid grant_type: ${ grantType }`
			);
		}
		const clientId = this.authenticateClient( req, form );
		return grantType === 'authorization_code'
			? this.exchangeCode( form, clientId )
			: this.refresh( form, clientId );
	}

	private exchangeCode( form: URLSearchParams, clientId: string ): Reply {
		const code = this.codes.get( form.get( 'code' ) ?? '' );
		// Single use: a code is gone once presented, whatever the outcome.
		this.codes.delete( form.get( 'code' ) ?? '' );
		if (
			! code ||
			code.expiresAt < Date.now() ||
			code.clientId !== clientId
		) {
			return oauthError( 400, 'invalid_grant', 'Malformed auth code.' );
		}
		if ( form.get( 'redirect_uri' ) !== code.redirectUri ) {
			return oauthError( 400, 'redirect_uri_mismatch', 'Bad Request' );
		}
		const verifier = form.get( 'code_verifier' );
		if ( ! verifier ) {
			return oauthError(
				400,
				'invalid_request',
				'Missing code verifier.'
			);
		}
		const expected = crypto
			.createHash( 'sha256' )
			.update( verifier )
			.digest( 'base64url' );
		if ( expected !== code.challenge ) {
			return oauthError( 400, 'invalid_grant', 'Invalid code verifier.' );
		}
		const existing = this.grants.find(
			( g ) => g.live && g.clientId === clientId && g.email === code.email
		);
		const grant =
			code.issueRefreshToken || ! existing
				? this.newGrant( code.email, clientId, code.scope )
				: existing;
		return {
			status: 200,
			body: {
				access_token: this.newAccessToken( grant ),
				expires_in: ACCESS_TOKEN_SECONDS,
				...( code.issueRefreshToken
					? { refresh_token: grant.refreshToken }
					: {} ),
				...this.grantLifetime(),
				scope: code.scope,
				token_type: 'Bearer',
				...( code.scope.split( ' ' ).includes( 'openid' )
					? { id_token: this.idToken( grant ) }
					: {} ),
			},
		};
	}

	/** Google's `refresh_token_expires_in`, for time-limited grants only. */
	private grantLifetime(): { refresh_token_expires_in?: number } {
		return this.grantLifetimeSeconds === null
			? {}
			: { refresh_token_expires_in: this.grantLifetimeSeconds };
	}

	private refresh( form: URLSearchParams, clientId: string ): Reply {
		const grant = this.refreshTokens.get(
			form.get( 'refresh_token' ) ?? ''
		);
		if ( ! grant || ! grant.live ) {
			return oauthError(
				400,
				'invalid_grant',
				'Token has been expired or revoked.'
			);
		}
		if ( grant.clientId !== clientId ) {
			return oauthError( 401, 'unauthorized_client', 'Unauthorized' );
		}
		let rotated: string | undefined;
		if ( this.rotateRefreshTokens ) {
			this.refreshTokens.delete( grant.refreshToken );
			grant.refreshToken = randomToken( '1//0g' );
			this.refreshTokens.set( grant.refreshToken, grant );
			rotated = grant.refreshToken;
		}
		return {
			status: 200,
			body: {
				access_token: this.newAccessToken( grant ),
				expires_in: ACCESS_TOKEN_SECONDS,
				...( rotated ? { refresh_token: rotated } : {} ),
				...this.grantLifetime(),
				scope: grant.scope,
				token_type: 'Bearer',
			},
		};
	}

	/**
	 * POST /revoke: either kind of token ends the whole grant (Google: revoking an access token
	 * also revokes its refresh token).
	 *
	 * @param req The request.
	 */
	private revokeEndpoint( req: Request ): Reply {
		const token =
			req.url.searchParams.get( 'token' ) ??
			formFields( req ).get( 'token' ) ??
			'';
		const grant =
			this.refreshTokens.get( token ) ??
			this.accessTokens.get( token )?.grant;
		if (
			! grant ||
			! grant.live ||
			this.accessTokens.get( token )?.revoked
		) {
			return oauthError(
				400,
				'invalid_token',
				'Token expired or revoked'
			);
		}
		this.revoke( grant );
		return { status: 200, body: {} };
	}

	private newGrant( email: string, clientId: string, scope: string ): Grant {
		const grant: Grant = {
			email: this.mailbox( email ).email,
			clientId,
			scope,
			refreshToken: randomToken( '1//0g' ),
			live: true,
		};
		this.grants.push( grant );
		this.refreshTokens.set( grant.refreshToken, grant );
		return grant;
	}

	private newAccessToken( grant: Grant ): string {
		const token = randomToken( 'ya29.a0', 48 );
		this.accessTokens.set( token, {
			grant,
			expiresAt: Date.now() + ACCESS_TOKEN_SECONDS * 1000,
			revoked: false,
		} );
		return token;
	}

	private revoke( grant: Grant ): void {
		grant.live = false;
		for ( const token of this.accessTokens.values() ) {
			if ( token.grant === grant ) {
				token.revoked = true;
			}
		}
	}

	/**
	 * An OpenID id_token signed (RS256) with the TLS key; nothing publishes its JWKS.
	 * @param grant The grant.
	 */
	private idToken( grant: Grant ): string {
		const now = Math.floor( Date.now() / 1000 );
		const part = ( value: unknown ): string =>
			Buffer.from( JSON.stringify( value ) ).toString( 'base64url' );
		const unsigned =
			part( { alg: 'RS256', kid: 'fake-google', typ: 'JWT' } ) +
			'.' +
			part( {
				iss: 'https://accounts.google.com',
				aud: grant.clientId,
				azp: grant.clientId,
				sub: crypto
					.createHash( 'sha256' )
					.update( grant.email )
					.digest( 'hex' )
					.slice( 0, 21 ),
				email: grant.email,
				email_verified: true,
				iat: now,
				exp: now + ACCESS_TOKEN_SECONDS,
			} );
		const signature = crypto.sign(
			'sha256',
			Buffer.from( unsigned ),
			this.signingKey
		);
		return unsigned + '.' + signature.toString( 'base64url' );
	}

	/* ---------------------------------- Gmail ---------------------------------- */

	/**
	 * Authenticates a Gmail call and routes it through GMAIL_ROUTES.
	 *
	 * @param req    The request.
	 * @param userId 'me' or the mailbox's address.
	 * @param rest   The path after /gmail/v1/users/{userId}/.
	 */
	private gmail( req: Request, userId: string, rest: string ): Reply {
		const grant = this.bearer( req );
		if (
			userId !== 'me' &&
			userId.toLowerCase() !== grant.email.toLowerCase()
		) {
			return apiError(
				403,
				`Delegation denied for ${ grant.email }`,
				'forbidden'
			);
		}
		for ( const route of GMAIL_ROUTES ) {
			const match =
				route.method === req.method ? route.path.exec( rest ) : null;
			if ( match ) {
				this.requireScope( grant, route.scopes );
				const call: GmailCall = {
					box: this.mailbox( grant.email ),
					grant,
					req,
					param: decodeURIComponent( match[ 1 ] ?? '' ),
				};
				return route.handle( this, call );
			}
		}
		return apiError( 404, 'Not Found', 'notFound' );
	}

	/* The Gmail handlers GMAIL_ROUTES calls (public to the module, not to tests). */

	gmailLabels( call: GmailCall ): Reply {
		return {
			status: 200,
			body: { labels: [ ...call.box.labels.values() ] },
		};
	}

	gmailCreateLabel( call: GmailCall ): Reply {
		return {
			status: 200,
			body: this.createLabel( call.box, jsonBody( call.req ) ),
		};
	}

	/**
	 * The grant behind the Bearer token; throws Google's 401 otherwise.
	 * @param req The request.
	 */
	private bearer( req: Request ): Grant {
		const match = /^Bearer\s+(\S+)$/i.exec(
			req.headers.authorization ?? ''
		);
		const token = match?.[ 1 ]
			? this.accessTokens.get( match[ 1 ] )
			: undefined;
		if ( token && ! token.revoked && token.expiresAt > Date.now() ) {
			return token.grant;
		}
		const see =
			' Expected OAuth 2 access token, login cookie or other valid authentication credential.' +
			' See https://developers.google.com/identity/sign-in/web/devconsole-project.';
		// errors[0].message is the short legacy text; the top-level message the long one.
		const reply = match
			? apiError(
					401,
					'Request had invalid authentication credentials.' + see,
					'authError',
					{
						message: 'Invalid Credentials',
						location: 'Authorization',
						locationType: 'header',
					}
				)
			: apiError(
					401,
					'Request is missing required authentication credential.' +
						see,
					'required',
					{
						message: 'Login Required.',
						location: 'Authorization',
						locationType: 'header',
					}
				);
		reply.headers = {
			'www-authenticate': match
				? 'Bearer realm="https://accounts.google.com/", error="invalid_token"'
				: 'Bearer realm="https://accounts.google.com/"',
		};
		throw new HttpError( reply );
	}

	private requireScope( grant: Grant, scopes: string[] ): void {
		const granted = grant.scope.split( ' ' );
		if ( ! scopes.some( ( s ) => granted.includes( s ) ) ) {
			const reply = apiError(
				403,
				'Request had insufficient authentication scopes.',
				'insufficientPermissions'
			);
			throw new HttpError( reply );
		}
	}

	profile( box: Mailbox ): Reply {
		const threads = new Set(
			[ ...box.messages.values() ].map( ( m ) => m.threadId )
		);
		return {
			status: 200,
			body: {
				emailAddress: box.email,
				messagesTotal: box.messages.size,
				threadsTotal: threads.size,
				historyId: String( box.historyId ),
			},
		};
	}

	/**
	 * messages.list: newest first, filtered by labelIds (all must match) and q; SPAM and TRASH
	 * only with includeSpamTrash or when asked for by label. The page token is a cursor on
	 * (internalDate, delivery order), so mail arriving between pages shifts nothing.
	 *
	 * @param box The mailbox.
	 * @param url The request URL.
	 */
	listMessages( box: Mailbox, url: URL ): Reply {
		const labelIds = url.searchParams.getAll( 'labelIds' );
		const search = compileQuery( url.searchParams.get( 'q' ) ?? '', box );
		const spamTrash =
			url.searchParams.get( 'includeSpamTrash' ) === 'true' ||
			search.mentionsSpamTrash ||
			labelIds.some( ( l ) => l === 'SPAM' || l === 'TRASH' );
		const matching = [ ...box.messages.values() ]
			.filter( ( m ) => labelIds.every( ( l ) => m.labels.has( l ) ) )
			.filter(
				( m ) =>
					spamTrash ||
					! ( m.labels.has( 'SPAM' ) || m.labels.has( 'TRASH' ) )
			)
			.filter( search.test )
			.sort(
				( a, b ) => b.internalDate - a.internalDate || b.seq - a.seq
			);
		const cursor = decodePageToken(
			url,
			( v ): v is [ number, number ] =>
				Array.isArray( v ) &&
				v.length === 2 &&
				v.every( Number.isInteger )
		);
		const rest = cursor
			? matching.filter(
					( m ) =>
						m.internalDate < cursor[ 0 ] ||
						( m.internalDate === cursor[ 0 ] &&
							m.seq < cursor[ 1 ] )
				)
			: matching;
		const page = rest.slice( 0, pageSize( url, 100, 500 ) );
		const last = page[ page.length - 1 ];
		return {
			status: 200,
			body: {
				...( page.length
					? {
							messages: page.map( ( m ) => ( {
								id: m.id,
								threadId: m.threadId,
							} ) ),
						}
					: {} ),
				...( last && rest.length > page.length
					? {
							nextPageToken: encodePageToken( [
								last.internalDate,
								last.seq,
							] ),
						}
					: {} ),
				resultSizeEstimate: matching.length,
			},
		};
	}

	private findMessage( box: Mailbox, id: string ): StoredMessage {
		// Gmail tells a malformed id (400) from an unknown one (404).
		if ( ! /^[0-9a-f]+$/i.test( id ) ) {
			throw new HttpError( INVALID( 'Invalid id value' ) );
		}
		const message = box.messages.get( id.toLowerCase() );
		if ( ! message ) {
			throw new HttpError( NOT_FOUND() );
		}
		return message;
	}

	/**
	 * messages.get in the formats Gmail documents: minimal, metadata (headers filtered by
	 * metadataHeaders), full (simplified: headers without parsed parts) and raw.
	 *
	 * @param box   The mailbox.
	 * @param id    Message id.
	 * @param url   The request URL.
	 * @param grant The caller's grant (gmail.metadata cannot read bodies).
	 */
	getMessage( box: Mailbox, id: string, url: URL, grant: Grant ): Reply {
		const format = url.searchParams.get( 'format' ) ?? 'full';
		if ( ! [ 'minimal', 'metadata', 'full', 'raw' ].includes( format ) ) {
			return INVALID( `Invalid value at 'format' (${ format })` );
		}
		const metadataOnly = ! grant.scope
			.split( ' ' )
			.some(
				( s ) =>
					READ_SCOPES.includes( s ) &&
					! s.endsWith( 'gmail.metadata' )
			);
		if ( metadataOnly && ( format === 'raw' || format === 'full' ) ) {
			return apiError(
				403,
				`Metadata scope doesn't allow format ${ format.toUpperCase() }`,
				'forbidden'
			);
		}
		const message = this.findMessage( box, id );
		const body: Record< string, unknown > = {
			id: message.id,
			threadId: message.threadId,
			labelIds: [ ...message.labels ],
			snippet: message.snippet,
			sizeEstimate: message.raw.length,
			historyId: String( message.historyId ),
			internalDate: String( message.internalDate ),
		};
		if ( format === 'raw' ) {
			body[ 'raw' ] = base64urlPadded( message.raw );
		} else if ( format !== 'minimal' ) {
			const wanted = url.searchParams
				.getAll( 'metadataHeaders' )
				.map( ( h ) => h.toLowerCase() );
			const headers =
				format === 'metadata' && wanted.length
					? message.headers.filter( ( h ) =>
							wanted.includes( h.name.toLowerCase() )
						)
					: message.headers;
			body[ 'payload' ] = {
				partId: '',
				mimeType:
					headerValue( message.headers, 'content-type' )
						.split( ';' )[ 0 ]
						?.trim() || 'text/plain',
				filename: '',
				headers,
				body: { size: 0 },
			};
		}
		return { status: 200, body };
	}

	modify( box: Mailbox, id: string, body: Record< string, unknown > ): Reply {
		const message = this.findMessage( box, id );
		this.applyLabels( box, [ message ], body );
		return {
			status: 200,
			body: {
				id: message.id,
				threadId: message.threadId,
				labelIds: [ ...message.labels ],
			},
		};
	}

	/**
	 * messages.batchModify: up to 1000 ids; ids that do not exist are skipped. 204, no body.
	 * @param box  The mailbox.
	 * @param body The parsed JSON body.
	 */
	batchModify( box: Mailbox, body: Record< string, unknown > ): Reply {
		const ids = stringList( body, 'ids' );
		if ( ids.length === 0 ) {
			return INVALID( 'No message ids specified' );
		}
		if ( ids.length > 1000 ) {
			return INVALID( 'Too many ids: at most 1000 per request' );
		}
		const messages = ids
			.map( ( id ) => box.messages.get( id.toLowerCase() ) )
			.filter( ( m ): m is StoredMessage => m !== undefined );
		this.applyLabels( box, messages, body );
		return { status: 204 };
	}

	/**
	 * Adds and removes labels (validated first: all or nothing), recording one history record
	 * per message actually changed.
	 *
	 * @param box      The mailbox.
	 * @param messages Messages to change.
	 * @param body     { addLabelIds, removeLabelIds }.
	 */
	private applyLabels(
		box: Mailbox,
		messages: StoredMessage[],
		body: Record< string, unknown >
	): void {
		const add = stringList( body, 'addLabelIds' );
		const remove = stringList( body, 'removeLabelIds' );
		for ( const label of [ ...add, ...remove ] ) {
			if ( ! box.labels.has( label ) ) {
				throw new HttpError( INVALID( `Invalid label: ${ label }` ) );
			}
		}
		for ( const message of messages ) {
			const added = add.filter(
				( l ) => ! message.labels.has( l ) && ! remove.includes( l )
			);
			const removed = remove.filter( ( l ) => message.labels.has( l ) );
			added.forEach( ( l ) => message.labels.add( l ) );
			removed.forEach( ( l ) => message.labels.delete( l ) );
			if ( added.length || removed.length ) {
				this.record( box, message, {
					labelsAdded: added,
					labelsRemoved: removed,
				} );
			}
		}
	}

	/**
	 * history.list: records after startHistoryId, oldest first, filtered by labelId and
	 * historyTypes; 404 when startHistoryId is older than what the mailbox still keeps.
	 *
	 * @param box The mailbox.
	 * @param url The request URL.
	 */
	listHistory( box: Mailbox, url: URL ): Reply {
		const startText = url.searchParams.get( 'startHistoryId' ) ?? '';
		if ( ! /^\d+$/.test( startText ) ) {
			return INVALID( 'Invalid startHistoryId' );
		}
		const start = Number( startText );
		if ( start < box.oldestHistoryId ) {
			return NOT_FOUND();
		}
		const labelId = url.searchParams.get( 'labelId' );
		const types = new Set( url.searchParams.getAll( 'historyTypes' ) );
		const cursor = decodePageToken( url, ( v ): v is number =>
			Number.isInteger( v )
		);
		const entries = box.history
			.filter( ( r ) => r.id > Math.max( start, cursor ?? 0 ) )
			.filter(
				( r ) =>
					! labelId ||
					r.message.labelIds.includes( labelId ) ||
					r.labelsAdded.includes( labelId ) ||
					r.labelsRemoved.includes( labelId )
			)
			.map( ( r ) => ( { id: r.id, json: renderHistory( r, types ) } ) )
			.filter( ( e ) => e.json !== undefined );
		const page = entries.slice( 0, pageSize( url, 100, 500 ) );
		const last = page[ page.length - 1 ];
		return {
			status: 200,
			body: {
				...( page.length
					? { history: page.map( ( e ) => e.json ) }
					: {} ),
				...( last && entries.length > page.length
					? { nextPageToken: encodePageToken( last.id ) }
					: {} ),
				historyId: String( box.historyId ),
			},
		};
	}

	getLabel( box: Mailbox, id: string ): Reply {
		const label = box.labels.get( id );
		if ( ! label ) {
			return NOT_FOUND();
		}
		const withLabel = [ ...box.messages.values() ].filter( ( m ) =>
			m.labels.has( id )
		);
		const unread = withLabel.filter( ( m ) => m.labels.has( 'UNREAD' ) );
		const threads = ( list: StoredMessage[] ): number =>
			new Set( list.map( ( m ) => m.threadId ) ).size;
		return {
			status: 200,
			body: {
				...label,
				messagesTotal: withLabel.length,
				messagesUnread: unread.length,
				threadsTotal: threads( withLabel ),
				threadsUnread: threads( unread ),
			},
		};
	}

	/**
	 * labels.create: names are unique case-insensitively, system names included (409).
	 * @param box  The mailbox.
	 * @param body The parsed JSON body.
	 */
	private createLabel(
		box: Mailbox,
		body: Record< string, unknown >
	): Label {
		const name =
			typeof body[ 'name' ] === 'string' ? body[ 'name' ].trim() : '';
		if ( ! name ) {
			throw new HttpError( INVALID( 'Invalid label name' ) );
		}
		const taken = [ ...box.labels.values() ].some(
			( l ) => l.name.toLowerCase() === name.toLowerCase()
		);
		if ( taken ) {
			const conflict = apiError(
				409,
				'Label name exists or conflicts',
				'duplicate'
			);
			throw new HttpError( conflict );
		}
		const visibility = ( field: string, dflt: string ): string =>
			typeof body[ field ] === 'string'
				? ( body[ field ] as string )
				: dflt;
		const label: Label = {
			id: `Label_${ box.nextLabel++ }`,
			name,
			type: 'user',
			messageListVisibility: visibility(
				'messageListVisibility',
				'show'
			),
			labelListVisibility: visibility(
				'labelListVisibility',
				'labelShow'
			),
		};
		box.labels.set( label.id, label );
		return label;
	}

	/* ---------------------------------- state helpers ---------------------------------- */

	private mailbox( email: string ): Mailbox {
		const box = this.mailboxes.get( email.toLowerCase() );
		if ( ! box ) {
			throw new Error(
				`No fake Gmail account ${ email }: call addAccount() first`
			);
		}
		return box;
	}

	/**
	 * A hex id like Gmail's, derived from the time (Gmail's are time-ordered too).
	 * @param box          The mailbox.
	 * @param internalDate Milliseconds since the epoch.
	 */
	private newMessageId( box: Mailbox, internalDate: number ): string {
		let id: string;
		do {
			this.messageCounter++;
			id = (
				BigInt( internalDate ) * 4096n +
				BigInt( this.messageCounter % 4096 )
			).toString( 16 );
		} while ( box.messages.has( id ) );
		return id;
	}

	/**
	 * The thread of the first message this one replies to (In-Reply-To, References).
	 * @param box     The mailbox.
	 * @param headers The new message's headers.
	 */
	private threadFor( box: Mailbox, headers: Header[] ): string | undefined {
		const refs = [
			...messageIds( headerValue( headers, 'in-reply-to' ) ),
			...messageIds( headerValue( headers, 'references' ) ).reverse(),
		];
		for ( const ref of refs ) {
			for ( const m of box.messages.values() ) {
				if ( headerValue( m.headers, 'message-id' ) === ref ) {
					return m.threadId;
				}
			}
		}
		return undefined;
	}

	/**
	 * Appends a history record and bumps the mailbox's historyId. Real ids grow with gaps
	 * ("not contiguous with random gaps"); deterministic gaps here catch code that does id + 1.
	 *
	 * @param box                  The mailbox.
	 * @param message              The message changed.
	 * @param change               What happened to it.
	 * @param change.messageAdded
	 * @param change.labelsAdded
	 * @param change.labelsRemoved
	 */
	private record(
		box: Mailbox,
		message: StoredMessage,
		change: {
			messageAdded?: boolean;
			labelsAdded?: string[];
			labelsRemoved?: string[];
		}
	): void {
		box.historyId += 1 + ( box.history.length % 4 );
		message.historyId = box.historyId;
		box.history.push( {
			id: box.historyId,
			// A snapshot: history shows the labels as they were right after the change.
			message: {
				id: message.id,
				threadId: message.threadId,
				labelIds: [ ...message.labels ],
			},
			messageAdded: change.messageAdded ?? false,
			labelsAdded: change.labelsAdded ?? [],
			labelsRemoved: change.labelsRemoved ?? [],
		} );
	}
}

/**
 * One history record in Gmail's JSON, keeping only the requested historyTypes (all when
 * none); undefined when nothing requested is left.
 *
 * @param r     The record.
 * @param types Requested historyTypes (messageAdded, messageDeleted, labelAdded, labelRemoved).
 */
function renderHistory( r: HistoryRecord, types: Set< string > ): unknown {
	const want = ( type: string ): boolean =>
		types.size === 0 || types.has( type );
	const json: Record< string, unknown > = {};
	if ( r.messageAdded && want( 'messageAdded' ) ) {
		json[ 'messagesAdded' ] = [ { message: r.message } ];
	}
	if ( r.labelsAdded.length && want( 'labelAdded' ) ) {
		json[ 'labelsAdded' ] = [
			{ message: r.message, labelIds: r.labelsAdded },
		];
	}
	if ( r.labelsRemoved.length && want( 'labelRemoved' ) ) {
		json[ 'labelsRemoved' ] = [
			{ message: r.message, labelIds: r.labelsRemoved },
		];
	}
	if ( Object.keys( json ).length === 0 ) {
		return undefined;
	}
	return {
		id: String( r.id ),
		messages: [ { id: r.message.id, threadId: r.message.threadId } ],
		...json,
	};
}

/* ------------------------------------------------------------------------------------------ */
/* Search (q)                                                                                  */
/* ------------------------------------------------------------------------------------------ */

interface CompiledQuery {
	test: ( m: StoredMessage ) => boolean;
	/** in:spam, in:trash or in:anywhere lift the default exclusion of SPAM and TRASH. */
	mentionsSpamTrash: boolean;
}

/**
 * Gmail matches label names with spaces and slashes written as dashes.
 * @param name Label name.
 */
function labelKey( name: string ): string {
	return name.toLowerCase().replace( /[\s/]+/g, '-' );
}

/**
 * A time operand of after:/before: epoch seconds, or a date (yyyy/mm/dd, taken as UTC).
 *
 * @param value The operand.
 */
function timeOf( value: string ): number {
	if ( /^\d+$/.test( value ) ) {
		return Number( value ) * 1000;
	}
	const time = Date.parse( value.replace( /\//g, '-' ) + 'T00:00:00Z' );
	if ( Number.isNaN( time ) ) {
		throw new HttpError( INVALID( `Invalid query: ${ value }` ) );
	}
	return time;
}

/**
 * A relative age of newer_than:/older_than: 2d, 3m, 1y (months as 30 days).
 *
 * @param value The operand.
 */
function ageOf( value: string ): number {
	const match = /^(\d+)([dmy])$/i.exec( value );
	if ( ! match?.[ 1 ] || ! match[ 2 ] ) {
		throw new HttpError( INVALID( `Invalid query: ${ value }` ) );
	}
	const days = { d: 1, m: 30, y: 365 }[
		match[ 2 ].toLowerCase() as 'd' | 'm' | 'y'
	];
	return Number( match[ 1 ] ) * days * 86400 * 1000;
}

/**
 * Compiles the subset of Gmail's search operators the fake understands: after:, before:,
 * newer_than:, older_than:, is:(unread|read|starred|important), in:, label:, from:, to:, cc:,
 * subject:, rfc822msgid:, has:attachment, a leading '-' to negate, and bare words (searched in
 * the raw message). Terms are ANDed; OR and grouping are not supported.
 *
 * @param q   The query.
 * @param box The mailbox (for label names).
 */
function compileQuery( q: string, box: Mailbox ): CompiledQuery {
	const tests: Array< ( m: StoredMessage ) => boolean > = [];
	let mentionsSpamTrash = false;
	for ( const match of q.matchAll( /(-?)(?:(\w+):)?("[^"]*"|\S+)/g ) ) {
		const negate = match[ 1 ] === '-';
		const op = ( match[ 2 ] ?? '' ).toLowerCase();
		const value = ( match[ 3 ] ?? '' ).replace( /^"|"$/g, '' );
		const lower = value.toLowerCase();
		if (
			op === 'in' &&
			[ 'spam', 'trash', 'anywhere' ].includes( lower )
		) {
			mentionsSpamTrash = true;
		}
		const test = termTest( op, value, lower, box );
		tests.push( negate ? ( m ) => ! test( m ) : test );
	}
	return { test: ( m ) => tests.every( ( t ) => t( m ) ), mentionsSpamTrash };
}

function termTest(
	op: string,
	value: string,
	lower: string,
	box: Mailbox
): ( m: StoredMessage ) => boolean {
	const header =
		( name: string ) =>
		( m: StoredMessage ): boolean =>
			headerValue( m.headers, name ).toLowerCase().includes( lower );
	const hasLabel = ( id: string ) => ( m: StoredMessage ) =>
		m.labels.has( id );
	switch ( op ) {
		case 'after':
			return ( m ) => m.internalDate > timeOf( value );
		case 'before':
			return ( m ) => m.internalDate < timeOf( value );
		case 'newer_than':
			return ( m ) => m.internalDate > Date.now() - ageOf( value );
		case 'older_than':
			return ( m ) => m.internalDate < Date.now() - ageOf( value );
		case 'is':
			if ( lower === 'read' ) {
				return ( m ) => ! m.labels.has( 'UNREAD' );
			}
			return hasLabel( lower.toUpperCase() );
		case 'in':
			return lower === 'anywhere'
				? () => true
				: hasLabel( lower.toUpperCase() );
		case 'label': {
			const label = [ ...box.labels.values() ].find(
				( l ) =>
					l.id === value || labelKey( l.name ) === labelKey( value )
			);
			return label ? hasLabel( label.id ) : () => false;
		}
		case 'from':
		case 'to':
		case 'cc':
		case 'subject':
			return header( op );
		case 'rfc822msgid':
			return ( m ) =>
				headerValue( m.headers, 'message-id' ).replace(
					/^<|>$/g,
					''
				) === value.replace( /^<|>$/g, '' );
		case 'has':
			return ( m ) =>
				lower === 'attachment' &&
				/content-disposition:\s*attachment/i.test(
					m.raw.toString( 'latin1' )
				);
		default: {
			// A bare word (or an operator the fake does not know): full-text search.
			const word = ( op ? op + ':' : '' ) + lower;
			return ( m ) =>
				m.raw.toString( 'latin1' ).toLowerCase().includes( word );
		}
	}
}
