/**
 * WordPress options the sidecar needs (read-only).
 */
import type { RowDataPacket } from 'mysql2/promise';

import type { Pool } from './pool.ts';

/**
 * Reads options by name.
 *
 * @param pool   Database.
 * @param prefix WordPress table prefix.
 * @param names  Option names.
 */
export async function readOptions(
	pool: Pool,
	prefix: string,
	names: string[]
): Promise< Map< string, string > > {
	const [ rows ] = await pool.query< RowDataPacket[] >(
		`SELECT option_name, option_value FROM \`${ prefix }options\` WHERE option_name IN (${ names.map( () => '?' ).join( ',' ) })`,
		names
	);
	return new Map(
		rows.map( ( r ) => [
			String( r[ 'option_name' ] ),
			String( r[ 'option_value' ] ),
		] )
	);
}
