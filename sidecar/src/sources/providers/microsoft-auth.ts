/**
 * OAuth with Microsoft (msal-node): the code exchange after the admin's consent, and access
 * tokens from the stored refresh token. Microsoft rotates refresh tokens; msal-node keeps the
 * new one only in its token cache, so it is read from there and stored at once — the classic
 * way such connections die after 90 days.
 */
import {
	ConfidentialClientApplication,
	LogLevel,
	type AuthenticationResult,
} from '@azure/msal-node';

import { SidecarError } from '../../errors.ts';
import type { ProviderSettings } from '../../interfaces.ts';
import type { ProviderEndpoints } from './endpoints.ts';
import type { GrantKeeper } from './grant.ts';
import { networkError } from './http-failures.ts';

/** Microsoft refresh tokens lapse after 90 days without use. */
const INACTIVITY_LIMIT_MS = 90 * 24 * 3600 * 1000;

/** Refresh this long before the access token expires. */
const EARLY_REFRESH_MS = 5 * 60 * 1000;

/**
 * Graph permissions asked for (the consent screen's, see PHP's OAuth_Service). The resource
 * stays graph.microsoft.com also when the API is reached elsewhere, as Microsoft's national
 * clouds name their scopes by their own host: set EPIPE_GRAPH_SCOPE_HOST for those.
 *
 * @param env Environment.
 */
export function graphScopes( env: NodeJS.ProcessEnv = process.env ): string[] {
	const host =
		( env[ 'EPIPE_GRAPH_SCOPE_HOST' ] ?? '' ).trim() ||
		'https://graph.microsoft.com';
	return [ `${ host }/Mail.ReadWrite`, `${ host }/User.Read` ];
}

/**
 * An msal-node client for the connection's app, on its tenant.
 *
 * @param settings  The connection's app.
 * @param endpoints Microsoft's endpoints.
 */
export function microsoftClient(
	settings: ProviderSettings,
	endpoints: ProviderEndpoints
): ConfidentialClientApplication {
	return new ConfidentialClientApplication( {
		auth: {
			clientId: settings.clientId,
			clientSecret: settings.clientSecret,
			authority: `${ endpoints.microsoftLogin }/${ encodeURIComponent( settings.tenant ) }`,
			// The authority is trusted as configured: no instance discovery round trip.
			knownAuthorities: [ new URL( endpoints.microsoftLogin ).host ],
		},
		system: {
			loggerOptions: {
				piiLoggingEnabled: false,
				logLevel: LogLevel.Error,
				loggerCallback: () => undefined,
			},
		},
	} );
}

/**
 * The refresh token in an msal-node cache (the newest, if ever there were several).
 *
 * @param client Client whose cache to read.
 */
function cachedRefreshToken(
	client: ConfidentialClientApplication
): string | null {
	const cache = JSON.parse( client.getTokenCache().serialize() ) as {
		RefreshToken?: Record< string, { secret?: string } >;
	};
	const entries = Object.values( cache.RefreshToken ?? {} );
	const secret = entries[ entries.length - 1 ]?.secret;
	return typeof secret === 'string' && secret !== '' ? secret : null;
}

/**
 * Access tokens for Graph from a stored refresh token: refreshed before they expire, or when
 * asked (a 401), one refresh at a time; every rotated refresh token stored before use.
 */
export class MicrosoftTokens {
	private readonly client: ConfidentialClientApplication;
	private readonly keeper: GrantKeeper;
	private readonly label: string;
	private refreshToken: string;
	private current: { token: string; expiresAt: number } | null = null;
	private refreshing: Promise< string > | null = null;
	/** The account the grant reads, once known. */
	account: string | null = null;

	/**
	 * @param settings     The connection's app.
	 * @param endpoints    Microsoft's endpoints.
	 * @param refreshToken Stored refresh token.
	 * @param keeper       Stores rotated refresh tokens and the grant's expiry.
	 * @param label        "Connection #3 (support@…)".
	 */
	constructor(
		settings: ProviderSettings,
		endpoints: ProviderEndpoints,
		refreshToken: string,
		keeper: GrantKeeper,
		label: string
	) {
		this.client = microsoftClient( settings, endpoints );
		this.refreshToken = refreshToken;
		this.keeper = keeper;
		this.label = label;
	}

	/**
	 * A valid access token.
	 *
	 * @param force Refresh even if the current one has not expired (the API refused it).
	 */
	async accessToken( force = false ): Promise< string > {
		if (
			! force &&
			this.current !== null &&
			this.current.expiresAt - EARLY_REFRESH_MS > Date.now()
		) {
			return this.current.token;
		}
		this.refreshing ??= this.refresh().finally( () => {
			this.refreshing = null;
		} );
		return this.refreshing;
	}

	/**
	 * Trades the refresh token for an access token, storing a rotated refresh token first.
	 */
	private async refresh(): Promise< string > {
		let result: AuthenticationResult | null;
		try {
			result = await this.client.acquireTokenByRefreshToken( {
				refreshToken: this.refreshToken,
				scopes: graphScopes(),
				// Without it a new process (no account cached yet) keeps no tokens, and the
				// rotated refresh token could not be read from the cache.
				forceCache: true,
			} );
		} catch ( err ) {
			throw describeMicrosoftAuthError( err, this.label );
		}
		if ( result === null || result.accessToken === '' ) {
			throw new SidecarError(
				'oauth_failed',
				`${ this.label }: Microsoft issued no access token: authorise the connection again.`
			);
		}
		const rotated = cachedRefreshToken( this.client );
		if ( rotated !== null && rotated !== this.refreshToken ) {
			await this.keeper.saveRefreshToken( rotated );
			this.refreshToken = rotated;
		}
		this.account = result.account?.username?.toLowerCase() || this.account;
		await this.keeper.recordGrant(
			this.account,
			new Date( Date.now() + INACTIVITY_LIMIT_MS )
		);
		this.current = {
			token: result.accessToken,
			expiresAt: result.expiresOn?.getTime() ?? Date.now() + 3_000_000,
		};
		return result.accessToken;
	}
}

/**
 * Trades the consent's authorisation code for a refresh token (PKCE).
 *
 * @param settings     The connection's app.
 * @param endpoints    Microsoft's endpoints.
 * @param code         Authorisation code from the redirect.
 * @param codeVerifier PKCE verifier of the consent.
 * @param redirectUri  The redirect URI the consent used.
 * @return The refresh token, the account, and when the grant lapses unused.
 * @throws SidecarError oauth_failed.
 */
export async function exchangeMicrosoftCode(
	settings: ProviderSettings,
	endpoints: ProviderEndpoints,
	code: string,
	codeVerifier: string,
	redirectUri: string
): Promise< {
	refreshToken: string;
	account: string | null;
	expiresAt: Date;
} > {
	const client = microsoftClient( settings, endpoints );
	let result: AuthenticationResult;
	try {
		result = await client.acquireTokenByCode( {
			code,
			codeVerifier,
			redirectUri,
			scopes: graphScopes(),
		} );
	} catch ( err ) {
		const error = describeMicrosoftAuthError( err, 'Microsoft' );
		throw new SidecarError(
			'oauth_failed',
			`Microsoft refused the authorisation code (${ error.message }): check the client ID, secret and tenant, and authorise again.`,
			err
		);
	}
	const refreshToken = cachedRefreshToken( client );
	if ( refreshToken === null ) {
		throw new SidecarError(
			'oauth_failed',
			'Microsoft sent no refresh token: make sure the app may ask for offline_access, and authorise again.'
		);
	}
	return {
		refreshToken,
		account: result.account?.username?.toLowerCase() || null,
		expiresAt: new Date( Date.now() + INACTIVITY_LIMIT_MS ),
	};
}

/**
 * What a failed token request means, in words a site owner can act on.
 *
 * @param err   msal-node's error.
 * @param label Connection label.
 */
export function describeMicrosoftAuthError(
	err: unknown,
	label: string
): SidecarError {
	if ( err instanceof SidecarError ) {
		return err;
	}
	const { errorCode, errorMessage } = err as {
		errorCode?: string;
		errorMessage?: string;
	};
	const words = (
		errorMessage ?? ( err instanceof Error ? err.message : String( err ) )
	)
		.split( /\r?\n/ )[ 0 ]
		?.slice( 0, 300 );
	if (
		errorCode === 'invalid_grant' ||
		errorCode === 'interaction_required'
	) {
		return new SidecarError(
			'consent_required',
			`${ label }: Microsoft no longer accepts the authorisation (${ words }): authorise the connection again in Email Piping › Connections.`,
			err
		);
	}
	if (
		errorCode === 'invalid_client' ||
		errorCode === 'unauthorized_client' ||
		errorCode === 'invalid_request'
	) {
		return new SidecarError(
			'oauth_failed',
			`${ label }: Microsoft does not accept the app (${ words }): check the client ID, secret and tenant in Email Piping › Connections.`,
			err
		);
	}
	if (
		typeof errorCode === 'string' &&
		errorCode !== '' &&
		! /network|endpoints_resolution/i.test( errorCode )
	) {
		return new SidecarError(
			'oauth_failed',
			`${ label }: Microsoft refused the token request (${ errorCode }: ${ words }).`,
			err
		);
	}
	return networkError( err, label, 'Microsoft' );
}
