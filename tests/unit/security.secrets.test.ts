import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SidecarError } from '../../sidecar/src/errors.ts';
import { open, seal } from '../../sidecar/src/security/secret-box.ts';
import {
	parseOurMessageId,
	parseReplyAddress,
	replyToken,
	ticketToken,
	verifyReference,
	verifyReplyAddress,
} from '../../sidecar/src/security/signer.ts';

const KEY = 'a-test-key-that-is-long-enough-0123456789';

describe( 'secret box', () => {
	it( 'round-trips and never stores the plaintext', () => {
		const sealed = seal( KEY, 'hunter2 ✓' );
		assert.match( sealed, /^epipe1:[0-9a-f]{8}:/ );
		assert.ok( ! sealed.includes( 'hunter2' ) );
		assert.equal( open( KEY, sealed ), 'hunter2 ✓' );
		assert.notEqual(
			seal( KEY, 'same' ),
			seal( KEY, 'same' ),
			'nonces differ'
		);
	} );

	it( 'detects tampering', () => {
		const sealed = seal( KEY, 'secret' );
		const raw = Buffer.from( sealed.split( ':' )[ 2 ] as string, 'base64' );
		raw[ 14 ] = ( ( raw[ 14 ] as number ) + 1 ) % 256;
		const tampered =
			sealed.split( ':' ).slice( 0, 2 ).join( ':' ) +
			':' +
			raw.toString( 'base64' );
		assert.throws(
			() => open( KEY, tampered ),
			( e: unknown ) =>
				e instanceof SidecarError && /damaged/.test( e.message )
		);
	} );

	it( 'says when another key sealed the value', () => {
		const sealed = seal( KEY, 'secret' );
		assert.throws(
			() => open( KEY + 'x', sealed ),
			( e: unknown ) =>
				e instanceof SidecarError &&
				/different EPIPE_SECRET_KEY/.test( e.message )
		);
	} );
} );

describe( 'signed references', () => {
	it( 'verifies only for the participant the token was made for', () => {
		const token = ticketToken( KEY, 42, 'Jane@Example.test' );
		const ref = parseOurMessageId(
			`<epipe.42.0a1b2c.${ token }@support.example>`
		);
		assert.deepEqual( ref, { ticketId: 42, token } );
		assert.ok( verifyReference( KEY, ref!, 'jane@example.test' ) );
		assert.equal(
			verifyReference( KEY, ref!, 'mallory@example.test' ),
			false
		);
		assert.equal(
			verifyReference(
				'another-key-of-enough-length-000000000',
				ref!,
				'jane@example.test'
			),
			false
		);
	} );

	it( 'does not take other Message-IDs for ours', () => {
		assert.equal( parseOurMessageId( '<CAF123@mail.gmail.com>' ), null );
		assert.equal( parseOurMessageId( '<epipe.1.2.short@x>' ), null );
	} );
} );

describe( 'signed reply addresses', () => {
	it( 'belong to the piped mailbox and prove the participant', () => {
		const token = replyToken( KEY, 9, 'Jane@Example.test' );
		const ref = parseReplyAddress(
			`Support+t9-${ token }@Example.test`,
			'support@example.test'
		);
		assert.deepEqual( ref, { ticketId: 9, token } );
		assert.ok( verifyReplyAddress( KEY, ref!, 'jane@example.test' ) );
		assert.equal(
			verifyReplyAddress( KEY, ref!, 'mallory@example.test' ),
			false
		);
		assert.equal(
			parseReplyAddress(
				`sales+t9-${ token }@example.test`,
				'support@example.test'
			),
			null,
			'another mailbox'
		);
		assert.equal(
			parseReplyAddress(
				`support+t9-${ token }@evil.test`,
				'support@example.test'
			),
			null,
			'another domain'
		);
	} );
} );
