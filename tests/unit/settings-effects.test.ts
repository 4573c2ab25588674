import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { attachmentPolicyOf } from '../../sidecar/src/context.ts';
import { DEFAULT_ALLOWED_EXTENSIONS } from '../../sidecar/src/pipeline/attachments.ts';
import {
	copyRecipientsOf,
	forwardingAddressOf,
} from '../../sidecar/src/pipeline/index.ts';
import { parseEmail } from '../../sidecar/src/pipeline/parse.ts';
import { replyToken } from '../../sidecar/src/security/signer.ts';

const KEY = 'a-test-key-that-is-long-enough-0123456789';

const email = ( headers: string ) =>
	parseEmail(
		Buffer.from(
			`From: Ann <ann@example.test>\r\nSubject: Hi\r\n${ headers }\r\nHello\r\n`
		)
	);

describe( 'what the settings do to an email', () => {
	it( 'finds the forwarding address in the recipients or the delivery headers', async () => {
		const direct = await email(
			'To: Shop <Shop@Example.test>, support@example.test\r\n'
		);
		assert.equal(
			forwardingAddressOf( direct, [ 'shop@example.test' ] ),
			'shop@example.test'
		);
		const forwarded = await email(
			'To: support@example.test\r\nX-Original-To: <sales@example.test>\r\n'
		);
		assert.equal(
			forwardingAddressOf( forwarded, [ 'sales@example.test' ] ),
			'sales@example.test'
		);
		assert.equal( forwardingAddressOf( forwarded, [] ), null );
		assert.equal(
			forwardingAddressOf( forwarded, [ 'other@example.test' ] ),
			null
		);
	} );

	it( 'copies the other To and Cc addresses, never ours, the sender or a reply address', async () => {
		const reply = `support+t12-${ replyToken( KEY, 12, 'ann@example.test' ) }@example.test`;
		const parsed = await email(
			`To: support@example.test, Bob <BOB@example.test>\r\nCc: ann@example.test, shop@example.test, ${ reply }, bob@example.test, carol@example.test\r\n`
		);
		const settings = {
			mailboxAddress: 'support@example.test',
			secretKey: KEY,
			replyMarker: '--',
			forwardingAddresses: [ 'shop@example.test' ],
		};
		assert.deepEqual( copyRecipientsOf( parsed, settings ), [] );
		assert.deepEqual(
			copyRecipientsOf( parsed, { ...settings, importCc: true } ),
			[ 'bob@example.test', 'carol@example.test' ]
		);
	} );

	it( 'reads the attachment policy as PHP saves it, defaults for anything else', () => {
		assert.deepEqual( attachmentPolicyOf( 5, [ 'PDF', '.zip', '' ] ), {
			maxBytes: 5 * 1024 * 1024,
			allowedExtensions: [ 'pdf', 'zip' ],
		} );
		assert.deepEqual( attachmentPolicyOf( 500, 'pdf' ), {
			maxBytes: 20 * 1024 * 1024,
			allowedExtensions: DEFAULT_ALLOWED_EXTENSIONS,
		} );
		assert.deepEqual(
			attachmentPolicyOf( undefined, [] ).allowedExtensions,
			[]
		);
	} );
} );
