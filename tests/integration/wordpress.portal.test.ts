/**
 * The customer portal's rules on the test WordPress: what a link grants (one participant, one
 * ticket, 30 days, nothing changeable), that internal notes never show, and what a logged-in
 * customer and a visitor without a link see.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import { loadStack, openDb, wpEval, type Stack } from './support/stack.ts';
import { insertTicket } from './support/wp.ts';

describe( 'customer portal', () => {
	let stack: Stack;
	let db: mysql.Pool;
	const tag = randomUUID().slice( 0, 8 );
	const customer = `dana-${ tag }@customer.example.org`;
	const colleague = `lee-${ tag }@customer.example.org`;
	let ticketId = 0;

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		ticketId = await insertTicket( db, {
			subject: `Projector flickers ${ tag }`,
			customerEmail: customer,
			customerName: 'Dana',
			body: 'The projector flickers after ten minutes.',
			event: false,
		} );
		await db.query(
			"INSERT INTO wp_epipe_ticket_recipients (ticket_id, email, name, source, created_at) VALUES (?, ?, '', 'email', UTC_TIMESTAMP())",
			[ ticketId, colleague ]
		);
		await db.query(
			"INSERT INTO wp_epipe_threads (ticket_id, type, author_kind, user_id, from_address, from_name, body_text, reply_text, source, created_at) VALUES (?, 'note', 'agent', 1, 'admin@example.test', 'Admin', ?, ?, 'web', UTC_TIMESTAMP())",
			[ ticketId, `INTERNAL-NOTE-${ tag }`, `INTERNAL-NOTE-${ tag }` ]
		);
	} );
	after( async () => {
		await db.end();
	} );

	/**
	 * What Portal_Link::check() says of a link's query, after `change` edits it.
	 *
	 * @param participant Who the link is for.
	 * @param change      PHP statements editing $q (the query arguments).
	 * @param now         PHP expression for the time the link is made.
	 */
	const check = async (
		participant: string,
		change = '',
		now = 'time()'
	): Promise< { status: string; ticket_id: number; participant: string } > =>
		JSON.parse(
			await wpEval(
				stack,
				`$u = Email_Piping\\Portal\\Portal_Link::url( ${ ticketId }, ${ JSON.stringify( participant ) }, ${ now } );
				 parse_str( (string) wp_parse_url( $u, PHP_URL_QUERY ), $q ); ${ change }
				 echo wp_json_encode( Email_Piping\\Portal\\Portal_Link::check( $q ) );`
			)
		);

	it( 'grants one participant one ticket for 30 days, and nothing else', async () => {
		assert.deepEqual( await check( customer.toUpperCase() ), {
			status: 'valid',
			ticket_id: ticketId,
			participant: customer,
		} );
		assert.equal(
			( await check( customer, '', 'time() - 31 * DAY_IN_SECONDS' ) )
				.status,
			'expired'
		);
		assert.equal(
			( await check( customer, '', 'time() - 29 * DAY_IN_SECONDS' ) )
				.status,
			'valid'
		);
		// Another address, ticket or expiry under the same signature is refused.
		const other = Buffer.from( colleague ).toString( 'base64url' );
		assert.equal(
			( await check( customer, `$q['epipe_for'] = '${ other }';` ) )
				.status,
			'invalid'
		);
		assert.equal(
			(
				await check(
					customer,
					`$q['epipe_ticket'] = (string) ( ${ ticketId } + 1 );`
				)
			).status,
			'invalid'
		);
		assert.equal(
			(
				await check(
					customer,
					"$q['epipe_expires'] = (string) ( (int) $q['epipe_expires'] + 86400 );"
				)
			).status,
			'invalid'
		);
		assert.deepEqual(
			await check(
				customer,
				"$q = array( 'epipe_ticket' => 'x', 'epipe_for' => '../', 'epipe_token' => array() );"
			),
			{
				status: 'invalid',
				ticket_id: 0,
				participant: '',
			}
		);
	} );

	it( 'shows a ticket to its participants only, never with its internal notes', async () => {
		const seen = JSON.parse(
			await wpEval(
				stack,
				`$s = Email_Piping\\Plugin::instance()->portal()->service();
				 echo wp_json_encode( array(
					'customer'  => null !== $s->ticket_for( ${ ticketId }, ${ JSON.stringify( customer ) } ),
					'colleague' => null !== $s->ticket_for( ${ ticketId }, ${ JSON.stringify( colleague ) } ),
					'stranger'  => null !== $s->ticket_for( ${ ticketId }, 'someone@else.example.org' ),
					'types'     => array_column( $s->visible_threads( ${ ticketId } ), 'type' ),
				 ) );`
			)
		);
		assert.deepEqual( seen, {
			customer: true,
			colleague: true,
			stranger: false,
			types: [ 'report' ],
		} );

		const html = await wpEval(
			stack,
			`$_GET = array();
			 parse_str( (string) wp_parse_url( Email_Piping\\Portal\\Portal_Link::url( ${ ticketId }, ${ JSON.stringify( colleague ) } ), PHP_URL_QUERY ), $_GET );
			 echo render_block( parse_blocks( '<!-- wp:email-piping/ticket-portal /-->' )[0] );`
		);
		assert.match( html, /The projector flickers after ten minutes\./ );
		assert.doesNotMatch( html, new RegExp( `INTERNAL-NOTE-${ tag }` ) );
	} );

	it( 'lists a logged-in customer’s tickets, and tells a visitor without a link where to find it', async () => {
		const listed = await wpEval(
			stack,
			`$id = wp_insert_user( array( 'user_login' => 'dana-${ tag }', 'user_email' => ${ JSON.stringify( customer ) }, 'user_pass' => wp_generate_password(), 'role' => 'subscriber' ) );
			 wp_set_current_user( $id );
			 echo render_block( parse_blocks( '<!-- wp:email-piping/ticket-portal /-->' )[0] );
			 require_once ABSPATH . 'wp-admin/includes/user.php';
			 wp_delete_user( $id );`
		);
		assert.match(
			listed,
			new RegExp( `#${ ticketId } Projector flickers ${ tag }` )
		);
		assert.match( listed, /epipe_token=[0-9a-f]{32}/ );
		const anonymous = await wpEval(
			stack,
			"wp_set_current_user( 0 ); echo render_block( parse_blocks( '<!-- wp:email-piping/ticket-portal /-->' )[0] );"
		);
		assert.match( anonymous, /open the link in any email we sent you/ );
		assert.doesNotMatch( anonymous, /Projector flickers/ );
	} );

	it( 'takes no reply on a closed ticket when the site refuses those, as by email', async () => {
		const closed = await insertTicket( db, {
			subject: `Closed matter ${ tag }`,
			customerEmail: customer,
			status: 'closed',
			event: false,
		} );
		const html = await wpEval(
			stack,
			`$settings = Email_Piping\\Plugin::instance()->settings();
			 $before = $settings->get( 'closed_ticket_replies' );
			 $settings->update( array( 'closed_ticket_replies' => 'reject' ) );
			 $_GET = array();
			 parse_str( (string) wp_parse_url( Email_Piping\\Portal\\Portal_Link::url( ${ closed }, ${ JSON.stringify( customer ) } ), PHP_URL_QUERY ), $_GET );
			 $out = render_block( parse_blocks( '<!-- wp:email-piping/ticket-portal /-->' )[0] );
			 $s = Email_Piping\\Plugin::instance()->portal()->service();
			 try {
				$s->reply( $s->ticket_for( ${ closed }, ${ JSON.stringify( customer ) } ), ${ JSON.stringify( customer ) }, 'Hello again' );
				$out .= 'REPLY-TAKEN';
			 } catch ( Email_Piping\\Exception\\Validation_Exception $e ) {
				$out .= 'REPLY-REFUSED';
			 }
			 $settings->update( array( 'closed_ticket_replies' => $before ) );
			 echo $out;`
		);
		assert.match( html, /takes no more replies/ );
		assert.doesNotMatch( html, /name="body"/ );
		assert.match( html, /REPLY-REFUSED/ );
	} );

	it( 'mails fresh links to one address at most five times an hour, whatever the tickets', async () => {
		const address = `many-${ tag }@customer.example.org`;
		const tickets: number[] = [];
		for ( let i = 0; i < 7; i++ ) {
			tickets.push(
				await insertTicket( db, {
					subject: `Ticket ${ i } ${ tag }`,
					customerEmail: address,
					event: false,
				} )
			);
		}
		const sent = JSON.parse(
			await wpEval(
				stack,
				`$s = Email_Piping\\Plugin::instance()->portal()->service();
				 $out = array();
				 foreach ( ${ JSON.stringify( tickets ) } as $id ) { $out[] = $s->resend_link( $id, ${ JSON.stringify( address ) } ); }
				 $out[] = $s->resend_link( ${ tickets[ 0 ] }, ${ JSON.stringify( address ) } );
				 $out[] = $s->resend_link( ${ tickets[ 0 ] }, 'stranger-${ tag }@else.example.org' );
				 echo wp_json_encode( $out );`
			)
		);
		assert.deepEqual( sent, [
			true,
			true,
			true,
			true,
			true,
			false,
			false,
			false,
			false,
		] );
	} );
} );
