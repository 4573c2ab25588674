import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';

import { memorySink } from '../../sidecar/src/pipeline/batch.ts';
import type { ThreadHints } from '../../sidecar/src/pipeline/types.ts';
import {
	followedUp,
	planPass,
	type Fetched,
	type PassStep,
} from '../../sidecar/src/worker.ts';

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

describe( 'a batch waits for the big emails it may follow up', () => {
	const NONE: ThreadHints = {
		signedTicketId: null,
		replyAddressTicketId: null,
		unverifiedTicketIds: [],
		subjectTicketId: null,
		referenceIds: [],
	};
	const email = (
		uid: number,
		hints: Partial< ThreadHints >,
		verdict: unknown = null
	): Fetched =>
		( {
			ref: { uid, size: 1000 },
			raw: undefined,
			email: { analysis: { verdict, hints: { ...NONE, ...hints } } },
		} ) as unknown as Fetched;
	const running = new Map( [
		[ 3, Promise.resolve() ],
		[ 8, Promise.resolve() ],
		[ 20, Promise.resolve() ],
	] );
	const waitedFor = ( batch: Fetched[] ) =>
		followedUp( batch, running ).map(
			( p ) => [ ...running ].find( ( [ , q ] ) => q === p )?.[ 0 ]
		);

	it( 'waits for the earlier big emails when an email names only Message-IDs', () => {
		assert.deepEqual(
			waitedFor( [
				email( 10, {} ),
				email( 11, { referenceIds: [ 'a1b2' ] } ),
			] ),
			[ 3, 8 ]
		);
	} );

	it( 'does not wait for replies carrying our references or ticket number, new emails or skipped ones', () => {
		assert.deepEqual(
			waitedFor( [
				email( 10, {} ),
				email( 11, { referenceIds: [ 'a1b2' ], subjectTicketId: 7 } ),
				email( 12, { referenceIds: [ 'a1b2' ], signedTicketId: 7 } ),
				email( 13, {
					referenceIds: [ 'a1b2' ],
					unverifiedTicketIds: [ 7 ],
				} ),
				email( 14, { referenceIds: [ 'a1b2' ] }, { action: 'skip' } ),
			] ),
			[]
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
