/**
 * WordPress dependencies
 */
import { __ } from '@wordpress/i18n';

/** What apiFetch rejects with: the WP_Error body, or its own fetch_error / invalid_json. */
interface RestError {
	code?: string;
	message?: string;
	data?: { status?: number; params?: Record< string, string > } | null;
}

function asRestError( error: unknown ): RestError {
	return typeof error === 'object' && error !== null
		? ( error as RestError )
		: {};
}

/**
 * The sentence to show for a failed request.
 *
 * @param error What apiFetch rejected with.
 */
export function errorMessage( error: unknown ): string {
	const { message } = asRestError( error );
	return typeof message === 'string' && message !== ''
		? message
		: __(
				'The request failed. Reload the page and try again.',
				'email-piping'
			);
}

/**
 * Field errors of a 400 answer, keyed by field name.
 *
 * The plugin names nested fields `settings[host]`; WordPress's own schema check names the
 * top-level argument (`settings`) and the nested one only in its sentence. Both become `host`.
 *
 * @param error What apiFetch rejected with.
 */
export function fieldErrors( error: unknown ): Record< string, string > {
	const params = asRestError( error ).data?.params;
	const out: Record< string, string > = {};
	if ( ! params || typeof params !== 'object' ) {
		return out;
	}
	for ( const [ key, message ] of Object.entries( params ) ) {
		const nested =
			/^\w+\[(\w+)\]/.exec( key ) ?? /^\w+\[(\w+)\]/.exec( message );
		out[ nested?.[ 1 ] ?? key ] = message;
	}
	return out;
}

/**
 * Field errors of a 400 answer keyed by their whole path (`conditions[0][value]`), for forms
 * with lists of fields. WordPress's own schema check names the top-level argument and gives
 * the nested path only in its sentence; that path is used then.
 *
 * @param error What apiFetch rejected with.
 */
export function fieldErrorPaths( error: unknown ): Record< string, string > {
	const params = asRestError( error ).data?.params;
	const out: Record< string, string > = {};
	if ( ! params || typeof params !== 'object' ) {
		return out;
	}
	for ( const [ key, message ] of Object.entries( params ) ) {
		const nested = /^(\w+(?:\[\w+\])+)/.exec( message )?.[ 1 ];
		out[
			nested !== undefined && nested.startsWith( `${ key }[` )
				? nested
				: key
		] = message;
	}
	return out;
}
