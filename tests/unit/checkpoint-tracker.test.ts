import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CheckpointTracker } from '../../sidecar/src/worker.ts';

describe( 'CheckpointTracker', () => {
	it( 'never moves past a UID that is not committed', () => {
		const t = new CheckpointTracker( 10, [ 11, 12, 15, 20 ] );
		assert.equal( t.upTo(), 10 );
		t.done( 12 ); // Out of order: 11 is still in flight.
		assert.equal( t.upTo(), 10 );
		assert.equal( t.upTo( 15 ), 10, 'committing 15 does not cover 11' );
		assert.equal(
			t.upTo( 11 ),
			12,
			'committing 11 covers 11 and the committed 12'
		);
		assert.equal(
			t.upTo( [ 11, 15 ] ),
			15,
			'a run committing 11 and 15 covers everything up to 15'
		);
		t.done( 11 );
		assert.equal( t.upTo(), 12 );
		t.done( 20 );
		assert.equal( t.upTo(), 12 );
		t.done( 15 );
		assert.equal( t.upTo(), 20 );
	} );

	it( 'keeps the base when the pass is empty', () => {
		assert.equal( new CheckpointTracker( 7, [] ).upTo(), 7 );
	} );
} );
