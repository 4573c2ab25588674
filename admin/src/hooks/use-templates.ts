/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useRef, useState } from '@wordpress/element';

/**
 * Internal dependencies
 */
import { errorMessage } from '../api/errors';
import {
	fetchTemplates,
	resetTemplate,
	updateTemplate,
} from '../api/templates';
import type { NotificationTemplate, TemplateInput } from '../api/types';

export interface TemplatesState {
	templates: NotificationTemplate[];
	isLoading: boolean;
	/** Why the templates could not be loaded, or null. */
	error: string | null;
	/** Saves a template; rejects with the REST error (field errors in data.params). */
	save: (
		name: string,
		input: TemplateInput
	) => Promise< NotificationTemplate >;
	/** Restores the built-in text. */
	reset: ( name: string ) => Promise< NotificationTemplate >;
}

/**
 * The notification templates.
 */
export function useTemplates(): TemplatesState {
	const [ templates, setTemplates ] = useState< NotificationTemplate[] >(
		[]
	);
	const [ isLoading, setIsLoading ] = useState( true );
	const [ error, setError ] = useState< string | null >( null );
	const mounted = useRef( true );

	useEffect( () => {
		mounted.current = true;
		fetchTemplates()
			.then( ( list ) => mounted.current && setTemplates( list ) )
			.catch(
				( err ) => mounted.current && setError( errorMessage( err ) )
			)
			.finally( () => mounted.current && setIsLoading( false ) );
		return () => {
			mounted.current = false;
		};
	}, [] );

	const replace = useCallback( ( saved: NotificationTemplate ) => {
		if ( mounted.current ) {
			setTemplates( ( list ) =>
				list.map( ( item ) =>
					item.name === saved.name ? saved : item
				)
			);
		}
		return saved;
	}, [] );

	const save = useCallback(
		async ( name: string, input: TemplateInput ) =>
			replace( await updateTemplate( name, input ) ),
		[ replace ]
	);
	const reset = useCallback(
		async ( name: string ) => replace( await resetTemplate( name ) ),
		[ replace ]
	);

	return { templates, isLoading, error, save, reset };
}
