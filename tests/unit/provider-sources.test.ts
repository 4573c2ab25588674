/**
 * What Gmail and Graph sources remember between passes: exact keys for case-sensitive Graph ids
 * (the database compares keys without case), and cursors that belong to one account and folder.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ProviderConnection } from '../../sidecar/src/interfaces.ts';
import { GraphSource } from '../../sidecar/src/sources/graph.ts';
import {
	decodeCursor,
	encodeCursor,
} from '../../sidecar/src/sources/providers/polled.ts';

const connection: ProviderConnection = {
	id: 4,
	name: 'help',
	kind: 'graph',
	enabled: true,
	mailboxAddress: 'help@example.test',
	maxMessageBytes: 1024 * 1024,
	startFrom: 'now',
	provider: {
		clientId: 'app',
		clientSecret: 'secret',
		tenant: 'organizations',
		folder: 'inbox',
		afterImport: 'mark_read',
		moveFolder: 'Processed',
	},
	refreshToken: 'token',
	grantVersion: '2026-11-30 10:00:00',
};

describe( 'provider sources', () => {
	it( 'keys Graph messages whose ids differ only in case apart, within the column', () => {
		const source = new GraphSource(
			connection,
			{
				saveRefreshToken: async () => undefined,
				recordGrant: async () => undefined,
			},
			{
				googleToken: 'https://127.0.0.1:9/token',
				gmailRoot: 'https://127.0.0.1:9/',
				microsoftLogin: 'https://127.0.0.1:9',
				graphRoot: 'https://127.0.0.1:9/',
			}
		);
		const id = 'AAMkAGI2TG93AAA=' + 'x'.repeat( 300 );
		const lower = source.sourceKey( {
			uid: 1,
			size: 0,
			providerId: `${ id }a`,
		} );
		const upper = source.sourceKey( {
			uid: 1,
			size: 0,
			providerId: `${ id }A`,
		} );
		assert.notEqual( lower.toLowerCase(), upper.toLowerCase() );
		assert.ok( lower.length <= 190 );
		assert.equal(
			lower,
			source.sourceKey( { uid: 9, size: 3, providerId: `${ id }a` } )
		);
	} );

	it( 'forgets a cursor of another account or folder, and keeps its own', () => {
		const stored = encodeCursor( {
			position: '81234',
			listedAt: 1_764_500_000,
			scope: 'help@example.test/INBOX',
		} );
		assert.deepEqual( decodeCursor( stored, 'help@example.test/INBOX' ), {
			position: '81234',
			listedAt: 1_764_500_000,
			scope: 'help@example.test/INBOX',
		} );
		assert.equal(
			decodeCursor( stored, 'help@example.test/Label_7' ),
			null
		);
		assert.equal(
			decodeCursor( stored, 'other@example.test/INBOX' ),
			null
		);
		assert.equal(
			decodeCursor(
				'{"p":"81234","t":1764500000}',
				'help@example.test/INBOX'
			),
			null
		);
		assert.equal(
			decodeCursor( 'not json', 'help@example.test/INBOX' ),
			null
		);
		assert.equal( decodeCursor( null, 'help@example.test/INBOX' ), null );
	} );
} );
