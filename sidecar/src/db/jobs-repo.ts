/**
 * Requests from WordPress the sidecar carries out (epipe_jobs): claimed atomically, so with
 * several sidecars each job runs once; a claim whose sidecar died is taken again later.
 */
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';

import type { Pool } from './pool.ts';
import type { Tables } from './tables.ts';

export interface Job {
	readonly id: number;
	readonly type: string;
	readonly connectionId: number | null;
	readonly payload: Record< string, unknown > | null;
}

/** A running job not finished within this is taken to have lost its sidecar. */
const STALE_SECONDS = 300;

/**
 * Claims the oldest waiting job, or null when there is none.
 *
 * @param pool  Database.
 * @param t     Table names.
 * @param owner This sidecar's id.
 */
export async function claimJob(
	pool: Pool,
	t: Tables,
	owner: string
): Promise< Job | null > {
	const [ res ] = await pool.execute< ResultSetHeader >(
		`UPDATE ${ t.jobs } SET status = 'running', claimed_by = ?, updated_at = UTC_TIMESTAMP()
		 WHERE status = 'pending' OR (status = 'running' AND updated_at < DATE_SUB(UTC_TIMESTAMP(), INTERVAL ? SECOND))
		 ORDER BY id LIMIT 1`,
		[ owner, STALE_SECONDS ]
	);
	if ( res.affectedRows === 0 ) {
		return null;
	}
	const [ rows ] = await pool.execute< RowDataPacket[] >(
		`SELECT id, type, connection_id, payload FROM ${ t.jobs } WHERE claimed_by = ? AND status = 'running' ORDER BY id LIMIT 1`,
		[ owner ]
	);
	const row = rows[ 0 ];
	if ( ! row ) {
		return null;
	}
	let payload: Record< string, unknown > | null = null;
	try {
		payload =
			row[ 'payload' ] === null
				? null
				: ( JSON.parse( String( row[ 'payload' ] ) ) as Record<
						string,
						unknown
					> );
	} catch {
		payload = null;
	}
	return {
		id: Number( row[ 'id' ] ),
		type: String( row[ 'type' ] ),
		connectionId:
			row[ 'connection_id' ] === null
				? null
				: Number( row[ 'connection_id' ] ),
		payload,
	};
}

/**
 * Records a job's end.
 *
 * @param pool   Database.
 * @param t      Table names.
 * @param id     Job.
 * @param status done | failed.
 * @param result Result JSON.
 */
export async function finishJob(
	pool: Pool,
	t: Tables,
	id: number,
	status: 'done' | 'failed',
	result: unknown
): Promise< void > {
	await pool.execute(
		`UPDATE ${ t.jobs } SET status = ?, result = ?, finished_at = UTC_TIMESTAMP(), updated_at = UTC_TIMESTAMP() WHERE id = ?`,
		[ status, JSON.stringify( result ), id ]
	);
}
