/**
 * WordPress dependencies
 */
import apiFetch from '@wordpress/api-fetch';

/**
 * Internal dependencies
 */
import type { ForwardingSettings } from './types';

const PATH = '/email-piping/v1/settings';

/**
 * Every general setting (this panel reads the forwarding ones so far).
 */
export function fetchSettings(): Promise< ForwardingSettings > {
	return apiFetch< ForwardingSettings >( { path: PATH } );
}

/**
 * Saves the given settings; the others keep their values.
 *
 * @param values Settings to change.
 */
export function updateSettings(
	values: Partial< ForwardingSettings >
): Promise< ForwardingSettings > {
	return apiFetch< ForwardingSettings >( {
		path: PATH,
		method: 'PATCH',
		data: values,
	} );
}
