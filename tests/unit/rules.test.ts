import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	applyRules,
	compileRule,
	type CompiledRule,
	type RuleFacts,
	type StoredRule,
} from '../../sidecar/src/pipeline/rules.ts';

const rule = (
	r: Partial< StoredRule > & Pick< StoredRule, 'name' >
): StoredRule => ( {
	conditions: [],
	actions: {},
	continueMatching: false,
	...r,
} );

const compiled = ( rules: StoredRule[] ): CompiledRule[] =>
	rules.flatMap( ( r ) => compileRule( r ) ?? [] );

const facts = ( f: Partial< RuleFacts > ): RuleFacts => ( {
	forwarding_address: '',
	from: 'ann@example.test',
	from_name: 'Ann',
	subject: 'Hello',
	body: 'Text',
	recipients: [ 'support@example.test' ],
	headers: new Map(),
	...f,
} );

const billing = rule( {
	name: 'Billing',
	conditions: [ { field: 'subject', match: 'wildcard', value: '*invoice*' } ],
	actions: {
		category: 'Billing',
		priority: 'high',
		add_recipients: [ 'Accounts@Example.test' ],
	},
} );
const vip = rule( {
	name: 'VIP',
	conditions: [
		{ field: 'from', match: 'wildcard', value: '*@vip.example' },
	],
	actions: {
		priority: 'urgent',
		assignee_id: 7,
		add_recipients: [ 'boss@example.test' ],
	},
	continueMatching: true,
} );

describe( 'piping rules', () => {
	it( 'apply the first matching rule and stop there', () => {
		const out = applyRules(
			compiled( [ billing, vip ] ),
			facts( { from: 'Carl@VIP.example', subject: 'Your invoice 12' } )
		);
		assert.deepEqual( out, {
			fields: { category: 'Billing', priority: 'high' },
			addRecipients: [ 'accounts@example.test' ],
			applied: [ 'Billing' ],
		} );
	} );

	it( 'go on after a rule that says so: later values win, recipients add up', () => {
		const out = applyRules(
			compiled( [ vip, billing ] ),
			facts( { from: 'carl@vip.example', subject: 'Invoice' } )
		);
		assert.deepEqual( out, {
			fields: { priority: 'high', assigneeId: 7, category: 'Billing' },
			addRecipients: [ 'boss@example.test', 'accounts@example.test' ],
			applied: [ 'VIP', 'Billing' ],
		} );
	} );

	it( 'match only when every condition does, on the field each names', () => {
		const both = rule( {
			name: 'Shop refunds',
			conditions: [
				{
					field: 'forwarding_address',
					match: 'exact',
					value: 'shop@example.test',
				},
				{ field: 'body', match: 'regex', value: '\\brefund\\b' },
			],
			actions: { status: 'pending' },
		} );
		const rules = compiled( [ both ] );
		assert.deepEqual(
			applyRules(
				rules,
				facts( {
					forwarding_address: 'shop@example.test',
					body: 'I want a REFUND now',
				} )
			).applied,
			[ 'Shop refunds' ]
		);
		assert.deepEqual(
			applyRules(
				rules,
				facts( {
					forwarding_address: 'help@example.test',
					body: 'refund',
				} )
			).applied,
			[]
		);
		assert.deepEqual(
			applyRules(
				rules,
				facts( {
					forwarding_address: 'shop@example.test',
					body: 'refunded',
				} )
			).applied,
			[]
		);
	} );

	it( 'match any recipient, the display name, or any value of a named header', () => {
		const rules = compiled( [
			rule( {
				name: 'Sales copy',
				conditions: [
					{
						field: 'recipients',
						match: 'exact',
						value: 'sales@example.test',
					},
				],
				actions: { category: 'Sales' },
			} ),
			rule( {
				name: 'Urgent client',
				conditions: [
					{
						field: 'header:X-Priority',
						match: 'wildcard',
						value: '1*',
					},
					{ field: 'from_name', match: 'regex', value: '^acme' },
				],
				actions: { priority: 'high' },
			} ),
		] );
		assert.deepEqual(
			applyRules(
				rules,
				facts( {
					recipients: [
						'support@example.test',
						'sales@example.test',
					],
				} )
			).applied,
			[ 'Sales copy' ]
		);
		const urgent = facts( {
			from_name: 'ACME Corp',
			headers: new Map( [ [ 'x-priority', [ '1 (Highest)' ] ] ] ),
		} );
		assert.deepEqual( applyRules( rules, urgent ).fields, {
			priority: 'high',
		} );
		assert.deepEqual(
			applyRules( rules, { ...urgent, from_name: 'Other' } ).applied,
			[]
		);
		assert.equal(
			compileRule(
				rule( {
					name: 'Bad header',
					conditions: [
						{ field: 'header:X Bad', match: 'exact', value: 'x' },
					],
					actions: { priority: 'high' },
				} )
			),
			null
		);
	} );

	it( 'never let a rule with an unreadable condition match everything', () => {
		assert.equal(
			compileRule(
				rule( {
					name: 'Broken',
					conditions: [
						{ field: 'subject', match: 'regex', value: '(' },
					],
					actions: { priority: 'low' },
				} )
			),
			null
		);
		assert.equal(
			compileRule(
				rule( {
					name: 'Odd field',
					conditions: [ { field: 'cc', match: 'exact', value: 'x' } ],
					actions: { priority: 'low' },
				} )
			),
			null
		);
		assert.equal(
			compileRule(
				rule( { name: 'No conditions', actions: { priority: 'low' } } )
			),
			null
		);
	} );
} );
