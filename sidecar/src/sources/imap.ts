/**
 * IMAP through imapflow: TLS verified by default, BODY.PEEK downloads, IDLE for new-mail events.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';

import { ImapFlow, type ImapFlowOptions } from 'imapflow';

import { errorProperty, SidecarError } from '../errors.ts';
import type { ImapConnection, MessageRef } from '../interfaces.ts';
import {
	Base64Decoder,
	bigSections,
	renderSkeleton,
	skeletonSections,
} from './imap-parts.ts';
import type {
	MailboxSnapshot,
	MailSource,
	PartwiseMessage,
} from './mail-source.ts';

/**
 * Socket inactivity limit: a half-open connection is noticed within this (imapflow's default
 * is 5 minutes). IDLE is restarted every MAX_IDLE_MS, so an idle mailbox never hits it.
 */
const SOCKET_TIMEOUT_MS = 90_000;
const MAX_IDLE_MS = 60_000;
const CONNECT_TIMEOUT_MS = 20_000;

/** Silence after which the connection enters IDLE. */
const AUTO_IDLE_DELAY_MS = 300;

/** Partial-fetch size of downloads: large enough for throughput, small enough for memory. */
const DOWNLOAD_CHUNK_BYTES = 1024 * 1024;

/**
 * Encoded bytes per request when a left-out attachment is fetched. Measured on the 34 MB email:
 * 1 MB and 2 MB requests import at the same speed, and 1 MB keeps the peak RSS about 20 MB lower
 * (about three requests' worth are held at a time).
 */
const SECTION_CHUNK_BYTES = 1024 * 1024;

export class ImapSource implements MailSource {
	readonly kind = 'imap' as const;
	private readonly client: ImapFlow;
	private readonly config: ImapConnection;

	/**
	 * @param config Connection with its decrypted password.
	 */
	constructor( config: ImapConnection ) {
		this.config = config;
		this.client = new ImapFlow( imapOptions( config ) );
		// imapflow emits 'error' on socket failures; without a listener Node would crash the process.
		this.client.on( 'error', () => undefined );
	}

	async connect(): Promise< MailboxSnapshot > {
		try {
			await this.client.connect();
		} catch ( err ) {
			throw describeImapError( err, this.config );
		}
		if ( this.config.imap.afterImport === 'move' ) {
			await this.ensureFolder( this.config.imap.moveFolder );
		}
		try {
			const box = await this.client.mailboxOpen(
				this.config.imap.folder
			);
			return {
				uidValidity: Number( box.uidValidity ),
				uidNext: box.uidNext,
				exists: box.exists,
			};
		} catch ( err ) {
			throw new SidecarError(
				'folder_not_found',
				`${ label( this.config ) }: the folder "${ this.config.imap.folder }" cannot be opened; check the folder name in the connection settings.`,
				err
			);
		}
	}

	/**
	 * Creates the folder processed mail is moved to, unless it exists.
	 *
	 * @param folder Folder path.
	 */
	private async ensureFolder( folder: string ): Promise< void > {
		const existing = await this.client.list();
		if ( existing.some( ( box ) => box.path === folder ) ) {
			return;
		}
		try {
			await this.client.mailboxCreate( folder );
		} catch ( err ) {
			throw new SidecarError(
				'folder_not_found',
				`${ label( this.config ) }: the folder "${ folder }" for processed mail does not exist and cannot be created; create it or choose another in the connection settings.`,
				err
			);
		}
	}

	async listAfter( afterUid: number ): Promise< MessageRef[] > {
		const refs: MessageRef[] = [];
		// "n:*" always matches the newest message even when its UID is below n, hence the filter.
		for await ( const msg of this.client.fetch(
			`${ afterUid + 1 }:*`,
			{ uid: true, size: true },
			{ uid: true }
		) ) {
			if ( msg.uid > afterUid ) {
				refs.push( { uid: msg.uid, size: msg.size ?? 0 } );
			}
		}
		return refs.sort( ( a, b ) => a.uid - b.uid );
	}

	async open( ref: MessageRef ): Promise< Readable > {
		// download() asks for BODY.PEEK[] in partial chunks, so the message is never marked
		// \Seen and never held whole in memory here.
		const download = await this.client.download(
			String( ref.uid ),
			undefined,
			{
				uid: true,
				chunkSize: DOWNLOAD_CHUNK_BYTES,
			}
		);
		if ( ! download.content ) {
			throw new SidecarError(
				'protocol_error',
				`message UID ${ ref.uid } is no longer in the mailbox`
			);
		}
		return download.content;
	}

	async readMany( refs: MessageRef[] ): Promise< Map< number, Buffer > > {
		const found = new Map< number, Buffer >();
		if ( refs.length === 0 ) {
			return found;
		}
		// One UID FETCH of BODY.PEEK[] for the lot: a round trip per batch instead of two per
		// message (download() asks the size first). Only for messages known to be small, as
		// imapflow holds each answer whole.
		for await ( const msg of this.client.fetch(
			refs.map( ( r ) => r.uid ).join( ',' ),
			{ uid: true, source: true },
			{ uid: true }
		) ) {
			if ( msg.source ) {
				found.set( msg.uid, msg.source );
			}
		}
		return found;
	}

	async readPartwise( ref: MessageRef ): Promise< PartwiseMessage | null > {
		const uid = String( ref.uid );
		const shape = await this.client.fetchOne(
			uid,
			{ uid: true, bodyStructure: true },
			{ uid: true }
		);
		const root = shape ? shape.bodyStructure : undefined;
		const big = root ? bigSections( root ) : new Set< string >();
		if ( root === undefined || big.size === 0 ) {
			return null;
		}
		const answer = await this.client.fetchOne(
			uid,
			{
				uid: true,
				headers: true,
				bodyParts: skeletonSections( root, big ),
			},
			{ uid: true }
		);
		// Without a Message-ID the email is known by the hash of its raw bytes: read it whole then,
		// so every copy of it gets the same key whichever way it is read.
		if (
			! answer ||
			answer.headers === undefined ||
			! /^message-id:/im.test( answer.headers.toString( 'latin1' ) )
		) {
			return null;
		}
		const skeleton = renderSkeleton(
			root,
			answer.headers,
			answer.bodyParts ?? new Map(),
			big
		);
		if ( skeleton === null ) {
			return null;
		}
		return {
			skeleton,
			sections: big,
			openSection: async ( section ) => this.openSection( uid, section ),
		};
	}

	/**
	 * Streams one left-out section, decoded, in chunks fetched one after the other (one read
	 * ahead while the consumer stores the last: two big emails are read at once, and two
	 * chunks ahead each had taken the mix's peak RSS to 267 MB in one run). The section is
	 * fetched as it is stored and decoded here: measured on Dovecot, its own decoding (BINARY)
	 * runs at about 50 MB/s on a message it has not decoded before, copying the base64 at
	 * 100–130 MB/s.
	 *
	 * @param uid     Message UID.
	 * @param section Section, e.g. "2".
	 */
	private openSection( uid: string, section: string ): Readable {
		const client = this.client;
		const key = section.toLowerCase();
		async function* chunks(): AsyncGenerator< Buffer > {
			const decoder = new Base64Decoder();
			for ( let offset = 0; ; ) {
				const answer = await client.fetchOne(
					uid,
					{
						uid: true,
						bodyParts: [
							{
								key: section,
								start: offset,
								maxLength: SECTION_CHUNK_BYTES,
							},
						],
					},
					{ uid: true }
				);
				const data = answer ? answer.bodyParts?.get( key ) : undefined;
				if ( ! answer || data === undefined ) {
					throw new SidecarError(
						'protocol_error',
						`part ${ section } of message UID ${ uid } is no longer in the mailbox`
					);
				}
				yield decoder.decode( data );
				offset += data.length;
				if ( data.length < SECTION_CHUNK_BYTES ) {
					break;
				}
			}
			yield decoder.finish();
		}
		return Readable.from( chunks(), { highWaterMark: 1 } );
	}

	readonly exactSizes = true;

	fork(): MailSource {
		return new ImapSource( this.config );
	}

	sourceKey( ref: MessageRef, uidValidity: number ): string {
		return `imap:${ uidValidity }:${ ref.uid }`;
	}

	async acknowledge( refs: MessageRef[] ): Promise< void > {
		const { afterImport, moveFolder } = this.config.imap;
		if ( afterImport === 'leave' ) {
			return;
		}
		const range = refs.map( ( ref ) => ref.uid ).join( ',' );
		if ( afterImport === 'delete' ) {
			// Without UIDPLUS, EXPUNGE would also remove every other message someone flagged
			// \Deleted; then the message is only flagged and the server's own cleanup removes it.
			await ( this.has( 'UIDPLUS' )
				? this.client.messageDelete( range, { uid: true } )
				: this.client.messageFlagsAdd( range, [ '\\Deleted' ], {
						uid: true,
					} ) );
			return;
		}
		await this.client.messageFlagsAdd( range, [ '\\Seen' ], { uid: true } );
		if ( afterImport === 'move' ) {
			if ( this.has( 'MOVE' ) || this.has( 'UIDPLUS' ) ) {
				// imapflow falls back to COPY + UID EXPUNGE when MOVE is missing.
				await this.client.messageMove( range, moveFolder, {
					uid: true,
				} );
			} else {
				await this.client.messageCopy( range, moveFolder, {
					uid: true,
				} );
				await this.client.messageFlagsAdd( range, [ '\\Deleted' ], {
					uid: true,
				} );
			}
		}
	}

	/**
	 * Whether the server announced a capability.
	 *
	 * @param name Capability, e.g. "MOVE".
	 */
	private has( name: string ): boolean {
		return this.client.capabilities.has( name );
	}

	onNewMail( listener: () => void ): void {
		this.client.on( 'exists', listener );
	}

	listening(): boolean {
		return this.has( 'IDLE' );
	}

	onClose( listener: ( err: Error | null ) => void ): void {
		this.client.once( 'close', () => listener( null ) );
	}

	async close(): Promise< void > {
		try {
			await this.client.logout();
		} catch {
			this.client.close();
		}
	}
}

function label( config: ImapConnection ): string {
	return `Connection #${ config.id } (${ config.imap.username }@${ config.imap.host }:${ config.imap.port })`;
}

function imapOptions( config: ImapConnection ): ImapFlowOptions {
	const { imap } = config;
	const tls: NonNullable< ImapFlowOptions[ 'tls' ] > = {
		rejectUnauthorized: imap.verifyTls,
		minVersion: 'TLSv1.2',
	};
	if ( imap.caFile !== '' ) {
		tls.ca = fs.readFileSync( imap.caFile );
	}
	return {
		host: imap.host,
		port: imap.port,
		secure: imap.security === 'tls',
		doSTARTTLS: imap.security === 'starttls' ? true : false,
		tls,
		auth: { user: imap.username, pass: config.password },
		logger: false,
		connectionTimeout: CONNECT_TIMEOUT_MS,
		greetingTimeout: CONNECT_TIMEOUT_MS,
		socketTimeout: SOCKET_TIMEOUT_MS,
		// imapflow waits 15 s of silence before it IDLEs; new mail arriving in that window would
		// wait for the next poll. A pass issues its commands back to back, so a short delay is safe.
		autoIdleDelay: AUTO_IDLE_DELAY_MS,
		maxIdleTime: MAX_IDLE_MS,
	};
}

/**
 * Maps imapflow/socket failures to our codes with a sentence naming the fix.
 *
 * @param err    What imapflow threw.
 * @param config The connection.
 */
export function describeImapError(
	err: unknown,
	config: ImapConnection
): SidecarError {
	const who = label( config );
	if (
		typeof err === 'object' &&
		err !== null &&
		( err as { authenticationFailed?: boolean } ).authenticationFailed
	) {
		return new SidecarError(
			'auth_failed',
			`${ who }: the IMAP server rejected the username or password; correct them in Email Piping › Connections.`,
			err
		);
	}
	const code = errorProperty( err, 'code' ) ?? '';
	if ( /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|EPROTO/.test( code ) ) {
		return new SidecarError(
			'tls_failed',
			`${ who }: the server's TLS certificate could not be verified (${ code }); use the server's real host name, add its CA file, or turn off verification for this connection only.`,
			err
		);
	}
	if (
		code === 'ETIMEDOUT' ||
		code === 'ETIMEOUT' ||
		/timeout/i.test( code )
	) {
		return new SidecarError(
			'timeout',
			`${ who }: the server did not answer in time; check the host, the port and any firewall.`,
			err
		);
	}
	if (
		code === 'ECONNREFUSED' ||
		code === 'ENOTFOUND' ||
		code === 'EHOSTUNREACH' ||
		code === 'ECONNRESET'
	) {
		return new SidecarError(
			'connect_failed',
			`${ who }: cannot connect (${ code }); check the host and port.`,
			err
		);
	}
	return new SidecarError(
		'protocol_error',
		`${ who }: ${ errorProperty( err, 'message' ) ?? 'IMAP error' }.`,
		err
	);
}
