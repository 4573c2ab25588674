/**
 * WordPress dependencies
 */
import apiFetch from '@wordpress/api-fetch';

/**
 * Internal dependencies
 */
import type { TicketSummary } from './types';

/**
 * Newest tickets first.
 *
 * @param page Page number, 1-based.
 */
export function fetchTickets( page = 1 ): Promise< TicketSummary[] > {
	return apiFetch< TicketSummary[] >( {
		path: `/email-piping/v1/tickets?page=${ page }&per_page=20`,
	} );
}
