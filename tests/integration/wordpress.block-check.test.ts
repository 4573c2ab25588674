/**
 * The admin's "would this be blocked?" check (GET /block-patterns/check) answers as the sidecar
 * decides: for every case its answer equals sidecar/src/pipeline/patterns.ts blockedBy() over
 * the same stored patterns, and emails really sent from those senders with those subjects are
 * skipped (or not) exactly as the check said.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import {
	blockedBy,
	compilePattern,
	type CompiledPattern,
	type MatchType,
} from '../../sidecar/src/pipeline/patterns.ts';
import {
	loadStack,
	openDb,
	runCli,
	sendMail,
	type Stack,
} from './support/stack.ts';
import { adminAuth, api } from './support/wp.ts';

interface StoredPattern {
	id: number;
	kind: 'sender' | 'subject';
	pattern: string;
	match_type: MatchType;
}

interface CheckAnswer {
	blocked: 'blocked_sender' | 'blocked_subject' | null;
	sender: StoredPattern | null;
	subject: StoredPattern | null;
}

describe( 'block-list check', () => {
	const tag = randomUUID().slice( 0, 8 );
	const unicodeDomain = `bücher-${ tag }.example`;
	const punycodeDomain = domainToASCII( unicodeDomain );
	let stack: Stack;
	let db: mysql.Pool;
	let auth: string;
	const created: number[] = [];

	/**
	 * The check's answer for a sender and subject.
	 *
	 * @param sender  Address.
	 * @param subject Subject.
	 */
	const check = async (
		sender: string,
		subject: string
	): Promise< CheckAnswer > => {
		const res = await api< CheckAnswer >(
			stack,
			'GET',
			`/block-patterns/check?sender=${ encodeURIComponent(
				sender
			) }&subject=${ encodeURIComponent( subject ) }`,
			auth
		);
		assert.equal( res.status, 200, res.text );
		return res.json;
	};

	/** Every stored pattern, compiled as the sidecar compiles them. */
	const sidecarPatterns = async (): Promise< CompiledPattern[] > => {
		const res = await api< StoredPattern[] >(
			stack,
			'GET',
			'/block-patterns',
			auth
		);
		return res.json
			.map( ( p ) =>
				compilePattern( {
					kind: p.kind,
					pattern: p.pattern,
					matchType: p.match_type,
				} )
			)
			.filter( ( p ): p is CompiledPattern => p !== null );
	};

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		auth = adminAuth( stack );
		for ( const body of [
			{
				kind: 'sender',
				pattern: `*@${ unicodeDomain }`,
				match_type: 'wildcard',
			},
			{
				kind: 'sender',
				pattern: `Billing-${ tag }@Example.test`,
				match_type: 'exact',
			},
			{
				kind: 'subject',
				pattern: `^invoice ${ tag }\\b`,
				match_type: 'regex',
			},
			{
				kind: 'subject',
				pattern: `*promo ${ tag }*`,
				match_type: 'wildcard',
			},
		] ) {
			const res = await api< { id: number } >(
				stack,
				'POST',
				'/block-patterns',
				auth,
				body
			);
			assert.equal( res.status, 201, res.text );
			created.push( res.json.id );
		}
	} );
	after( async () => {
		for ( const id of created ) {
			await api( stack, 'DELETE', `/block-patterns/${ id }`, auth );
		}
		await db.end();
	} );

	it( 'answers every case as the sidecar does, naming the pattern that matched', async () => {
		const cases: Array< [ string, string ] > = [
			[ 'No-Reply@shop.example', 'Hello' ],
			[ 'noreply@shop.example', '' ],
			[
				'MAILER-DAEMON@mx.example',
				'Undelivered Mail Returned to Sender',
			],
			[ 'casey@example.test', 'Automatic reply: away until Monday' ],
			[ 'casey@example.test', '[Auto-Reply] Out of office' ],
			[ 'casey@example.test', 'Out of Office until Monday' ],
			[ 'casey@example.test', 'Re: out of office request' ],
			[ 'casey@example.test', 'Delivery Status Notification (Failure)' ],
			[ 'casey@example.test', 'Question about my order' ],
			[ `ann@${ unicodeDomain }`, 'Hi' ],
			[ `Ann@${ punycodeDomain.toUpperCase() }`, 'Hi' ],
			[ `ann@sub.${ unicodeDomain }`, 'Hi' ],
			[ `billing-${ tag }@example.test`, 'Hi' ],
			[ ` BILLING-${ tag }@EXAMPLE.TEST `, 'Hi' ],
			[ `billing-${ tag }@example.test.evil`, 'Hi' ],
			[ `no\u200b-reply@shop.example`, 'Hi' ],
			[ `bil\u00adling-${ tag }@example.test`, 'Hi' ],
			[ '', `Invoice ${ tag } for March` ],
			[ '', `Invoice ${ tag }x for March` ],
			[ '', `Re: Invoice ${ tag }` ],
			[ '', `Big PROMO ${ tag } inside` ],
			[ '', `Pro\u200bmo ${ tag } hidden` ],
			[ '', `${ 'x'.repeat( 995 ) } promo ${ tag }` ],
			[ '', `${ '€'.repeat( 990 ) } promo ${ tag }` ],
			[ '', `${ '😀'.repeat( 495 ) } promo ${ tag }` ],
		];
		const patterns = await sidecarPatterns();
		const disagreements: unknown[] = [];
		const answers: Array< CheckAnswer[ 'blocked' ] > = [];
		for ( const [ sender, subject ] of cases ) {
			const answer = await check( sender, subject );
			const sidecar = blockedBy( patterns, sender, subject );
			answers.push( answer.blocked );
			if ( answer.blocked !== sidecar ) {
				disagreements.push( { sender, subject, answer, sidecar } );
			}
			// The pattern named is one that matches the value, of its own list.
			assert.equal( answer.sender?.kind ?? 'sender', 'sender' );
			assert.equal( answer.subject?.kind ?? 'subject', 'subject' );
		}
		assert.deepEqual( disagreements, [] );
		assert.deepEqual( answers, [
			'blocked_sender',
			'blocked_sender',
			'blocked_sender',
			'blocked_subject',
			'blocked_subject',
			'blocked_subject',
			null,
			'blocked_subject',
			null,
			'blocked_sender',
			'blocked_sender',
			null,
			'blocked_sender',
			'blocked_sender',
			null,
			'blocked_sender',
			'blocked_sender',
			'blocked_subject',
			null,
			null,
			'blocked_subject',
			'blocked_subject',
			null,
			null,
			null,
		] );

		const both = await check( 'no-reply@shop.example', 'Out of office' );
		assert.equal( both.blocked, 'blocked_sender' );
		assert.equal( both.sender?.pattern, 'no(t)?[-_]?reply@' );
		assert.equal( both.subject?.pattern, '^out of office' );
		const unicode = await check( `ann@${ punycodeDomain }`, '' );
		assert.equal( unicode.sender?.id, created[ 0 ] );
		assert.equal( unicode.subject, null );
	} );

	it( 'emails really sent are skipped exactly when the check said so', async () => {
		const mails: Array< [ string, string ] > = [
			[ `ann@${ punycodeDomain }`, `Hello ${ tag } one` ],
			[ 'customer@example.test', `Invoice ${ tag } for March` ],
			[ 'customer@example.test', `Big promo ${ tag } inside` ],
			[ 'customer@example.test', `Re: Invoice ${ tag } question` ],
		];
		const expected: string[] = [];
		for ( const [ from, subject ] of mails ) {
			const answer = await check( from, subject );
			expected.push(
				answer.blocked === null
					? 'ticket'
					: `skipped:${ answer.blocked }`
			);
			await sendMail( stack, {
				from,
				to: 'support@example.test',
				subject,
				text: 'Hello.',
			} );
		}
		assert.deepEqual( expected, [
			'skipped:blocked_sender',
			'skipped:blocked_subject',
			'skipped:blocked_subject',
			'ticket',
		] );
		const result = await runCli( [
			'run',
			'--once',
			'--wp-config',
			stack.wp.config,
		] );
		assert.equal( result.code, 0, result.stderr );
		const [ rows ] = await db.query(
			'SELECT subject, outcome, reason FROM wp_epipe_activity WHERE subject LIKE ? ORDER BY id',
			[ `%${ tag }%` ]
		);
		const bySubject = new Map(
			( rows as Array< Record< string, string > > ).map( ( r ) => [
				r[ 'subject' ],
				r[ 'outcome' ] === 'skipped'
					? `skipped:${ r[ 'reason' ] }`
					: String( r[ 'outcome' ] ),
			] )
		);
		assert.deepEqual(
			mails.map( ( [ , subject ] ) => bySubject.get( subject ) ),
			expected
		);
	} );

	it( 'asks for something to check, and only admins may ask', async () => {
		const empty = await api< {
			code: string;
			data: { params: Record< string, string > };
		} >( stack, 'GET', '/block-patterns/check?sender=%20', auth );
		assert.equal( empty.status, 400 );
		assert.equal( empty.json.code, 'epipe_invalid_param' );
		assert.deepEqual( Object.keys( empty.json.data.params ).sort(), [
			'sender',
			'subject',
		] );
		const anonymous = await api(
			stack,
			'GET',
			'/block-patterns/check?sender=a@example.test',
			null
		);
		assert.equal( anonymous.status, 401 );
	} );
} );
