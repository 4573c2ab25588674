/**
 * Bad configuration stops the sidecar with one sentence naming the fix, a non-zero exit code,
 * and nothing written.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import { SCHEMA_VERSION } from '../../sidecar/src/db/tables.ts';
import {
	addImapConnection,
	count,
	loadStack,
	openDb,
	runCli,
	type Stack,
} from './support/stack.ts';

describe( 'sidecar refuses bad configuration clearly', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let wpConfig: string;
	let tmp: string;
	let files = 0;

	before( () => {
		stack = loadStack();
		db = openDb( stack );
		wpConfig = fs.readFileSync( stack.wp.config, 'utf8' );
		tmp = fs.mkdtempSync( path.join( os.tmpdir(), 'epipe-bad-' ) );
	} );
	after( async () => {
		await db.end();
		fs.rmSync( tmp, { recursive: true, force: true } );
	} );

	/**
	 * A copy of the stack's wp-config.php with one define replaced.
	 *
	 * @param constant Constant to change.
	 * @param value    Its new literal value.
	 */
	const variant = ( constant: string, value: string ): string => {
		const file = path.join( tmp, `wp-config-${ ++files }.php` );
		const re = new RegExp(
			`define\\(\\s*'${ constant }',\\s*'[^']*'\\s*\\);`
		);
		assert.match( wpConfig, re );
		fs.writeFileSync(
			file,
			wpConfig.replace( re, `define( '${ constant }', '${ value }' );` )
		);
		return file;
	};

	const writes = async (): Promise< number[] > => [
		await count( db, 'SELECT COUNT(*) n FROM wp_epipe_tickets' ),
		await count( db, 'SELECT COUNT(*) n FROM wp_epipe_messages' ),
		await count( db, 'SELECT COUNT(*) n FROM wp_epipe_activity' ),
	];

	const expectRefusal = async (
		args: string[],
		pattern: RegExp,
		env: Record< string, string > = {}
	): Promise< void > => {
		const initial = await writes();
		const result = await runCli( args, env );
		assert.notEqual( result.code, 0 );
		const lines = result.stderr.trim().split( '\n' );
		assert.equal(
			lines.length,
			1,
			`one sentence, got: ${ result.stderr }`
		);
		assert.match( lines[ 0 ] ?? '', pattern );
		assert.deepEqual( await writes(), initial, 'nothing written' );
	};

	it( 'a missing wp-config.php', async () => {
		await expectRefusal(
			[ 'run', '--once', '--wp-config', '/nonexistent/wp-config.php' ],
			/Cannot read wp-config.php at \/nonexistent\/wp-config.php .*--wp-config/
		);
	} );

	it( 'a file that is not a wp-config.php', async () => {
		const file = path.join( tmp, 'notes.php' );
		fs.writeFileSync( file, '<?php echo "hello";' );
		await expectRefusal(
			[ 'run', '--once', '--wp-config', file ],
			/does not define DB_NAME/
		);
	} );

	it( 'an unreachable database', async () => {
		await expectRefusal(
			[
				'run',
				'--once',
				'--wp-config',
				variant( 'DB_HOST', '127.0.0.1:1' ),
			],
			/Cannot reach the database at 127\.0\.0\.1:1 .*check DB_HOST/
		);
	} );

	it( 'a wrong database password', async () => {
		await expectRefusal(
			[
				'run',
				'--once',
				'--wp-config',
				variant( 'DB_PASSWORD', 'wrong' ),
			],
			/refused user 'wp' \(access denied\): check DB_USER and DB_PASSWORD/
		);
	} );

	it( 'a site where the plugin is not installed', async () => {
		await expectRefusal(
			[ 'run', '--once', '--wp-config', stack.wp.config ],
			/no WordPress tables with prefix 'other_'/,
			{ EPIPE_TABLE_PREFIX: 'other_' }
		);
	} );

	it( 'a schema version mismatch', async () => {
		await db.query(
			"UPDATE wp_options SET option_value = '999' WHERE option_name = 'epipe_db_version'"
		);
		try {
			await expectRefusal(
				[ 'run', '--once', '--wp-config', stack.wp.config ],
				new RegExp(
					`schema is version 999 but this sidecar needs version ${ SCHEMA_VERSION }`
				)
			);
		} finally {
			await db.query(
				"UPDATE wp_options SET option_value = ? WHERE option_name = 'epipe_db_version'",
				[ String( SCHEMA_VERSION ) ]
			);
		}
	} );

	it( 'a wrong IMAP password: the connection is reported and marked, no mail is touched', async () => {
		// Disabled, so the other tests' `run --once` over all enabled connections never meets it.
		const id = await addImapConnection( db, stack, {
			name: 'bad password',
			mailbox: stack.mailboxes.support,
			password: 'not-the-password',
		} );
		await expectRefusal(
			[
				'run',
				'--once',
				'--connection',
				String( id ),
				'--wp-config',
				stack.wp.config,
			],
			new RegExp(
				`Connection #${ id } .*rejected the username or password`
			)
		);
		assert.equal(
			await count(
				db,
				"SELECT COUNT(*) n FROM wp_epipe_mailbox_state WHERE connection_id = ? AND status = 'error' AND status_code = 'auth_failed'",
				[ id ]
			),
			1
		);
	} );

	it( 'check reports what it sees without changing anything', async () => {
		const initial = await count(
			db,
			'SELECT COUNT(*) n FROM wp_epipe_mailbox_state'
		);
		const result = await runCli( [
			'check',
			'1',
			'--wp-config',
			stack.wp.config,
		] );
		assert.equal( result.code, 0, result.stderr );
		const report = JSON.parse( result.stdout ) as Record< string, unknown >;
		assert.equal( report[ 'ok' ], true );
		assert.equal( report[ 'folder' ], 'INBOX' );
		assert.equal( typeof report[ 'uidvalidity' ], 'number' );
		assert.equal(
			await count( db, 'SELECT COUNT(*) n FROM wp_epipe_mailbox_state' ),
			initial
		);
	} );
} );
