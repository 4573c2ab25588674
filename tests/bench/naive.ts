/**
 * The naive baseline the engine is measured against: fetch every message of the mailbox with
 * its source, simpleParser each one whole, insert each into a table on its own. Prints
 * {"emails", "seconds", "max_rss_mb"} as JSON.
 *
 * Usage: node naive.ts <stack.json> <mailbox user> <password>
 */
import fs from 'node:fs';

import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import mysql from 'mysql2/promise';

const [ stackFile, user, pass ] = process.argv.slice( 2 );
const stack = JSON.parse( fs.readFileSync( stackFile as string, 'utf8' ) ) as {
	imap: { host: string; port: number; caFile: string };
	db: {
		host: string;
		port: number;
		name: string;
		user: string;
		password: string;
	};
};
const db = await mysql.createConnection( {
	host: stack.db.host,
	port: stack.db.port,
	user: stack.db.user,
	password: stack.db.password,
	database: stack.db.name,
} );
await db.query(
	'CREATE TABLE IF NOT EXISTS bench_naive (id INT AUTO_INCREMENT PRIMARY KEY, sender VARCHAR(255), subject VARCHAR(255), body LONGTEXT, attachments INT) DEFAULT CHARSET=utf8mb4'
);
await db.query( 'TRUNCATE bench_naive' );
const client = new ImapFlow( {
	host: stack.imap.host,
	port: stack.imap.port,
	secure: false,
	tls: { ca: fs.readFileSync( stack.imap.caFile ) },
	auth: { user: user as string, pass: pass as string },
	logger: false,
} );
const start = performance.now();
await client.connect();
await client.mailboxOpen( 'INBOX' );
const sources: Buffer[] = [];
for await ( const msg of client.fetch( '1:*', { source: true } ) ) {
	if ( msg.source ) {
		sources.push( msg.source );
	}
}
await client.logout();
for ( const source of sources ) {
	const mail = await simpleParser( source );
	await db.execute(
		'INSERT INTO bench_naive (sender, subject, body, attachments) VALUES (?, ?, ?, ?)',
		[
			mail.from?.text ?? '',
			( mail.subject ?? '' ).slice( 0, 255 ),
			mail.text ?? '',
			mail.attachments.length,
		]
	);
}
const seconds = ( performance.now() - start ) / 1000;
await db.end();
process.stdout.write(
	JSON.stringify( {
		emails: sources.length,
		seconds,
		max_rss_mb: process.resourceUsage().maxRSS / 1024,
	} ) + '\n'
);
