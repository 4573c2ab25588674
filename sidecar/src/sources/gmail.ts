/**
 * Gmail through its REST API (@googleapis/gmail): incremental listing from the stored history
 * id, messages fetched `format=raw` after their size estimate, acknowledgement by label.
 *
 * The cursor is the history id and the time of the listing (providers/polled.ts). A history id Gmail no
 * longer knows (404, after about a week) leads to a resync: the folder's messages received
 * since an hour before the last listing, minus those already stored (the worker filters them).
 */
import { Readable } from 'node:stream';

import { gmail, type gmail_v1 as GmailV1 } from '@googleapis/gmail';
import type { OAuth2Client } from 'google-auth-library';

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
import {
	describeGoogleError,
	googleClient,
	googleHttpFailure,
	keepGoogleGrant,
} from './providers/google-auth.ts';
import type { GrantKeeper } from './providers/grant.ts';
import { withRetries } from './providers/http-failures.ts';
import { eachLimited } from './providers/limits.ts';
import {
	decodeCursor,
	encodeCursor,
	PolledSource,
	type ProviderCursor,
} from './providers/polled.ts';

/** Requests to Gmail at once per mailbox. */
const CONCURRENCY = 4;

/** Per-request time limit. */
const REQUEST_TIMEOUT_MS = 60_000;

/** Slack before the last listing when a resync looks for what it may have missed. */
const RESYNC_SLACK_SECONDS = 3600;

/** Gmail's system labels are addressed by id; user labels by name. */
const SYSTEM_LABELS = new Set( [
	'INBOX',
	'SPAM',
	'TRASH',
	'UNREAD',
	'STARRED',
	'IMPORTANT',
	'SENT',
	'DRAFT',
	'CATEGORY_PERSONAL',
	'CATEGORY_SOCIAL',
	'CATEGORY_PROMOTIONS',
	'CATEGORY_UPDATES',
	'CATEGORY_FORUMS',
] );

export class GmailSource extends PolledSource implements MailSource {
	readonly kind = 'gmail' as const;
	readonly exactSizes = false;
	private readonly config: ProviderConnection;
	private readonly auth: OAuth2Client;
	private readonly api: GmailV1.Gmail;
	private readonly grantSaved: () => Promise< void >;
	private readonly keeper: GrantKeeper;
	private readonly label: string;
	private folderLabel = 'INBOX';
	/** The account the grant reads (after connect), part of the cursor's scope. */
	private accountAddress = '';
	private moveLabel: string | null = null;

	/**
	 * @param config    Connection with its decrypted refresh token.
	 * @param keeper    Stores rotated refresh tokens and the grant's expiry.
	 * @param endpoints Google's endpoints (the environment's by default).
	 */
	constructor(
		config: ProviderConnection,
		keeper: GrantKeeper,
		endpoints: ProviderEndpoints = providerEndpoints()
	) {
		super();
		this.config = config;
		this.keeper = keeper;
		this.label = `Connection #${ config.id } (${ config.mailboxAddress })`;
		this.auth = googleClient( config.provider, endpoints );
		this.grantSaved = keepGoogleGrant(
			this.auth,
			config.refreshToken,
			keeper,
			() => undefined
		);
		this.api = gmail( {
			version: 'v1',
			auth: this.auth,
			rootUrl: endpoints.gmailRoot,
		} );
	}

	async connect(): Promise< MailboxSnapshot > {
		if ( this.config.refreshToken === '' ) {
			throw new SidecarError(
				'consent_required',
				`${ this.label } is not authorised yet: click "Connect" on the connection in Email Piping › Connections.`
			);
		}
		const profile = await this.call( 'reading the mailbox profile', () =>
			this.api.users.getProfile( { userId: 'me' }, options() )
		);
		this.accountAddress = String(
			profile.data.emailAddress ?? ''
		).toLowerCase();
		await this.keeper.recordGrant( this.accountAddress || null );
		this.folderLabel = await this.labelId(
			this.config.provider.folder,
			false
		);
		if ( this.config.provider.afterImport === 'move' ) {
			this.moveLabel = await this.labelId(
				this.config.provider.moveFolder,
				true
			);
		}
		return {
			uidValidity: 0,
			uidNext: 0,
			exists: Number( profile.data.messagesTotal ?? 0 ),
		};
	}

	/** The address the grant reads, as connect() found it (for `check` and the exchange). */
	async account(): Promise< string > {
		return this.accountAddress;
	}

	override async close(): Promise< void > {
		// A refresh token Google sent is stored before the source is let go.
		await this.grantSaved();
		await super.close();
	}

	sourceKey( ref: MessageRef ): string {
		return `gmail:${ ref.providerId ?? '' }`;
	}

	async listSince( stored: string | null ): Promise< ProviderListing > {
		const scope = `${ this.accountAddress }/${ this.folderLabel }`;
		const cursor = decodeCursor( stored, scope );
		const now = Math.floor( Date.now() / 1000 );
		if ( cursor === null ) {
			const historyId = await this.historyId();
			const ids =
				this.config.startFrom === 'all'
					? await this.listFolder( null )
					: [];
			return this.listing(
				ids,
				{ position: historyId, listedAt: now, scope },
				false
			);
		}
		try {
			const { ids, historyId } = await this.history( cursor.position );
			return this.listing(
				ids,
				{ position: historyId, listedAt: now, scope },
				false
			);
		} catch ( err ) {
			if ( googleHttpFailure( err )?.status !== 404 ) {
				throw describeGoogleError(
					err,
					this.label,
					'listing new mail'
				);
			}
		}
		// The history id expired: list what arrived since shortly before the last listing.
		const historyId = await this.historyId();
		const ids = await this.listFolder(
			cursor.listedAt - RESYNC_SLACK_SECONDS
		);
		return this.listing(
			ids,
			{ position: historyId, listedAt: now, scope },
			true
		);
	}

	async open( ref: MessageRef ): Promise< Readable > {
		const raw = await this.raw( ref );
		if ( raw === null ) {
			throw new SidecarError(
				'protocol_error',
				`${ this.label }: the message ${ ref.providerId ?? '' } is no longer in Gmail.`
			);
		}
		return Readable.from( [ raw ] );
	}

	async readMany( refs: MessageRef[] ): Promise< Map< number, Buffer > > {
		const out = new Map< number, Buffer >();
		await eachLimited( refs, CONCURRENCY, async ( ref ) => {
			const raw = await this.raw( ref );
			if ( raw !== null ) {
				out.set( ref.uid, raw );
			}
		} );
		return out;
	}

	async acknowledge( refs: MessageRef[] ): Promise< void > {
		const ids = refs
			.map( ( ref ) => ref.providerId )
			.filter( ( id ): id is string => typeof id === 'string' );
		const { afterImport } = this.config.provider;
		if ( ids.length === 0 || afterImport === 'leave' ) {
			return;
		}
		if ( afterImport === 'delete' ) {
			// To the bin, as a person deleting it would: Gmail empties it after 30 days.
			await eachLimited( ids, CONCURRENCY, ( id ) =>
				this.call( 'moving imported mail to the bin', () =>
					this.api.users.messages.trash(
						{ userId: 'me', id },
						options()
					)
				)
			);
			return;
		}
		const requestBody: GmailV1.Schema$BatchModifyMessagesRequest = {
			ids,
			removeLabelIds: [ 'UNREAD' ],
		};
		if ( afterImport === 'move' && this.moveLabel !== null ) {
			requestBody.addLabelIds = [ this.moveLabel ];
			requestBody.removeLabelIds = [ 'UNREAD', this.folderLabel ];
		}
		await this.call( 'marking imported mail', () =>
			this.api.users.messages.batchModify(
				{ userId: 'me', requestBody },
				options()
			)
		);
	}

	/**
	 * The mailbox's current history id.
	 */
	private async historyId(): Promise< string > {
		const profile = await this.call( 'reading the mailbox profile', () =>
			this.api.users.getProfile( { userId: 'me' }, options() )
		);
		return String( profile.data.historyId ?? '0' );
	}

	/**
	 * Messages added to the folder since a history id (all pages).
	 *
	 * @param start History id of the last listing.
	 * @throws The Gmail client's error (a 404 means the id expired).
	 */
	private async history(
		start: string
	): Promise< { ids: string[]; historyId: string } > {
		const ids: string[] = [];
		let historyId = start;
		let pageToken: string | undefined;
		do {
			const page = await withRetries(
				`${ this.label }: listing new mail`,
				() =>
					this.api.users.history.list(
						{
							userId: 'me',
							startHistoryId: start,
							labelId: this.folderLabel,
							// Also mail moved into the folder later ("Not spam", a filter, a person).
							historyTypes: [ 'messageAdded', 'labelAdded' ],
							maxResults: 500,
							...( pageToken ? { pageToken } : {} ),
						},
						options()
					),
				googleHttpFailure
			);
			for ( const record of page.data.history ?? [] ) {
				for ( const labelled of record.labelsAdded ?? [] ) {
					if (
						typeof labelled.message?.id === 'string' &&
						( labelled.labelIds ?? [] ).includes( this.folderLabel )
					) {
						ids.push( labelled.message.id );
					}
				}
				for ( const added of record.messagesAdded ?? [] ) {
					const message = added.message;
					if (
						typeof message?.id === 'string' &&
						( message.labelIds ?? [ this.folderLabel ] ).includes(
							this.folderLabel
						)
					) {
						ids.push( message.id );
					}
				}
			}
			historyId = String( page.data.historyId ?? historyId );
			pageToken = page.data.nextPageToken ?? undefined;
		} while ( pageToken );
		return { ids, historyId };
	}

	/**
	 * The folder's messages, oldest first: all of them, or those received after a time.
	 *
	 * @param after Epoch seconds, or null for all.
	 */
	private async listFolder( after: number | null ): Promise< string[] > {
		const ids: string[] = [];
		let pageToken: string | undefined;
		do {
			const page = await this.call( 'listing the folder', () =>
				this.api.users.messages.list(
					{
						userId: 'me',
						labelIds: [ this.folderLabel ],
						maxResults: 500,
						...( after !== null
							? { q: `after:${ Math.max( 0, after ) }` }
							: {} ),
						...( pageToken ? { pageToken } : {} ),
					},
					options()
				)
			);
			for ( const message of page.data.messages ?? [] ) {
				if ( typeof message.id === 'string' ) {
					ids.push( message.id );
				}
			}
			pageToken = page.data.nextPageToken ?? undefined;
		} while ( pageToken );
		// Gmail lists newest first.
		return ids.reverse();
	}

	/**
	 * Sizes of listed messages (their estimate, before any download), oldest first.
	 *
	 * @param ids      Message ids.
	 * @param cursor   Cursor after them.
	 * @param resynced Whether this listing started over.
	 */
	private async listing(
		ids: string[],
		cursor: ProviderCursor,
		resynced: boolean
	): Promise< ProviderListing > {
		const unique = [ ...new Set( ids ) ];
		const sizes = new Map< string, number | null >();
		await eachLimited( unique, CONCURRENCY, async ( id ) => {
			sizes.set( id, await this.sizeEstimate( id ) );
		} );
		return {
			messages: unique
				.filter( ( id ) => sizes.get( id ) !== null )
				.map( ( id ) => ( { id, size: sizes.get( id ) ?? 0 } ) ),
			cursor: encodeCursor( cursor ),
			resynced,
		};
	}

	/**
	 * Gmail's size estimate of a message, or null when it is gone (deleted meanwhile).
	 *
	 * @param id Message id.
	 */
	private async sizeEstimate( id: string ): Promise< number | null > {
		try {
			const message = await withRetries(
				`${ this.label }: reading a message's size`,
				() =>
					this.api.users.messages.get(
						{ userId: 'me', id, format: 'minimal' },
						options()
					),
				googleHttpFailure
			);
			return Number( message.data.sizeEstimate ?? 0 );
		} catch ( err ) {
			if ( googleHttpFailure( err )?.status === 404 ) {
				return null;
			}
			throw describeGoogleError( err, this.label, 'reading a message' );
		}
	}

	/**
	 * A message's exact bytes, or null when it is gone.
	 *
	 * @param ref Message.
	 */
	private async raw( ref: MessageRef ): Promise< Buffer | null > {
		try {
			const message = await withRetries(
				`${ this.label }: downloading a message`,
				() =>
					this.api.users.messages.get(
						{
							userId: 'me',
							id: ref.providerId ?? '',
							format: 'raw',
						},
						options()
					),
				googleHttpFailure
			);
			// base64url, possibly padded; Node's base64 decoder takes both alphabets and padding.
			return Buffer.from( String( message.data.raw ?? '' ), 'base64' );
		} catch ( err ) {
			if ( googleHttpFailure( err )?.status === 404 ) {
				return null;
			}
			throw describeGoogleError(
				err,
				this.label,
				'downloading a message'
			);
		}
	}

	/**
	 * A label's id: system labels by id, user labels by name (case-insensitive); a missing
	 * label for processed mail is created.
	 *
	 * @param name   Label name or system id.
	 * @param create Whether to create it when missing.
	 */
	private async labelId( name: string, create: boolean ): Promise< string > {
		if ( SYSTEM_LABELS.has( name.toUpperCase() ) ) {
			return name.toUpperCase();
		}
		const labels = await this.call( 'listing labels', () =>
			this.api.users.labels.list( { userId: 'me' }, options() )
		);
		const found = ( labels.data.labels ?? [] ).find(
			( l ) =>
				( l.name ?? '' ).toLowerCase() === name.toLowerCase() ||
				l.id === name
		);
		if ( found?.id ) {
			return found.id;
		}
		if ( ! create ) {
			throw new SidecarError(
				'folder_not_found',
				`${ this.label }: Gmail has no label "${ name }": check the label name in the connection settings (INBOX for the inbox).`
			);
		}
		const made = await this.call(
			'creating the label for processed mail',
			() =>
				this.api.users.labels.create(
					{
						userId: 'me',
						requestBody: {
							name,
							labelListVisibility: 'labelShow',
							messageListVisibility: 'show',
						},
					},
					options()
				)
		);
		return String( made.data.id );
	}

	/**
	 * A Gmail call with throttling handled and errors explained.
	 *
	 * @param what What it does.
	 * @param call The call.
	 */
	private async call< T >(
		what: string,
		call: () => Promise< T >
	): Promise< T > {
		try {
			return await withRetries(
				`${ this.label }: ${ what }`,
				call,
				googleHttpFailure
			);
		} catch ( err ) {
			throw describeGoogleError( err, this.label, what );
		}
	}
}

/**
 * Request options: gaxios' own retries ignore Retry-After, so throttling is handled here.
 */
function options(): { retry: boolean; timeout: number } {
	return { retry: false, timeout: REQUEST_TIMEOUT_MS };
}
