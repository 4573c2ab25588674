/**
 * What a failed Gmail or Graph request means, and waiting as a provider asks. Gmail and Graph answer 429 (too many requests) or 503 (busy) with
 * a Retry-After header; a client that ignores it is throttled longer. Waits within a pass are
 * short and bounded; a longer one ends the pass with `throttled`, and the daemon waits at least
 * the time asked before its next try.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { SidecarError } from '../../errors.ts';

/** Statuses worth another try: throttling and passing outages. */
const RETRYABLE = new Set( [ 429, 500, 502, 503, 504 ] );

/** The longest wait taken inside a pass; longer ones are the daemon's. */
export const MAX_WAIT_IN_PASS_MS = 30_000;

/** Delay when a retryable answer gave no Retry-After. */
const DEFAULT_WAIT_MS = 1_000;

export interface HttpFailure {
	readonly status: number;
	/** Milliseconds from the Retry-After header, or null. */
	readonly retryAfterMs: number | null;
}

/**
 * Milliseconds a Retry-After header asks for: delay-seconds or an HTTP date (RFC 9110).
 *
 * @param value Header value.
 * @param now   Current time (ms).
 */
export function parseRetryAfter(
	value: string | null | undefined,
	now = Date.now()
): number | null {
	const text = ( value ?? '' ).trim();
	if ( text === '' ) {
		return null;
	}
	if ( /^\d+$/.test( text ) ) {
		return Number( text ) * 1000;
	}
	const at = Date.parse( text );
	return Number.isNaN( at ) ? null : Math.max( 0, at - now );
}

/**
 * Runs a provider call, trying again on throttling or a passing outage, as often as `attempts`
 * allows, each time after the wait the provider asked for (or an increasing one).
 *
 * @param what     What the call does, for the error message ("Gmail: listing new mail").
 * @param call     The call.
 * @param failure  The HTTP status and Retry-After of an error, or null when it is no HTTP error.
 * @param attempts Tries in all.
 * @throws SidecarError throttled when the provider keeps refusing; other errors as they come.
 */
export async function withRetries< T >(
	what: string,
	call: () => Promise< T >,
	failure: ( err: unknown ) => HttpFailure | null,
	attempts = 3
): Promise< T > {
	for ( let attempt = 1; ; attempt++ ) {
		try {
			return await call();
		} catch ( err ) {
			const http = failure( err );
			if ( http === null || ! RETRYABLE.has( http.status ) ) {
				throw err;
			}
			const wait =
				http.retryAfterMs ?? DEFAULT_WAIT_MS * 2 ** ( attempt - 1 );
			if ( attempt >= attempts || wait > MAX_WAIT_IN_PASS_MS ) {
				throw tooBusy( what, http, err );
			}
			await sleep( wait );
		}
	}
}

/**
 * The error for a provider that kept refusing.
 *
 * @param what What was being done.
 * @param http Its last answer.
 * @param err  The error, kept as the cause.
 */
export function tooBusy(
	what: string,
	http: HttpFailure,
	err: unknown
): SidecarError {
	const throttled = http.status === 429 || http.retryAfterMs !== null;
	return new SidecarError(
		throttled ? 'throttled' : 'connect_failed',
		throttled
			? `${ what }: the provider is limiting requests (HTTP ${ http.status }); the sidecar waits ${ Math.ceil( ( http.retryAfterMs ?? 60_000 ) / 1000 ) } s as asked and tries again.`
			: `${ what }: the provider answered HTTP ${ http.status } several times; the sidecar tries again later.`,
		err,
		http.retryAfterMs ?? ( throttled ? 60_000 : null )
	);
}

/**
 * A request that never got an answer: DNS, refused, TLS, timeout.
 *
 * @param err      The error.
 * @param label    Connection label.
 * @param provider "Google" | "Microsoft".
 */
export function networkError(
	err: unknown,
	label: string,
	provider: string
): SidecarError {
	const text = `${ ( err as { code?: unknown } )?.code ?? '' } ${ err instanceof Error ? err.message : String( err ) }`;
	if ( /CERT|SSL|TLS|self.signed|unable to verify/i.test( text ) ) {
		return new SidecarError(
			'tls_failed',
			`${ label }: the secure connection to ${ provider } failed (${ text.trim() }): check the machine's clock and any TLS-inspecting proxy.`,
			err
		);
	}
	if ( /ETIMEDOUT|timeout|aborted/i.test( text ) ) {
		return new SidecarError(
			'timeout',
			`${ label }: ${ provider } did not answer in time; the sidecar tries again.`,
			err
		);
	}
	return new SidecarError(
		'connect_failed',
		`${ label }: ${ provider } could not be reached (${ text.trim() }): check the machine's network and DNS.`,
		err
	);
}
