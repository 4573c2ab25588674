/**
 * The contracts between the PHP plugin and the sidecar: the schema the sidecar expects is the one
 * PHP installs, secrets sealed by either runtime open in the other, and a block-list pattern the
 * admin tests in PHP matches the same values in the sidecar.
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
import {
	DEFAULT_ALLOWED_EXTENSIONS,
	DEFAULT_MAX_ATTACHMENT_MB,
} from '../../sidecar/src/pipeline/attachments.ts';
import {
	compilePattern,
	type MatchType,
} from '../../sidecar/src/pipeline/patterns.ts';
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
	it( 'PHP and the sidecar agree on what every kind of pattern matches', async () => {
		const cases: Array< [ MatchType, string, string ] > = [];
		const values = [
			'no-reply@shop.example',
			'NoReply@Shop.Example',
			'billing@example.com',
			'billing@example.com.evil',
			'ann@exampleXcom',
			'Automatic reply: away',
			'[Auto-Reply] Out of office',
			'Re: out of office request',
			'Your Invoice (Copy) #12',
			'Überweisung fällig',
			'line one\nline two',
		];
		const patterns: Array< [ MatchType, string ] > = [
			[ 'exact', 'billing@example.com' ],
			[ 'exact', ' BILLING@example.com ' ],
			[ 'wildcard', '*@example.com' ],
			[ 'wildcard', 'no-reply@*' ],
			[ 'wildcard', '*invoice (copy)*' ],
			[ 'wildcard', '*ÜBERWEISUNG*' ],
			[ 'wildcard', 'line*two' ],
			[ 'regex', 'no(t)?[-_]?reply@' ],
			[ 'regex', '^[\\[(]?auto(mat(ic|ed))?[\\s-]?reply' ],
			[ 'regex', '^out of office' ],
			[ 'regex', 'fällig$' ],
			[ 'regex', 'example\\.com$' ],
		];
		for ( const [ type, pattern ] of patterns ) {
			for ( const value of values ) {
				cases.push( [ type, pattern, value ] );
			}
		}
		const php = JSON.parse(
			await wpEval(
				stack,
				`$cases = json_decode( base64_decode( '${ Buffer.from( JSON.stringify( cases ) ).toString( 'base64' ) }' ), true );
				 echo wp_json_encode( array_map( fn( $c ) => \\Email_Piping\\Domain\\Pattern::matches( $c[0], $c[1], $c[2] ), $cases ) );`
			)
		) as boolean[];
		const sidecar = cases.map( ( [ matchType, pattern, value ] ) =>
			Boolean(
				compilePattern( { kind: 'subject', matchType, pattern } )?.test(
					value
				)
			)
		);
		const disagreements = cases.filter(
			( _c, i ) => php[ i ] !== sidecar[ i ]
		);
		assert.deepEqual( disagreements, [] );
		assert.ok(
			php.filter( Boolean ).length >= 12,
			'the cases do match things'
		);
	} );
	it( 'the sidecar falls back to the attachment defaults PHP shows the admin', async () => {
		const defaults = JSON.parse(
			await wpEval(
				stack,
				`$s = \\Email_Piping\\Services\\Settings_Service::schema();
				 echo wp_json_encode( array( $s['allowed_extensions']['default'], $s['max_attachment_mb']['default'] ) );`
			)
		) as [ string[], number ];
		assert.deepEqual( defaults, [
			[ ...DEFAULT_ALLOWED_EXTENSIONS ],
			DEFAULT_MAX_ATTACHMENT_MB,
		] );
	} );
} );
