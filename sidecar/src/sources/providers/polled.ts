/**
 * What Gmail and Graph sources share: they are polled (no IDLE; push needs a public endpoint or
 * a Pub/Sub topic a site does not have), and their cursor is the provider's position with the
 * time of the listing that reached it, which a resync needs when the position has expired.
 */

/** A provider position (a Gmail history id, a Graph delta link) and when it was reached. */
export interface ProviderCursor {
	readonly position: string;
	/** Epoch seconds of the listing that reached it. */
	readonly listedAt: number;
	/**
	 * What the position belongs to (the account and the folder or label): a position of another
	 * mailbox or folder — after "Connect again" with another account, or a changed folder — is
	 * meaningless, and the source starts over as on first contact.
	 */
	readonly scope: string;
}

/**
 * The stored form of a cursor.
 *
 * @param cursor Cursor.
 */
export function encodeCursor( cursor: ProviderCursor ): string {
	return JSON.stringify( {
		p: cursor.position,
		t: cursor.listedAt,
		s: cursor.scope,
	} );
}

/**
 * A stored cursor of this scope, or null when there is none, it is not ours, or it belongs to
 * another account or folder (the source then starts as on first contact; the exactly-once keys
 * make anything listed again harmless).
 *
 * @param stored Stored cursor.
 * @param scope  The account and folder now read.
 */
export function decodeCursor(
	stored: string | null,
	scope: string
): ProviderCursor | null {
	if ( stored === null ) {
		return null;
	}
	try {
		const value = JSON.parse( stored ) as {
			p?: unknown;
			t?: unknown;
			s?: unknown;
		};
		if (
			typeof value.p === 'string' &&
			typeof value.t === 'number' &&
			value.s === scope
		) {
			return { position: value.p, listedAt: value.t, scope };
		}
	} catch {
		// Not ours.
	}
	return null;
}

/**
 * The connection events of a polled source: it never announces mail, and "closes" only when
 * closed.
 */
export abstract class PolledSource {
	private closeListener: ( ( err: Error | null ) => void ) | null = null;

	onNewMail(): void {
		// Polled: the daemon's schedule looks for new mail.
	}

	listening(): boolean {
		return false;
	}

	onClose( listener: ( err: Error | null ) => void ): void {
		this.closeListener = listener;
	}

	async close(): Promise< void > {
		const listener = this.closeListener;
		this.closeListener = null;
		listener?.( null );
	}
}
