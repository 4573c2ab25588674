import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { InFlightBudget } from '../../sidecar/src/budget.ts';

describe( 'InFlightBudget', () => {
	it( 'holds the next email back until bytes are released', async () => {
		const budget = new InFlightBudget( 10, 100 );
		const first = await budget.acquire( 80 );
		let second = false;
		const pending = budget.acquire( 30 ).then( ( release ) => {
			second = true;
			return release;
		} );
		await new Promise( ( r ) => setImmediate( r ) );
		assert.equal( second, false );
		first();
		( await pending )();
		assert.equal( second, true );
	} );

	it( 'lets one email larger than the whole budget run alone', async () => {
		const budget = new InFlightBudget( 10, 100 );
		const release = await budget.acquire( 500 );
		release();
		release(); // Releasing twice gives nothing back twice.
		const a = await budget.acquire( 60 );
		let b = false;
		void budget.acquire( 60 ).then( () => ( b = true ) );
		await new Promise( ( r ) => setImmediate( r ) );
		assert.equal( b, false, 'a double release must not have freed room' );
		a();
	} );

	it( 'bounds the number of emails as well', async () => {
		const budget = new InFlightBudget( 2, 1_000_000 );
		await budget.acquire( 1 );
		await budget.acquire( 1 );
		let third = false;
		void budget.acquire( 1 ).then( () => ( third = true ) );
		await new Promise( ( r ) => setImmediate( r ) );
		assert.equal( third, false );
	} );
} );
