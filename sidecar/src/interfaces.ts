/**
 * Types shared across the sidecar's layers.
 */

export type SourceKind = 'imap';

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
	/** On first contact: import what is already there ("all") or only mail that arrives later ("now"). */
	readonly startFrom: 'now' | 'all';
	readonly afterImport: AfterImport;
	/** Destination of "move" (created when missing). */
	readonly moveFolder: string;
	/** Largest email imported; bigger ones are quarantined as too large, never downloaded. */
	readonly maxMessageBytes: number;
}

export interface ConnectionConfig {
	readonly id: number;
	readonly name: string;
	readonly kind: SourceKind;
	readonly enabled: boolean;
	/** The piped address (support@…); replies must be sent to it. */
	readonly mailboxAddress: string;
	readonly imap: ImapSettings;
	/** Decrypted password; never logged. */
	readonly password: string;
}

/** A message's place in its mailbox and its size, before any download. */
export interface MessageRef {
	readonly uid: number;
	readonly size: number;
}

/**
 * Header a source puts in front of a part whose content it left out of a message read part-wise
 * (sources/imap-parts.ts); the store matches the attachment to that section's content by it.
 */
export const SECTION_HEADER = 'x-epipe-section';
