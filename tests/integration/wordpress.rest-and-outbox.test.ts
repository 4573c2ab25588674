/**
 * The PHP side over its real HTTP surface: REST permissions, the signed dispatch ping, and the
 * WP-Cron path of the events outbox.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import { pingHeaders } from '../../sidecar/src/security/signer.ts';
import {
	count,
	loadStack,
	openDb,
	runCli,
	sendMail,
	waitForMail,
	wpEval,
	type Stack,
} from './support/stack.ts';

describe( 'WordPress REST API and outbox', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let key: string;
	const api = ( route: string ): string =>
		`${ stack.wp.url }/?rest_route=/email-piping/v1${ route }`;

	before( () => {
		stack = loadStack();
		db = openDb( stack );
		key = /define\(\s*'EPIPE_SECRET_KEY',\s*'([^']+)'/.exec(
			fs.readFileSync( stack.wp.config, 'utf8' )
		)?.[ 1 ] as string;
	} );
	after( async () => {
		await db.end();
	} );

	it( 'lists tickets for an administrator and refuses anonymous requests', async () => {
		const anonymous = await fetch( api( '/tickets' ) );
		assert.equal( anonymous.status, 401 );
		const auth =
			'Basic ' +
			Buffer.from(
				`${ stack.wp.adminUser }:${ stack.wp.appPassword }`
			).toString( 'base64' );
		const res = await fetch( api( '/tickets' ), {
			headers: { Authorization: auth },
		} );
		assert.equal( res.status, 200 );
		assert.ok( Array.isArray( await res.json() ) );
		const missing = await fetch( api( '/tickets/999999' ), {
			headers: { Authorization: auth },
		} );
		assert.equal( missing.status, 404 );
		assert.equal(
			( ( await missing.json() ) as { code: string } ).code,
			'epipe_not_found'
		);
	} );

	it( 'accepts only a fresh, correctly signed dispatch ping', async () => {
		const post = ( headers: Record< string, string > ) =>
			fetch( api( '/events/dispatch' ), { method: 'POST', headers } );
		assert.equal( ( await post( {} ) ).status, 401 );
		assert.equal(
			(
				await post(
					pingHeaders( 'a-different-key-which-is-long-enough-000' )
				)
			).status,
			401
		);
		const stale = pingHeaders(
			key,
			Math.floor( Date.now() / 1000 ) - 3600
		);
		assert.equal( ( await post( stale ) ).status, 401 );
		const ok = await post( pingHeaders( key ) );
		assert.equal( ok.status, 200 );
		assert.deepEqual( Object.keys( ( await ok.json() ) as object ).sort(), [
			'failed',
			'sent',
		] );
	} );

	it( 'sends waiting events from WP-Cron when no ping arrives, exactly once', async () => {
		const subject = `Cron path ${ randomUUID().slice( 0, 8 ) }`;
		await sendMail( stack, {
			from: 'customer@example.test',
			to: 'support@example.test',
			subject,
			text: 'via cron',
		} );
		// Without a reachable site the sidecar cannot ping; the event waits for WP-Cron.
		const result = await runCli(
			[ 'run', '--once', '--wp-config', stack.wp.config ],
			{ EPIPE_SITE_URL: 'http://127.0.0.1:1' }
		);
		assert.equal( result.code, 0, result.stderr );
		const [ rows ] = await db.query(
			'SELECT e.id, e.status FROM wp_epipe_events e JOIN wp_epipe_tickets t ON t.id = e.ticket_id WHERE t.subject = ?',
			[ subject ]
		);
		const events = rows as Array< { id: number; status: string } >;
		assert.equal( events.length, 1 );
		assert.equal( events[ 0 ]?.status, 'pending' );

		// Make the recurring hook due now, then let WordPress run its cron as a visitor would.
		await wpEval(
			stack,
			"wp_clear_scheduled_hook( 'epipe_dispatch_events' ); wp_schedule_event( time() - 1, 'epipe_every_minute', 'epipe_dispatch_events' );"
		);
		const cron = await fetch(
			`${ stack.wp.url }/wp-cron.php?doing_wp_cron`
		);
		assert.equal( cron.status, 200 );
		await waitForMail( stack, stack.mailboxes.customer, ( m ) =>
			( m.subject ?? '' ).endsWith( subject )
		);
		assert.equal(
			await count(
				db,
				"SELECT COUNT(*) n FROM wp_epipe_events WHERE id = ? AND status = 'sent'",
				[ events[ 0 ]?.id ]
			),
			1
		);

		// A second dispatcher finds nothing left to send.
		const again = await fetch( api( '/events/dispatch' ), {
			method: 'POST',
			headers: pingHeaders( key ),
		} );
		assert.equal( ( ( await again.json() ) as { sent: number } ).sent, 0 );
	} );
} );
