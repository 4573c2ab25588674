/**
 * WordPress users as the pipeline needs them (read-only): is this sender a registered user, and
 * is it an agent (a user who may work tickets)?
 */
import type { RowDataPacket } from 'mysql2/promise';

import { unserializePhp, type PhpValue } from './php-serialized.ts';
import type { PoolConnection } from './pool.ts';
import type { Tables } from './tables.ts';

/** The capability that makes a user an agent (Capabilities::WORK_TICKETS in PHP). */
const WORK_TICKETS = 'epipe_work_tickets';

const entry = (
	value: PhpValue | undefined,
	key: string
): PhpValue | undefined =>
	value instanceof Map ? value.get( key ) : undefined;

/**
 * Whether serialized user capabilities (the `<prefix>capabilities` meta) grant WORK_TICKETS,
 * directly or through a role, as WordPress reads them: a capability the user holds as false
 * is denied whatever the roles say.
 *
 * @param userCaps Serialized `{ role or capability: bool }` of the user.
 * @param roles    Serialized `<prefix>user_roles` option.
 */
export function grantsWorkTickets( userCaps: string, roles: string ): boolean {
	const caps = unserializePhp( userCaps );
	if ( ! ( caps instanceof Map ) ) {
		return false;
	}
	const direct = caps.get( WORK_TICKETS );
	if ( direct !== undefined ) {
		return direct === true;
	}
	const allRoles = unserializePhp( roles );
	for ( const [ name, held ] of caps ) {
		if ( held !== true || typeof name !== 'string' ) {
			continue;
		}
		const granted = entry(
			entry( entry( allRoles, name ), 'capabilities' ),
			WORK_TICKETS
		);
		if ( granted === true ) {
			return true;
		}
	}
	return false;
}

/**
 * The id of the agent with this email address, or null when no user has it or the user may not
 * work tickets.
 *
 * @param c       Connection.
 * @param t       Table names.
 * @param address Address (the collation ignores case).
 */
export async function agentUserId(
	c: PoolConnection,
	t: Tables,
	address: string
): Promise< number | null > {
	const [ users ] = await c.execute< RowDataPacket[] >(
		`SELECT u.ID AS id, m.meta_value AS caps FROM ${ t.users } u
		 JOIN ${ t.usermeta } m ON m.user_id = u.ID AND m.meta_key = ?
		 WHERE u.user_email = ? ORDER BY u.ID LIMIT 1`,
		[ `${ t.prefix }capabilities`, address ]
	);
	const user = users[ 0 ];
	if ( user === undefined ) {
		return null;
	}
	const [ options ] = await c.execute< RowDataPacket[] >(
		`SELECT option_value FROM ${ t.options } WHERE option_name = ?`,
		[ `${ t.prefix }user_roles` ]
	);
	return grantsWorkTickets(
		String( user[ 'caps' ] ?? '' ),
		String( options[ 0 ]?.[ 'option_value' ] ?? '' )
	)
		? Number( user[ 'id' ] )
		: null;
}

/**
 * Whether a WordPress user has this email address (the collation ignores case).
 *
 * @param c       Connection.
 * @param t       Table names.
 * @param address Address.
 */
export async function isRegisteredUser(
	c: PoolConnection,
	t: Tables,
	address: string
): Promise< boolean > {
	const [ rows ] = await c.execute< RowDataPacket[] >(
		`SELECT 1 FROM ${ t.users } WHERE user_email = ? LIMIT 1`,
		[ address ]
	);
	return rows.length > 0;
}
