/**
 * WordPress dependencies
 */
import apiFetch from '@wordpress/api-fetch';

/**
 * Internal dependencies
 */
import type { Settings } from './types';

const PATH = '/email-piping/v1/settings';

/**
 * Every general setting with its effective value.
 */
export function fetchSettings(): Promise< Settings > {
	return apiFetch< Settings >( { path: PATH } );
}

/**
 * Saves the given settings; the others keep their values.
 *
 * @param values Settings to change.
 */
export function updateSettings(
	values: Partial< Settings >
): Promise< Settings > {
	return apiFetch< Settings >( {
		path: PATH,
		method: 'PATCH',
		data: values,
	} );
}
