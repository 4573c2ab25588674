/**
 * What the Activity and Quarantine screens read over HTTP: outcomes as the admin filters them
 * (blocked and rejected apart from other skips), a held email's headers and text (never its
 * markup), and a reprocessing job's result in words.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import { loadStack, openDb, type Stack } from './support/stack.ts';
import { adminAuth, api } from './support/wp.ts';

interface Row {
	kind: string;
	reason: string;
	subject: string;
}

describe( 'activity outcomes, quarantine preview and reprocess results', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let auth: string;
	const tag = randomUUID().slice( 0, 8 );

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		auth = adminAuth( stack );
		const rows: Array< [ string, string | null ] > = [
			[ 'ticket', 'new_ticket' ],
			[ 'skipped', 'blocked_sender' ],
			[ 'skipped', 'blocked_subject' ],
			[ 'skipped', 'reply_not_allowed' ],
			[ 'skipped', 'bulk' ],
			[ 'skipped', null ],
			[ 'quarantined', 'no_sender' ],
		];
		for ( const [ outcome, reason ] of rows ) {
			await db.query(
				"INSERT INTO wp_epipe_activity (connection_id, outcome, reason, from_address, subject, created_at) VALUES (1, ?, ?, 'someone@example.test', ?, UTC_TIMESTAMP())",
				[ outcome, reason, `${ tag } ${ outcome } ${ reason ?? '-' }` ]
			);
		}
	} );
	after( async () => {
		await db.end();
	} );

	const list = async ( outcome: string ) =>
		(
			await api< Row[] >(
				stack,
				'GET',
				`/activity?search=${ tag }${
					outcome === '' ? '' : `&outcome=${ outcome }`
				}`,
				auth
			)
		).json
			.map( ( row ) => `${ row.kind }:${ row.reason }` )
			.sort();

	it( 'filters by outcome as the admin sees it', async () => {
		assert.deepEqual( await list( '' ), [
			'blocked:blocked_sender',
			'blocked:blocked_subject',
			'quarantined:no_sender',
			'rejected:reply_not_allowed',
			'skipped:',
			'skipped:bulk',
			'ticket:new_ticket',
		] );
		assert.deepEqual( await list( 'blocked' ), [
			'blocked:blocked_sender',
			'blocked:blocked_subject',
		] );
		assert.deepEqual( await list( 'rejected' ), [
			'rejected:reply_not_allowed',
		] );
		assert.deepEqual( await list( 'skipped' ), [
			'skipped:',
			'skipped:bulk',
		] );
		assert.deepEqual( await list( 'quarantined' ), [
			'quarantined:no_sender',
		] );
		const bad = await api(
			stack,
			'GET',
			'/activity?outcome=deleted',
			auth
		);
		assert.equal( bad.status, 400 );
	} );

	it( 'shows a held email’s headers decoded and its text, never its markup', async () => {
		const raw = Buffer.from(
			[
				'Subject: =?UTF-8?B?UmVjaG51bmcgw7xiZXJwcsO8ZmVu?=',
				'To: support@example.test',
				'X-Folded: one',
				'  two',
				'Content-Type: multipart/alternative; boundary="b1"',
				'',
				'preamble',
				'--b1',
				'Content-Type: text/html; charset=utf-8',
				'',
				'<p>HTML part</p><script>alert(1)</script>',
				'--b1',
				'Content-Type: text/plain; charset=iso-8859-1',
				'Content-Transfer-Encoding: quoted-printable',
				'',
				'Gr=FC=DFe, bitte pr=FCfen.',
				'--b1--',
				'epilogue',
				'',
			].join( '\r\n' )
		);
		const [ blob ] = await db.query(
			"INSERT INTO wp_epipe_blobs (sha256, size_bytes, chunk_count, created_at) VALUES ('', ?, 1, UTC_TIMESTAMP())",
			[ raw.length ]
		);
		const blobId = ( blob as { insertId: number } ).insertId;
		await db.query(
			'INSERT INTO wp_epipe_blob_chunks (blob_id, seq, data) VALUES (?, 0, ?)',
			[ blobId, raw ]
		);
		const [ q ] = await db.query(
			"INSERT INTO wp_epipe_quarantine (connection_id, source_key, from_address, subject, reason, blob_id, size_bytes, attempts, status, created_at, updated_at) VALUES (1, ?, '', 'Rechnung', 'no_sender', ?, ?, 1, 'held', UTC_TIMESTAMP(), UTC_TIMESTAMP())",
			[ `preview:${ tag }`, blobId, raw.length ]
		);
		const id = ( q as { insertId: number } ).insertId;
		const res = await api< {
			headers: Array< { name: string; value: string } >;
			text: { source: string; body: string };
		} >( stack, 'GET', `/quarantine/${ id }`, auth );
		assert.equal( res.status, 200 );
		assert.deepEqual( res.json.headers.slice( 0, 3 ), [
			{ name: 'Subject', value: 'Rechnung überprüfen' },
			{ name: 'To', value: 'support@example.test' },
			{ name: 'X-Folded', value: 'one two' },
		] );
		assert.deepEqual( res.json.text, {
			source: 'plain',
			body: 'Grüße, bitte prüfen.',
		} );

		// Only HTML: its text, without the script.
		const html = Buffer.from(
			'Subject: x\r\nContent-Type: text/html\r\n\r\n<p>Hello<br>there</p><script>alert(1)</script><style>p{}</style>'
		);
		await db.query(
			'UPDATE wp_epipe_blob_chunks SET data = ? WHERE blob_id = ?',
			[ html, blobId ]
		);
		const only = await api< { text: { source: string; body: string } } >(
			stack,
			'GET',
			`/quarantine/${ id }`,
			auth
		);
		assert.deepEqual( only.json.text, {
			source: 'html',
			body: 'Hello\nthere',
		} );
		await api( stack, 'DELETE', `/quarantine/${ id }`, auth );
	} );

	it( 'says in words what a reprocessing did', async () => {
		const [ job ] = await db.query(
			"INSERT INTO wp_epipe_jobs (type, connection_id, payload, status, result, created_at, updated_at, finished_at) VALUES ('reprocess_quarantine', 1, '{}', 'done', ?, UTC_TIMESTAMP(), UTC_TIMESTAMP(), UTC_TIMESTAMP())",
			[
				JSON.stringify( {
					ok: true,
					outcome: 'ticket',
					reason: 'new_ticket',
					ticket_id: 7,
				} ),
			]
		);
		const id = ( job as { insertId: number } ).insertId;
		const res = await api< { message: string; result: unknown } >(
			stack,
			'GET',
			`/jobs/${ id }`,
			auth
		);
		assert.equal( res.json.message, 'A new ticket was created.' );
		const [ again ] = await db.query(
			"INSERT INTO wp_epipe_jobs (type, connection_id, payload, status, result, created_at, updated_at, finished_at) VALUES ('reprocess_quarantine', 1, '{}', 'done', ?, UTC_TIMESTAMP(), UTC_TIMESTAMP(), UTC_TIMESTAMP())",
			[
				JSON.stringify( {
					ok: false,
					outcome: 'quarantined',
					reason: 'no_sender',
					ticket_id: null,
				} ),
			]
		);
		const held = await api< { message: string } >(
			stack,
			'GET',
			`/jobs/${ ( again as { insertId: number } ).insertId }`,
			auth
		);
		assert.equal(
			held.json.message,
			'Quarantined: the email has no usable sender address.'
		);
	} );
} );
