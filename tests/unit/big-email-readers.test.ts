import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createLogger } from '../../sidecar/src/logger.ts';
import { BigEmailReaders } from '../../sidecar/src/sources/big-email-readers.ts';
import type { MailSource } from '../../sidecar/src/sources/mail-source.ts';

/** A mailbox source that only connects and closes, as the readers use it. */
interface FakeSource {
	source: MailSource;
	connected: boolean;
	closed: boolean;
}

/**
 * A fake source whose forks connect to a mailbox of `uidValidity`, or are refused.
 *
 * @param forks How each fork's connect answers, in order: a UIDVALIDITY, or an error.
 * @param made  Collects the forks made.
 */
function fakeSource(
	forks: Array< number | Error >,
	made: FakeSource[] = []
): MailSource {
	const answers = [ ...forks ];
	const make = ( answer: number | Error | undefined ): FakeSource => {
		const fake: FakeSource = {
			source: undefined as unknown as MailSource,
			connected: false,
			closed: false,
		};
		fake.source = {
			kind: 'imap',
			connect: async () => {
				if ( answer instanceof Error || answer === undefined ) {
					throw answer ?? new Error( 'no more connections' );
				}
				fake.connected = true;
				return { uidValidity: answer, uidNext: 1, exists: 0 };
			},
			close: async () => {
				fake.closed = true;
			},
			fork: () => {
				const forked = make( answers.shift() );
				made.push( forked );
				return forked.source;
			},
		} as unknown as MailSource;
		return fake;
	};
	return make( 7 ).source;
}

const quiet = createLogger( 'fatal' );

describe( 'connections of their own for big emails', () => {
	it( 'reads two big emails at once on two connections, then the pass connection', async () => {
		const made: FakeSource[] = [];
		const main = fakeSource( [ 7, 7 ], made );
		const readers = new BigEmailReaders( main, 7, 2, quiet );
		assert.equal( await readers.lanes(), 2 );
		const first = readers.take();
		const second = readers.take();
		assert.equal( first.source, made[ 0 ]?.source );
		assert.equal( second.source, made[ 1 ]?.source );
		// Both busy: a third big email would go on the pass's own connection.
		assert.equal( readers.take().source, main );
		first.release();
		first.release(); // Releasing twice gives the connection back once.
		assert.equal( readers.take().source, made[ 0 ]?.source );
		assert.equal( readers.take().source, main );
		await readers.close();
		assert.deepEqual(
			made.map( ( f ) => f.closed ),
			[ true, true ]
		);
	} );

	it( 'keeps big emails on the pass connection, one at a time, when the server refuses another', async () => {
		const made: FakeSource[] = [];
		const main = fakeSource(
			[
				new Error(
					'Maximum number of connections from user+IP exceeded'
				),
			],
			made
		);
		const readers = new BigEmailReaders( main, 7, 2, quiet );
		assert.equal( await readers.lanes(), 1 );
		assert.equal( readers.take().source, main );
		// The refused connection is closed, and no second one is tried.
		assert.equal( made.length, 1 );
		assert.equal( made[ 0 ]?.closed, true );
	} );

	it( 'uses the one connection the server allows', async () => {
		const made: FakeSource[] = [];
		const main = fakeSource( [ 7, new Error( 'too many' ) ], made );
		const readers = new BigEmailReaders( main, 7, 2, quiet );
		assert.equal( await readers.lanes(), 1 );
		assert.equal( readers.take().source, made[ 0 ]?.source );
		assert.equal( readers.take().source, main );
	} );

	it( 'does not read a renumbered mailbox with the pass UIDs', async () => {
		const made: FakeSource[] = [];
		const main = fakeSource( [ 8, 8 ], made );
		const readers = new BigEmailReaders( main, 7, 2, quiet );
		assert.equal( await readers.lanes(), 1 );
		assert.equal( readers.take().source, main );
		assert.equal( made[ 0 ]?.closed, true );
		assert.equal( made.length, 1 );
	} );

	it( 'opens nothing for a source that cannot fork, or when none is wanted', async () => {
		const made: FakeSource[] = [];
		const main = fakeSource( [ 7, 7 ], made );
		const none = new BigEmailReaders( main, 7, 0, quiet );
		assert.equal( await none.lanes(), 1 );
		assert.equal( none.take().source, main );
		const http: MailSource = { ...main };
		delete http.fork;
		const unforkable = new BigEmailReaders( http, 7, 2, quiet );
		assert.equal( await unforkable.lanes(), 1 );
		assert.equal( unforkable.take().source, http );
		assert.equal( made.length, 0 );
		await none.close();
	} );
} );
