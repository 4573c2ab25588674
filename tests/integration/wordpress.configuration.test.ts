/**
 * The configuration API over HTTP: general settings (every SupportCandy setting, its default,
 * validation), ordered piping rules, block lists and notification templates — stored as JSON
 * rows the sidecar reads, with field-level 400s for bad input and unsafe regexes refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import { loadStack, openDb, type Stack } from './support/stack.ts';
import { adminAuth, api } from './support/wp.ts';

interface FieldError {
	code: string;
	data: { status: number; params: Record< string, string > };
}

describe( 'configuration REST API', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let auth: string;

	before( () => {
		stack = loadStack();
		db = openDb( stack );
		auth = adminAuth( stack );
	} );
	after( async () => {
		// Later tests expect the defaults.
		await db.query(
			"DELETE FROM wp_epipe_settings WHERE name NOT LIKE 'sender\\_tickets\\_%'"
		);
		await db.query( 'DELETE FROM wp_epipe_rules' );
		await db.query( 'DELETE FROM wp_epipe_templates' );
		await db.end();
	} );

	it( "returns every setting of SupportCandy's General settings with its default", async () => {
		await db.query(
			"DELETE FROM wp_epipe_settings WHERE name NOT LIKE 'sender\\_tickets\\_%'"
		);
		const res = await api< Record< string, unknown > >(
			stack,
			'GET',
			'/settings',
			auth
		);
		assert.equal( res.status, 200 );
		assert.deepEqual(
			{
				allowed_emails: res.json[ 'allowed_emails' ],
				allowed_senders: res.json[ 'allowed_senders' ],
				body_preference: res.json[ 'body_preference' ],
				import_cc: res.json[ 'import_cc' ],
				reply_above_text: res.json[ 'reply_above_text' ],
				forwarding_addresses: res.json[ 'forwarding_addresses' ],
				forwarding_as_from: res.json[ 'forwarding_as_from' ],
				duplicate_filter: res.json[ 'duplicate_filter' ],
				log_retention_days: res.json[ 'log_retention_days' ],
				max_attachment_mb: res.json[ 'max_attachment_mb' ],
			},
			{
				allowed_emails: 'all',
				allowed_senders: 'anyone',
				body_preference: 'text',
				import_cc: false,
				reply_above_text: '-- Reply above this line --',
				forwarding_addresses: [],
				forwarding_as_from: false,
				duplicate_filter: true,
				log_retention_days: 30,
				max_attachment_mb: 20,
			}
		);
		const extensions = res.json[ 'allowed_extensions' ] as string[];
		assert.ok(
			extensions.includes( 'pdf' ) && extensions.includes( 'png' )
		);
		assert.ok(
			! extensions.includes( 'php' ) && ! extensions.includes( 'html' )
		);
	} );

	it( 'saves settings as JSON rows the sidecar reads, keeping the others', async () => {
		const res = await api< Record< string, unknown > >(
			stack,
			'PUT',
			'/settings',
			auth,
			{
				allowed_emails: 'new',
				import_cc: true,
				forwarding_addresses: [
					'Help@Example.TEST',
					'help@example.test',
				],
				allowed_extensions: [ 'PDF', 'txt' ],
			}
		);
		assert.equal( res.status, 200, res.text );
		assert.equal( res.json[ 'allowed_emails' ], 'new' );
		assert.equal( res.json[ 'allowed_senders' ], 'anyone' );
		// The test stack's own rows (tests/env/wp-install.php) left aside.
		const [ rows ] = await db.query(
			"SELECT name, value FROM wp_epipe_settings WHERE name NOT LIKE 'sender\\_tickets\\_%' ORDER BY name"
		);
		const stored = Object.fromEntries(
			( rows as Array< { name: string; value: string } > ).map( ( r ) => [
				r.name,
				JSON.parse( r.value ) as unknown,
			] )
		);
		assert.deepEqual( stored, {
			allowed_emails: 'new',
			allowed_extensions: [ 'pdf', 'txt' ],
			forwarding_addresses: [ 'help@example.test' ],
			import_cc: true,
		} );
	} );

	it( 'refuses invalid settings with a message per field, and changes nothing', async () => {
		const res = await api< FieldError >(
			stack,
			'PATCH',
			'/settings',
			auth,
			{
				allowed_emails: 'sometimes',
				log_retention_days: 0,
				forwarding_addresses: [ 'not an address' ],
			}
		);
		assert.equal( res.status, 400 );
		assert.equal( res.json.code, 'rest_invalid_param' );
		assert.deepEqual( Object.keys( res.json.data.params ).sort(), [
			'allowed_emails',
			'forwarding_addresses',
			'log_retention_days',
		] );
		const unknown = await api< FieldError >(
			stack,
			'PATCH',
			'/settings',
			auth,
			{
				time_frequency: 5,
			}
		);
		assert.equal( unknown.status, 400 );
		assert.match(
			unknown.json.data.params[ 'time_frequency' ] ?? '',
			/not a setting/
		);
		const current = await api< Record< string, unknown > >(
			stack,
			'GET',
			'/settings',
			auth
		);
		assert.equal( current.json[ 'allowed_emails' ], 'new' );
		assert.equal( current.json[ 'log_retention_days' ], 30 );
	} );

	it( "pre-fills the block lists with SupportCandy's defaults", async () => {
		const res = await api<
			Array< { kind: string; pattern: string; match_type: string } >
		>( stack, 'GET', '/block-patterns', auth );
		assert.equal( res.status, 200 );
		const patterns = res.json.map(
			( p ) => `${ p.kind }:${ p.match_type }:${ p.pattern }`
		);
		for ( const expected of [
			'sender:regex:no(t)?[-_]?reply@',
			'sender:regex:mail(er)?[-_]daemon@',
			'subject:regex:^[\\[(]?auto(mat(ic|ed))?[\\s-]?reply',
			'subject:regex:^out of office',
			'subject:wildcard:*undelivered mail returned to sender*',
		] ) {
			assert.ok( patterns.includes( expected ), expected );
		}
		const senders = await api< unknown[] >(
			stack,
			'GET',
			'/block-patterns?kind=sender',
			auth
		);
		assert.equal( senders.json.length, 2 );
	} );

	it( 'creates, changes and deletes block patterns', async () => {
		const created = await api< { id: number; pattern: string } >(
			stack,
			'POST',
			'/block-patterns',
			auth,
			{
				kind: 'sender',
				pattern: '*@spam.example',
				match_type: 'wildcard',
			}
		);
		assert.equal( created.status, 201, created.text );
		const id = created.json.id;
		const changed = await api< { pattern: string; match_type: string } >(
			stack,
			'PATCH',
			`/block-patterns/${ id }`,
			auth,
			{ pattern: '^promo@', match_type: 'regex' }
		);
		assert.equal( changed.status, 200, changed.text );
		assert.deepEqual(
			[ changed.json.pattern, changed.json.match_type ],
			[ '^promo@', 'regex' ]
		);
		assert.equal(
			( await api( stack, 'DELETE', `/block-patterns/${ id }`, auth ) )
				.status,
			200
		);
		assert.equal(
			( await api( stack, 'GET', `/block-patterns/${ id }`, auth ) )
				.status,
			404
		);
	} );

	it( 'refuses, when saved, a regex that does not compile or could run away', async () => {
		const cases: Array< [ string, RegExp ] > = [
			[ '(unclosed', /does not compile/ ],
			[ '(a+)+$', /run away/ ],
			[ '(\\w+\\s?)*$', /run away/ ],
			[ '(a|aa)+$', /run away/ ],
			[ 'x\\1', /backreference/ ],
			[ '(?i)abc', /inline flags/ ],
		];
		for ( const [ pattern, message ] of cases ) {
			const res = await api< FieldError >(
				stack,
				'POST',
				'/block-patterns',
				auth,
				{
					kind: 'subject',
					pattern,
					match_type: 'regex',
				}
			);
			assert.equal( res.status, 400, pattern );
			assert.equal( res.json.code, 'epipe_invalid_param' );
			assert.match(
				res.json.data.params[ 'pattern' ] ?? '',
				message,
				pattern
			);
		}
		const rule = await api< FieldError >( stack, 'POST', '/rules', auth, {
			name: 'Runaway',
			conditions: [
				{ field: 'subject', match: 'regex', value: 'ok' },
				{ field: 'body', match: 'regex', value: '(.*a)*$' },
			],
			actions: { priority: 'high' },
		} );
		assert.equal( rule.status, 400 );
		assert.deepEqual( Object.keys( rule.json.data.params ), [
			'conditions[1][value]',
		] );
	} );

	it( 'keeps rules in order: create, reorder, update, delete', async () => {
		await db.query( 'DELETE FROM wp_epipe_rules' );
		const make = async ( name: string, value: string ) => {
			const res = await api< { id: number; position: number } >(
				stack,
				'POST',
				'/rules',
				auth,
				{
					name,
					conditions: [ { field: 'from', match: 'wildcard', value } ],
					actions: {
						priority: 'high',
						category: 'General',
						add_recipients: [ 'Boss@Example.test' ],
					},
				}
			);
			assert.equal( res.status, 201, res.text );
			return res.json;
		};
		const a = await make( 'VIP', '*@vip.example' );
		const b = await make( 'Partners', '*@partner.example' );
		assert.ok( b.position > a.position );

		const reordered = await api< Array< { id: number } > >(
			stack,
			'PUT',
			'/rules/order',
			auth,
			{ ids: [ b.id, a.id ] }
		);
		assert.equal( reordered.status, 200, reordered.text );
		assert.deepEqual(
			reordered.json.map( ( r ) => r.id ),
			[ b.id, a.id ]
		);
		const partial = await api( stack, 'PUT', '/rules/order', auth, {
			ids: [ a.id ],
		} );
		assert.equal( partial.status, 400 );

		const updated = await api< {
			continue_matching: boolean;
			name: string;
		} >( stack, 'PATCH', `/rules/${ a.id }`, auth, {
			continue_matching: true,
		} );
		assert.equal( updated.status, 200, updated.text );
		assert.equal( updated.json.continue_matching, true );
		assert.equal( updated.json.name, 'VIP' );

		// The sidecar reads JSON conditions and a JSON object of actions.
		const [ rows ] = await db.query(
			'SELECT conditions, actions FROM wp_epipe_rules WHERE id = ?',
			[ a.id ]
		);
		const row = (
			rows as Array< { conditions: string; actions: string } >
		 )[ 0 ];
		assert.deepEqual( JSON.parse( row?.conditions ?? '' ), [
			{ field: 'from', match: 'wildcard', value: '*@vip.example' },
		] );
		assert.deepEqual( JSON.parse( row?.actions ?? '' ), {
			priority: 'high',
			category: 'General',
			add_recipients: [ 'boss@example.test' ],
		} );

		assert.equal(
			( await api( stack, 'DELETE', `/rules/${ b.id }`, auth ) ).status,
			200
		);
		const left = await api< unknown[] >( stack, 'GET', '/rules', auth );
		assert.equal( left.json.length, 1 );
	} );

	it( 'answers bad rule payloads with 400 and the field', async () => {
		const cases: Array< [ unknown, string ] > = [
			[ { conditions: [], actions: { priority: 'high' } }, 'conditions' ],
			[
				{
					conditions: [ { field: 'cc', match: 'exact', value: 'x' } ],
					actions: { priority: 'high' },
				},
				'conditions[0][field]',
			],
			[
				{
					conditions: [
						{ field: 'from', match: 'exact', value: 'x' },
					],
					actions: { priority: 'whenever' },
				},
				'actions',
			],
			[
				{
					conditions: [
						{ field: 'from', match: 'exact', value: 'x' },
					],
					actions: { assignee_id: 999999 },
				},
				'actions[assignee_id]',
			],
			[
				{
					conditions: [
						{ field: 'from', match: 'exact', value: 'x' },
					],
					actions: { category: 'Nonexistent' },
				},
				'actions[category]',
			],
			[
				{
					conditions: [
						{ field: 'from', match: 'exact', value: 'x' },
					],
					actions: {},
				},
				'actions',
			],
		];
		for ( const [ body, field ] of cases ) {
			const res = await api< FieldError >(
				stack,
				'POST',
				'/rules',
				auth,
				body
			);
			assert.equal( res.status, 400, JSON.stringify( body ) );
			assert.ok(
				field in res.json.data.params,
				`${ field } in ${ JSON.stringify( res.json.data.params ) }`
			);
		}
	} );

	it( 'queues a rule test for the sidecar and reports the job', async () => {
		const res = await api< { id: number; type: string; status: string } >(
			stack,
			'POST',
			'/rules/test',
			auth,
			{ raw: 'From: a@example.test\r\nSubject: hi\r\n\r\nbody' }
		);
		assert.equal( res.status, 202, res.text );
		assert.equal( res.json.type, 'test_rules' );
		assert.equal( res.json.status, 'pending' );
		const [ rows ] = await db.query(
			'SELECT payload FROM wp_epipe_jobs WHERE id = ?',
			[ res.json.id ]
		);
		assert.deepEqual(
			JSON.parse(
				( rows as Array< { payload: string } > )[ 0 ]?.payload ?? ''
			),
			{ raw: 'From: a@example.test\r\nSubject: hi\r\n\r\nbody' }
		);
	} );

	it( 'lets every notification template be edited with macros, and reset', async () => {
		const list = await api< Array< { name: string; macros: string[] } > >(
			stack,
			'GET',
			'/templates',
			auth
		);
		assert.equal( list.status, 200 );
		assert.deepEqual(
			list.json.map( ( t ) => t.name ),
			[
				'customer_ticket_created',
				'agent_ticket_created',
				'agent_customer_replied',
				'customer_agent_replied',
				'agent_note_added',
				'customer_status_changed',
				'agent_ticket_changed',
				'reject_reply_not_allowed',
				'reject_new_ticket_not_allowed',
				'reject_sender_not_registered',
				'reject_ticket_closed',
			]
		);
		const saved = await api< { subject: string; edited: boolean } >(
			stack,
			'PUT',
			'/templates/customer_ticket_created',
			auth,
			{ subject: 'We got it: {{ticket_subject}}' }
		);
		assert.equal( saved.status, 200, saved.text );
		assert.equal( saved.json.edited, true );
		const bad = await api< FieldError >(
			stack,
			'PUT',
			'/templates/customer_ticket_created',
			auth,
			{ body: 'Hi {{password}}', subject: 'Line\nBcc: x@example.test' }
		);
		assert.equal( bad.status, 400 );
		assert.match(
			bad.json.data.params[ 'body' ] ?? '',
			/Unknown macro \{\{password\}\}/
		);
		assert.ok( 'subject' in bad.json.data.params );
		const reset = await api< { edited: boolean; subject: string } >(
			stack,
			'DELETE',
			'/templates/customer_ticket_created',
			auth
		);
		assert.equal( reset.json.edited, false );
		assert.equal( reset.json.subject, '{{ticket_subject}}' );
		assert.equal(
			( await api( stack, 'GET', '/templates/no_such_template', auth ) )
				.status,
			400
		);
	} );
} );
