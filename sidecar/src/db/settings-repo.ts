/**
 * Settings the admin edits in WordPress (epipe_settings: one JSON value per name; a missing
 * row means the default) and the block lists. Read-only here.
 */
import type { RowDataPacket } from 'mysql2/promise';

import type { BlockPattern } from '../pipeline/patterns.ts';
import type { StoredRule } from '../pipeline/rules.ts';
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

/**
 * The block lists (epipe_block_patterns), as the admin saved them.
 *
 * @param pool Database.
 * @param t    Table names.
 */
export async function readBlockPatterns(
	pool: Pool,
	t: Tables
): Promise< BlockPattern[] > {
	const [ rows ] = await pool.query< RowDataPacket[] >(
		`SELECT kind, pattern, match_type FROM ${ t.block_patterns } ORDER BY id`
	);
	return rows.flatMap( ( row ): BlockPattern[] => {
		const kind = String( row[ 'kind' ] );
		const matchType = String( row[ 'match_type' ] );
		if (
			( kind !== 'sender' && kind !== 'subject' ) ||
			( matchType !== 'exact' &&
				matchType !== 'wildcard' &&
				matchType !== 'regex' )
		) {
			return [];
		}
		return [ { kind, matchType, pattern: String( row[ 'pattern' ] ) } ];
	} );
}

/**
 * The enabled piping rules, in the admin's order.
 *
 * @param pool Database.
 * @param t    Table names.
 */
export async function readRules(
	pool: Pool,
	t: Tables
): Promise< StoredRule[] > {
	const [ rows ] = await pool.query< RowDataPacket[] >(
		`SELECT name, conditions, actions, continue_matching FROM ${ t.rules } WHERE enabled = 1 ORDER BY position, id`
	);
	return rows.flatMap( ( row ): StoredRule[] => {
		try {
			const conditions: unknown = JSON.parse(
				String( row[ 'conditions' ] )
			);
			const actions: unknown = JSON.parse( String( row[ 'actions' ] ) );
			if (
				! Array.isArray( conditions ) ||
				typeof actions !== 'object' ||
				actions === null
			) {
				return [];
			}
			return [
				{
					name: String( row[ 'name' ] ),
					conditions: conditions.map(
						( c: Record< string, unknown > ) => ( {
							field: String( c[ 'field' ] ?? '' ),
							match: String( c[ 'match' ] ?? '' ),
							value: String( c[ 'value' ] ?? '' ),
						} )
					),
					actions: actions as Record< string, unknown >,
					continueMatching:
						Number( row[ 'continue_matching' ] ) === 1,
				},
			];
		} catch {
			return []; // A damaged rule never matches.
		}
	} );
}
