/**
 * The narrow interface every mail provider implements. Sources fetch without side effects and
 * acknowledge only when told to (after the message is committed); they never touch the database.
 */
import type { Readable } from 'node:stream';

import type { MessageRef, SourceKind } from '../interfaces.ts';

export interface MailboxSnapshot {
	/** IMAP UIDVALIDITY: when it changes, every old UID is meaningless. 0 for Gmail and Graph. */
	readonly uidValidity: number;
	/** The UID the next message will get; baseline for "start from now". */
	readonly uidNext: number;
	readonly exists: number;
}

/** A message whose big attachments are read apart from the rest. */
export interface PartwiseMessage {
	/** The message without the big attachments' bodies; each such part has X-Epipe-Section. */
	readonly skeleton: Buffer;
	/** The sections left out. */
	readonly sections: ReadonlySet< string >;
	/** Streams a left-out section, decoded. */
	openSection: ( section: string ) => Promise< Readable >;
}

export interface MailSource {
	readonly kind: SourceKind;
	/** Connects, authenticates and opens the folder. */
	connect: () => Promise< MailboxSnapshot >;
	/**
	 * IMAP: messages with UID above `afterUid`, oldest first, sizes included (no bodies).
	 * Gmail and Graph list with `listSince` instead.
	 */
	listAfter?: ( afterUid: number ) => Promise< MessageRef[] >;
	/**
	 * Gmail and Graph: what arrived in the folder since `cursor` (null on first contact: the
	 * connection's "start from" decides), and the cursor to store once all of it is committed.
	 * A message may be listed again (after a crash, a resync, or a change the provider reports
	 * as new); the exactly-once keys make that harmless.
	 */
	listSince?: ( cursor: string | null ) => Promise< ProviderListing >;
	/** The message's exactly-once key at its source, e.g. "imap:<uidvalidity>:<uid>". */
	sourceKey: ( ref: MessageRef, uidValidity: number ) => string;
	/** Whether listed sizes are exact (IMAP) rather than estimates (Gmail) or unknown (Graph: 0). */
	readonly exactSizes: boolean;
	/**
	 * Streams one message without marking it read. The stream errors if the message vanished
	 * or the connection dropped.
	 */
	open: ( ref: MessageRef ) => Promise< Readable >;
	/**
	 * Reads several small messages in one request, without marking them read. A message missing
	 * from the answer (it vanished meanwhile) is missing from the map; the caller opens it alone.
	 */
	readMany: ( refs: MessageRef[] ) => Promise< Map< number, Buffer > >;
	/**
	 * A big message read part-wise (see imap-parts.ts), or null when that does not pay off or
	 * is not possible; the caller then streams the message whole with `open`.
	 */
	readPartwise?: ( ref: MessageRef ) => Promise< PartwiseMessage | null >;
	/**
	 * Another source for the same mailbox, not yet connected: a second connection that reads big
	 * emails beside the batches (see big-email-readers.ts). IMAP only; Gmail and Graph read
	 * over HTTP.
	 */
	fork?: () => MailSource;
	/** Applies the connection's after-import action to committed messages. */
	acknowledge: ( refs: MessageRef[] ) => Promise< void >;
	/** Gmail and Graph: the address whose mailbox the OAuth grant reads, once connected. */
	account?: () => Promise< string >;
	/** Called when the server announces new mail (IMAP IDLE). */
	onNewMail: ( listener: () => void ) => void;
	/**
	 * Whether the server announces new mail (IMAP IDLE); without it the mailbox is only polled.
	 */
	listening: () => boolean;
	/** Called once when the connection drops. */
	onClose: ( listener: ( err: Error | null ) => void ) => void;
	close: () => Promise< void >;
}

/** What a Gmail or Graph source found since its cursor. */
export interface ProviderListing {
	/** Each message once, oldest first; `size` 0 when the provider does not say. */
	readonly messages: ReadonlyArray< {
		readonly id: string;
		readonly size: number;
	} >;
	/** Where the next listing starts, to store once every message above is committed. */
	readonly cursor: string;
	/** Why the listing started over (the stored cursor had expired), for the log. */
	readonly resynced: boolean;
}
