/**
 * One error vocabulary for the whole sidecar. Codes are stored in the database (PHP and the
 * admin translate them); `message` is a sentence for the person running the CLI.
 */

export type ErrorCode =
	| 'usage'
	| 'config_missing'
	| 'config_unreadable'
	| 'config_invalid'
	| 'secret_key_missing'
	| 'db_unreachable'
	| 'db_access_denied'
	| 'db_unknown_database'
	| 'schema_missing'
	| 'schema_mismatch'
	| 'connection_not_found'
	| 'connection_invalid'
	| 'secret_undecryptable'
	| 'auth_failed'
	| 'connect_failed'
	| 'tls_failed'
	| 'timeout'
	| 'folder_not_found'
	| 'protocol_error'
	| 'lease_held'
	| 'throttled'
	| 'consent_required'
	| 'oauth_failed';

/** Exit code for problems the site owner must fix in the configuration (sysexits EX_CONFIG). */
export const EXIT_CONFIG = 78;

/** Codes after which retrying without a configuration change is pointless. */
const PERMANENT: ReadonlySet< ErrorCode > = new Set< ErrorCode >( [
	'config_missing',
	'config_unreadable',
	'config_invalid',
	'secret_key_missing',
	'db_access_denied',
	'db_unknown_database',
	'schema_missing',
	'schema_mismatch',
	'connection_not_found',
	'connection_invalid',
	'secret_undecryptable',
	'auth_failed',
	'folder_not_found',
	// A refused or expired OAuth grant: only the admin's new consent helps, retrying never does.
	'consent_required',
] );

export class SidecarError extends Error {
	readonly code: ErrorCode;

	/** How long the provider asked us to wait (Retry-After), for `throttled`. */
	readonly retryAfterMs: number | null;

	/**
	 * @param code         Machine code, stored and translated elsewhere.
	 * @param message      One sentence naming what to fix.
	 * @param cause        The underlying error, kept for logs.
	 * @param retryAfterMs The provider's Retry-After, when it gave one.
	 */
	constructor(
		code: ErrorCode,
		message: string,
		cause?: unknown,
		retryAfterMs: number | null = null
	) {
		super( message, cause === undefined ? undefined : { cause } );
		this.name = 'SidecarError';
		this.code = code;
		this.retryAfterMs = retryAfterMs;
	}

	/** Whether a retry can succeed without anyone changing the configuration. */
	get isPermanent(): boolean {
		return PERMANENT.has( this.code );
	}
}

/**
 * Reads a string property of an unknown error object.
 *
 * @param err Anything thrown.
 * @param key Property name.
 */
export function errorProperty( err: unknown, key: string ): string | undefined {
	if ( typeof err === 'object' && err !== null && key in err ) {
		const value: unknown = ( err as Record< string, unknown > )[ key ];
		return typeof value === 'string' ? value : undefined;
	}
	return undefined;
}
