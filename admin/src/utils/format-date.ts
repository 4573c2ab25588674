/**
 * WordPress dependencies
 */
import { dateI18n, getSettings } from '@wordpress/date';

/**
 * A REST date (RFC 3339) in the site's date and time format and time zone.
 *
 * @param iso Date from the API.
 */
export function formatDateTime( iso: string ): string {
	const { formats } = getSettings();
	return dateI18n( `${ formats.date } ${ formats.time }`, iso, undefined );
}
