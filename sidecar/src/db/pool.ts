/**
 * The MySQL pool and the translation of driver errors into sentences a site owner can act on.
 */
import mysql from 'mysql2/promise';

import type { DbConfig } from '../config.ts';
import { errorProperty, SidecarError } from '../errors.ts';

export type Pool = mysql.Pool;
export type PoolConnection = mysql.PoolConnection;

/**
 * Opens a pool and proves it works with one round trip.
 *
 * @param db              Connection settings.
 * @param connectionLimit Most concurrent connections.
 * @throws SidecarError db_unreachable | db_access_denied | db_unknown_database.
 */
export async function openPool(
	db: DbConfig,
	connectionLimit = 10
): Promise< Pool > {
	const pool = mysql.createPool( {
		...( db.socketPath !== null
			? { socketPath: db.socketPath }
			: { host: db.host, port: db.port } ),
		user: db.user,
		password: db.password,
		database: db.database,
		charset: 'utf8mb4',
		timezone: 'Z',
		dateStrings: true,
		connectTimeout: 10_000,
		connectionLimit,
		supportBigNumbers: true,
		// The driver would capture a stack trace on every statement (for errors' stacks): a few
		// per cent of the CPU of an import, for frames the error's code and message don't need.
		trace: false,
	} );
	try {
		await pool.query( 'SELECT 1' );
	} catch ( err ) {
		await pool.end().catch( () => undefined );
		throw describeDbError( err, db );
	}
	return pool;
}

/**
 * One sentence for a failed database connection.
 *
 * @param err Driver error.
 * @param db  Settings used.
 */
export function describeDbError( err: unknown, db: DbConfig ): SidecarError {
	const code = errorProperty( err, 'code' );
	const where =
		db.socketPath !== null
			? `socket ${ db.socketPath }`
			: `${ db.host }:${ db.port }`;
	switch ( code ) {
		case 'ER_ACCESS_DENIED_ERROR':
		case 'ER_DBACCESS_DENIED_ERROR':
			return new SidecarError(
				'db_access_denied',
				`The database at ${ where } refused user '${ db.user }' (access denied): check DB_USER and DB_PASSWORD in wp-config.php.`,
				err
			);
		case 'ER_BAD_DB_ERROR':
			return new SidecarError(
				'db_unknown_database',
				`The database server at ${ where } has no database '${ db.database }': check DB_NAME in wp-config.php.`,
				err
			);
		default:
			return new SidecarError(
				'db_unreachable',
				`Cannot reach the database at ${ where } (${ code ?? errorProperty( err, 'message' ) ?? 'unknown error' }): check DB_HOST in wp-config.php and that MySQL/MariaDB is running.`,
				err
			);
	}
}
