import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import {
	loadConfig,
	parseDbHost,
	readWpConfig,
} from '../../sidecar/src/config.ts';
import { SidecarError } from '../../sidecar/src/errors.ts';

const KEY = 'k'.repeat( 40 );

const TMP = fs.mkdtempSync( path.join( os.tmpdir(), 'epipe-cfg-' ) );
after( () => fs.rmSync( TMP, { recursive: true, force: true } ) );

let written = 0;
function writeConfig( php: string ): string {
	const file = path.join( TMP, `wp-config-${ ++written }.php` );
	fs.writeFileSync( file, php );
	return file;
}

describe( 'readWpConfig', () => {
	it( 'reads literal defines in both quote styles and ignores commented-out ones', () => {
		const { constants, tablePrefix } = readWpConfig( `<?php
// define( 'DB_NAME', 'commented' );
/* define( 'DB_USER', 'block-commented' ); */
# define( 'DB_PASSWORD', 'hash-commented' );
define( 'DB_NAME', 'shop' );
define("DB_USER", "shop_user");
define( 'DB_PASSWORD', 'it\\'s // not a comment' );
define( 'WP_HOME', 'https://shop.example/blog' );
$table_prefix = 'wp7_';
` );
		assert.equal( constants.get( 'DB_NAME' ), 'shop' );
		assert.equal( constants.get( 'DB_USER' ), 'shop_user' );
		assert.equal( constants.get( 'DB_PASSWORD' ), "it's // not a comment" );
		assert.equal( constants.get( 'WP_HOME' ), 'https://shop.example/blog' );
		assert.equal( tablePrefix, 'wp7_' );
	} );

	it( 'reports constants that are expressions instead of guessing their value', () => {
		const { constants, nonLiteral } = readWpConfig(
			`<?php define( 'DB_PASSWORD', getenv( 'PW' ) ); define( 'DB_NAME', 'x' );`
		);
		assert.equal( constants.has( 'DB_PASSWORD' ), false );
		assert.ok( nonLiteral.has( 'DB_PASSWORD' ) );
	} );
} );

describe( 'parseDbHost', () => {
	const noSocket = (): boolean => false;
	it( 'splits host and port', () => {
		assert.deepEqual( parseDbHost( 'db.internal:3307', noSocket ), {
			host: 'db.internal',
			port: 3307,
			socketPath: null,
		} );
	} );
	it( 'takes a socket path after the colon', () => {
		assert.deepEqual(
			parseDbHost( 'localhost:/var/run/mysqld/mysqld.sock', noSocket ),
			{
				host: 'localhost',
				port: 3306,
				socketPath: '/var/run/mysqld/mysqld.sock',
			}
		);
	} );
	it( 'reads bracketed IPv6 with a port', () => {
		assert.deepEqual( parseDbHost( '[::1]:3310', noSocket ), {
			host: '::1',
			port: 3310,
			socketPath: null,
		} );
	} );
	it( 'maps bare localhost to the default socket when there is one, as PHP does', () => {
		assert.equal(
			parseDbHost(
				'localhost',
				( p ) => p === '/var/run/mysqld/mysqld.sock'
			).socketPath,
			'/var/run/mysqld/mysqld.sock'
		);
		assert.equal( parseDbHost( 'localhost', noSocket ).socketPath, null );
	} );
} );

describe( 'loadConfig', () => {
	it( 'builds the database settings from wp-config.php', () => {
		const file = writeConfig( `<?php
define( 'DB_NAME', 'wp' ); define( 'DB_USER', 'u' ); define( 'DB_PASSWORD', 'p' );
define( 'DB_HOST', '127.0.0.1:3399' ); define( 'EPIPE_SECRET_KEY', '${ KEY }' );
$table_prefix = 'site_';` );
		const config = loadConfig( file, {} );
		assert.deepEqual( config.db, {
			host: '127.0.0.1',
			port: 3399,
			socketPath: null,
			user: 'u',
			password: 'p',
			database: 'wp',
		} );
		assert.equal( config.tablePrefix, 'site_' );
		assert.equal( config.secretKey, KEY );
	} );

	it( 'lets environment variables override the file', () => {
		const file = writeConfig(
			`<?php define( 'DB_NAME', 'wp' ); define( 'DB_USER', 'u' ); define( 'EPIPE_SECRET_KEY', '${ KEY }' );`
		);
		const config = loadConfig( file, {
			EPIPE_DB_NAME: 'other',
			EPIPE_TABLE_PREFIX: 'x_',
		} );
		assert.equal( config.db.database, 'other' );
		assert.equal( config.tablePrefix, 'x_' );
	} );

	const failsWith = (
		fn: () => unknown,
		code: string,
		text: RegExp
	): void => {
		assert.throws( fn, ( err: unknown ) => {
			assert.ok( err instanceof SidecarError );
			assert.equal( err.code, code );
			assert.match( err.message, text );
			return true;
		} );
	};

	it( 'names a missing file and the flag to fix it', () => {
		failsWith(
			() => loadConfig( '/nonexistent/wp-config.php', {} ),
			'config_unreadable',
			/no such file.*--wp-config/
		);
	} );
	it( 'refuses a file that is not a wp-config.php', () => {
		failsWith(
			() => loadConfig( writeConfig( '<?php echo 1;' ), {} ),
			'config_invalid',
			/does not define DB_NAME/
		);
	} );
	it( 'says which environment variable replaces a non-literal constant', () => {
		const file = writeConfig(
			`<?php define( 'DB_NAME', 'wp' ); define( 'DB_USER', 'u' ); define( 'DB_PASSWORD', getenv( 'X' ) );`
		);
		failsWith(
			() => loadConfig( file, {} ),
			'config_invalid',
			/DB_PASSWORD .* set EPIPE_DB_PASSWORD/
		);
	} );
	it( 'refuses to start without the secret key', () => {
		const file = writeConfig(
			`<?php define( 'DB_NAME', 'wp' ); define( 'DB_USER', 'u' );`
		);
		failsWith(
			() => loadConfig( file, {} ),
			'secret_key_missing',
			/EPIPE_SECRET_KEY is not defined/
		);
	} );
	it( 'explains both ways to configure when nothing is given', () => {
		failsWith(
			() => loadConfig( undefined, {} ),
			'config_missing',
			/--wp-config .* EPIPE_DB_HOST/
		);
	} );
} );
