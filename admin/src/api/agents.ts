/**
 * WordPress dependencies
 */
import apiFetch from '@wordpress/api-fetch';

/**
 * Internal dependencies
 */
import type { Agent } from './types';

/**
 * The users who work tickets, by name.
 */
export function fetchAgents(): Promise< Agent[] > {
	return apiFetch< Agent[] >( { path: '/email-piping/v1/agents' } );
}
