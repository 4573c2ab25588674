import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { unserializePhp } from '../../sidecar/src/db/php-serialized.ts';
import { grantsWorkTickets } from '../../sidecar/src/db/users-repo.ts';

/**
 * Serializes as PHP does: byte lengths for strings, arrays as ordered maps.
 * @param value
 */
function php( value: unknown ): string {
	if ( value === true || value === false ) {
		return `b:${ value ? 1 : 0 };`;
	}
	if ( typeof value === 'number' ) {
		return `i:${ value };`;
	}
	if ( typeof value === 'string' ) {
		return `s:${ Buffer.byteLength( value ) }:"${ value }";`;
	}
	const entries = Object.entries( value as Record< string, unknown > );
	return `a:${ entries.length }:{${ entries
		.map( ( [ k, v ] ) => php( k ) + php( v ) )
		.join( '' ) }}`;
}

const ROLES = php( {
	administrator: {
		name: 'Administrator',
		capabilities: { switch_themes: true, epipe_work_tickets: true },
	},
	editor: {
		name: 'Editor',
		capabilities: { edit_posts: true, epipe_work_tickets: true },
	},
	subscriber: { name: 'Subscriber', capabilities: { read: true } },
} );

describe( 'WordPress users in the sidecar', () => {
	it( 'reads PHP-serialized arrays, with multi-byte strings counted in bytes', () => {
		const value = unserializePhp(
			'a:3:{s:4:"name";s:5:"Müll";i:0;b:1;s:1:"n";N;}'
		);
		assert.ok( value instanceof Map );
		assert.equal( value.get( 'name' ), 'Müll' );
		assert.equal( value.get( 0 ), true );
		assert.equal( value.get( 'n' ), null );
	} );

	it( 'refuses objects, truncated or trailing data', () => {
		assert.equal( unserializePhp( 'O:8:"stdClass":0:{}' ), undefined );
		assert.equal( unserializePhp( 'a:1:{s:4:"role";b:1;' ), undefined );
		assert.equal( unserializePhp( 's:10:"short";' ), undefined );
		assert.equal( unserializePhp( 'b:1;extra' ), undefined );
		assert.equal( unserializePhp( '' ), undefined );
	} );

	it( 'finds the agent capability through a role or given directly, and honours a denial', () => {
		assert.equal(
			grantsWorkTickets( php( { editor: true } ), ROLES ),
			true
		);
		assert.equal(
			grantsWorkTickets( php( { administrator: true } ), ROLES ),
			true
		);
		assert.equal(
			grantsWorkTickets( php( { subscriber: true } ), ROLES ),
			false
		);
		assert.equal(
			grantsWorkTickets(
				php( { subscriber: true, epipe_work_tickets: true } ),
				ROLES
			),
			true
		);
		assert.equal(
			grantsWorkTickets(
				php( { editor: true, epipe_work_tickets: false } ),
				ROLES
			),
			false
		);
		// A role the user lost (false) or that no longer exists grants nothing.
		assert.equal(
			grantsWorkTickets( php( { editor: false } ), ROLES ),
			false
		);
		assert.equal(
			grantsWorkTickets( php( { ghost: true } ), ROLES ),
			false
		);
		assert.equal( grantsWorkTickets( 'garbage', ROLES ), false );
	} );
} );
