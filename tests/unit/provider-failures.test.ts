/**
 * How Gmail and Graph failures are waited out or reported: Retry-After in both of its forms,
 * short waits taken inside a pass, long ones handed to the daemon as `throttled`, and grants
 * that only a new consent can mend.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SidecarError } from '../../sidecar/src/errors.ts';
import {
	parseRetryAfter,
	withRetries,
	type HttpFailure,
} from '../../sidecar/src/sources/providers/http-failures.ts';
import { describeGoogleError } from '../../sidecar/src/sources/providers/google-auth.ts';
import { describeMicrosoftAuthError } from '../../sidecar/src/sources/providers/microsoft-auth.ts';

/** An HTTP error as a test double of a client library's. */
class HttpError extends Error {
	readonly failure: HttpFailure;
	constructor( status: number, retryAfterMs: number | null = null ) {
		super( `HTTP ${ status }` );
		this.failure = { status, retryAfterMs };
	}
}
const failureOf = ( err: unknown ): HttpFailure | null =>
	err instanceof HttpError ? err.failure : null;

describe( 'provider failures', () => {
	it( 'reads Retry-After as seconds or as an HTTP date', () => {
		assert.equal( parseRetryAfter( '7' ), 7000 );
		const now = Date.parse( 'Mon, 30 Nov 2026 10:00:00 GMT' );
		assert.equal(
			parseRetryAfter( 'Mon, 30 Nov 2026 10:00:30 GMT', now ),
			30_000
		);
		assert.equal(
			parseRetryAfter( 'Mon, 30 Nov 2026 09:00:00 GMT', now ),
			0
		);
		assert.equal( parseRetryAfter( '' ), null );
		assert.equal( parseRetryAfter( 'soon' ), null );
		assert.equal( parseRetryAfter( undefined ), null );
	} );

	it( 'tries again after a short Retry-After, and only on throttling or outages', async () => {
		let calls = 0;
		const started = Date.now();
		const value = await withRetries(
			'listing',
			async () => {
				calls++;
				if ( calls === 1 ) {
					throw new HttpError( 429, 300 );
				}
				return 'ok';
			},
			failureOf
		);
		assert.equal( value, 'ok' );
		assert.equal( calls, 2 );
		assert.ok( Date.now() - started >= 290 );

		let refused = 0;
		await assert.rejects(
			withRetries(
				'listing',
				async () => {
					refused++;
					throw new HttpError( 404 );
				},
				failureOf
			),
			/HTTP 404/
		);
		assert.equal( refused, 1, 'a 404 is an answer, not a passing fault' );
	} );

	it( 'hands a long Retry-After to the daemon as throttled, with the wait asked for', async () => {
		let calls = 0;
		await assert.rejects(
			withRetries(
				'Connection #4: listing new mail',
				async () => {
					calls++;
					throw new HttpError( 429, 120_000 );
				},
				failureOf
			),
			( err: unknown ) =>
				err instanceof SidecarError &&
				err.code === 'throttled' &&
				err.retryAfterMs === 120_000 &&
				! err.isPermanent &&
				/limiting requests.*120 s/.test( err.message )
		);
		assert.equal( calls, 1, 'no wait of two minutes inside a pass' );
	} );

	it( 'gives up on a server that keeps failing, as a passing connection fault', async () => {
		let calls = 0;
		await assert.rejects(
			withRetries(
				'downloading',
				async () => {
					calls++;
					throw new HttpError( 500 );
				},
				failureOf,
				2
			),
			( err: unknown ) =>
				err instanceof SidecarError &&
				err.code === 'connect_failed' &&
				! err.isPermanent
		);
		assert.equal( calls, 2 );
	} );

	it( 'turns a refused grant into "authorise again", which the daemon does not retry', () => {
		const google = describeGoogleError(
			{
				response: {
					status: 400,
					data: {
						error: 'invalid_grant',
						error_description: 'Token has been expired or revoked.',
					},
				},
			},
			'Connection #2 (help@example.test)',
			'listing new mail'
		);
		assert.equal( google.code, 'consent_required' );
		assert.equal( google.isPermanent, true );
		assert.match( google.message, /authorise the connection again/ );

		const microsoft = describeMicrosoftAuthError(
			{
				errorCode: 'invalid_grant',
				errorMessage:
					'AADSTS700082: The refresh token has expired due to inactivity.',
			},
			'Connection #3 (help@example.test)'
		);
		assert.equal( microsoft.code, 'consent_required' );
		assert.equal( microsoft.isPermanent, true );
		assert.match( microsoft.message, /AADSTS700082/ );

		const wrongSecret = describeMicrosoftAuthError(
			{
				errorCode: 'invalid_client',
				errorMessage: 'AADSTS7000215: Invalid client secret provided.',
			},
			'Connection #3 (help@example.test)'
		);
		assert.equal( wrongSecret.code, 'oauth_failed' );
		assert.match( wrongSecret.message, /client ID, secret and tenant/ );
	} );

	it( 'explains a provider that cannot be reached', () => {
		const refused = describeGoogleError(
			Object.assign( new Error( 'connect ECONNREFUSED 127.0.0.1:443' ), {
				code: 'ECONNREFUSED',
			} ),
			'Connection #2 (help@example.test)',
			'listing new mail'
		);
		assert.equal( refused.code, 'connect_failed' );
		assert.match( refused.message, /Google could not be reached/ );
		const certificate = describeMicrosoftAuthError(
			Object.assign(
				new Error( 'unable to verify the first certificate' ),
				{ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }
			),
			'Connection #3 (help@example.test)'
		);
		assert.equal( certificate.code, 'tls_failed' );
	} );
} );
