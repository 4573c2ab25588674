/**
 * WordPress dependencies
 */
import apiFetch from '@wordpress/api-fetch';

/**
 * Internal dependencies
 */
import type { NotificationTemplate, TemplateInput } from './types';

const BASE = '/email-piping/v1/templates';

/**
 * Every notification template with its effective text, defaults and macros.
 */
export function fetchTemplates(): Promise< NotificationTemplate[] > {
	return apiFetch< NotificationTemplate[] >( { path: BASE } );
}

/**
 * Saves a template.
 *
 * @param name  Template name.
 * @param input Whether it is sent, its subject and body.
 */
export function updateTemplate(
	name: string,
	input: TemplateInput
): Promise< NotificationTemplate > {
	return apiFetch< NotificationTemplate >( {
		path: `${ BASE }/${ name }`,
		method: 'PATCH',
		data: input,
	} );
}

/**
 * Goes back to the built-in text.
 *
 * @param name Template name.
 */
export function resetTemplate( name: string ): Promise< NotificationTemplate > {
	return apiFetch< NotificationTemplate >( {
		path: `${ BASE }/${ name }`,
		method: 'DELETE',
	} );
}
