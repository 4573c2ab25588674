/**
 * Everything a command needs once configuration and database are known to be good.
 */
import { loadConfig, type SidecarConfig } from './config.ts';
import { readOptions } from './db/options-repo.ts';
import { readSettings } from './db/settings-repo.ts';
import { openPool, type Pool } from './db/pool.ts';
import { assertSchemaVersion } from './db/schema-guard.ts';
import { tableNames, type Tables } from './db/tables.ts';
import type { Logger } from './logger.ts';

/** Default of the setting reply_above_text. */
export const DEFAULT_REPLY_MARKER = '-- Reply above this line --';

export interface RuntimeContext {
	readonly config: SidecarConfig;
	readonly secretKey: string;
	readonly pool: Pool;
	readonly tables: Tables;
	readonly log: Logger;
	readonly replyMarker: string;
	/** WordPress home URL, for the dispatch ping. */
	readonly siteUrl: string | null;
}

/**
 * Loads configuration, opens the database and checks the schema — in that order, so each
 * failure names its own cause and nothing is written before all checks pass.
 *
 * @param wpConfigPath --wp-config value.
 * @param log          Logger.
 */
export async function openContext(
	wpConfigPath: string | undefined,
	log: Logger
): Promise< RuntimeContext > {
	const config = loadConfig( wpConfigPath, process.env );
	const pool = await openPool( config.db );
	try {
		await assertSchemaVersion(
			pool,
			config.tablePrefix,
			config.db.database
		);
		const tables = tableNames( config.tablePrefix );
		const options = await readOptions( pool, config.tablePrefix, [
			'home',
		] );
		const settings = await readSettings( pool, tables, [
			'reply_above_text',
		] );
		const marker = settings.get( 'reply_above_text' );
		return {
			config,
			secretKey: config.secretKey as string,
			pool,
			tables,
			log,
			replyMarker:
				typeof marker === 'string' && marker.trim() !== ''
					? marker.trim()
					: DEFAULT_REPLY_MARKER,
			siteUrl: config.siteUrl ?? options.get( 'home' ) ?? null,
		};
	} catch ( err ) {
		await pool.end().catch( () => undefined );
		throw err;
	}
}
