/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useState } from '@wordpress/element';

/**
 * Internal dependencies
 */
import { errorMessage } from '../api/errors';
import { fetchSettings, updateSettings } from '../api/settings';
import type { ForwardingSettings } from '../api/types';

export interface ForwardingSettingsState {
	settings: ForwardingSettings | null;
	isLoading: boolean;
	error: string | null;
	/** Saves; rejects with the REST error (field errors in data.params). */
	save: ( values: ForwardingSettings ) => Promise< ForwardingSettings >;
}

/**
 * The forwarding addresses and whether notifications go out from them.
 */
export function useForwardingSettings(): ForwardingSettingsState {
	const [ settings, setSettings ] = useState< ForwardingSettings | null >(
		null
	);
	const [ isLoading, setIsLoading ] = useState( true );
	const [ error, setError ] = useState< string | null >( null );
	useEffect( () => {
		let active = true;
		fetchSettings()
			.then( ( all ) => {
				if ( active ) {
					setSettings( {
						forwarding_addresses: all.forwarding_addresses,
						forwarding_as_from: all.forwarding_as_from,
					} );
				}
			} )
			.catch( ( err ) => active && setError( errorMessage( err ) ) )
			.finally( () => active && setIsLoading( false ) );
		return () => {
			active = false;
		};
	}, [] );
	const save = useCallback( async ( values: ForwardingSettings ) => {
		const all = await updateSettings( values );
		const saved = {
			forwarding_addresses: all.forwarding_addresses,
			forwarding_as_from: all.forwarding_as_from,
		};
		setSettings( saved );
		return saved;
	}, [] );
	return { settings, isLoading, error, save };
}
