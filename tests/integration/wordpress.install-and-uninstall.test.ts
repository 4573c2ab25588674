/**
 * Schema installation, upgrades and uninstall on the real WordPress: the upgrade from schema 2
 * runs on admin_init after an update (no activation hook), a network activation installs every
 * site (and sites added later), a deleted site takes its tables along, and uninstall.php removes
 * every table, option and secret on every site of a multisite network.
 *
 * The multisite network lives beside the test site in the same database under its own table
 * prefix, booted by small PHP scripts, so the shared test site is never touched.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import { SCHEMA_VERSION } from '../../sidecar/src/db/tables.ts';

import { loadStack, openDb, type Stack } from './support/stack.ts';
import { adminAuth, api, login } from './support/wp.ts';

const PREFIX = 'wpms_';

/**
 * Runs a PHP script and returns its stdout.
 *
 * @param file PHP file.
 */
function php( file: string ): Promise< string > {
	return new Promise( ( resolve, reject ) => {
		execFile(
			'php',
			[
				'-d',
				'display_errors=stderr',
				'-d',
				'error_reporting=E_ALL & ~E_DEPRECATED',
				file,
			],
			{ timeout: 60_000 },
			( err, stdout, stderr ) =>
				err
					? reject(
							new Error(
								`${ err.message }\n${ stdout }\n${ stderr }`
							)
						)
					: resolve( stdout )
		);
	} );
}

describe( 'install, upgrade and uninstall', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let dir: string;
	let multisiteConfig: string;

	/**
	 * Writes a PHP script that boots WordPress as the multisite network (or as the plain site
	 * that becomes it) and runs `body`.
	 *
	 * @param name       Script name.
	 * @param multisite  Whether the network constants are set.
	 * @param installing Whether WordPress boots in install mode.
	 * @param body       PHP code run after the boot.
	 */
	const script = (
		name: string,
		multisite: boolean,
		installing: boolean,
		body: string
	): string => {
		const file = path.join( dir, `${ name }.php` );
		fs.writeFileSync(
			file,
			`<?php
$_SERVER['HTTP_HOST'] = 'ms.example.test'; $_SERVER['SERVER_NAME'] = 'ms.example.test';
$_SERVER['REQUEST_URI'] = '/'; $_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1'; $_SERVER['REQUEST_METHOD'] = 'GET';
${ installing ? "define( 'WP_INSTALLING', true );" : '' }
${ multisite ? "define( 'EPIPE_TEST_MULTISITE', true );" : '' }
require ${ JSON.stringify( multisiteConfig ) };
${ body }
`
		);
		return file;
	};

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		dir = fs.mkdtempSync( path.join( stack.stateDir, 'multisite-' ) );
		// The stack's wp-config.php, with its own table prefix and the network constants.
		multisiteConfig = path.join( dir, 'wp-config-multisite.php' );
		const config = fs
			.readFileSync( stack.wp.config, 'utf8' )
			.replace(
				"$table_prefix = 'wp_';",
				`$table_prefix = '${ PREFIX }';`
			)
			.replace( /define\( 'WP_(HOME|SITEURL)'[^\n]*\n/g, '' )
			.replace(
				"if ( ! defined( 'ABSPATH' ) ) {",
				`if ( defined( 'EPIPE_TEST_MULTISITE' ) ) {
	define( 'MULTISITE', true );
	define( 'SUBDOMAIN_INSTALL', false );
	define( 'DOMAIN_CURRENT_SITE', 'ms.example.test' );
	define( 'PATH_CURRENT_SITE', '/' );
	define( 'SITE_ID_CURRENT_SITE', 1 );
	define( 'BLOG_ID_CURRENT_SITE', 1 );
}
if ( ! defined( 'ABSPATH' ) ) {`
			);
		fs.writeFileSync( multisiteConfig, config );
		const [ tables ] = await db.query( 'SHOW TABLES LIKE ?', [
			`${ PREFIX }%`,
		] );
		for ( const row of tables as Array< Record< string, string > > ) {
			await db.query( `DROP TABLE \`${ Object.values( row )[ 0 ] }\`` );
		}
	} );
	after( async () => {
		const [ tables ] = await db.query( 'SHOW TABLES LIKE ?', [
			`${ PREFIX }%`,
		] );
		for ( const row of tables as Array< Record< string, string > > ) {
			await db.query( `DROP TABLE \`${ Object.values( row )[ 0 ] }\`` );
		}
		await db.query(
			"DELETE FROM wp_epipe_settings WHERE name NOT LIKE 'sender\\_tickets\\_%'"
		);
		await db.end();
	} );

	it( 'upgrades an updated plugin on the next admin page load, without the activation hook', async () => {
		await db.query(
			"UPDATE wp_options SET option_value = '2' WHERE option_name = 'epipe_db_version'"
		);
		await db.query(
			"INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('epipe_reply_above_text', '## Write above ##', 'yes') ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)"
		);
		await db.query(
			"DELETE FROM wp_epipe_settings WHERE name = 'reply_above_text'"
		);
		const admin = await login(
			stack,
			stack.wp.adminUser,
			stack.wp.adminPassword
		);
		const dashboard = await admin.get( '/wp-admin/index.php' );
		assert.equal( dashboard.status, 200 );
		await dashboard.text();

		const [ version ] = await db.query(
			"SELECT option_value v FROM wp_options WHERE option_name = 'epipe_db_version'"
		);
		assert.equal(
			( version as Array< { v: string } > )[ 0 ]?.v,
			String( SCHEMA_VERSION )
		);
		// Step 3 moved the 0.1 option into the settings table the sidecar reads.
		const [ old ] = await db.query(
			"SELECT COUNT(*) n FROM wp_options WHERE option_name = 'epipe_reply_above_text'"
		);
		assert.equal( Number( ( old as Array< { n: number } > )[ 0 ]?.n ), 0 );
		const settings = await api< { reply_above_text: string } >(
			stack,
			'GET',
			'/settings',
			adminAuth( stack )
		);
		assert.equal( settings.json.reply_above_text, '## Write above ##' );
	} );

	it( 'installs every site of a network activation, and sites added later', async () => {
		const installed = await php(
			script(
				'install',
				false,
				true,
				`require_once ABSPATH . 'wp-admin/includes/upgrade.php';
				require_once ABSPATH . 'wp-admin/includes/network.php';
				wp_install( 'Network', 'admin', 'admin@example.test', false, '', 'admin-pass-123' );
				// As WP-CLI's multisite-install: the network tables have no names before MULTISITE is on.
				foreach ( $wpdb->tables( 'ms_global' ) as $table => $prefixed ) {
					$wpdb->$table = $prefixed;
				}
				install_network();
				$r = populate_network( 1, 'ms.example.test', 'admin@example.test', 'Network', '/', false );
				echo is_wp_error( $r ) ? $r->get_error_message() : 'network';`
			)
		);
		assert.match( installed, /network$/ );

		const activated = await php(
			script(
				'activate',
				true,
				false,
				`require_once ABSPATH . 'wp-admin/includes/plugin.php';
				$two = wpmu_create_blog( 'ms.example.test', '/two/', 'Two', 1 );
				$r = activate_plugin( 'email-piping/plugin.php', '', true );
				$three = wpmu_create_blog( 'ms.example.test', '/three/', 'Three', 1 );
				// Data worth removing on every site: a connection with a sealed password, a pending OAuth flow.
				foreach ( array( 1, $two, $three ) as $site ) {
					switch_to_blog( $site );
					\\Email_Piping\\Plugin::instance()->connections()->create_imap( array( 'host' => 'imap.example.test', 'username' => 'u', 'password' => 'site-secret', 'mailbox_address' => 'box@example.test' ) );
					set_transient( 'epipe_oauth_' . $site, array( 'verifier' => 'sealed' ), 600 );
					restore_current_blog();
				}
				echo wp_json_encode( array( 'error' => is_wp_error( $r ) ? $r->get_error_message() : null, 'sites' => array( 1, $two, $three ) ) );`
			)
		);
		const result = JSON.parse(
			activated.slice( activated.indexOf( '{' ) )
		) as { error: string | null; sites: number[] };
		assert.equal( result.error, null );
		for ( const site of result.sites ) {
			const prefix = site === 1 ? PREFIX : `${ PREFIX }${ site }_`;
			const [ version ] = await db.query(
				`SELECT option_value v FROM ${ prefix }options WHERE option_name = 'epipe_db_version'`
			);
			assert.equal(
				( version as Array< { v: string } > )[ 0 ]?.v,
				String( SCHEMA_VERSION ),
				`site ${ site }`
			);
			const [ rows ] = await db.query(
				`SELECT secret FROM ${ prefix }epipe_connections`
			);
			const secret =
				( rows as Array< { secret: string } > )[ 0 ]?.secret ?? '';
			assert.match( secret, /^epipe1:/ );
			assert.ok( ! secret.includes( 'site-secret' ) );
			const [ patterns ] = await db.query(
				`SELECT COUNT(*) n FROM ${ prefix }epipe_block_patterns`
			);
			assert.equal(
				Number( ( patterns as Array< { n: number } > )[ 0 ]?.n ),
				8
			);
		}
	} );

	it( 'drops the tables of a site that is deleted', async () => {
		await php(
			script(
				'delete-site',
				true,
				false,
				`require_once ABSPATH . 'wp-admin/includes/ms.php';
				wpmu_delete_blog( 3, true );`
			)
		);
		const [ rows ] = await db.query( 'SHOW TABLES LIKE ?', [
			`${ PREFIX }3\\_%`,
		] );
		assert.deepEqual( rows, [] );
	} );

	it( 'removes every table, option, secret and capability on every site when uninstalled', async () => {
		const out = await php(
			script(
				'uninstall',
				true,
				false,
				`define( 'WP_UNINSTALL_PLUGIN', 'email-piping/plugin.php' );
				include WP_PLUGIN_DIR . '/email-piping/uninstall.php';
				$caps = array();
				foreach ( get_sites( array( 'fields' => 'ids' ) ) as $site ) {
					switch_to_blog( $site );
					wp_roles()->for_site( $site );
					$caps[ $site ] = get_role( 'administrator' )->has_cap( 'epipe_manage' ) || get_role( 'editor' )->has_cap( 'epipe_work_tickets' );
					restore_current_blog();
				}
				echo wp_json_encode( $caps );`
			)
		);
		const caps = JSON.parse( out.slice( out.indexOf( '{' ) ) ) as Record<
			string,
			boolean
		>;
		assert.deepEqual( Object.values( caps ), [ false, false ] );
		const [ tables ] = await db.query(
			"SHOW TABLES LIKE 'wpms\\_%epipe\\_%'"
		);
		assert.deepEqual( tables, [] );
		for ( const options of [
			`${ PREFIX }options`,
			`${ PREFIX }2_options`,
		] ) {
			const [ rows ] = await db.query(
				`SELECT option_name FROM ${ options } WHERE option_name LIKE '%epipe%'`
			);
			assert.deepEqual( rows, [], options );
		}
		// The shared test site is untouched.
		const [ ours ] = await db.query( "SHOW TABLES LIKE 'wp\\_epipe\\_%'" );
		assert.ok( ( ours as unknown[] ).length >= 19 );
	} );
} );
