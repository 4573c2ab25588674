/**
 * Settings an admin saves in WordPress reach the sidecar: a custom reply marker cuts replies, the
 * block lists stop senders and subjects, and "allowed emails / senders" refuse what they say.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import {
	count,
	loadStack,
	openDb,
	runCli,
	sendMail,
	type Mailbox,
	type Stack,
	waitForMail,
	wpEval,
} from './support/stack.ts';
import { adminAuth, agentUserId, api, waitForCaptured } from './support/wp.ts';

describe( 'settings from WordPress', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let original: string;

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		const current = await api< Record< string, unknown > >(
			stack,
			'GET',
			'/settings',
			adminAuth( stack )
		);
		original = String( current.json[ 'reply_above_text' ] );
	} );
	/** One `run --once` of the sidecar, which must succeed. */
	const runOnce = async (): Promise< void > => {
		const result = await runCli( [
			'run',
			'--once',
			'--wp-config',
			stack.wp.config,
		] );
		assert.equal( result.code, 0, result.stderr );
	};

	after( async () => {
		await api( stack, 'PATCH', '/settings', adminAuth( stack ), {
			reply_above_text: original,
		} );
		await db.end();
	} );

	it( 'a custom reply marker set in the admin cuts the reply there', async () => {
		const saved = await api(
			stack,
			'PATCH',
			'/settings',
			adminAuth( stack ),
			{ reply_above_text: '=== write above ===' }
		);
		assert.equal( saved.status, 200, saved.text );
		const subject = `Marker ${ randomUUID().slice( 0, 8 ) }`;
		await sendMail( stack, {
			from: 'customer@example.test',
			to: 'support@example.test',
			subject,
			text: 'Only this line is new.\n\n=== write above ===\nolder text the customer quoted',
		} );
		await runOnce();
		const [ rows ] = await db.query(
			'SELECT th.reply_text FROM wp_epipe_threads th JOIN wp_epipe_tickets t ON t.id = th.ticket_id WHERE t.subject = ?',
			[ subject ]
		);
		assert.equal(
			( rows as Array< { reply_text: string } > )[ 0 ]?.reply_text,
			'Only this line is new.'
		);
	} );
	it( 'a sender or subject on the block list is skipped with its reason, and nothing else is', async () => {
		const tag = randomUUID().slice( 0, 8 );
		const created: number[] = [];
		for ( const body of [
			{
				kind: 'sender',
				pattern: `*@spam-${ tag }.example`,
				match_type: 'wildcard',
			},
			{
				kind: 'subject',
				pattern: `^cheap pills ${ tag }`,
				match_type: 'regex',
			},
		] ) {
			const res = await api< { id: number } >(
				stack,
				'POST',
				'/block-patterns',
				adminAuth( stack ),
				body
			);
			assert.equal( res.status, 201, res.text );
			created.push( res.json.id );
		}
		try {
			const mails = [
				[ `Bulk@SPAM-${ tag }.example`, `Offer ${ tag }` ],
				[ 'customer@example.test', `Cheap pills ${ tag } today` ],
				[ 'customer@example.test', `Not blocked ${ tag }` ],
			] as const;
			for ( const [ from, subject ] of mails ) {
				await sendMail( stack, {
					from,
					to: 'support@example.test',
					subject,
					text: 'Hello.',
				} );
			}
			await runOnce();
			const [ rows ] = await db.query(
				'SELECT subject, outcome, reason FROM wp_epipe_activity WHERE subject LIKE ? ORDER BY id',
				[ `%${ tag }%` ]
			);
			assert.deepEqual(
				( rows as Array< Record< string, string > > ).map(
					( r ) => `${ r[ 'outcome' ] }:${ r[ 'reason' ] }`
				),
				[
					'skipped:blocked_sender',
					'skipped:blocked_subject',
					'ticket:new_ticket',
				]
			);
			const [ tickets ] = await db.query(
				'SELECT subject FROM wp_epipe_tickets WHERE subject LIKE ?',
				[ `%${ tag }%` ]
			);
			assert.deepEqual(
				( tickets as Array< { subject: string } > ).map(
					( r ) => r.subject
				),
				[ `Not blocked ${ tag }` ]
			);
		} finally {
			for ( const id of created ) {
				await api(
					stack,
					'DELETE',
					`/block-patterns/${ id }`,
					adminAuth( stack )
				);
			}
		}
	} );
	it( 'refuses replies, new tickets or unregistered senders as the allowed-emails settings say', async () => {
		const tag = randomUUID().slice( 0, 8 );
		const setAllowed = async ( body: Record< string, string > ) => {
			const res = await api(
				stack,
				'PATCH',
				'/settings',
				adminAuth( stack ),
				body
			);
			assert.equal( res.status, 200, res.text );
			// The settings are re-read at most every 5 s; `run --once` reads them at start.
		};
		const send = ( from: string, subject: string, extra = {} ) =>
			sendMail( stack, {
				from,
				to: 'support@example.test',
				subject,
				text: 'Hello.',
				...extra,
			} );
		const outcomeOf = async ( subject: string ): Promise< string > => {
			const [ rows ] = await db.query(
				'SELECT outcome, reason FROM wp_epipe_activity WHERE subject = ? ORDER BY id DESC LIMIT 1',
				[ subject ]
			);
			const row = ( rows as Array< Record< string, string > > )[ 0 ];
			return `${ row?.[ 'outcome' ] }:${ row?.[ 'reason' ] }`;
		};
		await wpEval(
			stack,
			`wp_insert_user( array( 'user_login' => 'reg-${ tag }', 'user_email' => 'Registered-${ tag }@example.test', 'user_pass' => wp_generate_password(), 'role' => 'subscriber' ) );`
		);
		try {
			const opener = `<allowed-${ tag }@example.test>`;
			await send( 'customer@example.test', `Opened ${ tag }`, {
				messageId: opener,
			} );
			await runOnce();
			assert.equal(
				await outcomeOf( `Opened ${ tag }` ),
				'ticket:new_ticket'
			);

			await setAllowed( { allowed_emails: 'new' } );
			await send( 'customer@example.test', `Re: Opened ${ tag }`, {
				inReplyTo: opener,
				references: opener,
			} );
			await runOnce();
			assert.equal(
				await outcomeOf( `Re: Opened ${ tag }` ),
				'skipped:reply_not_allowed'
			);

			await setAllowed( { allowed_emails: 'reply' } );
			await send( 'customer@example.test', `Brand new ${ tag }` );
			await runOnce();
			assert.equal(
				await outcomeOf( `Brand new ${ tag }` ),
				'skipped:new_ticket_not_allowed'
			);

			await setAllowed( {
				allowed_emails: 'all',
				allowed_senders: 'registered',
			} );
			await send( 'stranger@example.test', `From a stranger ${ tag }` );
			await send(
				`registered-${ tag }@EXAMPLE.test`,
				`From a user ${ tag }`
			);
			await runOnce();
			assert.equal(
				await outcomeOf( `From a stranger ${ tag }` ),
				'skipped:sender_not_registered'
			);
			assert.equal(
				await outcomeOf( `From a user ${ tag }` ),
				'ticket:new_ticket'
			);
			assert.equal(
				await count(
					db,
					'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE subject LIKE ?',
					[ `%${ tag }` ]
				),
				2,
				'only the first email and the registered user opened tickets'
			);
			// Each refused sender is told why, by WordPress, under the refused email.
			const [ events ] = await db.query(
				"SELECT payload FROM wp_epipe_events WHERE type = 'reject_notice' AND payload LIKE ? ORDER BY id",
				[ `%${ tag }%` ]
			);
			assert.deepEqual(
				( events as Array< { payload: string } > ).map( ( e ) => {
					const p = JSON.parse( e.payload ) as Record<
						string,
						string
					>;
					return `${ p[ 'notice' ] } → ${ p[ 'to' ] }`;
				} ),
				[
					'reply_not_allowed → customer@example.test',
					'new_ticket_not_allowed → customer@example.test',
					'sender_not_registered → stranger@example.test',
				]
			);
			const notice = await waitForMail(
				stack,
				stack.mailboxes.customer as Mailbox,
				( m ) =>
					m.subject === `Re: Brand new ${ tag }` &&
					/new ticket can not be created via email/.test(
						m.text ?? ''
					)
			);
			// Marked as automatic, so the sender's auto-responder does not answer it.
			assert.match(
				String( notice.headers.get( 'auto-submitted' ) ),
				/^auto-/
			);
		} finally {
			await setAllowed( {
				allowed_emails: 'all',
				allowed_senders: 'anyone',
			} );
		}
	} );
	it( 'stores only the attachments the size limit and the extension list allow', async () => {
		const tag = randomUUID().slice( 0, 8 );
		const previous = await api< Record< string, unknown > >(
			stack,
			'GET',
			'/settings',
			adminAuth( stack )
		);
		const saved = await api(
			stack,
			'PATCH',
			'/settings',
			adminAuth( stack ),
			{
				max_attachment_mb: 1,
				allowed_extensions: [ 'pdf' ],
			}
		);
		assert.equal( saved.status, 200, saved.text );
		try {
			await sendMail( stack, {
				from: 'customer@example.test',
				to: 'support@example.test',
				subject: `Files ${ tag }`,
				text: 'Three files.',
				attachments: [
					{
						filename: 'small.pdf',
						content: Buffer.alloc( 300_000, 1 ),
					},
					{
						filename: 'big.pdf',
						content: Buffer.alloc( 1_200_000, 2 ),
					},
					{ filename: 'notes.txt', content: 'plain text' },
				],
			} );
			await runOnce();
			const [ rows ] = await db.query(
				`SELECT a.filename, a.status, a.reason FROM wp_epipe_attachments a JOIN wp_epipe_tickets t ON t.id = a.ticket_id
				 WHERE t.subject = ? ORDER BY a.filename`,
				[ `Files ${ tag }` ]
			);
			assert.deepEqual(
				( rows as Array< Record< string, string | null > > ).map(
					( r ) =>
						`${ r[ 'filename' ] }: ${ r[ 'status' ] } ${ r[ 'reason' ] ?? '' }`.trim()
				),
				[
					'big.pdf: refused too_large',
					'notes.txt: refused extension_not_allowed',
					'small.pdf: stored',
				]
			);
		} finally {
			await api( stack, 'PATCH', '/settings', adminAuth( stack ), {
				max_attachment_mb: previous.json[ 'max_attachment_mb' ],
				allowed_extensions: previous.json[ 'allowed_extensions' ],
			} );
		}
	} );
	it( 'a reply to a closed ticket reopens it, or is refused with the "ticket closed" notice', async () => {
		const tag = randomUUID().slice( 0, 8 );
		const opener = `<closed-${ tag }@example.test>`;
		const reply = ( n: number ) =>
			sendMail( stack, {
				from: 'customer@example.test',
				to: 'support@example.test',
				subject: `Re: Closed case ${ tag }`,
				inReplyTo: opener,
				references: opener,
				text: `Follow-up ${ n }.`,
			} );
		const ticket = async () => {
			const [ rows ] = await db.query(
				'SELECT id, status, closed_at FROM wp_epipe_tickets WHERE subject = ?',
				[ `Closed case ${ tag }` ]
			);
			return (
				rows as Array< {
					id: number;
					status: string;
					closed_at: string | null;
				} >
			 )[ 0 ];
		};
		const close = async ( id: number ) => {
			const res = await api(
				stack,
				'PATCH',
				`/tickets/${ id }`,
				adminAuth( stack ),
				{
					status: 'closed',
				}
			);
			assert.equal( res.status, 200, res.text );
		};
		await sendMail( stack, {
			from: 'customer@example.test',
			to: 'support@example.test',
			subject: `Closed case ${ tag }`,
			messageId: opener,
			text: 'First.',
		} );
		await runOnce();
		const id = ( await ticket() )?.id as number;
		await close( id );

		await reply( 1 );
		await runOnce();
		assert.deepEqual( await ticket(), {
			id,
			status: 'open',
			closed_at: null,
		} );
		const [ activity ] = await db.query(
			"SELECT details FROM wp_epipe_activity WHERE ticket_id = ? AND outcome = 'reply' ORDER BY id DESC LIMIT 1",
			[ id ]
		);
		assert.equal(
			(
				JSON.parse(
					( activity as Array< { details: string } > )[ 0 ]
						?.details ?? '{}'
				) as Record< string, unknown >
			 )[ 'reopened_from' ],
			'closed'
		);

		await close( id );
		const saved = await api(
			stack,
			'PATCH',
			'/settings',
			adminAuth( stack ),
			{
				closed_ticket_replies: 'reject',
			}
		);
		assert.equal( saved.status, 200, saved.text );
		try {
			await reply( 2 );
			await runOnce();
			assert.equal( ( await ticket() )?.status, 'closed' );
			assert.equal(
				await count(
					db,
					"SELECT COUNT(*) n FROM wp_epipe_threads WHERE ticket_id = ? AND body_text LIKE 'Follow-up 2%'",
					[ id ]
				),
				0
			);
			assert.equal(
				await count(
					db,
					"SELECT COUNT(*) n FROM wp_epipe_events WHERE type = 'reject_notice' AND ticket_id = ? AND payload LIKE '%ticket_closed%'",
					[ id ]
				),
				1
			);
		} finally {
			await api( stack, 'PATCH', '/settings', adminAuth( stack ), {
				closed_ticket_replies: 'reopen',
			} );
		}
	} );
	it( 'applies the piping rules to new tickets: first match, "continue", forwarding address', async () => {
		const tag = randomUUID().slice( 0, 8 );
		const sales = `sales-${ tag }@example.test`;
		const auth = adminAuth( stack );
		const agentId = await agentUserId( stack, auth );
		const previous = await api< Record< string, unknown > >(
			stack,
			'GET',
			'/settings',
			auth
		);
		await api( stack, 'PATCH', '/settings', auth, {
			forwarding_addresses: [ sales ],
		} );
		const created: number[] = [];
		for ( const rule of [
			{
				name: `Sales ${ tag }`,
				conditions: [
					{
						field: 'forwarding_address',
						match: 'exact',
						value: sales,
					},
					{
						field: 'subject',
						match: 'wildcard',
						value: `*rule-${ tag }*`,
					},
				],
				actions: {
					priority: 'urgent',
					assignee_id: agentId,
					add_recipients: [ `Watcher-${ tag }@example.test` ],
				},
				continue_matching: true,
			},
			{
				name: `Category ${ tag }`,
				conditions: [
					{
						field: 'subject',
						match: 'wildcard',
						value: `*rule-${ tag }*`,
					},
				],
				actions: { priority: 'high', category: 'General' },
			},
			{
				name: `Never reached ${ tag }`,
				conditions: [
					{
						field: 'subject',
						match: 'wildcard',
						value: `*rule-${ tag }*`,
					},
				],
				actions: { priority: 'low' },
			},
		] ) {
			const res = await api< { id: number } >(
				stack,
				'POST',
				'/rules',
				auth,
				rule
			);
			assert.equal( res.status, 201, res.text );
			created.push( res.json.id );
		}
		try {
			// Sent to the customer-facing address, which forwards into the support mailbox.
			await sendMail( stack, {
				from: 'customer@example.test',
				to: sales,
				envelope: {
					from: 'customer@example.test',
					to: 'support@example.test',
				},
				subject: `Order question rule-${ tag } via sales`,
				text: 'Hello.',
			} );
			await sendMail( stack, {
				from: 'customer@example.test',
				to: 'support@example.test',
				subject: `Order question rule-${ tag } direct`,
				text: 'Hello.',
			} );
			await runOnce();
			const [ rows ] = await db.query(
				`SELECT t.subject, t.priority, t.category, t.assignee_id, t.forwarded_from,
				        (SELECT GROUP_CONCAT(r.email) FROM wp_epipe_ticket_recipients r WHERE r.ticket_id = t.id) AS recipients,
				        JSON_EXTRACT(a.details, '$.rules') AS rules
				 FROM wp_epipe_tickets t JOIN wp_epipe_activity a ON a.ticket_id = t.id AND a.outcome = 'ticket'
				 WHERE t.subject LIKE ? ORDER BY t.subject`,
				[ `%rule-${ tag }%` ]
			);
			assert.deepEqual(
				( rows as Array< Record< string, unknown > > ).map( ( r ) => ( {
					...r,
					rules: Array.isArray( r[ 'rules' ] )
						? r[ 'rules' ]
						: ( JSON.parse( String( r[ 'rules' ] ) ) as string[] ),
				} ) ),
				[
					{
						subject: `Order question rule-${ tag } direct`,
						priority: 'high',
						category: 'General',
						assignee_id: null,
						forwarded_from: null,
						recipients: null,
						rules: [ `Category ${ tag }` ],
					},
					{
						subject: `Order question rule-${ tag } via sales`,
						priority: 'high',
						category: 'General',
						assignee_id: agentId,
						forwarded_from: sales,
						recipients: `watcher-${ tag }@example.test`,
						rules: [ `Sales ${ tag }`, `Category ${ tag }` ],
					},
				]
			);
		} finally {
			for ( const id of created ) {
				await api( stack, 'DELETE', `/rules/${ id }`, auth );
			}
			await api( stack, 'PATCH', '/settings', auth, {
				forwarding_addresses: previous.json[ 'forwarding_addresses' ],
			} );
		}
	} );
	it( 'skips list mail, or with bulk_mail "ticket" opens a ticket that confirms nothing', async () => {
		const tag = randomUUID().slice( 0, 8 );
		const auth = adminAuth( stack );
		const newsletter = ( subject: string ) =>
			sendMail( stack, {
				from: `news-${ tag }@example.test`,
				to: 'support@example.test',
				subject,
				headers: {
					'List-Unsubscribe': `<mailto:unsubscribe-${ tag }@example.test>`,
					Precedence: 'bulk',
				},
				text: 'Our spring offers.',
			} );
		await newsletter( `Newsletter skipped ${ tag }` );
		await runOnce();
		const [ skipped ] = await db.query(
			'SELECT outcome, reason FROM wp_epipe_activity WHERE subject = ?',
			[ `Newsletter skipped ${ tag }` ]
		);
		assert.deepEqual( skipped, [ { outcome: 'skipped', reason: 'bulk' } ] );

		const saved = await api( stack, 'PATCH', '/settings', auth, {
			bulk_mail: 'ticket',
		} );
		assert.equal( saved.status, 200, saved.text );
		try {
			await newsletter( `Newsletter ticket ${ tag }` );
			await runOnce();
			const [ tickets ] = await db.query(
				'SELECT id FROM wp_epipe_tickets WHERE subject = ?',
				[ `Newsletter ticket ${ tag }` ]
			);
			const id = ( tickets as Array< { id: number } > )[ 0 ]?.id;
			assert.ok( id, 'the list mail is a ticket' );
			await waitForCaptured( stack, ( m ) =>
				( m.parsed.subject ?? '' ).startsWith( `[Ticket #${ id }]` )
			);
			const [ sent ] = await db.query(
				'SELECT recipient FROM wp_epipe_notifications WHERE ticket_id = ?',
				[ id ]
			);
			assert.ok(
				( sent as Array< { recipient: string } > ).every(
					( r ) => r.recipient !== `news-${ tag }@example.test`
				),
				'no confirmation to the list'
			);
		} finally {
			await api( stack, 'PATCH', '/settings', auth, {
				bulk_mail: 'skip',
			} );
		}
	} );

	it( 'matches rules on any recipient and on any header the admin names', async () => {
		const tag = randomUUID().slice( 0, 8 );
		const auth = adminAuth( stack );
		const refused = await api< {
			data?: { params?: Record< string, string > };
		} >( stack, 'POST', '/rules', auth, {
			name: `Bad header ${ tag }`,
			conditions: [
				{ field: 'header:X Bad', match: 'exact', value: '1' },
			],
			actions: { priority: 'high' },
		} );
		assert.equal( refused.status, 400, refused.text );
		assert.deepEqual( Object.keys( refused.json.data?.params ?? {} ), [
			'conditions[0][field]',
		] );
		const saved = await api< { id: number } >(
			stack,
			'POST',
			'/rules',
			auth,
			{
				name: `Urgent copy ${ tag }`,
				conditions: [
					{
						field: 'header:X-Priority',
						match: 'wildcard',
						value: '1*',
					},
					{
						field: 'recipients',
						match: 'exact',
						value: `boss-${ tag }@example.test`,
					},
				],
				actions: { priority: 'high' },
			}
		);
		assert.equal( saved.status, 201, saved.text );
		try {
			for ( const [ suffix, priority ] of [
				[ 'urgent', '1 (Highest)' ],
				[ 'normal', '3 (Normal)' ],
			] ) {
				await sendMail( stack, {
					from: 'customer@example.test',
					to: 'support@example.test',
					cc: `boss-${ tag }@example.test`,
					subject: `Header rule ${ tag } ${ suffix }`,
					headers: { 'X-Priority': priority as string },
					text: 'Hello.',
				} );
			}
			await runOnce();
			const [ rows ] = await db.query(
				'SELECT subject, priority FROM wp_epipe_tickets WHERE subject LIKE ? ORDER BY subject',
				[ `Header rule ${ tag }%` ]
			);
			assert.deepEqual( rows, [
				{ subject: `Header rule ${ tag } normal`, priority: 'normal' },
				{ subject: `Header rule ${ tag } urgent`, priority: 'high' },
			] );
		} finally {
			await api( stack, 'DELETE', `/rules/${ saved.json.id }`, auth );
		}
	} );

	it( 'imports the other To and Cc addresses as recipients, and takes the text from the preferred part', async () => {
		const tag = randomUUID().slice( 0, 8 );
		const auth = adminAuth( stack );
		const previous = await api< Record< string, unknown > >(
			stack,
			'GET',
			'/settings',
			auth
		);
		const saved = await api( stack, 'PATCH', '/settings', auth, {
			import_cc: true,
			body_preference: 'html',
		} );
		assert.equal( saved.status, 200, saved.text );
		try {
			await sendMail( stack, {
				from: 'customer@example.test',
				to: [ 'support@example.test', `Other-${ tag }@example.test` ],
				cc: [
					`colleague-${ tag }@example.test`,
					'customer@example.test',
				],
				subject: `Copies ${ tag }`,
				text: `TEXT PART ${ tag }`,
				html: `<p>HTML PART ${ tag }</p>`,
			} );
			await runOnce();
			const [ recipients ] = await db.query(
				`SELECT r.email, r.source FROM wp_epipe_ticket_recipients r JOIN wp_epipe_tickets t ON t.id = r.ticket_id
				 WHERE t.subject = ? ORDER BY r.email`,
				[ `Copies ${ tag }` ]
			);
			assert.deepEqual(
				(
					recipients as Array< { email: string; source: string } >
				 ).map( ( r ) => `${ r.email } (${ r.source })` ),
				[
					`colleague-${ tag }@example.test (cc)`,
					`other-${ tag }@example.test (cc)`,
				]
			);
			const [ threads ] = await db.query(
				'SELECT th.body_text FROM wp_epipe_threads th JOIN wp_epipe_tickets t ON t.id = th.ticket_id WHERE t.subject = ?',
				[ `Copies ${ tag }` ]
			);
			assert.equal(
				( threads as Array< { body_text: string } > )[ 0 ]?.body_text,
				`HTML PART ${ tag }`
			);
		} finally {
			await api( stack, 'PATCH', '/settings', auth, {
				import_cc: previous.json[ 'import_cc' ],
				body_preference: previous.json[ 'body_preference' ],
			} );
		}
	} );
} );
