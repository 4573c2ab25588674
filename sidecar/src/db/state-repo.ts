/**
 * The mailbox state row: checkpoint (UIDVALIDITY + last UID), lease and health status.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';

import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';

import type { Pool } from './pool.ts';
import type { Tables } from './tables.ts';

export interface Checkpoint {
	readonly uidValidity: number;
	readonly lastUid: number;
}

/**
 * A lease owner id: "<host>/<pid>/<random>". Host and pid let a sidecar restarted on the same
 * host take over at once from a process that died, instead of waiting for the lease to expire.
 */
export function leaseOwnerId(): string {
	return `${ os.hostname() }/${ process.pid }/${ randomUUID().slice( 0, 8 ) }`;
}

/**
 * Whether a lease owner is a process of this host that no longer exists.
 *
 * @param owner Owner id written by leaseOwnerId().
 */
export function isDeadLocalOwner( owner: string ): boolean {
	const [ host, pid ] = owner.split( '/' );
	if (
		host !== os.hostname() ||
		! /^\d+$/.test( pid ?? '' ) ||
		Number( pid ) === process.pid
	) {
		return false;
	}
	try {
		process.kill( Number( pid ), 0 );
		return false;
	} catch ( err ) {
		// EPERM: it exists but belongs to someone else.
		return ( err as NodeJS.ErrnoException ).code === 'ESRCH';
	}
}

/**
 * Takes or renews the lease on a connection: one worker per connection across all sidecars.
 * An expired lease, or one held by a dead process of this host, is taken over.
 *
 * @param pool         Database.
 * @param t            Table names.
 * @param connectionId Connection.
 * @param owner        This worker's id.
 * @param seconds      Lease length.
 */
export async function acquireLease(
	pool: Pool,
	t: Tables,
	connectionId: number,
	owner: string,
	seconds: number
): Promise< boolean > {
	await pool.execute(
		`INSERT IGNORE INTO ${ t.mailbox_state } (connection_id, status, updated_at) VALUES (?, 'new', UTC_TIMESTAMP())`,
		[ connectionId ]
	);
	const [ res ] = await pool.execute< ResultSetHeader >(
		`UPDATE ${ t.mailbox_state } SET lease_owner = ?, lease_until = DATE_ADD(UTC_TIMESTAMP(), INTERVAL ? SECOND)
		 WHERE connection_id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < UTC_TIMESTAMP())`,
		[ owner, seconds, connectionId, owner ]
	);
	if ( res.affectedRows === 1 ) {
		return true;
	}
	const [ rows ] = await pool.execute< RowDataPacket[] >(
		`SELECT lease_owner FROM ${ t.mailbox_state } WHERE connection_id = ?`,
		[ connectionId ]
	);
	const holder = rows[ 0 ]?.[ 'lease_owner' ];
	if ( typeof holder !== 'string' || ! isDeadLocalOwner( holder ) ) {
		return false;
	}
	// Conditional on the dead holder, so two restarted sidecars can't both take it.
	const [ steal ] = await pool.execute< ResultSetHeader >(
		`UPDATE ${ t.mailbox_state } SET lease_owner = ?, lease_until = DATE_ADD(UTC_TIMESTAMP(), INTERVAL ? SECOND)
		 WHERE connection_id = ? AND lease_owner = ?`,
		[ owner, seconds, connectionId, holder ]
	);
	return steal.affectedRows === 1;
}

/**
 * Gives the lease back so another worker need not wait for it to expire.
 *
 * @param pool         Database.
 * @param t            Table names.
 * @param connectionId Connection.
 * @param owner        This worker's id.
 */
export async function releaseLease(
	pool: Pool,
	t: Tables,
	connectionId: number,
	owner: string
): Promise< void > {
	await pool.execute(
		`UPDATE ${ t.mailbox_state } SET lease_owner = NULL, lease_until = NULL WHERE connection_id = ? AND lease_owner = ?`,
		[ connectionId, owner ]
	);
}

/**
 * Returns the checkpoint for the mailbox's current UIDVALIDITY, creating it on first contact
 * ("now": skip what is there; "all": import it) or after the server renumbered the mailbox
 * (then everything is looked at again; the Message-ID key stops duplicates).
 *
 * @param pool         Database.
 * @param t            Table names.
 * @param connectionId Connection.
 * @param uidValidity  Current UIDVALIDITY.
 * @param uidNext      Current UIDNEXT.
 * @param startFrom    First-contact policy.
 */
export async function checkpointFor(
	pool: Pool,
	t: Tables,
	connectionId: number,
	uidValidity: number,
	uidNext: number,
	startFrom: 'now' | 'all'
): Promise< Checkpoint > {
	const [ rows ] = await pool.execute< RowDataPacket[] >(
		`SELECT uidvalidity, last_uid FROM ${ t.mailbox_state } WHERE connection_id = ?`,
		[ connectionId ]
	);
	const row = rows[ 0 ];
	const stored =
		row && row[ 'uidvalidity' ] !== null
			? Number( row[ 'uidvalidity' ] )
			: null;
	if ( stored === uidValidity ) {
		return { uidValidity, lastUid: Number( row?.[ 'last_uid' ] ?? 0 ) };
	}
	const lastUid =
		stored === null && startFrom === 'now' ? Math.max( 0, uidNext - 1 ) : 0;
	await pool.execute(
		`UPDATE ${ t.mailbox_state } SET uidvalidity = ?, last_uid = ?, updated_at = UTC_TIMESTAMP() WHERE connection_id = ?`,
		[ uidValidity, lastUid, connectionId ]
	);
	return { uidValidity, lastUid };
}

/**
 * Records how the last attempt went, as machine codes for the admin.
 *
 * @param pool         Database.
 * @param t            Table names.
 * @param connectionId Connection.
 * @param status       connected (a `run --once` pass), idle (listening with IMAP IDLE), polling
 *                     (the server has no IDLE), error; idle and polling carry {"poll_seconds": N} as
 *                     detail.
 * @param code         Error code or null.
 * @param detail       Technical detail (no secrets) or null.
 */
export async function recordStatus(
	pool: Pool,
	t: Tables,
	connectionId: number,
	status: string,
	code: string | null,
	detail: string | null
): Promise< void > {
	await pool.execute(
		`INSERT INTO ${ t.mailbox_state } (connection_id, status, status_code, status_detail, last_checked_at, last_success_at, updated_at)
		 VALUES (?, ?, ?, ?, UTC_TIMESTAMP(), IF(? IS NULL, UTC_TIMESTAMP(), NULL), UTC_TIMESTAMP())
		 ON DUPLICATE KEY UPDATE status = VALUES(status), status_code = VALUES(status_code), status_detail = VALUES(status_detail),
		   last_checked_at = UTC_TIMESTAMP(), last_success_at = IF(VALUES(status_code) IS NULL, UTC_TIMESTAMP(), last_success_at),
		   updated_at = UTC_TIMESTAMP()`,
		[ connectionId, status, code, detail?.slice( 0, 1000 ) ?? null, code ]
	);
}

/**
 * Marks the start of a pass and says how many passes in a row started at this checkpoint
 * after the previous one never finished (the process died during it): a crash loop.
 *
 * @param pool         Database.
 * @param t            Table names.
 * @param connectionId Connection.
 */
export async function openPass(
	pool: Pool,
	t: Tables,
	connectionId: number
): Promise< number > {
	await pool.execute(
		`UPDATE ${ t.mailbox_state }
		 SET stuck_passes = IF(pass_open = 1 AND pass_start_uid = last_uid, stuck_passes + 1, 0),
		     pass_start_uid = last_uid, pass_open = 1
		 WHERE connection_id = ?`,
		[ connectionId ]
	);
	const [ rows ] = await pool.execute< RowDataPacket[] >(
		`SELECT stuck_passes FROM ${ t.mailbox_state } WHERE connection_id = ?`,
		[ connectionId ]
	);
	return Number( rows[ 0 ]?.[ 'stuck_passes' ] ?? 0 );
}

/**
 * Marks a pass as finished (also when it ended in a handled error).
 *
 * @param pool         Database.
 * @param t            Table names.
 * @param connectionId Connection.
 */
export async function closePass(
	pool: Pool,
	t: Tables,
	connectionId: number
): Promise< void > {
	await pool.execute(
		`UPDATE ${ t.mailbox_state } SET pass_open = 0 WHERE connection_id = ?`,
		[ connectionId ]
	);
}

/**
 * The provider's position stored for a Gmail or Graph connection (a history id or a delta
 * link, see sources/), or null before the first pass.
 *
 * @param pool         Database.
 * @param t            Table names.
 * @param connectionId Connection.
 */
export async function loadCursor(
	pool: Pool,
	t: Tables,
	connectionId: number
): Promise< string | null > {
	const [ rows ] = await pool.execute< RowDataPacket[] >(
		`SELECT cursor_token FROM ${ t.mailbox_state } WHERE connection_id = ?`,
		[ connectionId ]
	);
	const token = rows[ 0 ]?.[ 'cursor_token' ];
	return typeof token === 'string' && token !== '' ? token : null;
}

/**
 * Stores the provider's position once every message listed before it is committed.
 *
 * @param pool         Database.
 * @param t            Table names.
 * @param connectionId Connection.
 * @param cursor       New position.
 */
export async function saveCursor(
	pool: Pool,
	t: Tables,
	connectionId: number,
	cursor: string
): Promise< void > {
	await pool.execute(
		`UPDATE ${ t.mailbox_state } SET cursor_token = ?, updated_at = UTC_TIMESTAMP() WHERE connection_id = ?`,
		[ cursor, connectionId ]
	);
}

/**
 * Records whose mailbox an OAuth grant reads and when it is known to expire (Google's grants
 * of apps in testing last 7 days; Microsoft's lapse after 90 days unused), so the admin can
 * warn before mail stops.
 *
 * @param pool         Database.
 * @param t            Table names.
 * @param connectionId Connection.
 * @param account      Address the grant belongs to; null leaves the stored one.
 * @param expiresAt    Expiry; null when the grant has no known end; undefined leaves it.
 */
export async function recordGrant(
	pool: Pool,
	t: Tables,
	connectionId: number,
	account: string | null,
	expiresAt: Date | null | undefined
): Promise< void > {
	await pool.execute(
		`INSERT INTO ${ t.mailbox_state } (connection_id, status, grant_account, grant_expires_at, updated_at)
		 VALUES (?, 'new', ?, ?, UTC_TIMESTAMP())
		 ON DUPLICATE KEY UPDATE grant_account = COALESCE(VALUES(grant_account), grant_account),
		   grant_expires_at = IF(?, VALUES(grant_expires_at), grant_expires_at), updated_at = UTC_TIMESTAMP()`,
		[ connectionId, account, expiresAt ?? null, expiresAt !== undefined ]
	);
}
