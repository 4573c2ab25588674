/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useRef, useState } from '@wordpress/element';

/**
 * Internal dependencies
 */
import { errorMessage } from '../api/errors';
import { fetchSettings, updateSettings } from '../api/settings';
import type { Settings } from '../api/types';

export interface SettingsState {
	settings: Settings | null;
	isLoading: boolean;
	/** Why the settings could not be loaded, or null. */
	error: string | null;
	/** Saves the given settings; rejects with the REST error (field errors in data.params). */
	save: ( values: Partial< Settings > ) => Promise< Settings >;
}

/**
 * Every general setting, as stored (or its default).
 */
export function useSettings(): SettingsState {
	const [ settings, setSettings ] = useState< Settings | null >( null );
	const [ isLoading, setIsLoading ] = useState( true );
	const [ error, setError ] = useState< string | null >( null );
	const mounted = useRef( true );

	useEffect( () => {
		mounted.current = true;
		fetchSettings()
			.then( ( all ) => mounted.current && setSettings( all ) )
			.catch(
				( err ) => mounted.current && setError( errorMessage( err ) )
			)
			.finally( () => mounted.current && setIsLoading( false ) );
		return () => {
			mounted.current = false;
		};
	}, [] );

	const save = useCallback( async ( values: Partial< Settings > ) => {
		const all = await updateSettings( values );
		if ( mounted.current ) {
			setSettings( all );
		}
		return all;
	}, [] );

	return { settings, isLoading, error, save };
}
