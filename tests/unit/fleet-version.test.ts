/**
 * When the daemon restarts a connection's worker: on a change an admin made, not when a Gmail or
 * Microsoft worker stored the refresh token its provider rotated.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { versionOf } from '../../sidecar/src/fleet.ts';

const row = ( kind: string, changes: Record< string, unknown > = {} ) => ( {
	id: 3,
	enabled: 1,
	kind,
	mailbox_address: 'help@example.test',
	settings: '{"folder":"INBOX"}',
	secret: 'sealed-1',
	client_secret: 'sealed-app',
	updated_at: '2026-11-30 10:00:00',
	...changes,
} );

describe( 'connection versions', () => {
	it( 'keeps an OAuth worker running when it stored a rotated refresh token', () => {
		for ( const kind of [ 'gmail', 'graph' ] ) {
			assert.equal(
				versionOf( row( kind, { secret: 'sealed-2' } ) ),
				versionOf( row( kind ) )
			);
		}
	} );

	it( 'restarts on a new authorisation, a new password, client secret or settings', () => {
		const graph = versionOf( row( 'graph' ) );
		assert.notEqual(
			versionOf(
				row( 'graph', {
					secret: 'sealed-2',
					updated_at: '2026-11-30 10:05:00',
				} )
			),
			graph
		);
		assert.notEqual(
			versionOf( row( 'graph', { client_secret: 'sealed-app-2' } ) ),
			graph
		);
		assert.notEqual(
			versionOf( row( 'graph', { settings: '{"folder":"Support"}' } ) ),
			graph
		);
		assert.notEqual(
			versionOf( row( 'imap', { secret: 'sealed-2' } ) ),
			versionOf( row( 'imap' ) )
		);
	} );
} );
