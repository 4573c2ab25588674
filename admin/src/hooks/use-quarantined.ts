/**
 * WordPress dependencies
 */
import { useEffect, useState } from '@wordpress/element';

/**
 * Internal dependencies
 */
import { errorMessage } from '../api/errors';
import { fetchQuarantined } from '../api/quarantine';
import type { QuarantineDetail } from '../api/types';

export interface QuarantinedState {
	detail: QuarantineDetail | null;
	isLoading: boolean;
	error: string | null;
}

/**
 * One quarantined email with its headers and text, loaded when its id is given.
 *
 * @param id Quarantine id.
 */
export function useQuarantined( id: number ): QuarantinedState {
	const [ state, setState ] = useState< QuarantinedState >( {
		detail: null,
		isLoading: true,
		error: null,
	} );
	useEffect( () => {
		let active = true;
		setState( { detail: null, isLoading: true, error: null } );
		fetchQuarantined( id )
			.then( ( detail ) => {
				if ( active ) {
					setState( { detail, isLoading: false, error: null } );
				}
			} )
			.catch( ( err: unknown ) => {
				if ( active ) {
					setState( {
						detail: null,
						isLoading: false,
						error: errorMessage( err ),
					} );
				}
			} );
		return () => {
			active = false;
		};
	}, [ id ] );
	return state;
}
