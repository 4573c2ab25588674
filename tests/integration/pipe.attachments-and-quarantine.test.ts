/**
 * Attachments are stored in the database with the email, refused files are noted, and an email
 * that can't be read is quarantined with its raw bytes while the mailbox moves on.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';

import type mysql from 'mysql2/promise';

import {
	count,
	loadStack,
	mailboxClient,
	openDb,
	runCli,
	sendMail,
	type Stack,
} from './support/stack.ts';

const sha256 = ( data: Buffer ): string =>
	createHash( 'sha256' ).update( data ).digest( 'hex' );

describe( 'attachments and quarantine', () => {
	let stack: Stack;
	let db: mysql.Pool;
	const runOnce = () =>
		runCli( [ 'run', '--once', '--wp-config', stack.wp.config ] );

	before( () => {
		stack = loadStack();
		db = openDb( stack );
	} );
	after( async () => {
		await db.end();
	} );

	/**
	 * Reassembles a blob from its chunks, as the download endpoint streams it.
	 * @param blobId
	 */
	const blob = async ( blobId: number ): Promise< Buffer > => {
		const [ rows ] = await db.query(
			'SELECT data FROM wp_epipe_blob_chunks WHERE blob_id = ? ORDER BY seq',
			[ blobId ]
		);
		return Buffer.concat(
			( rows as Array< { data: Buffer } > ).map( ( r ) => r.data )
		);
	};

	/**
	 * Asserts that an email opened a ticket and its follow-up ("Re: …") was stored after it as a
	 * reply on that ticket.
	 * @param subject The first email's subject.
	 */
	const assertRepliedOnItsTicket = async ( subject: string ) => {
		const [ rows ] = await db.query(
			'SELECT subject, outcome, ticket_id FROM wp_epipe_activity WHERE subject IN (?, ?) ORDER BY id',
			[ subject, `Re: ${ subject }` ]
		);
		const activity = rows as Array< Record< string, unknown > >;
		assert.deepEqual(
			activity.map( ( a ) => [ a[ 'subject' ], a[ 'outcome' ] ] ),
			[
				[ subject, 'ticket' ],
				[ `Re: ${ subject }`, 'reply' ],
			]
		);
		assert.equal(
			Number( activity[ 1 ]?.[ 'ticket_id' ] ),
			Number( activity[ 0 ]?.[ 'ticket_id' ] )
		);
	};

	const unseen = async ( subject: string ): Promise< number > => {
		const client = mailboxClient( stack, stack.mailboxes.support );
		await client.connect();
		try {
			await client.mailboxOpen( 'INBOX' );
			return ( ( await client.search( { subject, seen: false } ) ) || [] )
				.length;
		} finally {
			await client.logout();
		}
	};

	it( 'stores attachments byte for byte and notes the refused ones on the thread', async () => {
		const subject = `Attachments ${ randomUUID().slice( 0, 8 ) }`;
		const big = randomBytes( 3 * 1024 * 1024 + 17 ); // Several chunks, not a multiple of the chunk size.
		const logo = randomBytes( 2000 );
		await sendMail( stack, {
			from: 'customer@example.test',
			to: 'support@example.test',
			subject,
			text: 'See attached.',
			html: '<p>See attached <img src="cid:logo@example.test"></p>',
			attachments: [
				{
					filename: 'report.pdf',
					content: big,
					contentType: 'application/pdf',
				},
				{
					filename: 'logo.png',
					content: logo,
					contentType: 'image/png',
					cid: 'logo@example.test',
				},
				{
					filename: 'invoice.pdf.exe',
					content: Buffer.from( 'MZ' ),
					contentType: 'application/octet-stream',
				},
				{
					filename: '../../shell.php',
					content: Buffer.from( '<?php system($_GET[1]);' ),
					contentType: 'text/plain',
				},
				{
					filename: '"><svg onload=alert(1)>.jpg',
					content: Buffer.from( 'jpg' ),
					contentType: 'image/jpeg',
				},
			],
		} );
		const result = await runOnce();
		assert.equal( result.code, 0, result.stderr );

		const [ rows ] = await db.query(
			`SELECT a.filename, a.status, a.reason, a.blob_id, a.size_bytes, a.inline, a.content_id, a.thread_id
			 FROM wp_epipe_attachments a JOIN wp_epipe_tickets t ON t.id = a.ticket_id WHERE t.subject = ? ORDER BY a.id`,
			[ subject ]
		);
		const attachments = rows as Array< {
			filename: string;
			status: string;
			reason: string | null;
			blob_id: number | null;
			size_bytes: number;
			inline: number;
			content_id: string | null;
		} >;
		assert.equal( attachments.length, 5 );
		const byName = new Map( attachments.map( ( a ) => [ a.filename, a ] ) );

		const pdf = byName.get( 'report.pdf' );
		assert.equal( pdf?.status, 'stored' );
		assert.equal( Number( pdf?.size_bytes ), big.length );
		assert.equal(
			sha256( await blob( Number( pdf?.blob_id ) ) ),
			sha256( big )
		);

		const png = byName.get( 'logo.png' );
		assert.equal( png?.inline, 1 );
		assert.equal( png?.content_id, 'logo@example.test' );
		assert.equal(
			sha256( await blob( Number( png?.blob_id ) ) ),
			sha256( logo )
		);

		assert.deepEqual(
			[
				byName.get( 'invoice.pdf.exe' )?.status,
				byName.get( 'invoice.pdf.exe' )?.reason,
			],
			[ 'refused', 'blocked_extension' ]
		);
		// The path is gone from the name, and the .php is refused whatever its folder.
		assert.deepEqual(
			[
				byName.get( 'shell.php' )?.status,
				byName.get( 'shell.php' )?.reason,
			],
			[ 'refused', 'blocked_extension' ]
		);
		assert.equal( byName.get( 'shell.php' )?.blob_id, null );
		for ( const a of attachments ) {
			assert.ok(
				! a.filename.includes( '/' ) && ! a.filename.includes( '\\' ),
				a.filename
			);
		}
		assert.ok(
			byName.has( '___svg onload=alert(1)_.jpg' ),
			'markup characters replaced; the rest kept as text, escaped on output'
		);

		const [ activity ] = await db.query(
			"SELECT details FROM wp_epipe_activity WHERE subject = ? AND outcome = 'ticket'",
			[ subject ]
		);
		const details = JSON.parse(
			( activity as Array< { details: string } > )[ 0 ]?.details ?? '{}'
		) as { refused_attachments?: unknown[] };
		assert.equal( details.refused_attachments?.length, 2 );
		// No blob is left without an attachment or a quarantine entry pointing at it.
		assert.equal(
			await count(
				db,
				'SELECT COUNT(*) n FROM wp_epipe_blobs b WHERE NOT EXISTS (SELECT 1 FROM wp_epipe_attachments a WHERE a.blob_id = b.id) AND NOT EXISTS (SELECT 1 FROM wp_epipe_quarantine q WHERE q.blob_id = b.id)'
			),
			0
		);
	} );

	it( 'reads big attachments apart from the rest of the email, byte for byte', async () => {
		const tag = randomUUID().slice( 0, 8 );
		const photo = randomBytes( 700 * 1024 + 3 );
		const archive = randomBytes( 1536 * 1024 + 1 );
		const note = Buffer.from( 'small print' );
		await sendMail( stack, {
			from: 'customer@example.test',
			to: 'support@example.test',
			subject: `Part-wise ${ tag }`,
			text: `Photo and archive ${ tag }`,
			html: `<p>Photo <img src="cid:photo@example.test"> and archive ${ tag }</p>`,
			attachments: [
				{
					filename: 'photo.jpg',
					content: photo,
					contentType: 'image/jpeg',
					cid: 'photo@example.test',
				},
				{
					filename: 'archive.zip',
					content: archive,
					contentType: 'application/zip',
				},
				{
					// A header of the email itself naming a left-out part (the archive) changes nothing.
					filename: 'note.txt',
					content: note,
					contentType: 'text/plain',
					headers: { 'X-Epipe-Section': '2' },
				},
			],
		} );
		// Without a Message-ID the email is read whole (its key is the hash of its raw bytes);
		// its base64 has 60-letter lines.
		const plain = randomBytes( 1200 * 1024 );
		const lines = plain.toString( 'base64' ).replace( /.{60}/g, '$&\r\n' );
		const client = mailboxClient( stack, stack.mailboxes.support );
		await client.connect();
		await client.append(
			'INBOX',
			Buffer.from(
				`From: customer@example.test\r\nTo: support@example.test\r\nSubject: Whole ${ tag }\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="z"\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nNo Message-ID ${ tag }\r\n--z\r\nContent-Type: application/zip; name="data.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n${ lines }\r\n--z--\r\n`
			)
		);
		await client.logout();

		const report = `${ stack.stateDir }/report-${ tag }.json`;
		const result = await runCli(
			[ 'run', '--once', '--wp-config', stack.wp.config ],
			{ EPIPE_REPORT_FILE: report }
		);
		assert.equal( result.code, 0, result.stderr );
		const { read, big_email_connections: connections } = JSON.parse(
			fs.readFileSync( report, 'utf8' )
		) as {
			read: Record< string, number >;
			big_email_connections: number;
		};
		assert.equal( read[ 'partwise' ], 1, JSON.stringify( read ) );
		assert.ok( ( read[ 'whole' ] ?? 0 ) >= 1, JSON.stringify( read ) );
		// Two big emails in the pass: each read on a connection of its own, side by side.
		assert.equal( connections, 2 );

		const stored = async ( subject: string ) => {
			const [ rows ] = await db.query(
				`SELECT a.filename, a.blob_id, a.size_bytes, a.inline, a.content_id, th.body_text
				 FROM wp_epipe_attachments a JOIN wp_epipe_tickets t ON t.id = a.ticket_id
				 JOIN wp_epipe_threads th ON th.id = a.thread_id WHERE t.subject = ? ORDER BY a.id`,
				[ subject ]
			);
			return rows as Array< {
				filename: string;
				blob_id: number;
				size_bytes: number;
				inline: number;
				content_id: string | null;
				body_text: string;
			} >;
		};
		const partwise = await stored( `Part-wise ${ tag }` );
		assert.deepEqual(
			partwise.map( ( a ) => a.filename ),
			[ 'photo.jpg', 'archive.zip', 'note.txt' ]
		);
		for ( const [ i, bytes ] of [ photo, archive, note ].entries() ) {
			const a = partwise[ i ] as ( typeof partwise )[ number ];
			assert.equal( Number( a.size_bytes ), bytes.length, a.filename );
			assert.equal(
				sha256( await blob( Number( a.blob_id ) ) ),
				sha256( bytes ),
				a.filename
			);
		}
		assert.equal( partwise[ 0 ]?.inline, 1 );
		assert.equal( partwise[ 0 ]?.content_id, 'photo@example.test' );
		assert.match( partwise[ 0 ]?.body_text ?? '', new RegExp( tag ) );

		const whole = await stored( `Whole ${ tag }` );
		assert.equal( whole.length, 1 );
		assert.equal(
			sha256( await blob( Number( whole[ 0 ]?.blob_id ) ) ),
			sha256( plain )
		);
	} );

	it( "writes a customer's follow-up to their own big email after it, on its ticket", async () => {
		const tag = randomUUID().slice( 0, 8 );
		const sender = `From: Dana Okafor <dana-${ tag }@example.net>\r\nTo: support@example.test\r\n`;
		// Big enough to be streamed beside the batches for a good while.
		const scans = randomBytes( 6 * 1024 * 1024 )
			.toString( 'base64' )
			.replace( /.{76}/g, '$&\r\n' );
		const client = mailboxClient( stack, stack.mailboxes.support );
		await client.connect();
		await client.append(
			'INBOX',
			Buffer.from(
				`${ sender }Subject: Scans ${ tag }\r\nMessage-ID: <scans-${ tag }@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="z"\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nThe scans are attached.\r\n--z\r\nContent-Type: application/pdf; name="scans.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${ scans }\r\n--z--\r\n`
			)
		);
		// Her follow-up a minute later names only her own email: no ticket number, no reference
		// of ours.
		await client.append(
			'INBOX',
			Buffer.from(
				`${ sender }Subject: Re: Scans ${ tag }\r\nMessage-ID: <followup-${ tag }@example.net>\r\nIn-Reply-To: <scans-${ tag }@example.net>\r\nReferences: <scans-${ tag }@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nDid the scans arrive?\r\n`
			)
		);
		await client.logout();

		const result = await runOnce();
		assert.equal( result.code, 0, result.stderr );
		await assertRepliedOnItsTicket( `Scans ${ tag }` );
	} );

	it( "writes a customer's big follow-up to their own bigger email after it, on its ticket", async () => {
		const tag = randomUUID().slice( 0, 8 );
		const sender = `From: Dana Okafor <dana-${ tag }@example.net>\r\nTo: support@example.test\r\n`;
		const withPdf = ( bytes: number ) =>
			randomBytes( bytes )
				.toString( 'base64' )
				.replace( /.{76}/g, '$&\r\n' );
		const client = mailboxClient( stack, stack.mailboxes.support );
		await client.connect();
		// Both big, so each is read on a connection of its own; the follow-up is the smaller and
		// would be stored first.
		await client.append(
			'INBOX',
			Buffer.from(
				`${ sender }Subject: Plans ${ tag }\r\nMessage-ID: <plans-${ tag }@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="z"\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nThe plans are attached.\r\n--z\r\nContent-Type: application/pdf; name="plans.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${ withPdf( 9 * 1024 * 1024 ) }\r\n--z--\r\n`
			)
		);
		await client.append(
			'INBOX',
			Buffer.from(
				`${ sender }Subject: Re: Plans ${ tag }\r\nMessage-ID: <elevations-${ tag }@example.net>\r\nIn-Reply-To: <plans-${ tag }@example.net>\r\nReferences: <plans-${ tag }@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="z"\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nAnd the elevations.\r\n--z\r\nContent-Type: application/pdf; name="elevations.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${ withPdf( 1200 * 1024 ) }\r\n--z--\r\n`
			)
		);
		await client.logout();

		const report = `${ stack.stateDir }/report-${ tag }.json`;
		const result = await runCli(
			[ 'run', '--once', '--wp-config', stack.wp.config ],
			{ EPIPE_REPORT_FILE: report }
		);
		assert.equal( result.code, 0, result.stderr );
		const { big_email_connections: connections } = JSON.parse(
			fs.readFileSync( report, 'utf8' )
		) as { big_email_connections: number };
		assert.equal( connections, 2 );
		await assertRepliedOnItsTicket( `Plans ${ tag }` );
	} );

	it( 'quarantines an unreadable email with its raw bytes, leaves it unread and goes on', async () => {
		const tag = randomUUID().slice( 0, 8 );
		// 1,100 MIME parts: more than the parser accepts (a cheap way to exhaust a parser).
		const parts = Array.from(
			{ length: 1100 },
			( _v, i ) =>
				`--b\r\nContent-Type: text/plain\r\n\r\npart ${ i }\r\n`
		).join( '' );
		const bomb = `From: Bomb <customer@example.test>\r\nTo: support@example.test\r\nSubject: Parts bomb ${ tag }\r\nMessage-ID: <bomb-${ tag }@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${ parts }--b--\r\n`;
		await sendMail( stack, {
			envelope: {
				from: 'customer@example.test',
				to: [ 'support@example.test' ],
			},
			raw: bomb,
		} );
		await sendMail( stack, {
			from: 'customer@example.test',
			to: 'support@example.test',
			subject: `After the bomb ${ tag }`,
			text: 'still flowing',
		} );

		const result = await runOnce();
		assert.equal( result.code, 0, result.stderr );
		assert.match(
			result.stdout,
			/1 new tickets, 0 replies, 0 skipped, 1 quarantined/
		);

		const [ rows ] = await db.query(
			"SELECT id, reason, blob_id, status, attempts FROM wp_epipe_quarantine WHERE source_key LIKE 'imap:%' AND status = 'held' ORDER BY id DESC LIMIT 1"
		);
		const entry = (
			rows as Array< {
				id: number;
				reason: string;
				blob_id: number;
				status: string;
				attempts: number;
			} >
		 )[ 0 ];
		assert.equal( entry?.reason, 'parse_failed' );
		assert.equal( entry?.attempts, 1 );
		const raw = await blob( Number( entry?.blob_id ) );
		assert.ok(
			raw.toString().includes( `Subject: Parts bomb ${ tag }` ),
			'raw bytes kept'
		);
		assert.ok( raw.length > bomb.length - 10, 'whole message kept' );
		assert.equal(
			await unseen( `Parts bomb ${ tag }` ),
			1,
			'not marked read'
		);
		assert.equal( await unseen( `After the bomb ${ tag }` ), 0 );

		// Listed for the admin, and a retry that fails again only counts the attempt.
		const list = await runCli( [
			'quarantine',
			'list',
			'--json',
			'--wp-config',
			stack.wp.config,
		] );
		assert.equal( list.code, 0, list.stderr );
		assert.ok(
			list.stdout
				.split( '\n' )
				.some( ( l ) => l.includes( `"id":${ entry?.id },` ) )
		);
		const retry = await runCli( [
			'quarantine',
			'reprocess',
			String( entry?.id ),
			'--wp-config',
			stack.wp.config,
		] );
		assert.equal( retry.code, 1 );
		assert.deepEqual( JSON.parse( retry.stdout ), {
			id: entry?.id,
			outcome: 'quarantined',
			reason: 'parse_failed',
			ticket: null,
		} );
		assert.equal(
			await count(
				db,
				'SELECT attempts n FROM wp_epipe_quarantine WHERE id = ?',
				[ entry?.id ]
			),
			2
		);
		// The retry kept the copy it had: no second blob left behind.
		assert.equal(
			await count(
				db,
				'SELECT COUNT(*) n FROM wp_epipe_blobs b WHERE NOT EXISTS (SELECT 1 FROM wp_epipe_attachments a WHERE a.blob_id = b.id) AND NOT EXISTS (SELECT 1 FROM wp_epipe_quarantine q WHERE q.blob_id = b.id)'
			),
			0
		);
	} );

	it( 'reprocesses a kept email into a ticket once it can be read', async () => {
		const tag = randomUUID().slice( 0, 8 );
		const raw = Buffer.from(
			`From: customer@example.test\r\nTo: support@example.test\r\nSubject: Kept aside ${ tag }\r\nMessage-ID: <kept-${ tag }@example.test>\r\n\r\nPlease help.\r\n`
		);
		// As left by an earlier release whose parser failed on this email.
		const [ b ] = await db.query(
			'INSERT INTO wp_epipe_blobs (sha256, size_bytes, chunk_count, created_at) VALUES (?, ?, 1, UTC_TIMESTAMP())',
			[ sha256( raw ), raw.length ]
		);
		const blobId = ( b as { insertId: number } ).insertId;
		await db.query(
			'INSERT INTO wp_epipe_blob_chunks (blob_id, seq, data) VALUES (?, 0, ?)',
			[ blobId, raw ]
		);
		const sourceKey = `imap:1:${ 900000 + Math.floor( Math.random() * 99999 ) }`;
		await db.query(
			"INSERT INTO wp_epipe_messages (connection_id, source_key, message_key, outcome, reason, size_bytes, created_at) VALUES (1, ?, ?, 'quarantined', 'parse_failed', ?, UTC_TIMESTAMP())",
			[ sourceKey, sha256( raw ), raw.length ]
		);
		const [ q ] = await db.query(
			"INSERT INTO wp_epipe_quarantine (connection_id, source_key, reason, blob_id, size_bytes, attempts, status, created_at, updated_at) VALUES (1, ?, 'parse_failed', ?, ?, 1, 'held', UTC_TIMESTAMP(), UTC_TIMESTAMP())",
			[ sourceKey, blobId, raw.length ]
		);
		const id = ( q as { insertId: number } ).insertId;

		const result = await runCli( [
			'quarantine',
			'reprocess',
			String( id ),
			'--wp-config',
			stack.wp.config,
		] );
		assert.equal( result.code, 0, result.stderr );
		const report = JSON.parse( result.stdout ) as {
			outcome: string;
			ticket: number;
		};
		assert.equal( report.outcome, 'ticket' );
		assert.equal(
			await count(
				db,
				'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE id = ? AND subject = ?',
				[ report.ticket, `Kept aside ${ tag }` ]
			),
			1
		);
		assert.equal(
			await count(
				db,
				"SELECT COUNT(*) n FROM wp_epipe_quarantine WHERE id = ? AND status = 'reprocessed'",
				[ id ]
			),
			1
		);
		assert.equal(
			await count(
				db,
				"SELECT COUNT(*) n FROM wp_epipe_messages WHERE source_key = ? AND outcome = 'ticket'",
				[ sourceKey ]
			),
			1
		);
		// Reprocessing twice is refused: the entry is done.
		const again = await runCli( [
			'quarantine',
			'reprocess',
			String( id ),
			'--wp-config',
			stack.wp.config,
		] );
		assert.equal( again.code, 2 );
	} );
	it( 'keeps a different email under a reused Message-ID for an agent, and skips a true second delivery', async () => {
		const tag = randomUUID().slice( 0, 8 );
		const subject = `Reused ID ${ tag }`;
		const email = ( body: string, extra = '' ): Buffer =>
			Buffer.from(
				`${ extra }From: customer@example.test\r\nTo: support@example.test\r\nSubject: ${ subject }\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <reused-${ tag }@example.test>\r\n\r\n${ body }\r\n`
			);
		const client = mailboxClient( stack, stack.mailboxes.support );
		await client.connect();
		try {
			await client.append( 'INBOX', email( 'My order never came.' ) );
			// The same email delivered again through another route: only the trace differs.
			await client.append(
				'INBOX',
				email(
					'My order never came.',
					'Received: from relay.example.test by mx.example.test; Mon, 30 Nov 2026 10:00:05 +0000\r\n'
				)
			);
			await client.append(
				'INBOX',
				email( 'Send the refund to my new bank account instead.' )
			);
		} finally {
			await client.logout();
		}
		const run = await runOnce();
		assert.equal( run.code, 0, run.stderr );

		const outcomes = async (): Promise< string[] > => {
			const [ rows ] = await db.query(
				'SELECT outcome, reason FROM wp_epipe_messages WHERE message_id = ? ORDER BY id',
				[ `<reused-${ tag }@example.test>` ]
			);
			return ( rows as Array< { outcome: string; reason: string } > ).map(
				( r ) => `${ r.outcome }:${ r.reason }`
			);
		};
		assert.deepEqual( await outcomes(), [
			'ticket:new_ticket',
			'skipped:duplicate',
			'quarantined:message_id_collision',
		] );
		assert.equal(
			await count(
				db,
				"SELECT COUNT(*) n FROM wp_epipe_activity WHERE subject = ? AND reason IN ('duplicate', 'message_id_collision')",
				[ subject ]
			),
			2,
			'both are visible in the activity log'
		);
		const [ held ] = await db.query(
			"SELECT id FROM wp_epipe_quarantine WHERE subject = ? AND reason = 'message_id_collision' AND status = 'held' AND blob_id IS NOT NULL",
			[ subject ]
		);
		const id = ( held as Array< { id: number } > )[ 0 ]?.id;
		assert.ok( id, 'the different email is held with its raw bytes' );

		// An agent reads it and takes it in: it becomes an email of its own.
		const result = await runCli( [
			'quarantine',
			'reprocess',
			String( id ),
			'--wp-config',
			stack.wp.config,
		] );
		assert.equal( result.code, 0, result.stderr );
		assert.equal(
			( JSON.parse( result.stdout ) as { outcome: string } ).outcome,
			'ticket'
		);
		assert.equal(
			await count(
				db,
				"SELECT COUNT(*) n FROM wp_epipe_threads th JOIN wp_epipe_tickets t ON t.id = th.ticket_id WHERE t.subject = ? AND th.body_text LIKE '%new bank account%'",
				[ subject ]
			),
			1
		);
		assert.equal(
			await count(
				db,
				'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE subject = ?',
				[ subject ]
			),
			2
		);
		// A second run changes nothing: every copy has its outcome.
		assert.equal( ( await runOnce() ).code, 0 );
		assert.equal(
			await count(
				db,
				'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE subject = ?',
				[ subject ]
			),
			2
		);
	} );
} );
