/**
 * What a Gmail or Graph source needs kept about its OAuth grant, at once and durably: a refresh
 * token the provider rotated (an unsaved one is a connection that dies later), whose mailbox
 * the grant reads, and when it is known to expire.
 */
export interface GrantKeeper {
	/** Stores a new refresh token (sealed) before anything else happens. */
	saveRefreshToken: ( token: string ) => Promise< void >;
	/**
	 * Records the grant's account (null: unchanged) and known expiry (null: none known;
	 * undefined: unchanged).
	 */
	recordGrant: (
		account: string | null,
		expiresAt?: Date | null
	) => Promise< void >;
}
