/**
 * A local HTTPS fake of the Microsoft identity platform (v2.0 endpoints) and of Microsoft Graph
 * v1.0 mail, written from Microsoft's public documentation, so that the real `@azure/msal-node`
 * and `@microsoft/microsoft-graph-client` can be pointed at it unmodified:
 *
 *   new ConfidentialClientApplication( { auth: { clientId, clientSecret,
 *       authority: fake.url + '/common', knownAuthorities: [ fake.host ] } } );
 *   Client.init( { baseUrl: fake.url + '/', customHosts: new Set( [ '127.0.0.1' ] ), authProvider } );
 *
 * Processes that talk to it must trust `fake.caFile` through NODE_EXTRA_CA_CERTS.
 *
 * Identity: openid-configuration, JWKS, authorize (code + PKCE S256, consent can be denied),
 * token (authorization_code, refresh_token with rotation), logout.
 * Graph: /me and /users/{id|address} with user, mailFolders (get, list with $filter on
 * displayName, create, childFolders), messages (get, $value, PATCH, move, DELETE, list) and
 * per-folder message delta with paging, delta links, @removed entries and expirable sync state.
 *
 * Simplifications (on purpose, documented where they live): one server for both hosts; no
 * message bodies in JSON (read `$value`); no ImmutableId; DELETE moves to Deleted Items (hard
 * delete when already there); tenant segments are not matched against account types; delta
 * skip/delta tokens live in memory (unknown ones answer like expired ones: resync).
 */
import {
	createHash,
	generateKeyPairSync,
	randomUUID,
	type KeyObject,
} from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import {
	b64url,
	exchangeId,
	graphChallenge,
	graphError,
	graphTime,
	mimeHeaders,
	MSA_TENANT,
	oauthError,
	opaque,
	readBody,
	recipients,
	signJwt,
	decodeWords,
	type Recipient,
} from './ms-util.ts';
import { fakeTls } from './tls.ts';

export interface MicrosoftFake {
	/** `https://127.0.0.1:<port>`: identity (`/{tenant}/…`) and Graph (`/v1.0/…`) on one server. */
	readonly url: string;
	/** `127.0.0.1:<port>`, for MSAL's knownAuthorities. */
	readonly host: string;
	/** The CA to trust (NODE_EXTRA_CA_CERTS=caFile). */
	readonly caFile: string;
	/**
	 * Registers an app. `redirectUris`, when given, are the only ones authorize accepts
	 * (otherwise any absolute http(s) URI is).
	 */
	addClient: (
		clientId: string,
		clientSecret: string,
		redirectUris?: string[]
	) => void;
	/** A mailbox with the well-known folders (inbox, archive, deleteditems, junkemail, sentitems, drafts, outbox). */
	addAccount: (
		email: string,
		opts?: { personal?: boolean; displayName?: string }
	) => void;
	/** Creates a folder (under the root, or under `parent`: id, well-known name or display name); returns its id. */
	addFolder: (
		email: string,
		displayName: string,
		parent?: string
	) => string;
	/**
	 * Stores a MIME message in a folder (default inbox; id, well-known name or display name),
	 * unread, received now; returns its Graph id.
	 */
	deliver: ( email: string, raw: string | Buffer, folder?: string ) => string;
	/** A message's state by id, to assert acknowledgements; undefined once deleted or moved (moves change ids). */
	message: ( email: string, id: string ) => FakeMessageState | undefined;
	/** Every message of the mailbox, or of one folder (id, well-known name or display name). */
	messages: ( email: string, folder?: string ) => FakeMessageState[];
	/** A refresh token as if the user had consented to `clientId`. */
	grantFor: ( email: string, clientId: string ) => { refreshToken: string };
	/**
	 * Delta/skip tokens issued so far for the mailbox stop working: by default 410 Gone with code
	 * `SyncStateNotFound` and a Location header to restart from; `variant` picks the other
	 * documented spellings (e.g. `{ status: 400, code: 'syncStateNotFound' }`, `{ code: 'resyncRequired' }`).
	 */
	expireDeltaTokens: (
		email: string,
		variant?: { status?: number; code?: string }
	) => void;
	/** Access tokens issued so far answer 401 InvalidAuthenticationToken. */
	expireAccessTokens: () => void;
	/** The mailbox's grants die: their refresh tokens answer invalid_grant, AADSTS700082. */
	revokeGrant: ( email: string ) => void;
	/** Every refresh returns a new refresh_token (default true, like Microsoft). */
	rotateRefreshTokens: boolean;
	/** Rotated-out refresh tokens die (invalid_grant, AADSTS50173); default false, like Microsoft. */
	strictRotation: boolean;
	/** The authorize endpoint redirects with error=access_denied (the user declined consent). */
	denyConsent: boolean;
	/** Authorize requires code_challenge with S256 (default true). */
	requirePkce: boolean;
	/** Graph answers 403 when the token lacks the scope the call needs (default true). */
	enforceScopes: boolean;
	/** Lifetime announced in expires_in and enforced on access tokens, in seconds (default 3599). */
	accessTokenLifetime: number;
	/**
	 * The next `times` (default 1) requests matching method and path (regexp against the path
	 * without query) get `reply` instead: Graph's or the identity platform's error format unless
	 * `body` is given, with a Retry-After header when `retryAfter` (seconds) is set.
	 */
	failNext: (
		match: { method?: string; path: RegExp },
		reply: { status: number; retryAfter?: number; body?: unknown },
		times?: number
	) => void;
	/** Delay before every Graph response, in ms (from the start option; may be changed at any time). */
	responseDelayMs: number;
	/** Highest number of simultaneous Graph requests seen per mailbox (lower-cased address). */
	readonly maxConcurrent: Record< string, number >;
	/** Every request, appended when its response ends; `at` is when it arrived (ms epoch). */
	readonly requests: Array< FakeRequestRecord >;
	close: () => Promise< void >;
}

export interface FakeMessageState {
	id: string;
	isRead: boolean;
	/** Well-known name for well-known folders (`inbox`, `archive`…), display name otherwise. */
	folder: string;
	folderId: string;
	subject: string;
	internetMessageId: string;
}

export interface FakeRequestRecord {
	method: string;
	path: string;
	query: Record< string, string >;
	status: number;
	at: number;
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

interface Folder {
	id: string;
	displayName: string;
	wellKnownName: string | undefined;
	parentFolderId: string;
}

interface StoredMessage {
	id: string;
	folderId: string;
	raw: Buffer;
	subject: string;
	from: Recipient | undefined;
	to: Recipient[];
	cc: Recipient[];
	internetMessageId: string;
	conversationId: string;
	receivedDateTime: string;
	sentDateTime: string;
	hasAttachments: boolean;
	isRead: boolean;
	categories: string[];
	/** Change sequence numbers (per mailbox), which delta rounds compare with. */
	createdSeq: number;
	changedSeq: number;
	lastModified: Date;
	changeKey: string;
}

/** A message that left a folder (deleted or moved out), for delta's @removed entries. */
interface Tombstone {
	id: string;
	folderId: string;
	seq: number;
}

interface Mailbox {
	email: string;
	/** Graph user id: the oid for work accounts, 16 hex digits for personal ones. */
	id: string;
	oid: string;
	tid: string;
	personal: boolean;
	displayName: string;
	rootId: string;
	folders: Map< string, Folder >;
	messages: Map< string, StoredMessage >;
	tombstones: Tombstone[];
	seq: number;
	inFlight: number;
}

interface Grant {
	email: string;
	clientId: string;
	revoked: boolean;
}

interface RefreshRecord {
	grant: Grant;
	/** Rotated out under strictRotation. */
	dead: boolean;
}

interface AccessRecord {
	email: string;
	scopes: string[];
	expiresAt: number;
	expired: boolean;
}

interface AuthCode {
	clientId: string;
	redirectUri: string;
	challenge: string | undefined;
	nonce: string | undefined;
	email: string;
	expiresAt: number;
	used: boolean;
}

/** One entry of a delta round: the id, and whether it was listed as removed. */
interface DeltaItem {
	id: string;
	removed: boolean;
}

/** Server-side state behind a $skiptoken (a page of a round) or a $deltatoken (the next round). */
interface DeltaToken {
	email: string;
	folderId: string;
	select: string[] | undefined;
	changeType: string | undefined;
	/** skip: the round's items and where the next page starts. */
	round: { items: DeltaItem[]; upto: number; offset: number } | undefined;
	/** delta: changes after this sequence number. */
	since: number;
	/**
	 * From the initial request's `$filter=receivedDateTime ge|gt <time>` (the one filter message
	 * delta supports): only messages received from then on, in this round and later ones.
	 */
	received: { after: number; inclusive: boolean } | undefined;
	expired: { status: number; code: string } | undefined;
}

interface Fault {
	method: string | undefined;
	path: RegExp;
	reply: { status: number; retryAfter?: number; body?: unknown };
	remaining: number;
}

/** Per-request context of a Graph call. */
interface GraphCtx {
	req: IncomingMessage;
	res: ServerResponse;
	url: URL;
	method: string;
	requestId: string;
	clientRequestId: string;
	/** `me` or `users/<segment>`, to build next/delta links the way the caller addressed the mailbox. */
	prefix: string;
	access: AccessRecord | undefined;
}

const WELL_KNOWN: Array< [ string, string ] > = [
	[ 'inbox', 'Inbox' ],
	[ 'archive', 'Archive' ],
	[ 'deleteditems', 'Deleted Items' ],
	[ 'junkemail', 'Junk Email' ],
	[ 'sentitems', 'Sent Items' ],
	[ 'drafts', 'Drafts' ],
	[ 'outbox', 'Outbox' ],
];

const GRAPH_PREFIX = 'https://graph.microsoft.com/';
const OIDC_SCOPES = new Set( [
	'openid',
	'profile',
	'email',
	'offline_access',
] );
const READ_MAIL = [ 'Mail.Read', 'Mail.ReadWrite', 'Mail.ReadBasic' ];
const WRITE_MAIL = [ 'Mail.ReadWrite' ];
const READ_USER = [ 'User.Read', 'User.ReadBasic.All', 'User.Read.All' ];
const JSON_GRAPH =
	'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** Raised by Graph handlers to answer with Graph's error format. */
class GraphFailure extends Error {
	status: number;
	code: string;
	constructor( status: number, code: string, message: string ) {
		super( message );
		this.status = status;
		this.code = code;
	}
}

const notFound = (): GraphFailure =>
	new GraphFailure(
		404,
		'ErrorItemNotFound',
		'The specified object was not found in the store.'
	);

// ---------------------------------------------------------------------------------------------
// The fake
// ---------------------------------------------------------------------------------------------

class Fake implements MicrosoftFake {
	url = '';
	host = '';
	caFile = '';
	rotateRefreshTokens = true;
	strictRotation = false;
	denyConsent = false;
	requirePkce = true;
	enforceScopes = true;
	accessTokenLifetime = 3599;
	readonly maxConcurrent: Record< string, number > = {};
	readonly requests: FakeRequestRecord[] = [];

	server: https.Server | undefined;
	responseDelayMs = 0;
	/** One organisation tenant for every work account of this fake. */
	readonly orgTenant = randomUUID();
	readonly signingKey: KeyObject;
	readonly publicKey: KeyObject;
	readonly kid = b64url( randomUUID() );

	readonly clients = new Map<
		string,
		{ secret: string; redirectUris: string[] | undefined }
	>();
	readonly mailboxes = new Map< string, Mailbox >();
	readonly codes = new Map< string, AuthCode >();
	readonly refreshTokens = new Map< string, RefreshRecord >();
	readonly accessTokens = new Map< string, AccessRecord >();
	readonly deltaTokens = new Map< string, DeltaToken >();
	readonly faults: Fault[] = [];

	constructor() {
		const pair = generateKeyPairSync( 'rsa', { modulusLength: 2048 } );
		this.signingKey = pair.privateKey;
		this.publicKey = pair.publicKey;
	}

	// --- test-facing API ------------------------------------------------------------------------

	addClient(
		clientId: string,
		clientSecret: string,
		redirectUris?: string[]
	): void {
		this.clients.set( clientId, { secret: clientSecret, redirectUris } );
	}

	addAccount(
		email: string,
		opts: { personal?: boolean; displayName?: string } = {}
	): void {
		const personal = opts.personal ?? false;
		// MSA object ids are the 16-hex-digit user id padded into a GUID; Graph's /me id is the short form.
		const hex = randomUUID().replace( /-/g, '' ).slice( 0, 16 );
		const oid = personal
			? `00000000-0000-0000-${ hex.slice( 0, 4 ) }-${ hex.slice( 4 ) }`
			: randomUUID();
		const rootId = exchangeId( personal );
		const mailbox: Mailbox = {
			email,
			id: personal ? hex : oid,
			oid,
			tid: personal ? MSA_TENANT : this.orgTenant,
			personal,
			displayName: opts.displayName ?? email.split( '@' )[ 0 ] ?? email,
			rootId,
			folders: new Map(),
			messages: new Map(),
			tombstones: [],
			seq: 0,
			inFlight: 0,
		};
		for ( const [ wellKnownName, displayName ] of WELL_KNOWN ) {
			const id = exchangeId( personal );
			mailbox.folders.set( id, {
				id,
				displayName,
				wellKnownName,
				parentFolderId: rootId,
			} );
		}
		this.mailboxes.set( email.toLowerCase(), mailbox );
	}

	addFolder( email: string, displayName: string, parent?: string ): string {
		const mailbox = this.mailboxOf( email );
		const parentId =
			parent === undefined
				? mailbox.rootId
				: this.folderOf( mailbox, parent ).id;
		return this.createFolder( mailbox, parentId, displayName ).id;
	}

	deliver( email: string, raw: string | Buffer, folder = 'inbox' ): string {
		const mailbox = this.mailboxOf( email );
		const target = this.folderOf( mailbox, folder );
		const bytes = Buffer.isBuffer( raw )
			? Buffer.from( raw )
			: Buffer.from( raw, 'utf8' );
		const headers = mimeHeaders( bytes );
		const now = new Date();
		const sent = new Date( headers.get( 'date' ) ?? '' );
		const from = recipients( headers.get( 'from' ) )[ 0 ];
		const seq = ++mailbox.seq;
		const message: StoredMessage = {
			id: exchangeId( mailbox.personal ),
			folderId: target.id,
			raw: bytes,
			subject: decodeWords( headers.get( 'subject' ) ?? '' ),
			from,
			to: recipients( headers.get( 'to' ) ),
			cc: recipients( headers.get( 'cc' ) ),
			internetMessageId:
				headers.get( 'message-id' ) ??
				`<${ randomUUID() }@fake.outlook.test>`,
			conversationId: exchangeId( mailbox.personal ),
			receivedDateTime: graphTime( now ),
			sentDateTime: graphTime(
				Number.isNaN( sent.getTime() ) ? now : sent
			),
			hasAttachments: /^multipart\/mixed/i.test(
				headers.get( 'content-type' ) ?? ''
			),
			isRead: false,
			categories: [],
			createdSeq: seq,
			changedSeq: seq,
			lastModified: now,
			changeKey: b64url( randomUUID() ),
		};
		mailbox.messages.set( message.id, message );
		return message.id;
	}

	message( email: string, id: string ): FakeMessageState | undefined {
		const mailbox = this.mailboxOf( email );
		const found = mailbox.messages.get( id );
		return found ? this.stateOf( mailbox, found ) : undefined;
	}

	messages( email: string, folder?: string ): FakeMessageState[] {
		const mailbox = this.mailboxOf( email );
		const folderId =
			folder === undefined
				? undefined
				: this.folderOf( mailbox, folder ).id;
		return [ ...mailbox.messages.values() ]
			.filter(
				( m ) => folderId === undefined || m.folderId === folderId
			)
			.map( ( m ) => this.stateOf( mailbox, m ) );
	}

	grantFor( email: string, clientId: string ): { refreshToken: string } {
		const mailbox = this.mailboxOf( email );
		const refreshToken = opaque( 'M.rt' );
		this.refreshTokens.set( refreshToken, {
			grant: { email: mailbox.email, clientId, revoked: false },
			dead: false,
		} );
		return { refreshToken };
	}

	expireDeltaTokens(
		email: string,
		variant: { status?: number; code?: string } = {}
	): void {
		const mailbox = this.mailboxOf( email );
		for ( const token of this.deltaTokens.values() ) {
			if ( token.email === mailbox.email ) {
				token.expired = {
					status: variant.status ?? 410,
					code: variant.code ?? 'SyncStateNotFound',
				};
			}
		}
	}

	expireAccessTokens(): void {
		for ( const record of this.accessTokens.values() ) {
			record.expired = true;
		}
	}

	revokeGrant( email: string ): void {
		const mailbox = this.mailboxOf( email );
		for ( const record of this.refreshTokens.values() ) {
			if ( record.grant.email === mailbox.email ) {
				record.grant.revoked = true;
			}
		}
	}

	failNext(
		match: { method?: string; path: RegExp },
		reply: { status: number; retryAfter?: number; body?: unknown },
		times = 1
	): void {
		this.faults.push( {
			method: match.method?.toUpperCase(),
			path: match.path,
			reply,
			remaining: times,
		} );
	}

	async close(): Promise< void > {
		const server = this.server;
		if ( ! server ) {
			return;
		}
		await new Promise< void >( ( resolve ) => {
			server.close( () => resolve() );
			server.closeAllConnections();
		} );
	}

	// --- lookups --------------------------------------------------------------------------------

	mailboxOf( email: string ): Mailbox {
		const mailbox = this.mailboxes.get( email.toLowerCase() );
		if ( ! mailbox ) {
			throw new Error(
				`Microsoft fake: no account ${ email } (addAccount first)`
			);
		}
		return mailbox;
	}

	/**
	 * A mailbox by Graph user id, object id or address, as `/users/{id}` accepts.
	 * @param key Id, well-known name (or address, for mailboxes).
	 */
	mailboxByKey( key: string ): Mailbox | undefined {
		const lower = key.toLowerCase();
		return (
			this.mailboxes.get( lower ) ??
			[ ...this.mailboxes.values() ].find(
				( m ) => m.id === lower || m.oid === lower
			)
		);
	}

	/**
	 * A folder by id or well-known name (case-insensitive, as Graph), or — for test helpers — display name.
	 * @param mailbox       The mailbox.
	 * @param key           Id, well-known name (or address, for mailboxes).
	 * @param byDisplayName Also match display names (test helpers only).
	 */
	findFolder(
		mailbox: Mailbox,
		key: string,
		byDisplayName = false
	): Folder | undefined {
		const lower = key.toLowerCase();
		if ( lower === 'msgfolderroot' || key === mailbox.rootId ) {
			return {
				id: mailbox.rootId,
				displayName: 'Top of Information Store',
				wellKnownName: 'msgfolderroot',
				parentFolderId: '',
			};
		}
		const folders = [ ...mailbox.folders.values() ];
		return (
			mailbox.folders.get( key ) ??
			folders.find( ( f ) => f.wellKnownName === lower ) ??
			( byDisplayName
				? folders.find( ( f ) => f.displayName.toLowerCase() === lower )
				: undefined )
		);
	}

	folderOf( mailbox: Mailbox, key: string ): Folder {
		const folder = this.findFolder( mailbox, key, true );
		if ( ! folder ) {
			throw new Error(
				`Microsoft fake: no folder ${ key } in ${ mailbox.email }`
			);
		}
		return folder;
	}

	stateOf( mailbox: Mailbox, message: StoredMessage ): FakeMessageState {
		const folder = mailbox.folders.get( message.folderId );
		return {
			id: message.id,
			isRead: message.isRead,
			folder:
				folder?.wellKnownName ??
				folder?.displayName ??
				message.folderId,
			folderId: message.folderId,
			subject: message.subject,
			internetMessageId: message.internetMessageId,
		};
	}

	createFolder(
		mailbox: Mailbox,
		parentFolderId: string,
		displayName: string
	): Folder {
		const clash = [ ...mailbox.folders.values() ].some(
			( f ) =>
				f.parentFolderId === parentFolderId &&
				f.displayName.toLowerCase() === displayName.toLowerCase()
		);
		if ( clash ) {
			throw new GraphFailure(
				409,
				'ErrorFolderExists',
				'A folder with the specified name already exists.'
			);
		}
		const folder = {
			id: exchangeId( mailbox.personal ),
			displayName,
			wellKnownName: undefined,
			parentFolderId,
		};
		mailbox.folders.set( folder.id, folder );
		return folder;
	}

	// --- HTTP plumbing --------------------------------------------------------------------------

	async handle( req: IncomingMessage, res: ServerResponse ): Promise< void > {
		const url = new URL( req.url ?? '/', this.url );
		const method = ( req.method ?? 'GET' ).toUpperCase();
		const at = Date.now();
		res.on( 'finish', () => {
			this.requests.push( {
				method,
				path: url.pathname,
				query: Object.fromEntries( url.searchParams ),
				status: res.statusCode,
				at,
			} );
		} );
		try {
			if ( url.pathname.startsWith( '/v1.0/' ) ) {
				await this.handleGraph( req, res, url, method );
			} else {
				await this.handleIdentity( req, res, url, method );
			}
		} catch ( error ) {
			if ( ! res.headersSent ) {
				send( res, 500, {
					error: {
						code: 'InternalServerError',
						message: String( error ),
					},
				} );
			}
		}
	}

	/**
	 * Consumes a scripted fault matching the request, if any.
	 * @param method HTTP method, upper case.
	 * @param path   Request path without query.
	 */
	takeFault( method: string, path: string ): Fault | undefined {
		const fault = this.faults.find(
			( f ) =>
				f.remaining > 0 &&
				( f.method === undefined || f.method === method ) &&
				f.path.test( path )
		);
		if ( fault ) {
			fault.remaining--;
		}
		return fault;
	}

	// --- identity platform ----------------------------------------------------------------------

	async handleIdentity(
		req: IncomingMessage,
		res: ServerResponse,
		url: URL,
		method: string
	): Promise< void > {
		const fault = this.takeFault( method, url.pathname );
		if ( fault ) {
			const { status, retryAfter, body } = fault.reply;
			const fallback = oauthError(
				'temporarily_unavailable',
				0,
				`Fake fault ${ status }.`
			);
			send(
				res,
				status,
				body ?? fallback,
				retryAfter === undefined
					? {}
					: { 'Retry-After': String( retryAfter ) }
			);
			return;
		}
		const match = /^\/([\w.-]+)\/(.+)$/.exec( url.pathname );
		const tenant = match?.[ 1 ] ?? '';
		const rest = match?.[ 2 ] ?? '';
		if (
			method === 'GET' &&
			rest === 'v2.0/.well-known/openid-configuration'
		) {
			send( res, 200, this.openidConfiguration( tenant ) );
		} else if ( method === 'GET' && rest === 'discovery/v2.0/keys' ) {
			send( res, 200, {
				keys: [
					{
						...this.publicKey.export( { format: 'jwk' } ),
						kid: this.kid,
						use: 'sig',
						alg: 'RS256',
					},
				],
			} );
		} else if ( method === 'GET' && rest === 'discovery/instance' ) {
			// MSAL does not call this when the host is in knownAuthorities; served for completeness.
			send( res, 200, this.instanceDiscovery() );
		} else if ( method === 'GET' && rest === 'oauth2/v2.0/authorize' ) {
			this.authorize( res, url );
		} else if ( method === 'POST' && rest === 'oauth2/v2.0/token' ) {
			const form = new URLSearchParams(
				( await readBody( req ) ).toString( 'utf8' )
			);
			this.token( req, res, form );
		} else if ( method === 'GET' && rest === 'oauth2/v2.0/logout' ) {
			const back = url.searchParams.get( 'post_logout_redirect_uri' );
			if ( back ) {
				redirect( res, back );
			} else {
				send( res, 200, { signedOut: true } );
			}
		} else {
			send(
				res,
				404,
				oauthError(
					'invalid_request',
					90002,
					`Unknown endpoint ${ url.pathname }.`
				)
			);
		}
	}

	/**
	 * The tenant id an issuer names: the MSA tenant for `consumers`, a placeholder for multi-tenant segments.
	 * @param tenant Tenant segment of the URL.
	 */
	issuerTenant( tenant: string ): string {
		if ( tenant === 'consumers' ) {
			return MSA_TENANT;
		}
		return tenant === 'common' || tenant === 'organizations'
			? '{tenantid}'
			: tenant;
	}

	openidConfiguration( tenant: string ): Record< string, unknown > {
		const base = `${ this.url }/${ tenant }`;
		return {
			token_endpoint: `${ base }/oauth2/v2.0/token`,
			token_endpoint_auth_methods_supported: [
				'client_secret_post',
				'private_key_jwt',
				'client_secret_basic',
			],
			jwks_uri: `${ base }/discovery/v2.0/keys`,
			response_modes_supported: [ 'query', 'fragment', 'form_post' ],
			subject_types_supported: [ 'pairwise' ],
			id_token_signing_alg_values_supported: [ 'RS256' ],
			response_types_supported: [
				'code',
				'id_token',
				'code id_token',
				'id_token token',
			],
			scopes_supported: [
				'openid',
				'profile',
				'email',
				'offline_access',
			],
			issuer: `${ this.url }/${ this.issuerTenant( tenant ) }/v2.0`,
			request_uri_parameter_supported: false,
			userinfo_endpoint: `${ this.url }/oidc/userinfo`,
			authorization_endpoint: `${ base }/oauth2/v2.0/authorize`,
			device_authorization_endpoint: `${ base }/oauth2/v2.0/devicecode`,
			http_logout_supported: true,
			frontchannel_logout_supported: true,
			end_session_endpoint: `${ base }/oauth2/v2.0/logout`,
			claims_supported: [
				'sub',
				'iss',
				'aud',
				'exp',
				'iat',
				'auth_time',
				'nonce',
				'preferred_username',
				'name',
				'tid',
				'ver',
				'email',
				'oid',
			],
			kerberos_endpoint: `${ base }/kerberos`,
			tenant_region_scope: null,
			cloud_instance_name: 'microsoftonline.com',
			cloud_graph_host_name: 'graph.windows.net',
			msgraph_host: 'graph.microsoft.com',
			rbac_url: 'https://pas.windows.net',
		};
	}

	instanceDiscovery(): Record< string, unknown > {
		return {
			tenant_discovery_endpoint: `${ this.url }/common/v2.0/.well-known/openid-configuration`,
			'api-version': '1.1',
			metadata: [
				{
					preferred_network: this.host,
					preferred_cache: this.host,
					aliases: [ this.host ],
				},
			],
		};
	}

	/**
	 * The sign-in and consent page, decided at once: the account named by login_hint (or the only
	 * one) signs in and consents, unless denyConsent is set. Errors the user would see on a
	 * Microsoft page (unknown app, bad redirect URI) are a 400 page, as they can't be redirected.
	 * @param res Response.
	 * @param url Request URL.
	 */
	authorize( res: ServerResponse, url: URL ): void {
		const q = url.searchParams;
		const clientId = q.get( 'client_id' ) ?? '';
		const redirectUri = q.get( 'redirect_uri' ) ?? '';
		const client = this.clients.get( clientId );
		if ( ! client ) {
			errorPage(
				res,
				400,
				`AADSTS700016: Application with identifier '${ clientId }' was not found in the directory.`
			);
			return;
		}
		if (
			! /^https?:\/\/[^/]/.test( redirectUri ) ||
			( client.redirectUris &&
				! client.redirectUris.includes( redirectUri ) )
		) {
			errorPage(
				res,
				400,
				`AADSTS50011: The redirect URI '${ redirectUri }' specified in the request does not match the redirect URIs configured for the application '${ clientId }'.`
			);
			return;
		}
		const reply = ( params: Record< string, string > ): void =>
			this.authorizeReply(
				res,
				redirectUri,
				q.get( 'response_mode' ) ?? 'query',
				{ ...params, ...stateOf( q ) }
			);
		const problem = this.authorizeProblem( q );
		if ( problem ) {
			reply( problem );
			return;
		}
		const email = this.signInAccount( q.get( 'login_hint' ) );
		if ( ! email ) {
			errorPage(
				res,
				400,
				'Fake sign-in: pass login_hint naming one of the accounts (there are several, or none matches).'
			);
			return;
		}
		if ( this.denyConsent ) {
			reply( {
				error: 'access_denied',
				error_subcode: 'cancel',
				error_description:
					'AADSTS65004: User declined to consent to access the app.',
			} );
			return;
		}
		const code = opaque( 'M.code' );
		this.codes.set( code, {
			clientId,
			redirectUri,
			challenge: q.get( 'code_challenge' ) ?? undefined,
			nonce: q.get( 'nonce' ) ?? undefined,
			email,
			expiresAt: Date.now() + 10 * 60_000,
			used: false,
		} );
		const mailbox = this.mailboxOf( email );
		reply( {
			code,
			...( q.get( 'client_info' ) === '1'
				? { client_info: this.clientInfo( mailbox ) }
				: {} ),
			session_state: randomUUID(),
		} );
	}

	/**
	 * Protocol errors the authorize endpoint redirects back with.
	 * @param q Authorize query parameters.
	 */
	authorizeProblem(
		q: URLSearchParams
	): Record< string, string > | undefined {
		if ( q.get( 'response_type' ) !== 'code' ) {
			return {
				error: 'unsupported_response_type',
				error_description: `AADSTS700054: response_type '${ q.get( 'response_type' ) ?? '' }' is not enabled for the application.`,
			};
		}
		const challenge = q.get( 'code_challenge' );
		const methodName = q.get( 'code_challenge_method' ) ?? 'plain';
		if ( challenge ? methodName !== 'S256' : this.requirePkce ) {
			return {
				error: 'invalid_request',
				error_description:
					'AADSTS501491: Invalid size of Code_Challenge parameter or code_challenge_method is not S256 (the fake requires PKCE with S256).',
			};
		}
		return undefined;
	}

	signInAccount( loginHint: string | null ): string | undefined {
		if ( loginHint ) {
			return this.mailboxes.get( loginHint.toLowerCase() )?.email;
		}
		const all = [ ...this.mailboxes.values() ];
		return all.length === 1 ? all[ 0 ]?.email : undefined;
	}

	authorizeReply(
		res: ServerResponse,
		redirectUri: string,
		mode: string,
		params: Record< string, string >
	): void {
		if ( mode === 'form_post' ) {
			const inputs = Object.entries( params )
				.map(
					( [ k, v ] ) =>
						`<input type="hidden" name="${ escapeHtml( k ) }" value="${ escapeHtml( v ) }">`
				)
				.join( '' );
			res.writeHead( 200, {
				'Content-Type': 'text/html; charset=utf-8',
			} );
			res.end(
				`<html><body onload="document.forms[0].submit()"><form method="POST" action="${ escapeHtml( redirectUri ) }">${ inputs }</form></body></html>`
			);
			return;
		}
		const encoded = new URLSearchParams( params ).toString();
		let separator = redirectUri.includes( '?' ) ? '&' : '?';
		if ( mode === 'fragment' ) {
			separator = '#';
		}
		redirect( res, `${ redirectUri }${ separator }${ encoded }` );
	}

	/**
	 * The token endpoint: client authentication, then the grant.
	 * @param req  Request.
	 * @param res  Response.
	 * @param form Token request form.
	 */
	token(
		req: IncomingMessage,
		res: ServerResponse,
		form: URLSearchParams
	): void {
		const { clientId, secret } = clientCredentials( req, form );
		const client = this.clients.get( clientId );
		if ( ! client ) {
			send(
				res,
				400,
				oauthError(
					'unauthorized_client',
					700016,
					`Application with identifier '${ clientId }' was not found in the directory.`
				)
			);
			return;
		}
		if ( secret !== client.secret ) {
			send(
				res,
				401,
				oauthError(
					'invalid_client',
					7000215,
					'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.'
				)
			);
			return;
		}
		const grantType = form.get( 'grant_type' );
		let outcome: Record< string, unknown >;
		if ( grantType === 'authorization_code' ) {
			outcome = this.redeemCode( clientId, form );
		} else if ( grantType === 'refresh_token' ) {
			outcome = this.redeemRefreshToken( clientId, form );
		} else {
			outcome = oauthError(
				'unsupported_grant_type',
				70003,
				`The app requested an unsupported grant type '${ grantType ?? '' }'.`
			);
		}
		send( res, 'error' in outcome ? 400 : 200, outcome, {
			'Cache-Control': 'no-store',
		} );
	}

	redeemCode(
		clientId: string,
		form: URLSearchParams
	): Record< string, unknown > {
		const code = this.codes.get( form.get( 'code' ) ?? '' );
		if ( ! code || code.clientId !== clientId ) {
			return oauthError(
				'invalid_grant',
				70000,
				"The provided value for the 'code' parameter is not valid."
			);
		}
		if ( code.used ) {
			return oauthError(
				'invalid_grant',
				54005,
				'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'
			);
		}
		if ( Date.now() > code.expiresAt ) {
			return oauthError(
				'invalid_grant',
				70008,
				'The provided authorization code or refresh token has expired due to inactivity.'
			);
		}
		if ( form.get( 'redirect_uri' ) !== code.redirectUri ) {
			return oauthError(
				'invalid_grant',
				500117,
				'The reply uri specified in the request does not match the reply uri used in the authorization request.'
			);
		}
		if ( code.challenge !== undefined ) {
			const verifier = form.get( 'code_verifier' ) ?? '';
			if (
				b64url( createHash( 'sha256' ).update( verifier ).digest() ) !==
				code.challenge
			) {
				return oauthError(
					'invalid_grant',
					50148,
					'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.'
				);
			}
		}
		code.used = true;
		const grant: Grant = { email: code.email, clientId, revoked: false };
		return this.issueTokens( grant, form, code.nonce, undefined );
	}

	redeemRefreshToken(
		clientId: string,
		form: URLSearchParams
	): Record< string, unknown > {
		const presented = form.get( 'refresh_token' ) ?? '';
		const record = this.refreshTokens.get( presented );
		if ( ! record || record.grant.clientId !== clientId ) {
			return oauthError(
				'invalid_grant',
				9002313,
				'Invalid request. Request is malformed or invalid (refresh token unknown to the fake).'
			);
		}
		if ( record.grant.revoked ) {
			return oauthError(
				'invalid_grant',
				700082,
				'The refresh token has expired due to inactivity. The token was issued on a date and was inactive for 90.00:00:00.'
			);
		}
		if ( record.dead ) {
			return oauthError(
				'invalid_grant',
				50173,
				'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.'
			);
		}
		if ( this.rotateRefreshTokens && this.strictRotation ) {
			record.dead = true;
		}
		return this.issueTokens(
			record.grant,
			form,
			undefined,
			this.rotateRefreshTokens ? undefined : presented
		);
	}

	/**
	 * The token response. Scopes granted are the resource scopes asked for (Microsoft leaves the
	 * OIDC ones out of `scope`); a refresh token comes only with offline_access.
	 *
	 * @param grant       The consent the tokens stand for.
	 * @param form        The token request (scope, client_info).
	 * @param nonce       From the authorize request, echoed in the id_token.
	 * @param keepRefresh The refresh token to hand back unchanged (rotation off).
	 */
	issueTokens(
		grant: Grant,
		form: URLSearchParams,
		nonce: string | undefined,
		keepRefresh: string | undefined
	): Record< string, unknown > {
		const mailbox = this.mailboxOf( grant.email );
		const asked = ( form.get( 'scope' ) ?? '' )
			.split( /\s+/ )
			.filter( Boolean );
		const resourceScopes = asked.filter(
			( s ) => ! OIDC_SCOPES.has( s.toLowerCase() )
		);
		const scopes = resourceScopes.length
			? resourceScopes
			: [ `${ GRAPH_PREFIX }User.Read` ];
		const now = Math.floor( Date.now() / 1000 );
		const accessToken = signJwt(
			{
				aud: GRAPH_PREFIX.slice( 0, -1 ),
				iss: `${ this.url }/${ mailbox.tid }/`,
				iat: now,
				nbf: now,
				exp: now + this.accessTokenLifetime,
				oid: mailbox.oid,
				tid: mailbox.tid,
				upn: mailbox.email,
				scp: scopes.map( shortScope ).join( ' ' ),
				appid: grant.clientId,
				uti: b64url( randomUUID() ),
			},
			this.signingKey,
			this.kid
		);
		this.accessTokens.set( accessToken, {
			email: mailbox.email,
			scopes,
			expiresAt: Date.now() + this.accessTokenLifetime * 1000,
			expired: false,
		} );
		const response: Record< string, unknown > = {
			token_type: 'Bearer',
			scope: scopes.join( ' ' ),
			expires_in: this.accessTokenLifetime,
			ext_expires_in: this.accessTokenLifetime,
			access_token: accessToken,
		};
		if ( asked.some( ( s ) => s.toLowerCase() === 'offline_access' ) ) {
			const refreshToken = keepRefresh ?? opaque( 'M.rt' );
			this.refreshTokens.set( refreshToken, { grant, dead: false } );
			response[ 'refresh_token' ] = refreshToken;
		}
		if ( asked.some( ( s ) => s.toLowerCase() === 'openid' ) ) {
			response[ 'id_token' ] = this.idToken(
				mailbox,
				grant.clientId,
				nonce
			);
		}
		if ( form.get( 'client_info' ) === '1' ) {
			response[ 'client_info' ] = this.clientInfo( mailbox );
		}
		return response;
	}

	/**
	 * What MSAL builds its account from: oid, tid, preferred_username, iss, aud.
	 * @param mailbox  The mailbox.
	 * @param clientId Application (client) id.
	 * @param nonce    From the authorize request, if any.
	 */
	idToken(
		mailbox: Mailbox,
		clientId: string,
		nonce: string | undefined
	): string {
		const now = Math.floor( Date.now() / 1000 );
		return signJwt(
			{
				ver: '2.0',
				iss: `${ this.url }/${ mailbox.tid }/v2.0`,
				sub: b64url( `${ mailbox.oid }:${ clientId }` ),
				aud: clientId,
				exp: now + 3600,
				iat: now,
				nbf: now,
				name: mailbox.displayName,
				preferred_username: mailbox.email,
				email: mailbox.email,
				oid: mailbox.oid,
				tid: mailbox.tid,
				...( nonce === undefined ? {} : { nonce } ),
				aio: b64url( randomUUID() ),
			},
			this.signingKey,
			this.kid
		);
	}

	clientInfo( mailbox: Mailbox ): string {
		return b64url(
			JSON.stringify( { uid: mailbox.oid, utid: mailbox.tid } )
		);
	}

	// --- Graph ----------------------------------------------------------------------------------

	async handleGraph(
		req: IncomingMessage,
		res: ServerResponse,
		url: URL,
		method: string
	): Promise< void > {
		const segments = graphSegments( url.pathname.slice( '/v1.0/'.length ) );
		const bearer = /^Bearer\s+(.+)$/i.exec(
			req.headers.authorization ?? ''
		)?.[ 1 ];
		const access =
			bearer === undefined ? undefined : this.accessTokens.get( bearer );
		const ctx: GraphCtx = {
			req,
			res,
			url,
			method,
			requestId: randomUUID(),
			clientRequestId: String(
				req.headers[ 'client-request-id' ] ?? randomUUID()
			),
			prefix:
				segments[ 0 ]?.toLowerCase() === 'users'
					? `users/${ encodeURIComponent( segments[ 1 ] ?? '' ) }`
					: 'me',
			access,
		};
		// Concurrency is counted per addressed mailbox, from arrival to the end of the response.
		const target = this.addressedMailbox( segments, access );
		const key = target?.email.toLowerCase() ?? 'unknown';
		const inFlight = target ?? { inFlight: 0 };
		inFlight.inFlight++;
		this.maxConcurrent[ key ] = Math.max(
			this.maxConcurrent[ key ] ?? 0,
			inFlight.inFlight
		);
		let done = false;
		const ended = (): void => {
			if ( ! done ) {
				done = true;
				inFlight.inFlight--;
			}
		};
		// Counted out when the answer starts to be written: its end ('finish', 'close') is seen
		// only after the TLS layer's callbacks, by which time a client that sends its next request
		// on receiving this answer may already have been counted in. 'close' covers cut-off ones.
		const end = res.end.bind( res ) as (
			...args: unknown[]
		) => ServerResponse;
		res.end = ( ( ...args: unknown[] ) => {
			ended();
			return end( ...args );
		} ) as typeof res.end;
		res.on( 'close', ended );
		if ( this.responseDelayMs > 0 ) {
			await sleep( this.responseDelayMs );
		}
		try {
			const fault = this.takeFault( method, url.pathname );
			if ( fault ) {
				this.sendFault( ctx, fault );
				return;
			}
			this.authenticate( ctx, bearer );
			if ( ! target ) {
				throw new GraphFailure(
					404,
					'ErrorInvalidUser',
					`The requested user '${ segments[ 1 ] ?? '' }' is invalid.`
				);
			}
			if ( target.email !== access?.email ) {
				throw new GraphFailure(
					403,
					'ErrorAccessDenied',
					'Access is denied. Check credentials and try again.'
				);
			}
			const body = [ 'POST', 'PATCH', 'PUT' ].includes( method )
				? parseJson( await readBody( req ) )
				: undefined;
			const rest = flattenChildFolders(
				segments.slice(
					segments[ 0 ]?.toLowerCase() === 'users' ? 2 : 1
				)
			);
			this.route( ctx, target, rest, body );
		} catch ( error ) {
			const failure =
				error instanceof GraphFailure
					? error
					: new GraphFailure(
							500,
							'InternalServerError',
							String( error )
						);
			const headers: Record< string, string > =
				failure.status === 401
					? { 'WWW-Authenticate': graphChallenge( this.url ) }
					: {};
			this.graphSend(
				ctx,
				failure.status,
				graphError(
					failure.code,
					failure.message,
					ctx.requestId,
					ctx.clientRequestId
				),
				headers
			);
		}
	}

	addressedMailbox(
		segments: string[],
		access: AccessRecord | undefined
	): Mailbox | undefined {
		if ( segments[ 0 ]?.toLowerCase() === 'users' ) {
			return this.mailboxByKey( segments[ 1 ] ?? '' );
		}
		return access
			? this.mailboxes.get( access.email.toLowerCase() )
			: undefined;
	}

	authenticate( ctx: GraphCtx, bearer: string | undefined ): void {
		if ( ! bearer ) {
			throw new GraphFailure(
				401,
				'InvalidAuthenticationToken',
				'Access token is empty.'
			);
		}
		if ( ! ctx.access ) {
			throw new GraphFailure(
				401,
				'InvalidAuthenticationToken',
				'IDX14100: JWT is not well formed, there are no dots (.).'
			);
		}
		if ( ctx.access.expired || Date.now() > ctx.access.expiresAt ) {
			throw new GraphFailure(
				401,
				'InvalidAuthenticationToken',
				'Lifetime validation failed, the token is expired.'
			);
		}
	}

	requireScope( ctx: GraphCtx, anyOf: string[] ): void {
		if ( ! this.enforceScopes ) {
			return;
		}
		const held = new Set(
			( ctx.access?.scopes ?? [] ).map( ( s ) =>
				shortScope( s ).toLowerCase()
			)
		);
		if (
			held.has( '.default' ) ||
			anyOf.some( ( s ) => held.has( s.toLowerCase() ) )
		) {
			return;
		}
		throw new GraphFailure(
			403,
			'ErrorAccessDenied',
			`Access is denied. Check credentials and try again. (needs one of ${ anyOf.join( ', ' ) })`
		);
	}

	sendFault( ctx: GraphCtx, fault: Fault ): void {
		const { status, retryAfter, body } = fault.reply;
		const codes: Record< number, string > = {
			400: 'BadRequest',
			401: 'InvalidAuthenticationToken',
			403: 'ErrorAccessDenied',
			404: 'ErrorItemNotFound',
			429: 'TooManyRequests',
			500: 'InternalServerError',
			503: 'ServiceUnavailable',
			504: 'GatewayTimeout',
		};
		const fallback = graphError(
			codes[ status ] ?? 'UnknownError',
			`Fake fault ${ status }.`,
			ctx.requestId,
			ctx.clientRequestId
		);
		this.graphSend(
			ctx,
			status,
			body ?? fallback,
			retryAfter === undefined
				? {}
				: { 'Retry-After': String( retryAfter ) }
		);
	}

	graphSend(
		ctx: GraphCtx,
		status: number,
		body: unknown,
		headers: Record< string, string > = {}
	): void {
		send( ctx.res, status, body, {
			'request-id': ctx.requestId,
			'client-request-id': ctx.clientRequestId,
			...( typeof body === 'string' || body === undefined
				? {}
				: { 'Content-Type': JSON_GRAPH } ),
			...headers,
		} );
	}

	/**
	 * Dispatches `rest` (the path after me/ or users/{id}/, child folders flattened).
	 * @param ctx     Graph request context.
	 * @param mailbox The mailbox.
	 * @param rest    Path segments after the mailbox.
	 * @param body    Parsed JSON body, if any.
	 */
	route(
		ctx: GraphCtx,
		mailbox: Mailbox,
		rest: string[],
		body: unknown
	): void {
		const [ a, b, c, d, e ] = rest.map( ( s, i ) =>
			i % 2 === 0 ? s.toLowerCase() : s
		);
		const m = ctx.method;
		if ( rest.length === 0 && m === 'GET' ) {
			this.requireScope( ctx, READ_USER );
			this.graphSend( ctx, 200, this.userJson( mailbox ) );
		} else if ( a === 'mailfolders' && b === undefined ) {
			this.folderCollection( ctx, mailbox, mailbox.rootId, body );
		} else if (
			a === 'mailfolders' &&
			b !== undefined &&
			c === undefined &&
			m === 'GET'
		) {
			this.requireScope( ctx, READ_MAIL );
			this.graphSend(
				ctx,
				200,
				this.folderJson( mailbox, this.graphFolder( mailbox, b ) )
			);
		} else if (
			a === 'mailfolders' &&
			b !== undefined &&
			c === 'childfolders' &&
			d === undefined
		) {
			this.folderCollection(
				ctx,
				mailbox,
				this.graphFolder( mailbox, b ).id,
				body
			);
		} else if (
			a === 'mailfolders' &&
			b !== undefined &&
			c === 'messages' &&
			isDelta( d ) &&
			e === undefined &&
			m === 'GET'
		) {
			this.requireScope( ctx, READ_MAIL );
			this.delta( ctx, mailbox, this.graphFolder( mailbox, b ) );
		} else if (
			a === 'mailfolders' &&
			b !== undefined &&
			c === 'messages' &&
			d === undefined &&
			m === 'GET'
		) {
			this.requireScope( ctx, READ_MAIL );
			this.listMessages(
				ctx,
				mailbox,
				this.graphFolder( mailbox, b ).id
			);
		} else if (
			a === 'mailfolders' &&
			b !== undefined &&
			c === 'messages' &&
			d !== undefined
		) {
			this.graphFolder( mailbox, b );
			this.messageRoute( ctx, mailbox, rest.slice( 3 ), body );
		} else if ( a === 'messages' && b === undefined && m === 'GET' ) {
			this.requireScope( ctx, READ_MAIL );
			this.listMessages( ctx, mailbox, undefined );
		} else if ( a === 'messages' && b !== undefined ) {
			this.messageRoute( ctx, mailbox, rest.slice( 1 ), body );
		} else {
			throw new GraphFailure(
				400,
				'BadRequest',
				`Resource not found for the segment '${ rest.join( '/' ) }'.`
			);
		}
	}

	/**
	 * `messages/{id}`, `messages/{id}/$value`, `messages/{id}/move`.
	 * @param ctx     Graph request context.
	 * @param mailbox The mailbox.
	 * @param rest    Path segments after the mailbox.
	 * @param body    Parsed JSON body, if any.
	 */
	messageRoute(
		ctx: GraphCtx,
		mailbox: Mailbox,
		rest: string[],
		body: unknown
	): void {
		const message = mailbox.messages.get( rest[ 0 ] ?? '' );
		const action = rest[ 1 ]
			?.replace( /^microsoft\.graph\./i, '' )
			.replace( /\(\)$/, '' )
			.toLowerCase();
		const m = ctx.method;
		if ( ! message ) {
			this.requireScope( ctx, READ_MAIL );
			throw notFound();
		}
		if ( action === undefined && m === 'GET' ) {
			this.requireScope( ctx, READ_MAIL );
			this.graphSend(
				ctx,
				200,
				this.messageJson( message, selectOf( ctx.url ), true )
			);
		} else if ( action === '$value' && m === 'GET' ) {
			this.requireScope( ctx, [ 'Mail.Read', 'Mail.ReadWrite' ] );
			ctx.res.writeHead( 200, {
				'Content-Type': 'text/plain',
				'request-id': ctx.requestId,
				'client-request-id': ctx.clientRequestId,
			} );
			ctx.res.end( message.raw );
		} else if ( action === undefined && m === 'PATCH' ) {
			this.requireScope( ctx, WRITE_MAIL );
			this.patchMessage( mailbox, message, body );
			this.graphSend(
				ctx,
				200,
				this.messageJson( message, undefined, true )
			);
		} else if ( action === 'move' && m === 'POST' ) {
			this.requireScope( ctx, WRITE_MAIL );
			const destinationId = (
				body as { destinationId?: unknown } | undefined
			 )?.destinationId;
			if ( typeof destinationId !== 'string' ) {
				throw new GraphFailure(
					400,
					'ErrorInvalidRequest',
					"The request is missing the required 'destinationId' parameter."
				);
			}
			const moved = this.moveMessage(
				mailbox,
				message,
				this.graphFolder( mailbox, destinationId ).id
			);
			this.graphSend(
				ctx,
				201,
				this.messageJson( moved, undefined, true )
			);
		} else if ( action === undefined && m === 'DELETE' ) {
			this.requireScope( ctx, WRITE_MAIL );
			this.deleteMessage( mailbox, message );
			this.graphSend( ctx, 204, undefined );
		} else {
			throw new GraphFailure(
				405,
				'BadRequest',
				`Unsupported ${ m } on message${ action ? `/${ action }` : '' }.`
			);
		}
	}

	/**
	 * A folder named in a Graph URL: id or well-known name (display names are not accepted there).
	 * @param mailbox The mailbox.
	 * @param key     Id, well-known name (or address, for mailboxes).
	 */
	graphFolder( mailbox: Mailbox, key: string ): Folder {
		const folder = this.findFolder( mailbox, key );
		if ( ! folder ) {
			throw notFound();
		}
		return folder;
	}

	/**
	 * GET (list, `$filter=displayName eq '…'`, `$top`/`$skip`) or POST (create) on a folder's children.
	 * @param ctx      Graph request context.
	 * @param mailbox  The mailbox.
	 * @param parentId Folder whose children these are.
	 * @param body     Parsed JSON body, if any.
	 */
	folderCollection(
		ctx: GraphCtx,
		mailbox: Mailbox,
		parentId: string,
		body: unknown
	): void {
		if ( ctx.method === 'POST' ) {
			this.requireScope( ctx, WRITE_MAIL );
			const displayName = (
				body as { displayName?: unknown } | undefined
			 )?.displayName;
			if ( typeof displayName !== 'string' || ! displayName.trim() ) {
				throw new GraphFailure(
					400,
					'ErrorInvalidRequest',
					'The displayName property is required.'
				);
			}
			this.graphSend(
				ctx,
				201,
				this.folderJson(
					mailbox,
					this.createFolder( mailbox, parentId, displayName )
				)
			);
			return;
		}
		if ( ctx.method !== 'GET' ) {
			throw new GraphFailure(
				405,
				'BadRequest',
				`Unsupported ${ ctx.method } on mailFolders.`
			);
		}
		this.requireScope( ctx, READ_MAIL );
		const filter = ctx.url.searchParams.get( '$filter' );
		let wanted: string | undefined;
		if ( filter ) {
			// OData string literal: single quotes, doubled inside.
			const parsed = /^\s*displayName\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(
				filter
			);
			if ( ! parsed ) {
				throw new GraphFailure(
					400,
					'ErrorInvalidUrlQueryFilter',
					`The fake only supports $filter=displayName eq '…', not ${ filter }.`
				);
			}
			wanted = ( parsed[ 1 ] ?? '' ).replace( /''/g, "'" ).toLowerCase();
		}
		const folders = [ ...mailbox.folders.values() ].filter(
			( f ) =>
				f.parentFolderId === parentId &&
				( wanted === undefined ||
					f.displayName.toLowerCase() === wanted )
		);
		this.sendPage(
			ctx,
			folders.map( ( f ) => this.folderJson( mailbox, f ) ),
			'mailFolders'
		);
	}

	/**
	 * A plain collection page with `$top` (default 10) and `$skip`, linking on with `@odata.nextLink`.
	 * @param ctx    Graph request context.
	 * @param all    Every entry of the collection.
	 * @param entity Entity set name for @odata.context.
	 */
	sendPage( ctx: GraphCtx, all: unknown[], entity: string ): void {
		const top = Number( ctx.url.searchParams.get( '$top' ) ?? 10 ) || 10;
		const skip = Number( ctx.url.searchParams.get( '$skip' ) ?? 0 ) || 0;
		const page: Record< string, unknown > = {
			'@odata.context': `${ this.url }/v1.0/$metadata#${ entity }`,
			value: all.slice( skip, skip + top ),
		};
		if ( skip + top < all.length ) {
			const next = new URL( ctx.url.href );
			next.searchParams.set( '$skip', String( skip + top ) );
			page[ '@odata.nextLink' ] = next.href;
		}
		this.graphSend( ctx, 200, page );
	}

	listMessages(
		ctx: GraphCtx,
		mailbox: Mailbox,
		folderId: string | undefined
	): void {
		const filter = ctx.url.searchParams.get( '$filter' );
		if (
			filter &&
			! /^\s*isRead\s+eq\s+(true|false)\s*$/i.test( filter )
		) {
			throw new GraphFailure(
				400,
				'ErrorInvalidUrlQueryFilter',
				`The fake only supports $filter=isRead eq true|false, not ${ filter }.`
			);
		}
		const isRead = filter ? /true/i.test( filter ) : undefined;
		const select = selectOf( ctx.url );
		const list = [ ...mailbox.messages.values() ]
			.filter(
				( msg ) =>
					( folderId === undefined || msg.folderId === folderId ) &&
					( isRead === undefined || msg.isRead === isRead )
			)
			.sort( ( x, y ) =>
				y.receivedDateTime.localeCompare( x.receivedDateTime )
			)
			.map( ( msg ) => this.messageJson( msg, select, false ) );
		this.sendPage( ctx, list, 'messages' );
	}

	patchMessage(
		mailbox: Mailbox,
		message: StoredMessage,
		body: unknown
	): void {
		if ( ! body || typeof body !== 'object' ) {
			throw new GraphFailure(
				400,
				'BadRequest',
				'Empty Payload. JSON content expected.'
			);
		}
		const patch = body as { isRead?: unknown; categories?: unknown };
		if ( patch.isRead !== undefined && typeof patch.isRead !== 'boolean' ) {
			throw new GraphFailure(
				400,
				'BadRequest',
				"Invalid value for property 'isRead'."
			);
		}
		if ( typeof patch.isRead === 'boolean' ) {
			message.isRead = patch.isRead;
		}
		if ( Array.isArray( patch.categories ) ) {
			message.categories = patch.categories.map( String );
		}
		// Exchange saves the item (new change key) on any PATCH, so delta reports it again.
		this.touch( mailbox, message );
	}

	touch( mailbox: Mailbox, message: StoredMessage ): void {
		message.changedSeq = ++mailbox.seq;
		message.lastModified = new Date();
		message.changeKey = b64url( randomUUID() );
	}

	/**
	 * Moving gives the message a new id in the destination; the source folder sees it removed.
	 * @param mailbox       The mailbox.
	 * @param message       The message.
	 * @param destinationId Destination folder id.
	 */
	moveMessage(
		mailbox: Mailbox,
		message: StoredMessage,
		destinationId: string
	): StoredMessage {
		mailbox.messages.delete( message.id );
		mailbox.tombstones.push( {
			id: message.id,
			folderId: message.folderId,
			seq: ++mailbox.seq,
		} );
		const seq = ++mailbox.seq;
		const moved: StoredMessage = {
			...message,
			id: exchangeId( mailbox.personal ),
			folderId: destinationId,
			createdSeq: seq,
			changedSeq: seq,
			lastModified: new Date(),
		};
		mailbox.messages.set( moved.id, moved );
		return moved;
	}

	/**
	 * DELETE moves to Deleted Items (as Outlook does); from Deleted Items it is gone.
	 * @param mailbox The mailbox.
	 * @param message The message.
	 */
	deleteMessage( mailbox: Mailbox, message: StoredMessage ): void {
		const trash = this.graphFolder( mailbox, 'deleteditems' );
		if ( message.folderId !== trash.id ) {
			this.moveMessage( mailbox, message, trash.id );
			return;
		}
		mailbox.messages.delete( message.id );
		mailbox.tombstones.push( {
			id: message.id,
			folderId: message.folderId,
			seq: ++mailbox.seq,
		} );
	}

	// --- delta ----------------------------------------------------------------------------------

	/**
	 * `GET mailFolders/{id}/messages/delta`. The first round lists the folder's messages; a
	 * `$deltatoken` round lists what was added, updated (any save, e.g. isRead) or removed since
	 * the token's round began. Pages honour `Prefer: odata.maxpagesize` (default 10) on every
	 * request; `$select` and `changeType` are taken from the initial request and carried in the
	 * tokens, as Graph encodes them.
	 * @param ctx     Graph request context.
	 * @param mailbox The mailbox.
	 * @param folder  The folder.
	 */
	delta( ctx: GraphCtx, mailbox: Mailbox, folder: Folder ): void {
		const q = ctx.url.searchParams;
		const tokenText =
			q.get( '$skiptoken' ) ??
			q.get( '$deltatoken' ) ??
			q.get( '$skipToken' ) ??
			q.get( '$deltaToken' );
		let state: DeltaToken;
		if ( tokenText === null ) {
			state = {
				email: mailbox.email,
				folderId: folder.id,
				select: selectOf( ctx.url ),
				changeType: q.get( 'changeType' ) ?? undefined,
				round: undefined,
				since: -1,
				received: receivedFilter( q.get( '$filter' ) ),
				expired: undefined,
			};
		} else {
			const found = this.deltaTokens.get( tokenText );
			if (
				! found ||
				found.expired ||
				found.email !== mailbox.email ||
				found.folderId !== folder.id
			) {
				this.syncReset( ctx, folder, found );
				return;
			}
			state = found;
		}
		const round = state.round ?? {
			items: this.roundItems( mailbox, folder, state ),
			upto: mailbox.seq,
			offset: 0,
		};
		const size = maxPageSize( ctx.req );
		const slice = round.items.slice( round.offset, round.offset + size );
		const link = ( param: string, next: DeltaToken ): string => {
			const token = opaque( param === '$skiptoken' ? 'skip' : 'delta' );
			this.deltaTokens.set( token, next );
			return `${ this.url }/v1.0/${ ctx.prefix }/mailFolders('${ folder.id }')/messages/delta?${ param }=${ token }`;
		};
		const page: Record< string, unknown > = {
			'@odata.context': `${ this.url }/v1.0/$metadata#Collection(message)`,
			value: slice.map( ( item ) =>
				this.deltaEntry( mailbox, folder, item, state.select )
			),
		};
		const base = {
			email: state.email,
			folderId: state.folderId,
			select: state.select,
			changeType: state.changeType,
			received: state.received,
			expired: undefined,
		};
		if ( round.offset + size < round.items.length ) {
			page[ '@odata.nextLink' ] = link( '$skiptoken', {
				...base,
				round: { ...round, offset: round.offset + size },
				since: state.since,
			} );
		} else {
			page[ '@odata.deltaLink' ] = link( '$deltatoken', {
				...base,
				round: undefined,
				since: round.upto,
			} );
		}
		this.graphSend( ctx, 200, page, {
			'Preference-Applied': `odata.maxpagesize=${ size }`,
		} );
	}

	/**
	 * What a round lists, in change order.
	 * @param mailbox The mailbox.
	 * @param folder  The folder.
	 * @param state   The token state the round starts from.
	 */
	roundItems(
		mailbox: Mailbox,
		folder: Folder,
		state: DeltaToken
	): DeltaItem[] {
		const { received } = state;
		const inFolder = [ ...mailbox.messages.values() ].filter(
			( m ) =>
				m.folderId === folder.id &&
				( received === undefined ||
					( received.inclusive
						? Date.parse( m.receivedDateTime ) >= received.after
						: Date.parse( m.receivedDateTime ) > received.after ) )
		);
		if ( state.since < 0 ) {
			return inFolder
				.sort( ( x, y ) => x.createdSeq - y.createdSeq )
				.map( ( m ) => ( { id: m.id, removed: false } ) );
		}
		const wants = ( type: string ): boolean =>
			state.changeType === undefined ||
			state.changeType.toLowerCase() === type;
		const changed = inFolder
			.filter( ( m ) => m.changedSeq > state.since )
			.filter( ( m ) =>
				m.createdSeq > state.since
					? wants( 'created' )
					: wants( 'updated' )
			)
			.map( ( m ) => ( {
				id: m.id,
				removed: false,
				seq: m.changedSeq,
			} ) );
		const removed = wants( 'deleted' )
			? mailbox.tombstones
					.filter(
						( t ) => t.folderId === folder.id && t.seq > state.since
					)
					.map( ( t ) => ( { id: t.id, removed: true, seq: t.seq } ) )
			: [];
		return [ ...changed, ...removed ]
			.sort( ( x, y ) => x.seq - y.seq )
			.map( ( { id, removed: r } ) => ( { id, removed: r } ) );
	}

	/**
	 * A message as delta lists it now; one that has left the folder since is listed as removed.
	 * @param mailbox The mailbox.
	 * @param folder  The folder.
	 * @param item    Entry of the round.
	 * @param select  $select properties, if any.
	 */
	deltaEntry(
		mailbox: Mailbox,
		folder: Folder,
		item: DeltaItem,
		select: string[] | undefined
	): Record< string, unknown > {
		const message = item.removed
			? undefined
			: mailbox.messages.get( item.id );
		if ( ! message || message.folderId !== folder.id ) {
			return {
				'@odata.type': '#microsoft.graph.message',
				id: item.id,
				'@removed': { reason: 'deleted' },
			};
		}
		return {
			'@odata.type': '#microsoft.graph.message',
			...this.messageJson( message, select, false ),
		};
	}

	/**
	 * An expired or unknown sync state: "resync required", with a Location to restart from.
	 * @param ctx    Graph request context.
	 * @param folder The folder.
	 * @param token  The presented token state, if known.
	 */
	syncReset(
		ctx: GraphCtx,
		folder: Folder,
		token: DeltaToken | undefined
	): void {
		const restart = new URL(
			`${ this.url }/v1.0/${ ctx.prefix }/mailFolders('${ folder.id }')/messages/delta`
		);
		if ( token?.select ) {
			restart.searchParams.set( '$select', token.select.join( ',' ) );
		}
		const status = token?.expired?.status ?? 410;
		const code = token?.expired?.code ?? 'SyncStateNotFound';
		this.graphSend(
			ctx,
			status,
			graphError(
				code,
				'The sync state generation is not found. The delta token is expired and data must be synchronized again.',
				ctx.requestId,
				ctx.clientRequestId
			),
			{ Location: restart.href }
		);
	}

	// --- JSON shapes ----------------------------------------------------------------------------

	userJson( mailbox: Mailbox ): Record< string, unknown > {
		const [ givenName, ...others ] = mailbox.displayName.split( ' ' );
		return {
			'@odata.context': `${ this.url }/v1.0/$metadata#users/$entity`,
			businessPhones: [],
			displayName: mailbox.displayName,
			givenName: givenName ?? null,
			jobTitle: null,
			mail: mailbox.email,
			mobilePhone: null,
			officeLocation: null,
			preferredLanguage: null,
			surname: others.join( ' ' ) || null,
			userPrincipalName: mailbox.email,
			id: mailbox.id,
		};
	}

	folderJson( mailbox: Mailbox, folder: Folder ): Record< string, unknown > {
		const inside = [ ...mailbox.messages.values() ].filter(
			( m ) => m.folderId === folder.id
		);
		return {
			id: folder.id,
			displayName: folder.displayName,
			parentFolderId: folder.parentFolderId,
			childFolderCount: [ ...mailbox.folders.values() ].filter(
				( f ) => f.parentFolderId === folder.id
			).length,
			unreadItemCount: inside.filter( ( m ) => ! m.isRead ).length,
			totalItemCount: inside.length,
			sizeInBytes: inside.reduce( ( sum, m ) => sum + m.raw.length, 0 ),
			isHidden: false,
		};
	}

	/**
	 * A message resource (no body: read `$value`). `$select` keeps `id` (always returned) and the
	 * named properties; `withContext` adds the single-entity `@odata.context`.
	 * @param message     The message.
	 * @param select      $select properties, if any.
	 * @param withContext Add @odata.context (single-entity responses).
	 */
	messageJson(
		message: StoredMessage,
		select: string[] | undefined,
		withContext: boolean
	): Record< string, unknown > {
		const full: Record< string, unknown > = {
			id: message.id,
			createdDateTime: message.receivedDateTime,
			lastModifiedDateTime: graphTime( message.lastModified ),
			changeKey: message.changeKey,
			categories: message.categories,
			receivedDateTime: message.receivedDateTime,
			sentDateTime: message.sentDateTime,
			hasAttachments: message.hasAttachments,
			internetMessageId: message.internetMessageId,
			subject: message.subject,
			importance: 'normal',
			parentFolderId: message.folderId,
			conversationId: message.conversationId,
			isDeliveryReceiptRequested: false,
			isReadReceiptRequested: false,
			isRead: message.isRead,
			isDraft: false,
			inferenceClassification: 'focused',
			sender: message.from ?? null,
			from: message.from ?? null,
			toRecipients: message.to,
			ccRecipients: message.cc,
			bccRecipients: [],
			replyTo: [],
			flag: { flagStatus: 'notFlagged' },
		};
		const chosen = select
			? Object.fromEntries(
					Object.entries( full ).filter(
						( [ k ] ) => k === 'id' || select.includes( k )
					)
				)
			: full;
		return {
			...( withContext
				? {
						'@odata.context': `${ this.url }/v1.0/$metadata#messages/$entity`,
					}
				: {} ),
			'@odata.etag': `W/"${ message.changeKey }"`,
			...chosen,
		};
	}
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function send(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record< string, string > = {}
): void {
	if ( body === undefined ) {
		res.writeHead( status, headers );
		res.end();
		return;
	}
	const isText = typeof body === 'string' || Buffer.isBuffer( body );
	res.writeHead( status, {
		'Content-Type': isText
			? 'text/plain; charset=utf-8'
			: 'application/json; charset=utf-8',
		...headers,
	} );
	res.end( isText ? body : JSON.stringify( body ) );
}

function redirect( res: ServerResponse, location: string ): void {
	res.writeHead( 302, { Location: location } );
	res.end();
}

function errorPage( res: ServerResponse, status: number, text: string ): void {
	res.writeHead( status, { 'Content-Type': 'text/html; charset=utf-8' } );
	res.end(
		`<html><body><p>Sign in</p><p>${ escapeHtml( text ) }</p></body></html>`
	);
}

function escapeHtml( text: string ): string {
	return text.replace( /[&<>"']/g, ( ch ) => `&#${ ch.charCodeAt( 0 ) };` );
}

function stateOf( q: URLSearchParams ): Record< string, string > {
	const state = q.get( 'state' );
	return state === null ? {} : { state };
}

/**
 * client_secret_post or client_secret_basic.
 * @param req  Request.
 * @param form Token request form.
 */
function clientCredentials(
	req: IncomingMessage,
	form: URLSearchParams
): { clientId: string; secret: string | undefined } {
	const basic = /^Basic\s+(.+)$/i.exec(
		req.headers.authorization ?? ''
	)?.[ 1 ];
	if ( basic ) {
		const [ id, ...secret ] = Buffer.from( basic, 'base64' )
			.toString( 'utf8' )
			.split( ':' );
		return {
			clientId: decodeURIComponent( id ?? '' ),
			secret: decodeURIComponent( secret.join( ':' ) ),
		};
	}
	return {
		clientId: form.get( 'client_id' ) ?? '',
		secret: form.get( 'client_secret' ) ?? undefined,
	};
}

/**
 * `Mail.Read` from `https://graph.microsoft.com/Mail.Read`.
 * @param scope Scope, possibly prefixed with the Graph resource.
 */
function shortScope( scope: string ): string {
	return scope.toLowerCase().startsWith( GRAPH_PREFIX )
		? scope.slice( GRAPH_PREFIX.length )
		: scope;
}

/**
 * Path segments, decoded, with OData key syntax turned into plain segments:
 * `mailFolders('inbox')` → `mailFolders`, `inbox`.
 * @param path Request path without query.
 */
function graphSegments( path: string ): string[] {
	const out: string[] = [];
	for ( const raw of path.split( '/' ).filter( Boolean ) ) {
		const segment = decodeURIComponent( raw );
		const keyed = /^([\w.$]+)\('((?:[^']|'')*)'\)$/.exec( segment );
		if ( keyed ) {
			out.push(
				keyed[ 1 ] ?? '',
				( keyed[ 2 ] ?? '' ).replace( /''/g, "'" )
			);
		} else {
			out.push( segment );
		}
	}
	return out;
}

/**
 * `mailFolders/{a}/childFolders/{b}/…` addresses folder b directly: ids are unique per mailbox.
 * @param rest Path segments after the mailbox.
 */
function flattenChildFolders( rest: string[] ): string[] {
	let path = rest;
	while (
		path[ 0 ]?.toLowerCase() === 'mailfolders' &&
		path[ 2 ]?.toLowerCase() === 'childfolders' &&
		path.length > 3
	) {
		path = [ 'mailFolders', ...path.slice( 3 ) ];
	}
	return path;
}

function isDelta( segment: string | undefined ): boolean {
	return (
		segment !== undefined &&
		/^(microsoft\.graph\.)?delta(\(\))?$/i.test( segment )
	);
}

function selectOf( url: URL ): string[] | undefined {
	const select = url.searchParams.get( '$select' );
	return select
		? select
				.split( ',' )
				.map( ( s ) => s.trim() )
				.filter( Boolean )
		: undefined;
}

function maxPageSize( req: IncomingMessage ): number {
	const prefer = String( req.headers[ 'prefer' ] ?? '' );
	const size = Number(
		/odata\.maxpagesize\s*=\s*(\d+)/i.exec( prefer )?.[ 1 ] ?? 10
	);
	return size > 0 ? size : 10;
}

function parseJson( body: Buffer ): unknown {
	if ( body.length === 0 ) {
		return undefined;
	}
	try {
		return JSON.parse( body.toString( 'utf8' ) ) as unknown;
	} catch {
		throw new GraphFailure(
			400,
			'BadRequest',
			'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.'
		);
	}
}

/**
 * Starts the fake on 127.0.0.1 (an ephemeral port unless `port` is given).
 *
 * @param opts                 Options.
 * @param opts.tlsDir          Where fakeTls keeps its CA and certificate.
 * @param opts.port            Fixed port.
 * @param opts.responseDelayMs Delay before every Graph response, to make concurrency observable.
 */
export async function startMicrosoftFake( opts: {
	tlsDir: string;
	port?: number;
	responseDelayMs?: number;
} ): Promise< MicrosoftFake > {
	const tls = fakeTls( opts.tlsDir );
	const fake = new Fake();
	fake.responseDelayMs = opts.responseDelayMs ?? 0;
	fake.caFile = tls.caFile;
	const server = https.createServer(
		{ key: tls.key, cert: tls.cert },
		( req, res ) => {
			void fake.handle( req, res );
		}
	);
	await new Promise< void >( ( resolve, reject ) => {
		server.once( 'error', reject );
		server.listen( opts.port ?? 0, '127.0.0.1', () => resolve() );
	} );
	const { port } = server.address() as AddressInfo;
	fake.server = server;
	fake.host = `127.0.0.1:${ port }`;
	fake.url = `https://${ fake.host }`;
	return fake;
}

/**
 * The `$filter` message delta accepts: `receivedDateTime ge|gt <ISO time>`; any other filter
 * is refused as Graph refuses it.
 *
 * @param filter The `$filter` query parameter, if any.
 */
function receivedFilter(
	filter: string | null
): { after: number; inclusive: boolean } | undefined {
	if ( filter === null || filter.trim() === '' ) {
		return undefined;
	}
	const parsed = /^\s*receivedDateTime\s+(ge|gt)\s+(\S+)\s*$/i.exec( filter );
	const at = Date.parse( parsed?.[ 2 ] ?? '' );
	if ( ! parsed || Number.isNaN( at ) ) {
		throw new GraphFailure(
			400,
			'ErrorInvalidUrlQueryFilter',
			`Message delta supports only $filter=receivedDateTime ge|gt <time>, not ${ filter }.`
		);
	}
	return {
		after: at,
		inclusive: ( parsed[ 1 ] ?? '' ).toLowerCase() === 'ge',
	};
}
