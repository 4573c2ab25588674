/**
 * Microsoft 365 / Outlook.com mailboxes through Microsoft Graph: `messages/delta` on the folder
 * from the stored delta link, MIME through `$value`, acknowledgement by isRead / move / delete.
 * At most four requests at once per mailbox, as Graph's mailbox limits ask; the client's retry
 * handler already waits out 429/503/504 as Retry-After says.
 *
 * Ids are immutable ids (Prefer: IdType="ImmutableId"), so a message keeps its key when moved.
 * The cursor is the delta link and the time of the listing (providers/polled.ts). An expired delta link
 * (410 or syncStateNotFound) leads to a resync: a new delta round over messages received since
 * an hour before the last listing, minus those already stored (the worker filters them).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

import {
	Client,
	GraphError,
	ResponseType,
	RetryHandlerOptions,
	type GraphRequest,
} from '@microsoft/microsoft-graph-client';

import { SidecarError } from '../errors.ts';
import type { MessageRef, ProviderConnection } from '../interfaces.ts';
import type {
	MailboxSnapshot,
	MailSource,
	ProviderListing,
} from './mail-source.ts';
import {
	providerEndpoints,
	type ProviderEndpoints,
} from './providers/endpoints.ts';
import type { GrantKeeper } from './providers/grant.ts';
import {
	MAX_WAIT_IN_PASS_MS,
	networkError,
	parseRetryAfter,
	tooBusy,
	withRetries,
	type HttpFailure,
} from './providers/http-failures.ts';
import { eachLimited, Semaphore } from './providers/limits.ts';
import { MicrosoftTokens } from './providers/microsoft-auth.ts';
import {
	decodeCursor,
	encodeCursor,
	PolledSource,
} from './providers/polled.ts';

/** Graph's limit of concurrent requests per mailbox. */
const CONCURRENCY = 4;

/** Delta page size asked for. */
const PAGE_SIZE = 100;

/** Slack before the last listing when a resync looks for what it may have missed. */
const RESYNC_SLACK_SECONDS = 3600;

/**
 * The client's retry handler waits out 429/503/504 as Retry-After says, up to three minutes a
 * time; a pass waits only short pauses, longer ones end it as `throttled` (the daemon waits).
 */
const RETRY_OPTIONS = new RetryHandlerOptions(
	3, // seconds, the client's default, when Graph gives no Retry-After
	3, // the client's default number of retries
	( _delay, _attempt, _request, _options, response ) =>
		( parseRetryAfter( response?.headers?.get( 'Retry-After' ) ) ?? 0 ) <=
		MAX_WAIT_IN_PASS_MS
);

/** Folders Graph knows by a well-known name. */
const WELL_KNOWN_FOLDERS = new Set( [
	'inbox',
	'archive',
	'deleteditems',
	'junkemail',
	'sentitems',
	'drafts',
	'outbox',
	'msgfolderroot',
] );

interface DeltaPage {
	value?: Array< { id?: string; '@removed'?: unknown } >;
	'@odata.nextLink'?: string;
	'@odata.deltaLink'?: string;
}

export class GraphSource extends PolledSource implements MailSource {
	readonly kind = 'graph' as const;
	readonly exactSizes = false;
	private readonly config: ProviderConnection;
	private readonly tokens: MicrosoftTokens;
	private readonly client: Client;
	private readonly slots = new Semaphore( CONCURRENCY );
	private readonly label: string;
	private folderId = '';
	/** The account the grant reads (after connect), part of the cursor's scope. */
	private accountAddress = '';
	private moveFolderId: string | null = null;

	/**
	 * @param config    Connection with its decrypted refresh token.
	 * @param keeper    Stores rotated refresh tokens and the grant's expiry.
	 * @param endpoints Microsoft's endpoints (the environment's by default).
	 */
	constructor(
		config: ProviderConnection,
		keeper: GrantKeeper,
		endpoints: ProviderEndpoints = providerEndpoints()
	) {
		super();
		this.config = config;
		this.label = `Connection #${ config.id } (${ config.mailboxAddress })`;
		this.tokens = new MicrosoftTokens(
			config.provider,
			endpoints,
			config.refreshToken,
			keeper,
			this.label
		);
		this.client = Client.initWithMiddleware( {
			baseUrl: endpoints.graphRoot,
			// Without its host here the client would send the token to no host but Microsoft's.
			customHosts: new Set( [ new URL( endpoints.graphRoot ).hostname ] ),
			authProvider: { getAccessToken: () => this.tokens.accessToken() },
		} );
	}

	async connect(): Promise< MailboxSnapshot > {
		if ( this.config.refreshToken === '' ) {
			throw new SidecarError(
				'consent_required',
				`${ this.label } is not authorised yet: click "Connect" on the connection in Email Piping › Connections.`
			);
		}
		const me = ( await this.request( 'reading the account', ( c ) =>
			c.api( '/me' ).select( 'mail,userPrincipalName' )
		) ) as { mail?: string; userPrincipalName?: string };
		this.accountAddress = String(
			me.mail || me.userPrincipalName || ''
		).toLowerCase();
		const folder = await this.folder( this.config.provider.folder, false );
		this.folderId = folder.id;
		if ( this.config.provider.afterImport === 'move' ) {
			this.moveFolderId = (
				await this.folder( this.config.provider.moveFolder, true )
			).id;
		}
		return { uidValidity: 0, uidNext: 0, exists: folder.total };
	}

	/** The address the grant reads, as connect() found it (for `check` and the exchange). */
	async account(): Promise< string > {
		return this.accountAddress;
	}

	sourceKey( ref: MessageRef ): string {
		// Graph ids are case-sensitive and long; the database compares keys without case and
		// keeps 190 characters: a hash of the id is exact in both.
		return `graph:${ createHash( 'sha256' )
			.update( ref.providerId ?? '' )
			.digest( 'hex' ) }`;
	}

	async listSince( stored: string | null ): Promise< ProviderListing > {
		const scope = `${ this.accountAddress }/${ this.folderId }`;
		const cursor = decodeCursor( stored, scope );
		const now = Math.floor( Date.now() / 1000 );
		const first = `/me/mailFolders/${ encodeURIComponent( this.folderId ) }/messages/delta`;
		if ( cursor === null ) {
			// "Now": a round over nothing but what arrives from now on; "all": the whole folder.
			const since = this.config.startFrom === 'all' ? null : now;
			const round = await this.deltaRound( first, since );
			return this.listing( round, now, false, scope );
		}
		try {
			return this.listing(
				await this.deltaRound( cursor.position, null ),
				now,
				false,
				scope
			);
		} catch ( err ) {
			if ( ! isExpiredDelta( err ) ) {
				throw err;
			}
		}
		const round = await this.deltaRound(
			first,
			cursor.listedAt - RESYNC_SLACK_SECONDS
		);
		return this.listing( round, now, true, scope );
	}

	async open( ref: MessageRef ): Promise< Readable > {
		// Streamed: Graph says no size before download, and the pipeline stops reading (and
		// quarantines) at the connection's size limit.
		const body = await this.download( ref, ResponseType.STREAM );
		return Readable.fromWeb( body as WebReadableStream );
	}

	async readMany( refs: MessageRef[] ): Promise< Map< number, Buffer > > {
		const out = new Map< number, Buffer >();
		await eachLimited( refs, CONCURRENCY, async ( ref ) => {
			try {
				out.set( ref.uid, await this.mime( ref ) );
			} catch ( err ) {
				// A message deleted meanwhile is left out; the caller opens it alone and learns why.
				if ( ! isNotFound( err ) ) {
					throw err;
				}
			}
		} );
		return out;
	}

	async acknowledge( refs: MessageRef[] ): Promise< void > {
		const { afterImport } = this.config.provider;
		if ( afterImport === 'leave' ) {
			return;
		}
		await eachLimited( refs, CONCURRENCY, async ( ref ) => {
			const path = `/me/messages/${ encodeURIComponent( ref.providerId ?? '' ) }`;
			if ( afterImport === 'delete' ) {
				// To Deleted Items, as a person deleting it would.
				await this.request(
					'deleting imported mail',
					( c ) => c.api( path ),
					'delete'
				);
				return;
			}
			await this.request(
				'marking imported mail read',
				( c ) => c.api( path ),
				'patch',
				{ isRead: true }
			);
			if ( afterImport === 'move' && this.moveFolderId !== null ) {
				await this.request(
					'moving imported mail',
					( c ) => c.api( `${ path }/move` ),
					'post',
					{ destinationId: this.moveFolderId }
				);
			}
		} );
	}

	/**
	 * One delta round, all pages: the ids of messages added or changed (never removed ones).
	 *
	 * @param url   First page: the folder's delta, or a stored delta link.
	 * @param since Only messages received from then on (epoch seconds), on a new round.
	 */
	private async deltaRound(
		url: string,
		since: number | null
	): Promise< { ids: string[]; deltaLink: string } > {
		const ids: string[] = [];
		let next: string | undefined = url;
		let first = true;
		while ( next !== undefined ) {
			const pageUrl: string = next;
			const withFilter = first && since !== null;
			const page = ( await this.request( 'listing new mail', ( c ) => {
				let request = c
					.api( pageUrl )
					.header(
						'Prefer',
						`odata.maxpagesize=${ PAGE_SIZE }, IdType="ImmutableId"`
					);
				if ( first && ! pageUrl.startsWith( 'http' ) ) {
					request = request.select( 'id,receivedDateTime' );
				}
				if ( withFilter ) {
					request = request.filter(
						`receivedDateTime ge ${ new Date( ( since ?? 0 ) * 1000 ).toISOString().replace( /\.\d+Z$/, 'Z' ) }`
					);
				}
				return request;
			} ) ) as DeltaPage;
			first = false;
			for ( const item of page.value ?? [] ) {
				if (
					item[ '@removed' ] === undefined &&
					typeof item.id === 'string'
				) {
					ids.push( item.id );
				}
			}
			const deltaLink = page[ '@odata.deltaLink' ];
			if ( typeof deltaLink === 'string' ) {
				return { ids, deltaLink };
			}
			next = page[ '@odata.nextLink' ];
		}
		throw new SidecarError(
			'protocol_error',
			`${ this.label }: Microsoft Graph ended a delta round without a delta link.`
		);
	}

	/**
	 * The listing of a round.
	 *
	 * @param round           Ids and delta link.
	 * @param round.ids       Ids of the messages listed.
	 * @param round.deltaLink Where the next round starts.
	 * @param now             Time of the round (epoch seconds).
	 * @param resynced        Whether it started over.
	 * @param scope           The account and folder the delta link belongs to.
	 */
	private listing(
		round: { ids: string[]; deltaLink: string },
		now: number,
		resynced: boolean,
		scope: string
	): ProviderListing {
		return {
			messages: [ ...new Set( round.ids ) ].map( ( id ) => ( {
				id,
				size: 0,
			} ) ),
			cursor: encodeCursor( {
				position: round.deltaLink,
				listedAt: now,
				scope,
			} ),
			resynced,
		};
	}

	/**
	 * A message's exact MIME bytes.
	 *
	 * @param ref Message.
	 */
	private async mime( ref: MessageRef ): Promise< Buffer > {
		// As an array buffer: otherwise the client decodes the MIME as text and the bytes are lost.
		const body = await this.download( ref, ResponseType.ARRAYBUFFER );
		return Buffer.from( body as ArrayBuffer );
	}

	/**
	 * Requests a message's MIME bytes ($value), answered in the form asked.
	 *
	 * @param ref  Message.
	 * @param form How the client hands over the body: a stream, or an array buffer.
	 */
	private download(
		ref: MessageRef,
		form: ResponseType
	): Promise< unknown > {
		return this.request( 'downloading a message', ( c ) =>
			c
				.api(
					`/me/messages/${ encodeURIComponent( ref.providerId ?? '' ) }/$value`
				)
				.header( 'Prefer', 'IdType="ImmutableId"' )
				.responseType( form )
		);
	}

	/**
	 * A folder's id and message count: a well-known name, or a display name among the top-level
	 * folders and the inbox's subfolders; created at the top level when `create` says.
	 *
	 * @param name   Folder name.
	 * @param create Whether to create it when missing.
	 */
	private async folder(
		name: string,
		create: boolean
	): Promise< { id: string; total: number } > {
		type Folder = { id?: string; totalItemCount?: number };
		const shape = ( f: Folder ) => ( {
			id: String( f.id ),
			total: Number( f.totalItemCount ?? 0 ),
		} );
		if ( WELL_KNOWN_FOLDERS.has( name.toLowerCase() ) ) {
			return shape(
				( await this.request( 'opening the folder', ( c ) =>
					c.api( `/me/mailFolders/${ name.toLowerCase() }` )
				) ) as Folder
			);
		}
		const quoted = name.replace( /'/g, "''" );
		for ( const parent of [
			'/me/mailFolders',
			'/me/mailFolders/inbox/childFolders',
		] ) {
			const found = ( await this.request(
				'looking up the folder',
				( c ) =>
					c.api( parent ).filter( `displayName eq '${ quoted }'` )
			) ) as { value?: Folder[] };
			const folder = found.value?.[ 0 ];
			if ( folder?.id ) {
				return shape( folder );
			}
		}
		if ( ! create ) {
			throw new SidecarError(
				'folder_not_found',
				`${ this.label }: the mailbox has no folder "${ name }": check the folder name in the connection settings (inbox for the inbox).`
			);
		}
		return shape(
			( await this.request(
				'creating the folder for processed mail',
				( c ) => c.api( '/me/mailFolders' ),
				'post',
				{ displayName: name }
			) ) as Folder
		);
	}

	/**
	 * A Graph request within the mailbox's concurrency limit; a 401 refreshes the access token
	 * once and tries again; errors come out explained (an expired delta link as it is).
	 *
	 * @param what   What it does.
	 * @param build  Builds the request.
	 * @param method HTTP method.
	 * @param body   JSON body.
	 */
	private async request(
		what: string,
		build: ( client: Client ) => GraphRequest,
		method: 'get' | 'post' | 'patch' | 'delete' = 'get',
		body?: unknown
	): Promise< unknown > {
		const send = (): Promise< unknown > =>
			this.slots.run( async () => {
				// A token first: a refused grant then surfaces as itself, not as a failed request.
				await this.tokens.accessToken();
				const request = build( this.client ).middlewareOptions( [
					RETRY_OPTIONS,
				] );
				switch ( method ) {
					case 'get':
						return request.get();
					case 'post':
						return request.post( body );
					case 'patch':
						return request.patch( body );
					case 'delete':
						return request.delete();
				}
			} );
		try {
			return await withRetries(
				`${ this.label }: ${ what }`,
				async () => {
					try {
						return await send();
					} catch ( err ) {
						if ( graphFailure( err )?.status !== 401 ) {
							throw err;
						}
						// The token was refused before its time (revoked, or the clock is off): once more.
						await this.tokens.accessToken( true );
						return send();
					}
				},
				graphFailure,
				2
			);
		} catch ( err ) {
			if ( isExpiredDelta( err ) ) {
				throw err;
			}
			throw describeGraphError( err, this.label, what );
		}
	}
}

/**
 * Status and Retry-After of a failed Graph request, or null when it is no HTTP error.
 *
 * @param err Error from the Graph client.
 */
function graphFailure( err: unknown ): HttpFailure | null {
	if ( ! ( err instanceof GraphError ) || err.statusCode <= 0 ) {
		return null;
	}
	return {
		status: err.statusCode,
		retryAfterMs: parseRetryAfter( err.headers?.get( 'Retry-After' ) ),
	};
}

/**
 * Whether Graph says the delta link is no longer valid: 410 Gone, or a 4xx whose code names
 * a lost sync state (compared without case, as the documentation spells it several ways).
 *
 * @param err Error.
 */
function isExpiredDelta( err: unknown ): boolean {
	if ( ! ( err instanceof GraphError ) ) {
		return false;
	}
	const code = String( err.code ?? '' ).toLowerCase();
	return (
		err.statusCode === 410 ||
		( err.statusCode >= 400 &&
			err.statusCode < 500 &&
			[
				'syncstatenotfound',
				'syncstateinvalid',
				'resyncrequired',
			].includes( code ) )
	);
}

/**
 * Whether Graph says the item does not exist (deleted meanwhile).
 *
 * @param err Error.
 */
function isNotFound( err: unknown ): boolean {
	const cause = err instanceof SidecarError ? err.cause : err;
	return cause instanceof GraphError && cause.statusCode === 404;
}

/**
 * What a failed Graph call means, in words a site owner can act on.
 *
 * @param err   The error.
 * @param label Connection label.
 * @param what  What was being done.
 */
function describeGraphError(
	err: unknown,
	label: string,
	what: string
): SidecarError {
	if ( err instanceof SidecarError ) {
		return err;
	}
	const http = graphFailure( err );
	if ( http === null ) {
		return networkError( err, label, 'Microsoft' );
	}
	const words = `${ ( err as GraphError ).code ?? '' }: ${ ( err as GraphError ).message }`;
	if ( http.status === 401 ) {
		return new SidecarError(
			'auth_failed',
			`${ label }: Microsoft Graph refused the access token even after a refresh (${ words }): authorise the connection again.`,
			err
		);
	}
	if ( http.status === 403 ) {
		return new SidecarError(
			'auth_failed',
			`${ label }: Microsoft Graph refused ${ what } (${ words }): the grant must include Mail.ReadWrite, and an administrator may have to consent for the organisation; then authorise again.`,
			err
		);
	}
	if ( http.status === 429 || http.status >= 500 ) {
		return tooBusy( `${ label }: ${ what }`, http, err );
	}
	return new SidecarError(
		'protocol_error',
		`${ label }: Microsoft Graph answered HTTP ${ http.status } to ${ what } (${ words }).`,
		err
	);
}
