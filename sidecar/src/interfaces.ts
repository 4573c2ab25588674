/**
 * Types shared across the sidecar's layers.
 */

export type SourceKind = 'imap' | 'gmail' | 'graph';

/** Sources reached over an HTTP API with OAuth: Gmail and Microsoft Graph. */
export type ProviderKind = Exclude< SourceKind, 'imap' >;

/** What to do with a message at the source once it is safely stored. */
export type AfterImport = 'mark_read' | 'move' | 'delete' | 'leave';

export interface ImapSettings {
	readonly host: string;
	readonly port: number;
	/** "tls" = implicit TLS (993), "starttls" = upgrade on 143, "none" = plain (loopback/testing only). */
	readonly security: 'tls' | 'starttls' | 'none';
	/** Certificate verification; off only by an explicit per-connection choice. */
	readonly verifyTls: boolean;
	/** Extra CA certificate file (PEM) for servers with a private CA. */
	readonly caFile: string;
	readonly username: string;
	readonly folder: string;
	readonly afterImport: AfterImport;
	/** Destination of "move" (created when missing). */
	readonly moveFolder: string;
}

interface ConnectionBase {
	readonly id: number;
	readonly name: string;
	readonly enabled: boolean;
	/** The piped address (support@…); replies must be sent to it. */
	readonly mailboxAddress: string;
	/** Largest email imported; bigger ones are quarantined as too large, never downloaded. */
	readonly maxMessageBytes: number;
	/** On first contact: import what is already there ("all") or only mail that arrives later ("now"). */
	readonly startFrom: 'now' | 'all';
}

export interface ImapConnection extends ConnectionBase {
	readonly kind: 'imap';
	readonly imap: ImapSettings;
	/** Decrypted password; never logged. */
	readonly password: string;
}

/** A Gmail or Microsoft 365 mailbox read through the provider's API. */
export interface ProviderSettings {
	/** The OAuth app registered by the site owner. */
	readonly clientId: string;
	/** Decrypted client secret; never logged. */
	readonly clientSecret: string;
	/** Microsoft: the directory (tenant) id or "common" / "organizations" / "consumers". */
	readonly tenant: string;
	/** Gmail label (INBOX, or a label's name) or Microsoft folder (inbox, or a folder's name). */
	readonly folder: string;
	readonly afterImport: AfterImport;
	/** Label or folder processed mail is moved to (created when missing). */
	readonly moveFolder: string;
}

export interface ProviderConnection extends ConnectionBase {
	readonly kind: ProviderKind;
	readonly provider: ProviderSettings;
	/** Decrypted refresh token; '' until the connection is authorised. Never logged. */
	readonly refreshToken: string;
	/**
	 * The row's updated_at when it was read: a new authorisation changes it, and a rotated
	 * token of the grant before is then no longer stored over the new one.
	 */
	readonly grantVersion: string;
}

export type ConnectionConfig = ImapConnection | ProviderConnection;

/** A message's place in its mailbox and its size, before any download. */
export interface MessageRef {
	/**
	 * IMAP: the UID. Gmail and Graph: the message's place in the connection's sequence of
	 * listed messages (see worker.ts), which the checkpoint counts in.
	 */
	readonly uid: number;
	readonly size: number;
	/** Gmail's or Graph's id of the message; absent for IMAP. */
	readonly providerId?: string;
}

/**
 * Header a source puts in front of a part whose content it left out of a message read part-wise
 * (sources/imap-parts.ts); the store matches the attachment to that section's content by it.
 */
export const SECTION_HEADER = 'x-epipe-section';
