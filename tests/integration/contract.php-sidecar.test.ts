/**
 * The contracts between the PHP plugin and the sidecar: the schema the sidecar expects is the one
 * PHP installs, and secrets sealed by either runtime open in the other.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import {
	SCHEMA_VERSION,
	TABLE_COLUMNS,
	tableNames,
} from '../../sidecar/src/db/tables.ts';
import { open, seal } from '../../sidecar/src/security/secret-box.ts';
import { loadStack, openDb, wpEval, type Stack } from './support/stack.ts';

describe( 'PHP ↔ sidecar contract', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let key: string;

	before( () => {
		stack = loadStack();
		db = openDb( stack );
		key = /define\(\s*'EPIPE_SECRET_KEY',\s*'([^']+)'/.exec(
			fs.readFileSync( stack.wp.config, 'utf8' )
		)?.[ 1 ] as string;
	} );
	after( async () => {
		await db.end();
	} );

	it( 'PHP installed the schema version and every column the sidecar uses', async () => {
		const [ version ] = await db.query(
			"SELECT option_value v FROM wp_options WHERE option_name = 'epipe_db_version'"
		);
		assert.equal(
			Number( ( version as Array< { v: string } > )[ 0 ]?.v ),
			SCHEMA_VERSION
		);
		const names = tableNames( stack.db.tablePrefix );
		for ( const [ table, columns ] of Object.entries( TABLE_COLUMNS ) ) {
			const [ rows ] = await db.query(
				'SELECT COLUMN_NAME c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
				[ names[ table as keyof typeof names ] ]
			);
			const present = new Set(
				( rows as Array< { c: string } > ).map( ( r ) => r.c )
			);
			for ( const column of columns ) {
				assert.ok(
					present.has( column ),
					`${ table }.${ column } exists`
				);
			}
		}
	} );

	it( 'the exactly-once keys are enforced by the database', async () => {
		const [ rows ] = await db.query(
			"SELECT INDEX_NAME i, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) cols FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'wp_epipe_messages' AND NON_UNIQUE = 0 GROUP BY INDEX_NAME"
		);
		const unique = new Set(
			( rows as Array< { cols: string } > ).map( ( r ) => r.cols )
		);
		assert.ok( unique.has( 'connection_id,source_key' ) );
		assert.ok( unique.has( 'connection_id,message_key' ) );
	} );

	it( 'a password sealed by PHP opens in the sidecar, and is not stored in clear', async () => {
		const [ rows ] = await db.query(
			'SELECT secret FROM wp_epipe_connections WHERE id = 1'
		);
		const secret =
			( rows as Array< { secret: string } > )[ 0 ]?.secret ?? '';
		assert.ok( ! secret.includes( stack.mailboxes.support.password ) );
		assert.equal( open( key, secret ), stack.mailboxes.support.password );
	} );

	it( 'a secret sealed by the sidecar opens in PHP', async () => {
		const sealed = seal( key, 'rotated-refresh-token-✓' );
		const out = await wpEval(
			stack,
			`echo \\Email_Piping\\Security\\Secret_Box::open( ${ JSON.stringify( sealed ) } );`
		);
		assert.equal( out, 'rotated-refresh-token-✓' );
	} );
} );
