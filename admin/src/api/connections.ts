/**
 * WordPress dependencies
 */
import apiFetch from '@wordpress/api-fetch';

/**
 * Internal dependencies
 */
import type { Connection, ConnectionInput, Job, OAuthStart } from './types';

const BASE = '/email-piping/v1/connections';

/**
 * Every connection with its status, oldest first.
 */
export function fetchConnections(): Promise< Connection[] > {
	return apiFetch< Connection[] >( { path: BASE } );
}

/**
 * Adds a connection.
 *
 * @param input Fields; the password is required for IMAP.
 */
export function createConnection(
	input: ConnectionInput
): Promise< Connection > {
	return apiFetch< Connection >( {
		path: BASE,
		method: 'POST',
		data: { kind: 'imap', ...input },
	} );
}

/**
 * Changes the given fields of a connection.
 *
 * @param id    Connection id.
 * @param input Fields to change; a password is replaced only when one is sent.
 */
export function updateConnection(
	id: number,
	input: ConnectionInput
): Promise< Connection > {
	return apiFetch< Connection >( {
		path: `${ BASE }/${ id }`,
		method: 'PATCH',
		data: input,
	} );
}

/**
 * Deletes a connection (its tickets keep their history).
 *
 * @param id Connection id.
 */
export async function deleteConnection( id: number ): Promise< void > {
	await apiFetch( { path: `${ BASE }/${ id }`, method: 'DELETE' } );
}

/**
 * Asks the sidecar to connect and report what it sees; poll the job it returns.
 *
 * @param id Connection id.
 */
export function startConnectionTest( id: number ): Promise< Job > {
	return apiFetch< Job >( {
		path: `${ BASE }/${ id }/test`,
		method: 'POST',
	} );
}

/**
 * Starts the OAuth consent of a Gmail or Microsoft connection: the provider's page to send
 * the admin to, which comes back to wp-admin.
 *
 * @param id Connection id.
 */
export function startOAuth( id: number ): Promise< OAuthStart > {
	return apiFetch< OAuthStart >( {
		path: `${ BASE }/${ id }/oauth`,
		method: 'POST',
	} );
}
