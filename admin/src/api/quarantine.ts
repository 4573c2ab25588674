/**
 * WordPress dependencies
 */
import apiFetch from '@wordpress/api-fetch';

/**
 * Internal dependencies
 */
import { fetchPage, query } from './collection';
import type { Job, Page, QuarantineDetail, QuarantineEntry } from './types';

const BASE = '/email-piping/v1/quarantine';

/** Rows per page of the Quarantine screen. */
export const QUARANTINE_PER_PAGE = 20;

/**
 * Held emails, newest first (not those still being retried, reprocessed or discarded).
 *
 * @param page 1-based page.
 */
export function fetchQuarantine(
	page: number
): Promise< Page< QuarantineEntry > > {
	return fetchPage< QuarantineEntry >(
		`${ BASE }?${ query( {
			status: 'held',
			page,
			per_page: QUARANTINE_PER_PAGE,
		} ) }`
	);
}

/**
 * One quarantined email with its headers and text.
 *
 * @param id Quarantine id.
 */
export function fetchQuarantined( id: number ): Promise< QuarantineDetail > {
	return apiFetch< QuarantineDetail >( { path: `${ BASE }/${ id }` } );
}

/**
 * Asks the sidecar to run the email through the pipeline again; poll the job it returns.
 *
 * @param id Quarantine id.
 */
export function startReprocess( id: number ): Promise< Job > {
	return apiFetch< Job >( {
		path: `${ BASE }/${ id }/reprocess`,
		method: 'POST',
	} );
}

/**
 * Discards the email and deletes its raw content.
 *
 * @param id Quarantine id.
 */
export async function discardQuarantined( id: number ): Promise< void > {
	await apiFetch( { path: `${ BASE }/${ id }`, method: 'DELETE' } );
}
