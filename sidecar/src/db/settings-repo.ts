/**
 * Settings the admin edits in WordPress (epipe_settings: one JSON value per name; a missing
 * row means the default). Read-only here.
 */
import type { RowDataPacket } from 'mysql2/promise';

import type { Pool } from './pool.ts';
import type { Tables } from './tables.ts';

/**
 * Reads settings by name; values that are not valid JSON are left out (the default applies).
 *
 * @param pool  Database.
 * @param t     Table names.
 * @param names Setting names.
 */
export async function readSettings(
	pool: Pool,
	t: Tables,
	names: string[]
): Promise< Map< string, unknown > > {
	const [ rows ] = await pool.query< RowDataPacket[] >(
		`SELECT name, value FROM ${ t.settings } WHERE name IN (?)`,
		[ names ]
	);
	const out = new Map< string, unknown >();
	for ( const row of rows ) {
		try {
			out.set(
				String( row[ 'name' ] ),
				JSON.parse( String( row[ 'value' ] ) ) as unknown
			);
		} catch {
			// A damaged value counts as unset.
		}
	}
	return out;
}
