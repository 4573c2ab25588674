/**
 * The Connections list's live columns over HTTP: what each connection's emails became today (the
 * site's day, not UTC's), from one grouped query on the activity log's created_at index, and how
 * the sidecar watches each mailbox in words.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import { loadStack, openDb, type Stack } from './support/stack.ts';
import { adminAuth, api } from './support/wp.ts';

interface Connection {
	id: number;
	today: Record< string, number >;
	status: {
		state: string;
		sidecar_status: string | null;
		mode: string | null;
		mode_text: string | null;
		detail: string | null;
		code: string | null;
	};
}

/**
 * UTC 'Y-m-d H:i:s' of a Unix time in seconds.
 * @param seconds
 */
const mysqlTime = ( seconds: number ): string =>
	new Date( seconds * 1000 ).toISOString().slice( 0, 19 ).replace( 'T', ' ' );

describe( 'connections: counts of today and live status', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let auth: string;
	const ids: number[] = [];
	let savedOptions: Array< { option_name: string; option_value: string } >;

	const addConnection = async ( name: string ): Promise< number > => {
		const res = await api< { id: number } >(
			stack,
			'POST',
			'/connections',
			auth,
			{
				kind: 'imap',
				name,
				enabled: false,
				mailbox_address: `${ name }@example.test`,
				password: 'secret',
				settings: {
					host: 'imap.example.test',
					username: `${ name }@example.test`,
				},
			}
		);
		assert.equal( res.status, 201, res.text );
		ids.push( res.json.id );
		return res.json.id;
	};

	const list = async (): Promise< Map< number, Connection > > => {
		const res = await api< Connection[] >(
			stack,
			'GET',
			'/connections',
			auth
		);
		assert.equal( res.status, 200, res.text );
		return new Map( res.json.map( ( c ) => [ c.id, c ] ) );
	};

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		auth = adminAuth( stack );
		const [ rows ] = await db.query(
			"SELECT option_name, option_value FROM wp_options WHERE option_name IN ('timezone_string', 'gmt_offset')"
		);
		savedOptions = rows as typeof savedOptions;
		// UTC+14: the site's day starts at 10:00 UTC the day before, so it is not UTC's day.
		await db.query(
			"UPDATE wp_options SET option_value = '' WHERE option_name = 'timezone_string'"
		);
		await db.query(
			"UPDATE wp_options SET option_value = '14' WHERE option_name = 'gmt_offset'"
		);
	} );

	after( async () => {
		for ( const row of savedOptions ) {
			await db.query(
				'UPDATE wp_options SET option_value = ? WHERE option_name = ?',
				[ row.option_value, row.option_name ]
			);
		}
		if ( ids.length > 0 ) {
			await db.query(
				'DELETE FROM wp_epipe_activity WHERE connection_id IN (?)',
				[ ids ]
			);
		}
		for ( const id of ids ) {
			await api( stack, 'DELETE', `/connections/${ id }`, auth );
		}
		await db.end();
	} );

	it( "counts each connection's emails of the site's day by what they became", async () => {
		const sales = await addConnection( 'today-sales' );
		const billing = await addConnection( 'today-billing' );
		const quiet = await addConnection( 'today-quiet' );

		// WordPress (PHP) runs on this machine's clock.
		const now = Math.floor( Date.now() / 1000 );
		const offset = 14 * 3600;
		const midnight =
			Math.floor( ( now + offset ) / 86400 ) * 86400 - offset;
		const row = (
			connection: number,
			outcome: string,
			reason: string | null,
			at: number
		) => [
			connection,
			outcome,
			reason,
			'someone@example.test',
			'Counts of today',
			mysqlTime( at ),
		];
		const rows = [
			row( sales, 'ticket', 'new_ticket', midnight ),
			row( sales, 'ticket', 'new_ticket', now - 5 ),
			row( sales, 'reply', 'reply_by_reference', now - 4 ),
			row( sales, 'skipped', 'blocked_sender', now - 3 ),
			row( sales, 'skipped', 'sender_not_registered', now - 3 ),
			row( sales, 'skipped', 'auto_reply', now - 2 ),
			row( sales, 'quarantined', 'parse_failed', now - 1 ),
			// The site's yesterday (still today in UTC for ten hours a day) and tomorrow.
			row( sales, 'ticket', 'new_ticket', midnight - 1 ),
			row( sales, 'ticket', 'new_ticket', midnight + 86400 ),
			row( billing, 'ticket', 'new_ticket', now - 10 ),
		];
		// Older mail, as a busy site has: the day's rows are found through the index.
		for ( let i = 0; i < 2000; i++ ) {
			rows.push(
				row( quiet, 'ticket', 'new_ticket', midnight - 86400 - i * 60 )
			);
		}
		await db.query(
			'INSERT INTO wp_epipe_activity (connection_id, outcome, reason, from_address, subject, created_at) VALUES ?',
			[ rows ]
		);

		const connections = await list();
		assert.deepEqual( connections.get( sales )?.today, {
			ticket: 2,
			reply: 1,
			blocked: 1,
			rejected: 1,
			skipped: 1,
			quarantined: 1,
		} );
		assert.deepEqual( connections.get( billing )?.today, {
			ticket: 1,
			reply: 0,
			blocked: 0,
			rejected: 0,
			skipped: 0,
			quarantined: 0,
		} );
		assert.equal( connections.get( quiet )?.today[ 'ticket' ], 0 );
		// One connection read alone carries its counts too.
		const one = await api< Connection >(
			stack,
			'GET',
			`/connections/${ sales }`,
			auth
		);
		assert.equal( one.json.today[ 'ticket' ], 2 );

		// The query PHP runs (Activity_Repository::count_by_connection) reads a range of the
		// created_at index rather than the whole log.
		const [ plan ] = await db.query(
			'EXPLAIN SELECT connection_id, outcome, reason, COUNT(*) AS n FROM wp_epipe_activity WHERE created_at >= ? AND created_at < ? AND connection_id IS NOT NULL GROUP BY connection_id, outcome, reason',
			[ mysqlTime( midnight ), mysqlTime( midnight + 86400 ) ]
		);
		const step = ( plan as Array< Record< string, unknown > > )[ 0 ];
		assert.equal( step?.[ 'key' ], 'created_at', JSON.stringify( plan ) );
		assert.equal( step?.[ 'type' ], 'range', JSON.stringify( plan ) );
	} );

	it( 'says in words whether the sidecar listens with IDLE or polls, and keeps errors as they were', async () => {
		const [ idle, polling, failing ] = ids as [ number, number, number ];
		const state = async (
			id: number,
			status: string,
			code: string | null,
			detail: string | null
		): Promise< void > => {
			await db.query(
				`INSERT INTO wp_epipe_mailbox_state (connection_id, status, status_code, status_detail, last_checked_at, last_success_at, updated_at)
				 VALUES (?, ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP(), UTC_TIMESTAMP())
				 ON DUPLICATE KEY UPDATE status = VALUES(status), status_code = VALUES(status_code), status_detail = VALUES(status_detail)`,
				[ id, status, code, detail ]
			);
		};
		await state( idle, 'idle', null, '{"poll_seconds":30}' );
		await state( polling, 'polling', null, '{"poll_seconds":45}' );
		await state(
			failing,
			'error',
			'connect_failed',
			'Connection #3: cannot connect (ECONNREFUSED); check the host and port.'
		);
		const connections = await list();
		const idleStatus = connections.get( idle )?.status;
		assert.equal( idleStatus?.state, 'ok' );
		assert.equal( idleStatus?.mode, 'idle' );
		assert.equal( idleStatus?.mode_text, 'Listening (IDLE)' );
		assert.equal( idleStatus?.detail, null );
		const pollStatus = connections.get( polling )?.status;
		assert.equal( pollStatus?.mode, 'polling' );
		assert.equal( pollStatus?.mode_text, 'Polling every 45 s' );
		const errorStatus = connections.get( failing )?.status;
		assert.equal( errorStatus?.state, 'error' );
		assert.equal( errorStatus?.mode, null );
		assert.equal( errorStatus?.mode_text, null );
		assert.match( String( errorStatus?.detail ), /ECONNREFUSED/ );
	} );
} );
