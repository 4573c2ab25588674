/**
 * WordPress dependencies
 */
import { useEffect, useState } from '@wordpress/element';

/**
 * Internal dependencies
 */
import { fetchConnections } from '../api/connections';

export interface ConnectionName {
	id: number;
	name: string;
	address: string;
}

/**
 * The connections' names, loaded once, for filters and labels (empty until loaded or on error:
 * the screens then show the connection's number).
 */
export function useConnectionNames(): ConnectionName[] {
	const [ names, setNames ] = useState< ConnectionName[] >( [] );
	useEffect( () => {
		let active = true;
		fetchConnections()
			.then( ( list ) => {
				if ( active ) {
					setNames(
						list.map( ( c ) => ( {
							id: c.id,
							name: c.name,
							address: c.mailbox_address,
						} ) )
					);
				}
			} )
			.catch( () => undefined );
		return () => {
			active = false;
		};
	}, [] );
	return names;
}
