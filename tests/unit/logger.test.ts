import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createLogger } from '../../sidecar/src/logger.ts';

describe( 'logger', () => {
	it( 'writes one JSON object per line and never a secret', () => {
		const lines: string[] = [];
		const log = createLogger(
			'info',
			{ kind: 'sidecar' },
			{ write: ( line: string ) => lines.push( line ) }
		);
		log.child( { connectionId: 3 } ).warn( 'login failed', {
			password: 'hunter2',
			auth: {
				user: 'support@example.test',
				pass: 'hunter3',
				accessToken: 'ya29.secret',
			},
			err: new Error( 'authentication failed' ),
		} );
		log.debug( 'not written at info level' );
		assert.equal( lines.length, 1 );
		const entry = JSON.parse( lines[ 0 ] as string ) as Record<
			string,
			unknown
		>;
		assert.equal( entry[ 'msg' ], 'login failed' );
		assert.equal( entry[ 'level' ], 'warn' );
		assert.equal( entry[ 'connectionId' ], 3 );
		assert.equal( entry[ 'kind' ], 'sidecar' );
		assert.equal(
			( entry[ 'err' ] as { message: string } ).message,
			'authentication failed'
		);
		for ( const secret of [ 'hunter2', 'hunter3', 'ya29.secret' ] ) {
			assert.ok(
				! ( lines[ 0 ] as string ).includes( secret ),
				`${ secret } redacted`
			);
		}
	} );
} );
