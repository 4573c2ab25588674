import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { backoffDelay } from '../../sidecar/src/sources/backoff.ts';

describe( 'backoffDelay', () => {
	it( 'grows exponentially between half and all of the ceiling', () => {
		assert.equal(
			backoffDelay( 0, () => 0 ),
			1_000
		);
		assert.equal(
			backoffDelay( 0, () => 0.999999 ),
			2_000
		);
		assert.equal(
			backoffDelay( 3, () => 0 ),
			8_000
		);
	} );
	it( 'never exceeds the cap', () => {
		assert.equal(
			backoffDelay( 50, () => 0.999999 ),
			300_000
		);
	} );
} );
