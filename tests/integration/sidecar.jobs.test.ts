/**
 * What an admin asks for in WordPress is carried out by the sidecar through jobs: "Test
 * connection", the rule tester, reprocessing quarantine.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import {
	loadStack,
	openDb,
	runCli,
	sendMail,
	type Stack,
} from './support/stack.ts';
import { adminAuth, api } from './support/wp.ts';

interface JobView {
	id: number;
	status: string;
	result: Record< string, unknown > | null;
}

describe( 'jobs from WordPress', () => {
	let stack: Stack;
	let db: mysql.Pool;

	before( () => {
		stack = loadStack();
		db = openDb( stack );
	} );
	after( async () => {
		await db.end();
	} );

	/**
	 * Lets the sidecar work the queue once, then reads the job back through REST.
	 * @param jobId
	 */
	const carriedOut = async ( jobId: number ): Promise< JobView > => {
		const run = await runCli( [
			'run',
			'--once',
			'--wp-config',
			stack.wp.config,
		] );
		assert.equal( run.code, 0, run.stderr );
		const job = await api< JobView >(
			stack,
			'GET',
			`/jobs/${ jobId }`,
			adminAuth( stack )
		);
		assert.equal( job.status, 200, job.text );
		return job.json;
	};

	it( 'Test connection reports what the sidecar sees in the mailbox', async () => {
		const queued = await api< JobView >(
			stack,
			'POST',
			'/connections/1/test',
			adminAuth( stack )
		);
		assert.ok(
			queued.status === 200 ||
				queued.status === 201 ||
				queued.status === 202,
			queued.text
		);
		const job = await carriedOut( queued.json.id );
		assert.equal( job.status, 'done' );
		assert.equal( job.result?.[ 'ok' ], true );
		assert.equal( job.result?.[ 'folder' ], 'INBOX' );
		assert.equal( typeof job.result?.[ 'uidvalidity' ], 'number' );
	} );

	it( 'the rule tester runs the real pipeline on a pasted email and stores nothing', async () => {
		const tickets = async () =>
			Number(
				(
					(
						await db.query(
							'SELECT COUNT(*) n FROM wp_epipe_tickets'
						)
					)[ 0 ] as Array< { n: number } >
				 )[ 0 ]?.n
			);
		const before_ = await tickets();
		const raw =
			'From: Pat <pat@example.test>\r\nTo: support@example.test\r\nSubject: Refund please\r\nAuto-Submitted: no\r\n\r\nI want my money back.\r\n';
		const queued = await api< JobView >(
			stack,
			'POST',
			'/rules/test',
			adminAuth( stack ),
			{ raw }
		);
		assert.ok( queued.status < 300, queued.text );
		const job = await carriedOut( queued.json.id );
		assert.equal( job.status, 'done' );
		assert.equal( job.result?.[ 'action' ], 'create_ticket' );
		assert.equal( job.result?.[ 'subject' ], 'Refund please' );
		assert.equal( job.result?.[ 'reply_text' ], 'I want my money back.' );
		assert.equal( await tickets(), before_ );
	} );

	it( 'reprocessing from the admin gives a quarantined email another try', async () => {
		const tag = randomUUID().slice( 0, 8 );
		await sendMail( stack, {
			envelope: {
				from: 'nobody@example.test',
				to: [ 'support@example.test' ],
			},
			raw: `To: support@example.test\r\nSubject: No sender ${ tag }\r\n\r\nwho sent this?\r\n`,
		} );
		assert.equal(
			(
				await runCli( [
					'run',
					'--once',
					'--wp-config',
					stack.wp.config,
				] )
			).code,
			0
		);
		const [ rows ] = await db.query(
			"SELECT id FROM wp_epipe_quarantine WHERE subject = ? AND status = 'held'",
			[ `No sender ${ tag }` ]
		);
		const id = ( rows as Array< { id: number } > )[ 0 ]?.id;
		assert.ok( id, 'quarantined' );
		const queued = await api< JobView >(
			stack,
			'POST',
			`/quarantine/${ id }/reprocess`,
			adminAuth( stack )
		);
		assert.ok( queued.status < 300, queued.text );
		const job = await carriedOut( queued.json.id );
		// Still no sender: it stays in quarantine, with one more attempt counted.
		assert.equal( job.status, 'failed' );
		assert.equal( job.result?.[ 'outcome' ], 'quarantined' );
		const [ after_ ] = await db.query(
			'SELECT attempts, status FROM wp_epipe_quarantine WHERE id = ?',
			[ id ]
		);
		assert.deepEqual(
			( after_ as Array< { attempts: number; status: string } > )[ 0 ],
			{ attempts: 2, status: 'held' }
		);
	} );
} );
