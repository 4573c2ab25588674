/**
 * Refuses to write into tables of another schema version. The sidecar never runs DDL.
 */
import { SidecarError } from '../errors.ts';
import type { Pool } from './pool.ts';
import { SCHEMA_VERSION } from './tables.ts';

/**
 * Checks the plugin's installed schema version (option epipe_db_version).
 *
 * @param pool     Database.
 * @param prefix   WordPress table prefix.
 * @param database Database name, for the message.
 * @throws SidecarError schema_missing | schema_mismatch.
 */
export async function assertSchemaVersion(
	pool: Pool,
	prefix: string,
	database: string
): Promise< void > {
	let rows: Array< { option_value: string } >;
	try {
		const [ result ] = await pool.query(
			`SELECT option_value FROM \`${ prefix }options\` WHERE option_name = 'epipe_db_version'`
		);
		rows = result as Array< { option_value: string } >;
	} catch ( err ) {
		throw new SidecarError(
			'schema_missing',
			`Database '${ database }' has no WordPress tables with prefix '${ prefix }': check DB_NAME and $table_prefix in wp-config.php.`,
			err
		);
	}
	const found = rows[ 0 ]?.option_value;
	if ( found === undefined ) {
		throw new SidecarError(
			'schema_missing',
			`The Email Piping tables are not installed in database '${ database }' (prefix '${ prefix }'): activate the Email Piping plugin in WordPress first.`
		);
	}
	if ( Number( found ) !== SCHEMA_VERSION ) {
		throw new SidecarError(
			'schema_mismatch',
			`The Email Piping database schema is version ${ found } but this sidecar needs version ${ SCHEMA_VERSION }: run the sidecar from the same release as the plugin active in WordPress.`
		);
	}
}
