/**
 * WordPress dependencies
 */
import apiFetch from '@wordpress/api-fetch';

/**
 * Internal dependencies
 */
import type { Page } from './types';

/**
 * One page of a collection, with the totals WordPress sends in its X-WP-Total headers.
 *
 * @param path REST path with its query.
 */
export async function fetchPage< T >( path: string ): Promise< Page< T > > {
	let response: Response;
	try {
		response = await apiFetch< never, false >( { path, parse: false } );
	} catch ( error ) {
		// Unparsed, a failure arrives as the Response: read its WP_Error body.
		if ( error instanceof Response ) {
			throw await error.json().catch( () => ( {} ) );
		}
		throw error;
	}
	const items = ( await response.json() ) as T[];
	return {
		items,
		total: Number( response.headers.get( 'X-WP-Total' ) ?? items.length ),
		totalPages: Number( response.headers.get( 'X-WP-TotalPages' ) ?? 1 ),
	};
}

/**
 * A query string from arguments.
 *
 * @param args Arguments.
 */
export function query( args: Record< string, string | number > ): string {
	return new URLSearchParams(
		Object.entries( args ).map( ( [ key, value ] ) => [
			key,
			String( value ),
		] )
	).toString();
}
