/**
 * OAuth with Google (google-auth-library): the code exchange after the admin's consent, and
 * access tokens from the stored refresh token. A refresh token Google sends again is stored at
 * once; `refresh_token_expires_in` (apps in testing: 7 days) is recorded so the admin is warned
 * before the grant dies.
 */
import { OAuth2Client, type Credentials } from 'google-auth-library';

import { SidecarError } from '../../errors.ts';
import type { ProviderSettings } from '../../interfaces.ts';
import type { ProviderEndpoints } from './endpoints.ts';
import type { GrantKeeper } from './grant.ts';
import {
	networkError,
	parseRetryAfter,
	tooBusy,
	type HttpFailure,
} from './http-failures.ts';

/**
 * An OAuth client for the connection's app. It refreshes the access token before it expires,
 * and once more when the API still answers 401 (a token revoked early); a second 401 reaches
 * the caller.
 *
 * @param settings  The connection's app.
 * @param endpoints Google's endpoints.
 */
export function googleClient(
	settings: ProviderSettings,
	endpoints: ProviderEndpoints
): OAuth2Client {
	return new OAuth2Client( {
		clientId: settings.clientId,
		clientSecret: settings.clientSecret,
		endpoints: { oauth2TokenUrl: endpoints.googleToken },
		forceRefreshOnFailure: true,
	} );
}

/**
 * Gives the client its refresh token and keeps whatever Google sends back about the grant.
 *
 * @param client       OAuth client.
 * @param refreshToken Stored refresh token.
 * @param keeper       Where a new refresh token and the grant's expiry go.
 * @param onSaveError  Told when storing failed (the next refresh tries again).
 * @return Waits for the saves started so far.
 */
export function keepGoogleGrant(
	client: OAuth2Client,
	refreshToken: string,
	keeper: GrantKeeper,
	onSaveError: ( err: unknown ) => void
): () => Promise< void > {
	client.setCredentials( { refresh_token: refreshToken } );
	let saving: Promise< void > = Promise.resolve();
	client.on( 'tokens', ( tokens: Credentials ) => {
		const rotated =
			typeof tokens.refresh_token === 'string' &&
			tokens.refresh_token !== '' &&
			tokens.refresh_token !== refreshToken
				? tokens.refresh_token
				: null;
		const expiresAt = grantExpiry( tokens );
		saving = saving
			.then( async () => {
				if ( rotated !== null ) {
					await keeper.saveRefreshToken( rotated );
				}
				if ( rotated !== null || expiresAt !== null ) {
					await keeper.recordGrant( null, expiresAt );
				}
			} )
			.catch( onSaveError );
	} );
	return () => saving;
}

/**
 * When a grant ends, if Google said so (`refresh_token_expires_in`, sent for time-limited
 * grants such as apps in testing).
 *
 * @param tokens Token response.
 */
function grantExpiry( tokens: Credentials ): Date | null {
	const seconds = Number(
		( tokens as Record< string, unknown > )[ 'refresh_token_expires_in' ]
	);
	return Number.isFinite( seconds ) && seconds > 0
		? new Date( Date.now() + seconds * 1000 )
		: null;
}

/**
 * Trades the consent's authorisation code for a refresh token (PKCE).
 *
 * @param settings     The connection's app.
 * @param endpoints    Google's endpoints.
 * @param code         Authorisation code from the redirect.
 * @param codeVerifier PKCE verifier of the consent.
 * @param redirectUri  The redirect URI the consent used.
 * @return The refresh token, and when the grant ends if Google said.
 * @throws SidecarError oauth_failed.
 */
export async function exchangeGoogleCode(
	settings: ProviderSettings,
	endpoints: ProviderEndpoints,
	code: string,
	codeVerifier: string,
	redirectUri: string
): Promise< { refreshToken: string; expiresAt: Date | null } > {
	const client = googleClient( settings, endpoints );
	let tokens: Credentials;
	try {
		( { tokens } = await client.getToken( {
			code,
			codeVerifier,
			redirect_uri: redirectUri,
		} ) );
	} catch ( err ) {
		throw new SidecarError(
			'oauth_failed',
			`Google refused the authorisation code (${ googleReason( err ) }): check the client ID and secret, and authorise again.`,
			err
		);
	}
	if (
		typeof tokens.refresh_token !== 'string' ||
		tokens.refresh_token === ''
	) {
		throw new SidecarError(
			'oauth_failed',
			'Google sent no refresh token: remove the app from the account’s third-party access (myaccount.google.com › Security) and authorise again.'
		);
	}
	return {
		refreshToken: tokens.refresh_token,
		expiresAt: grantExpiry( tokens ),
	};
}

/**
 * Status and Retry-After of a failed Google request, or null when it is no HTTP error.
 *
 * @param err Error from google-auth-library or the Gmail client (gaxios).
 */
export function googleHttpFailure( err: unknown ): HttpFailure | null {
	const response = (
		err as { response?: { status?: number; headers?: unknown } }
	 )?.response;
	if ( typeof response?.status !== 'number' ) {
		return null;
	}
	const headers = response.headers as
		| { get?: ( name: string ) => string | null }
		| Record< string, string >
		| undefined;
	const retryAfter =
		typeof headers?.get === 'function'
			? headers.get( 'retry-after' )
			: ( headers as Record< string, string > | undefined )?.[
					'retry-after'
				];
	return {
		status: response.status,
		retryAfterMs: parseRetryAfter( retryAfter ),
	};
}

/**
 * Google's words for an error: the OAuth `error` code or the API's message.
 *
 * @param err Error.
 */
function googleReason( err: unknown ): string {
	const data = ( err as { response?: { data?: unknown } } )?.response?.data;
	if ( typeof data === 'object' && data !== null ) {
		const record = data as Record< string, unknown >;
		if ( typeof record[ 'error' ] === 'string' ) {
			return String( record[ 'error_description' ] ?? record[ 'error' ] );
		}
		const apiError = record[ 'error' ] as
			Record< string, unknown > | undefined;
		if ( typeof apiError?.[ 'message' ] === 'string' ) {
			return apiError[ 'message' ];
		}
	}
	return err instanceof Error ? err.message : String( err );
}

/**
 * What a failed Google call means for the connection, in words a site owner can act on.
 *
 * @param err   The error.
 * @param label "Connection #3 (support@…)".
 * @param what  What was being done.
 */
export function describeGoogleError(
	err: unknown,
	label: string,
	what: string
): SidecarError {
	if ( err instanceof SidecarError ) {
		return err;
	}
	const data = ( err as { response?: { data?: unknown } } )?.response?.data;
	const oauthError =
		typeof data === 'object' && data !== null
			? ( data as Record< string, unknown > )[ 'error' ]
			: undefined;
	if ( oauthError === 'invalid_grant' ) {
		return new SidecarError(
			'consent_required',
			`${ label }: Google no longer accepts the authorisation (it expired or was revoked): authorise the connection again in Email Piping › Connections.`,
			err
		);
	}
	if (
		oauthError === 'invalid_client' ||
		oauthError === 'unauthorized_client'
	) {
		return new SidecarError(
			'oauth_failed',
			`${ label }: Google does not accept the app's client ID or secret: check them in Email Piping › Connections.`,
			err
		);
	}
	const http = googleHttpFailure( err );
	if ( http !== null ) {
		if ( http.status === 401 ) {
			return new SidecarError(
				'auth_failed',
				`${ label }: Gmail refused the access token even after a refresh (${ googleReason( err ) }): authorise the connection again.`,
				err
			);
		}
		if ( http.status === 403 ) {
			return new SidecarError(
				'auth_failed',
				`${ label }: Gmail refused ${ what } (${ googleReason( err ) }): check that the Gmail API is enabled for the app and that the grant includes reading and modifying mail, then authorise again.`,
				err
			);
		}
		if ( http.status === 429 || http.status >= 500 ) {
			return tooBusy( `${ label }: ${ what }`, http, err );
		}
		return new SidecarError(
			'protocol_error',
			`${ label }: Gmail answered HTTP ${ http.status } to ${ what } (${ googleReason( err ) }).`,
			err
		);
	}
	return networkError( err, label, 'Google' );
}
