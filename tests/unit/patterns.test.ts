import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	addressForms,
	blockedBy,
	compilePattern,
	type BlockPattern,
	type CompiledPattern,
} from '../../sidecar/src/pipeline/patterns.ts';
import { screen } from '../../sidecar/src/pipeline/screen.ts';
import { parseEmail } from '../../sidecar/src/pipeline/parse.ts';

/** SupportCandy's defaults, as the plugin seeds them. */
const DEFAULTS: BlockPattern[] = [
	{ kind: 'sender', pattern: 'no(t)?[-_]?reply@', matchType: 'regex' },
	{ kind: 'sender', pattern: 'mail(er)?[-_]daemon@', matchType: 'regex' },
	{
		kind: 'subject',
		pattern: '^[\\[(]?auto(mat(ic|ed))?[\\s-]?reply',
		matchType: 'regex',
	},
	{ kind: 'subject', pattern: '^out of office', matchType: 'regex' },
	{
		kind: 'subject',
		pattern: '*delivery failure*',
		matchType: 'wildcard',
	},
];

const compiled = ( patterns: BlockPattern[] ): CompiledPattern[] =>
	patterns.flatMap( ( p ) => compilePattern( p ) ?? [] );

describe( 'block-list patterns', () => {
	it( 'match exact values whole and case-insensitively', () => {
		const p = compiled( [
			{
				kind: 'sender',
				pattern: ' Billing@Example.com ',
				matchType: 'exact',
			},
		] );
		assert.equal(
			blockedBy( p, 'billing@example.com', '' ),
			'blocked_sender'
		);
		assert.equal( blockedBy( p, 'xbilling@example.com', '' ), null );
	} );

	it( 'match wildcards whole, with every other character literal', () => {
		const domain = compiled( [
			{ kind: 'sender', pattern: '*@example.com', matchType: 'wildcard' },
		] );
		assert.equal(
			blockedBy( domain, 'ann@EXAMPLE.com', '' ),
			'blocked_sender'
		);
		assert.equal( blockedBy( domain, 'ann@example.com.evil', '' ), null );
		// The dot is a dot, not "any character".
		assert.equal( blockedBy( domain, 'ann@exampleXcom', '' ), null );
		const local = compiled( [
			{ kind: 'sender', pattern: 'no-reply@*', matchType: 'wildcard' },
		] );
		assert.equal(
			blockedBy( local, 'no-reply@shop.example', '' ),
			'blocked_sender'
		);
		const subject = compiled( [
			{
				kind: 'subject',
				pattern: '*invoice (copy)*',
				matchType: 'wildcard',
			},
		] );
		assert.equal(
			blockedBy( subject, 'a@b.example', 'Your Invoice (Copy) #12' ),
			'blocked_subject'
		);
		assert.equal(
			blockedBy( subject, 'a@b.example', 'Your invoice copy' ),
			null
		);
	} );

	it( 'search regexes anywhere, case-insensitively, and let a broken one match nothing', () => {
		const p = compiled( DEFAULTS );
		assert.equal(
			blockedBy( p, 'NoReply@shop.example', 'Order' ),
			'blocked_sender'
		);
		assert.equal(
			blockedBy( p, 'do-not-reply@shop.example', 'Order' ),
			'blocked_sender'
		);
		assert.equal(
			blockedBy( p, 'MAILER-DAEMON@mx.example', 'x' ),
			'blocked_sender'
		);
		assert.equal(
			blockedBy( p, 'ann@example.test', 'Automatic reply: away' ),
			'blocked_subject'
		);
		assert.equal(
			blockedBy( p, 'ann@example.test', 'Out of Office until Monday' ),
			'blocked_subject'
		);
		assert.equal(
			blockedBy( p, 'ann@example.test', 'Re: out of office request' ),
			null
		);
		assert.equal(
			blockedBy( p, 'ann@example.test', 'My printer is broken' ),
			null
		);
		assert.equal(
			compilePattern( {
				kind: 'subject',
				pattern: '(unclosed',
				matchType: 'regex',
			} ),
			null
		);
	} );

	it( 'see through invisible characters and between Unicode and punycode domains', () => {
		assert.deepEqual( addressForms( 'Ann@Bücher.Example' ), [
			'ann@bücher.example',
			'ann@xn--bcher-kva.example',
		] );
		const unicode = compiled( [
			{
				kind: 'sender',
				pattern: '*@bücher.example',
				matchType: 'wildcard',
			},
		] );
		assert.equal(
			blockedBy( unicode, 'spam@xn--bcher-kva.example', '' ),
			'blocked_sender'
		);
		const ascii = compiled( [
			{
				kind: 'sender',
				pattern: '*@xn--bcher-kva.example',
				matchType: 'wildcard',
			},
		] );
		assert.equal(
			blockedBy( ascii, 'spam@bücher.example', '' ),
			'blocked_sender'
		);
		const exact = compiled( [
			{
				kind: 'sender',
				pattern: 'spammer@example.com',
				matchType: 'exact',
			},
		] );
		assert.equal(
			blockedBy( exact, 'spam\u200bmer@example.com', '' ),
			'blocked_sender'
		);
		assert.equal(
			blockedBy( exact, 'spam\u00admer@example.com', '' ),
			'blocked_sender'
		);
	} );

	it( 'stop an email in screening, after the machine-mail checks', async () => {
		const email = ( from: string, subject: string, extra = '' ) =>
			parseEmail(
				Buffer.from(
					`From: ${ from }\r\nTo: support@example.test\r\nSubject: ${ subject }\r\n${ extra }\r\nHello\r\n`
				)
			);
		const ctx = {
			mailboxAddress: 'support@example.test',
			secretKey: null,
			blockPatterns: compiled( DEFAULTS ),
		};
		// (A no-reply sender answering our message: not a notice by itself, but on the list.)
		assert.deepEqual(
			screen(
				await email(
					'noreply@shop.example',
					'Order 1',
					'In-Reply-To: <n1@example.test>\r\n'
				),
				ctx
			),
			{
				action: 'skip',
				reason: 'blocked_sender',
			}
		);
		// Answering nothing, it is a service's notice: reported as bulk mail.
		assert.deepEqual(
			screen( await email( 'noreply@shop.example', 'Order 1' ), ctx ),
			{ action: 'skip', reason: 'bulk' }
		);
		// An auto-reply is reported as one, though its subject is on the block list too.
		assert.deepEqual(
			screen(
				await email(
					'ann@example.test',
					'Automatic reply: away',
					'Auto-Submitted: auto-replied\r\n'
				),
				ctx
			),
			{ action: 'skip', reason: 'auto_reply' }
		);
		assert.equal(
			screen( await email( 'ann@example.test', 'Printer' ), ctx ),
			null
		);
	} );
} );
