/**
 * WordPress dependencies
 */
import apiFetch from '@wordpress/api-fetch';

/**
 * Internal dependencies
 */
import type { Job } from './types';

/**
 * One sidecar job, for polling.
 *
 * @param id Job id.
 */
export function fetchJob( id: number ): Promise< Job > {
	return apiFetch< Job >( { path: `/email-piping/v1/jobs/${ id }` } );
}
