import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';

import { memorySink } from '../../sidecar/src/pipeline/batch.ts';
import { planPass, type PassStep } from '../../sidecar/src/worker.ts';

const KB = 1024;
const MB = 1024 * KB;

function shape( steps: PassStep[] ): string[] {
	return steps.map( ( s ) =>
		'batch' in s
			? `batch(${ s.batch.map( ( r ) => r.uid ).join( ',' ) })`
			: `single(${ s.single.uid })`
	);
}

describe( 'a pass is cut into steps', () => {
	it( 'batches consecutive small emails and takes each big one alone, in UID order', () => {
		const steps = planPass(
			[
				{ uid: 1, size: 10 * KB },
				{ uid: 2, size: 20 * KB },
				{ uid: 3, size: 5 * MB },
				{ uid: 4, size: 10 * KB },
			],
			false
		);
		assert.deepEqual( shape( steps ), [
			'batch(1,2)',
			'single(3)',
			'batch(4)',
		] );
	} );

	it( 'closes a batch at 50 emails and at 8 MB', () => {
		const many = Array.from( { length: 120 }, ( _v, i ) => ( {
			uid: i + 1,
			size: 1 * KB,
		} ) );
		assert.deepEqual(
			planPass( many, false ).map( ( s ) =>
				'batch' in s ? s.batch.length : 0
			),
			[ 50, 50, 20 ]
		);
		const heavy = Array.from( { length: 12 }, ( _v, i ) => ( {
			uid: i + 1,
			size: 900 * KB,
		} ) );
		for ( const step of planPass( heavy, false ) ) {
			assert.ok( 'batch' in step );
			const bytes = step.batch.reduce( ( a, r ) => a + r.size, 0 );
			assert.ok( bytes <= 8 * MB, `a batch of ${ bytes } bytes` );
		}
	} );

	it( 'takes every email alone after a pass died', () => {
		assert.deepEqual(
			shape(
				planPass(
					[
						{ uid: 7, size: 1 * KB },
						{ uid: 9, size: 1 * KB },
					],
					true
				)
			),
			[ 'single(7)', 'single(9)' ]
		);
	} );
} );

describe( 'the memory sink of small emails', () => {
	const policy = { maxBytes: 100, allowedExtensions: [] };
	const meta = ( filename: string ) => ( {
		filename,
		contentType: 'application/octet-stream',
		inline: false,
		contentId: null,
	} );

	it( 'keeps allowed attachments by position and refuses the rest with a reason', async () => {
		const { sink, held } = memorySink( policy );
		const kept = await sink(
			meta( 'a.pdf' ),
			Readable.from( [ Buffer.from( 'hello ' ), Buffer.from( 'world' ) ] )
		);
		const blocked = await sink(
			meta( 'run.exe' ),
			Readable.from( [ Buffer.from( 'MZ' ) ] )
		);
		const big = await sink(
			meta( 'b.pdf' ),
			Readable.from( [ Buffer.alloc( 101 ) ] )
		);
		assert.deepEqual( kept, {
			size: 11,
			status: 'stored',
			reason: null,
			blobId: null,
		} );
		assert.equal( blocked.status, 'refused' );
		assert.notEqual( blocked.reason, null );
		assert.deepEqual( big, {
			size: 101,
			status: 'refused',
			reason: 'too_large',
			blobId: null,
		} );
		assert.deepEqual( [ ...held.keys() ], [ 0 ] );
		assert.equal(
			Buffer.concat( held.get( 0 ) ?? [] ).toString(),
			'hello world'
		);
	} );
} );
