/**
 * The crash harness: a mixed batch in a real Dovecot mailbox, the sidecar killed with SIGKILL at
 * each failpoint and restarted until idle. Afterwards every email is exactly one ticket, one
 * skip or one quarantine entry; every email marked read was committed; no blob is orphaned.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { ImapFlow } from 'imapflow';
import type mysql from 'mysql2/promise';

import {
	addImapConnection,
	count,
	loadStack,
	mailboxClient,
	openDb,
	runCli,
	type Stack,
} from './support/stack.ts';

const FAILPOINTS = [
	'after_download',
	'after_attachment_write',
	'in_transaction',
	'after_commit',
	'during_ack',
];

/**
 * The batch: what each email must end as.
 * @param tag
 */
function batch( tag: string ): Array< {
	raw: string;
	expect: 'ticket' | 'skipped' | 'quarantined' | 'duplicate';
} > {
	const attachment = ( name: string, bytes: number ): string =>
		`--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="${ name }"\r\nContent-Transfer-Encoding: base64\r\n\r\n${ randomBytes(
			bytes
		)
			.toString( 'base64' )
			.replace( /.{76}/g, '$&\r\n' ) }\r\n`;
	const multipart = ( id: string, subject: string, files: string ): string =>
		`From: customer@example.test\r\nTo: harness@example.test\r\nSubject: ${ subject }\r\nMessage-ID: <${ id }>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n${ files }--b--\r\n`;
	const plain = `From: customer@example.test\r\nTo: harness@example.test\r\nSubject: Plain ${ tag }\r\nMessage-ID: <plain-${ tag }@example.test>\r\n\r\nhello\r\n`;
	const parts = Array.from(
		{ length: 1100 },
		( _v, i ) => `--b\r\nContent-Type: text/plain\r\n\r\n${ i }\r\n`
	).join( '' );
	return [
		{ raw: plain, expect: 'ticket' },
		{
			raw: multipart(
				`two-${ tag }@example.test`,
				`Two files ${ tag }`,
				attachment( 'a.pdf', 700_000 ) + attachment( 'b.pdf', 20_000 )
			),
			expect: 'ticket',
		},
		{
			raw: 'Received: from relay2.example.test\r\n' + plain,
			expect: 'duplicate',
		},
		{
			raw: `From: customer@example.test\r\nTo: harness@example.test\r\nSubject: No id ${ tag }\r\n\r\nno message id\r\n`,
			expect: 'ticket',
		},
		{
			raw: multipart(
				`big-${ tag }@example.test`,
				`Too big ${ tag }`,
				attachment( 'big.pdf', 1_200_000 )
			),
			expect: 'quarantined',
		},
		{
			raw: `From: customer@example.test\r\nTo: harness@example.test\r\nSubject: Bomb ${ tag }\r\nMessage-ID: <bomb-${ tag }@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${ parts }--b--\r\n`,
			expect: 'quarantined',
		},
		{
			raw: `From: customer@example.test\r\nTo: harness@example.test\r\nSubject: Out of office ${ tag }\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <ooo-${ tag }@example.test>\r\n\r\naway\r\n`,
			expect: 'skipped',
		},
		{
			raw: multipart(
				`last-${ tag }@example.test`,
				`Last ${ tag }`,
				attachment( 'c.pdf', 300_000 )
			),
			expect: 'ticket',
		},
	];
}

describe( 'crash harness: SIGKILL at every failpoint, then restart until idle', () => {
	let stack: Stack;
	let db: mysql.Pool;
	let imap: ImapFlow;

	before( async () => {
		stack = loadStack();
		db = openDb( stack );
		imap = mailboxClient( stack, stack.mailboxes.harness );
		await imap.connect();
		await imap.mailboxOpen( 'INBOX' );
	} );
	after( async () => {
		await imap.logout();
		await db.end();
	} );

	const newConnection = async ( name: string ): Promise< number > => {
		return await addImapConnection( db, stack, {
			name,
			mailbox: stack.mailboxes.harness,
			settings: { max_message_mb: 1 },
		} );
	};

	for ( const point of FAILPOINTS ) {
		it( `every email exactly once after crashes ${ point.replace( '_', ' ' ) }`, async () => {
			const tag = randomUUID().slice( 0, 8 );
			if ( ( imap.mailbox && imap.mailbox.exists ) || 0 ) {
				await imap.messageDelete( '1:*' );
			}
			const emails = batch( tag );
			const uids: number[] = [];
			for ( const e of emails ) {
				const appended = await imap.append(
					'INBOX',
					Buffer.from( e.raw )
				);
				uids.push( appended ? Number( appended.uid ) : 0 );
			}
			const id = await newConnection( `crash ${ point }` );
			const args = [
				'run',
				'--once',
				'--connection',
				String( id ),
				'--wp-config',
				stack.wp.config,
			];

			let kills = 0;
			for ( let nth = 1; nth <= 40; nth++ ) {
				const r = await runCli( args, {
					EPIPE_FAILPOINT: `${ point }:${ nth }`,
				} );
				if ( r.signal === 'SIGKILL' ) {
					kills++;
					continue;
				}
				assert.equal( r.code, 0, r.stderr );
				break;
			}
			assert.ok( kills >= 1, `the ${ point } failpoint was reached` );
			const final = await runCli( args );
			assert.equal( final.code, 0, final.stderr );
			assert.match(
				final.stdout,
				/0 new tickets, 0 replies, 0 skipped, 0 quarantined/
			);

			// Outcomes: one receipt per distinct email, with the expected outcome.
			const [ receipts ] = await db.query(
				'SELECT source_key, outcome, reason FROM wp_epipe_messages WHERE connection_id = ?',
				[ id ]
			);
			// A second copy of a stored email has a receipt of its own: skipped as a duplicate.
			const byKey = new Map(
				(
					receipts as Array< {
						source_key: string;
						outcome: string;
						reason: string;
					} >
				 ).map( ( r ) => [
					r.source_key,
					r.reason === 'duplicate' ? 'duplicate' : r.outcome,
				] )
			);
			const uidValidity = Number(
				imap.mailbox ? imap.mailbox.uidValidity : 0
			);
			const outcomes = uids.map( ( uid ) =>
				byKey.get( `imap:${ uidValidity }:${ uid }` )
			);
			// Emails are processed a few at a time: either copy of the same email may come first.
			assert.deepEqual( [ outcomes[ 0 ], outcomes[ 2 ] ].sort(), [
				'duplicate',
				'ticket',
			] );
			emails.forEach( ( e, i ) => {
				if ( i !== 0 && i !== 2 ) {
					assert.equal(
						outcomes[ i ],
						e.expect,
						`email ${ i } (${ e.expect })`
					);
				}
			} );
			assert.equal( byKey.size, emails.length, 'one receipt per email' );
			assert.equal(
				await count(
					db,
					"SELECT COUNT(*) n FROM wp_epipe_activity WHERE connection_id = ? AND reason = 'duplicate'",
					[ id ]
				),
				1
			);

			// Each ticket is whole: one report thread, one creation event; attachments all there.
			const tickets = await count(
				db,
				'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE connection_id = ?',
				[ id ]
			);
			assert.equal( tickets, 4 );
			assert.equal(
				await count(
					db,
					'SELECT COUNT(*) n FROM wp_epipe_threads th JOIN wp_epipe_tickets t ON t.id = th.ticket_id WHERE t.connection_id = ?',
					[ id ]
				),
				4
			);
			assert.equal(
				await count(
					db,
					"SELECT COUNT(*) n FROM wp_epipe_events e JOIN wp_epipe_tickets t ON t.id = e.ticket_id WHERE t.connection_id = ? AND e.type = 'ticket_created'",
					[ id ]
				),
				4
			);
			assert.equal(
				await count(
					db,
					"SELECT COUNT(*) n FROM wp_epipe_attachments a JOIN wp_epipe_tickets t ON t.id = a.ticket_id WHERE t.connection_id = ? AND a.status = 'stored'",
					[ id ]
				),
				3
			);
			assert.equal(
				await count(
					db,
					"SELECT COUNT(*) n FROM wp_epipe_quarantine WHERE connection_id = ? AND status = 'held' AND attempts = 1",
					[ id ]
				),
				2
			);
			assert.equal(
				await count(
					db,
					'SELECT COUNT(*) n FROM wp_epipe_blobs b WHERE NOT EXISTS (SELECT 1 FROM wp_epipe_attachments a WHERE a.blob_id = b.id) AND NOT EXISTS (SELECT 1 FROM wp_epipe_quarantine q WHERE q.blob_id = b.id)'
				),
				0,
				'no orphan blobs'
			);

			// Marked read only when committed; quarantined mail never.
			for await ( const msg of imap.fetch(
				uids.join( ',' ),
				{ uid: true, flags: true },
				{ uid: true }
			) ) {
				const outcome = byKey.get(
					`imap:${ uidValidity }:${ msg.uid }`
				);
				if ( msg.flags?.has( '\\Seen' ) ) {
					assert.notEqual(
						outcome,
						'quarantined',
						`UID ${ msg.uid } read but quarantined`
					);
				}
				if ( outcome === 'quarantined' ) {
					assert.equal( msg.flags?.has( '\\Seen' ), false );
				}
			}
		} );
	}
} );
