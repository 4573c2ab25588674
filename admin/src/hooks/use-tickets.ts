/**
 * WordPress dependencies
 */
import { useEffect, useState } from '@wordpress/element';

/**
 * Internal dependencies
 */
import { fetchTickets } from '../api/tickets';
import type { TicketSummary } from '../api/types';

export interface TicketsState {
	tickets: TicketSummary[];
	isLoading: boolean;
	error: string | null;
}

/**
 * Loads the first page of tickets once.
 */
export function useTickets(): TicketsState {
	const [ state, setState ] = useState< TicketsState >( {
		tickets: [],
		isLoading: true,
		error: null,
	} );
	useEffect( () => {
		let active = true;
		fetchTickets()
			.then(
				( tickets ) =>
					active &&
					setState( { tickets, isLoading: false, error: null } )
			)
			.catch(
				( err: { message?: string } ) =>
					active &&
					setState( {
						tickets: [],
						isLoading: false,
						error: err.message ?? 'Error',
					} )
			);
		return () => {
			active = false;
		};
	}, [] );
	return state;
}
