/**
 * Small pieces of the Microsoft fake (tests/fakes/microsoft.ts) that are not about its state:
 * id and token shapes, JWT signing, Microsoft's two error formats (identity platform and Graph),
 * and just enough MIME header parsing to fill a Graph message's summary properties.
 */
import {
	createSign,
	randomBytes,
	randomUUID,
	type KeyObject,
} from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The tenant id every personal Microsoft account (MSA) signs in to. */
export const MSA_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

/** Graph's own application id, which 401 challenges name as the resource. */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/**
 * Base64url without padding, as JWTs and client_info use it.
 *
 * @param data Bytes or text.
 */
export function b64url( data: Buffer | string ): string {
	return Buffer.from( data ).toString( 'base64url' );
}

/**
 * An opaque Exchange-like id: Graph ids are long base64 strings that start with `AAMk` (work
 * accounts) or `AQMk` (personal ones), use `-` and `_`, and end with `=`. Callers must treat them
 * as opaque and URL-safe without assuming a length.
 *
 * @param personal Whether the mailbox belongs to a personal account.
 */
export function exchangeId( personal: boolean ): string {
	return `${ personal ? 'AQMk' : 'AAMk' }${ randomBytes( 48 ).toString( 'base64url' ) }AAA=`;
}

/**
 * A random opaque token with a recognisable prefix (helps when reading request logs).
 *
 * @param prefix Like `rt`, `at`, `code`.
 */
export function opaque( prefix: string ): string {
	return `${ prefix }.${ randomBytes( 24 ).toString( 'base64url' ) }`;
}

/**
 * Graph's timestamp format: ISO 8601 in UTC, whole seconds (`2024-05-01T10:00:00Z`).
 *
 * @param date The instant.
 */
export function graphTime( date: Date ): string {
	return date.toISOString().replace( /\.\d{3}Z$/, 'Z' );
}

/**
 * An RS256-signed JWT. MSAL does not verify signatures, but a real-looking token (header, kid,
 * signature that checks out against the fake's jwks_uri) keeps tests honest.
 *
 * @param claims Payload.
 * @param key    RSA private key.
 * @param kid    Key id published at jwks_uri.
 */
export function signJwt(
	claims: Record< string, unknown >,
	key: KeyObject,
	kid: string
): string {
	const head = b64url( JSON.stringify( { typ: 'JWT', alg: 'RS256', kid } ) );
	const body = b64url( JSON.stringify( claims ) );
	const signature = createSign( 'RSA-SHA256' )
		.update( `${ head }.${ body }` )
		.sign( key )
		.toString( 'base64url' );
	return `${ head }.${ body }.${ signature }`;
}

/**
 * The identity platform's error body (token endpoint), e.g. for a dead refresh token:
 * `{"error":"invalid_grant","error_description":"AADSTS700082: …","error_codes":[700082],…}`.
 *
 * @param error       OAuth error (`invalid_grant`, `invalid_client`…).
 * @param aadsts      The AADSTS number, or 0 for none.
 * @param description Text after `AADSTSnnn: `.
 */
export function oauthError(
	error: string,
	aadsts: number,
	description: string
): Record< string, unknown > {
	const traceId = randomUUID();
	const correlationId = randomUUID();
	const stamp = new Date()
		.toISOString()
		.replace( 'T', ' ' )
		.replace( 'Z', 'Z' );
	const prefix = aadsts ? `AADSTS${ aadsts }: ` : '';
	return {
		error,
		error_description: `${ prefix }${ description } Trace ID: ${ traceId } Correlation ID: ${ correlationId } Timestamp: ${ stamp }`,
		error_codes: aadsts ? [ aadsts ] : [],
		timestamp: stamp,
		trace_id: traceId,
		correlation_id: correlationId,
		...( aadsts
			? {
					error_uri: `https://login.microsoftonline.com/error?code=${ aadsts }`,
				}
			: {} ),
	};
}

/**
 * Graph's error body: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
 *
 * @param code            Graph or Exchange error code (`ErrorItemNotFound`…).
 * @param message         Human text.
 * @param requestId       The request-id header of the response.
 * @param clientRequestId The caller's client-request-id, echoed.
 */
export function graphError(
	code: string,
	message: string,
	requestId: string,
	clientRequestId: string
): Record< string, unknown > {
	return {
		error: {
			code,
			message,
			innerError: {
				date: graphTime( new Date() ),
				'request-id': requestId,
				'client-request-id': clientRequestId,
			},
		},
	};
}

/**
 * The WWW-Authenticate challenge Graph sends with its 401s.
 * @param base The fake's URL.
 */
export function graphChallenge( base: string ): string {
	return `Bearer realm="", authorization_uri="${ base }/common/oauth2/authorize", client_id="${ GRAPH_APP_ID }"`;
}

/**
 * The whole request body.
 *
 * @param req Incoming request.
 */
export async function readBody( req: IncomingMessage ): Promise< Buffer > {
	const chunks: Buffer[] = [];
	for await ( const chunk of req ) {
		chunks.push( chunk as Buffer );
	}
	return Buffer.concat( chunks );
}

/**
 * Decodes RFC 2047 encoded words (`=?utf-8?B?…?=`, `=?iso-8859-1?Q?…?=`), as Exchange does when it
 * fills `subject` and `from.emailAddress.name`. Unknown charsets fall back to UTF-8.
 *
 * @param text Header value.
 */
export function decodeWords( text: string ): string {
	// Whitespace between two adjacent encoded words is not part of the text.
	const joined = text.replace( /(\?=)\s+(=\?)/g, '$1$2' );
	return joined.replace(
		/=\?([^?]+)\?([bqBQ])\?([^?]*)\?=/g,
		( _all, charset: string, encoding: string, data: string ) => {
			const bytes =
				encoding.toUpperCase() === 'B'
					? Buffer.from( data, 'base64' )
					: Buffer.from(
							data
								.replace( /_/g, ' ' )
								.replace(
									/=([0-9A-Fa-f]{2})/g,
									( _m, hex: string ) =>
										String.fromCharCode(
											parseInt( hex, 16 )
										)
								),
							'latin1'
						);
			try {
				return new TextDecoder( charset.replace( /\*.*$/, '' ) ).decode(
					bytes
				);
			} catch {
				return bytes.toString( 'utf8' );
			}
		}
	);
}

/**
 * The top-level header fields of a MIME message, unfolded, names lower-cased, first occurrence
 * wins (enough for Subject, From, To, Date, Message-ID).
 *
 * @param raw The message.
 */
export function mimeHeaders( raw: Buffer ): Map< string, string > {
	const text = raw.toString( 'latin1' );
	const end = text.search( /\r?\n\r?\n/ );
	const block = end < 0 ? text : text.slice( 0, end );
	const headers = new Map< string, string >();
	for ( const line of block
		.replace( /\r?\n[ \t]+/g, ' ' )
		.split( /\r?\n/ ) ) {
		const colon = line.indexOf( ':' );
		if ( colon > 0 ) {
			const name = line.slice( 0, colon ).trim().toLowerCase();
			if ( ! headers.has( name ) ) {
				// Headers are bytes; raw UTF-8 in them (RFC 6532) is common enough to honour.
				const value = Buffer.from(
					line.slice( colon + 1 ).trim(),
					'latin1'
				).toString( 'utf8' );
				headers.set( name, value );
			}
		}
	}
	return headers;
}

/** Graph's recipient shape. */
export interface Recipient {
	emailAddress: { name: string; address: string };
}

/**
 * Splits an address-list header into Graph recipients (`"Name" <a@b>`, `a@b`, groups ignored).
 *
 * @param value Header value, may be empty.
 */
export function recipients( value: string | undefined ): Recipient[] {
	if ( ! value ) {
		return [];
	}
	// Split on commas outside quotes and angle brackets.
	const parts = value.match( /(?:"[^"]*"|<[^>]*>|[^,])+/g ) ?? [];
	return parts
		.map( ( part ) => part.trim() )
		.filter( Boolean )
		.map( ( part ) => {
			const angle = /^(.*)<([^>]*)>\s*$/.exec( part );
			const address = ( angle ? ( angle[ 2 ] ?? '' ) : part ).trim();
			const rawName = angle
				? ( angle[ 1 ] ?? '' ).trim().replace( /^"(.*)"$/, '$1' )
				: '';
			const name = decodeWords( rawName ) || address;
			return { emailAddress: { name, address } };
		} );
}
