/**
 * The React admin page over HTTP: it loads the bundle with its styles, and tells the panel which
 * screens the user may open (the REST API checks every request again).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { loadStack, type Stack } from './support/stack.ts';
import { login } from './support/wp.ts';

/**
 * The page configuration printed before the bundle.
 *
 * @param html The admin page.
 */
function panelConfig( html: string ): Record< string, unknown > {
	const match = /window\.epipeAdmin = (\{[^;]*\});/.exec( html );
	assert.ok( match?.[ 1 ], 'window.epipeAdmin is printed' );
	return JSON.parse( match[ 1 ] ) as Record< string, unknown >;
}

describe( 'the admin panel page', () => {
	let stack: Stack;
	before( () => {
		stack = loadStack();
	} );

	it( 'gives an admin the configuration screens, and loads the bundle and its styles', async () => {
		const admin = await login(
			stack,
			stack.wp.adminUser,
			stack.wp.adminPassword
		);
		const res = await admin.get( '/wp-admin/admin.php?page=email-piping' );
		assert.equal( res.status, 200 );
		const html = await res.text();
		assert.deepEqual( panelConfig( html ), {
			canManage: true,
			canWorkTickets: true,
		} );
		assert.match( html, /admin\/build\/index\.js/ );
		assert.match( html, /admin\/build\/style-index\.css/ );
		// WordPress 6.1 has no react-jsx-runtime; the plugin's shim stands in.
		assert.match( html, /admin\/compat\/react-jsx-runtime\.js/ );
	} );

	it( 'gives an agent the ticket screens only', async () => {
		// An editor: wp-install.php gives the role ticket work only.
		const agent = await login( stack, 'agent', 'agent-pass-123' );
		const html = await (
			await agent.get( '/wp-admin/admin.php?page=email-piping' )
		).text();
		assert.deepEqual( panelConfig( html ), {
			canManage: false,
			canWorkTickets: true,
		} );
	} );
} );
