/**
 * Quarantine rows: emails kept aside with their reason until reprocessed or discarded.
 */
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';

import type { Pool, PoolConnection } from './pool.ts';
import type { Tables } from './tables.ts';

export interface QuarantineRow {
	readonly connectionId: number;
	readonly sourceKey: string;
	readonly messageId: string | null;
	readonly fromAddress: string;
	readonly subject: string;
	readonly reason: string;
	readonly detail: string | null;
	readonly blobId: number | null;
	readonly sizeBytes: number;
}

/**
 * Holds an email in quarantine (or updates the row of an earlier attempt), counting attempts.
 *
 * @param c   Connection in a transaction.
 * @param t   Table names.
 * @param row Values.
 */
export async function holdInQuarantine(
	c: PoolConnection,
	t: Tables,
	row: QuarantineRow
): Promise< number > {
	const [ res ] = await c.execute< ResultSetHeader >(
		`INSERT INTO ${ t.quarantine }
		   (connection_id, source_key, message_id, from_address, subject, reason, detail, blob_id, size_bytes, attempts, status, created_at, updated_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 'held', UTC_TIMESTAMP(), UTC_TIMESTAMP())
		 ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), reason = VALUES(reason), detail = VALUES(detail),
		   blob_id = COALESCE(VALUES(blob_id), blob_id), attempts = attempts + 1, status = 'held', updated_at = UTC_TIMESTAMP()`,
		[
			row.connectionId,
			row.sourceKey,
			row.messageId?.slice( 0, 255 ) ?? null,
			row.fromAddress.slice( 0, 254 ),
			row.subject.slice( 0, 255 ),
			row.reason,
			row.detail?.slice( 0, 2000 ) ?? null,
			row.blobId,
			row.sizeBytes,
		]
	);
	return res.insertId;
}

export interface QuarantineEntry {
	readonly id: number;
	readonly connectionId: number;
	readonly sourceKey: string;
	readonly reason: string;
	readonly detail: string | null;
	readonly fromAddress: string;
	readonly subject: string;
	readonly blobId: number | null;
	readonly sizeBytes: number;
	readonly attempts: number;
	readonly status: string;
	readonly createdAt: string;
}

function toEntry( r: RowDataPacket ): QuarantineEntry {
	return {
		id: Number( r[ 'id' ] ),
		connectionId: Number( r[ 'connection_id' ] ),
		sourceKey: String( r[ 'source_key' ] ),
		reason: String( r[ 'reason' ] ),
		detail: r[ 'detail' ] === null ? null : String( r[ 'detail' ] ),
		fromAddress: String( r[ 'from_address' ] ),
		subject: String( r[ 'subject' ] ),
		blobId: r[ 'blob_id' ] === null ? null : Number( r[ 'blob_id' ] ),
		sizeBytes: Number( r[ 'size_bytes' ] ),
		attempts: Number( r[ 'attempts' ] ),
		status: String( r[ 'status' ] ),
		createdAt: String( r[ 'created_at' ] ),
	};
}

/**
 * Quarantined emails, newest first.
 *
 * @param pool   Database.
 * @param t      Table names.
 * @param status Only rows in this status ("held" by default), or null for all.
 */
export async function listQuarantine(
	pool: Pool,
	t: Tables,
	status: string | null = 'held'
): Promise< QuarantineEntry[] > {
	const [ rows ] =
		status === null
			? await pool.query< RowDataPacket[] >(
					`SELECT * FROM ${ t.quarantine } ORDER BY id DESC LIMIT 500`
				)
			: await pool.query< RowDataPacket[] >(
					`SELECT * FROM ${ t.quarantine } WHERE status = ? ORDER BY id DESC LIMIT 500`,
					[ status ]
				);
	return rows.map( toEntry );
}

/**
 * One quarantine entry, or null.
 *
 * @param pool Database.
 * @param t    Table names.
 * @param id   Entry id.
 */
export async function findQuarantine(
	pool: Pool,
	t: Tables,
	id: number
): Promise< QuarantineEntry | null > {
	const [ rows ] = await pool.query< RowDataPacket[] >(
		`SELECT * FROM ${ t.quarantine } WHERE id = ?`,
		[ id ]
	);
	return rows[ 0 ] ? toEntry( rows[ 0 ] ) : null;
}

/**
 * Marks an entry done after a successful reprocess, in the caller's transaction.
 *
 * @param c  Connection in a transaction.
 * @param t  Table names.
 * @param id Entry id.
 */
export async function markReprocessed(
	c: PoolConnection,
	t: Tables,
	id: number
): Promise< void > {
	await c.execute(
		`UPDATE ${ t.quarantine } SET status = 'reprocessed', updated_at = UTC_TIMESTAMP() WHERE id = ?`,
		[ id ]
	);
}

/**
 * The stored raw copy of an email already in quarantine, if any.
 *
 * @param c            Connection.
 * @param t            Table names.
 * @param connectionId Connection.
 * @param sourceKey    Source key.
 */
export async function heldCopy(
	c: PoolConnection,
	t: Tables,
	connectionId: number,
	sourceKey: string
): Promise< number | null > {
	const [ rows ] = await c.execute< RowDataPacket[] >(
		`SELECT blob_id FROM ${ t.quarantine } WHERE connection_id = ? AND source_key = ?`,
		[ connectionId, sourceKey ]
	);
	const blobId = rows[ 0 ]?.[ 'blob_id' ];
	return blobId === null || blobId === undefined ? null : Number( blobId );
}
