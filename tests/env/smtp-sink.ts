/**
 * SMTP sink for the test stack: keeps every message it is given and hands mail for local domains to
 * Dovecot over LMTP, so a notification WordPress "sends" to customer@example.test really shows up in
 * that customer's IMAP INBOX.
 *
 * Env: SINK_PORT (SMTP, 127.0.0.1), SINK_DIR (<id>.eml files + index.jsonl), LMTP_PORT (Dovecot),
 *      SINK_LMTP_DOMAINS (comma-separated, default example.test; empty = store only).
 * Run: node tests/env/smtp-sink.ts (Node 24 strips the types).
 */
import fs from 'node:fs';
import path from 'node:path';

import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';

/** One line of index.jsonl; the raw message is in `<id>.eml` next to it. */
interface SinkRecord {
	id: string;
	file: string;
	from: string | null;
	rcpt: string[];
	subject: string | null;
	messageId: string | null;
	inReplyTo: string | null;
	references: string[];
	text: string | null;
	size: number;
	receivedAt: string;
	lmtp?: { accepted: string[]; rejected: string[]; error?: string };
}

const PORT = Number( process.env[ 'SINK_PORT' ] || 2525 );
const DIR = process.env[ 'SINK_DIR' ] || path.resolve( 'sink' );
const LMTP_PORT = Number( process.env[ 'LMTP_PORT' ] || 2424 );
const LOCAL_DOMAINS = ( process.env[ 'SINK_LMTP_DOMAINS' ] ?? 'example.test' )
	.split( ',' )
	.filter( Boolean );

fs.mkdirSync( DIR, { recursive: true } );
const lmtp = nodemailer.createTransport( {
	host: '127.0.0.1',
	port: LMTP_PORT,
	lmtp: true,
	secure: false,
	ignoreTLS: true,
} );
let seq = 0;

function addresses( list: string[] ): string[] {
	return list.map( ( a ) => a.toLowerCase() );
}

async function store(
	raw: Buffer,
	session: SMTPServerSession
): Promise< void > {
	const id = `${ Date.now() }-${ ++seq }`;
	const mailFrom = session.envelope.mailFrom;
	const from = mailFrom ? mailFrom.address : null;
	const rcpt = addresses( session.envelope.rcptTo.map( ( r ) => r.address ) );
	// The .eml goes first, so a reader that sees the index line can always open the file.
	fs.writeFileSync( path.join( DIR, id + '.eml' ), raw );
	// The capture must pass on hostile mail it can't read: the product under test has to see it.
	const parsed = await simpleParser( raw ).catch(
		() => ( {} ) as Partial< ParsedMail >
	);
	const refs = parsed.references ?? [];
	const rec: SinkRecord = {
		id,
		file: id + '.eml',
		from,
		rcpt,
		subject: parsed.subject ?? null,
		messageId: parsed.messageId ?? null,
		inReplyTo: parsed.inReplyTo ?? null,
		references: Array.isArray( refs ) ? refs : [ refs ],
		text: parsed.text ?? null,
		size: raw.length,
		receivedAt: new Date().toISOString(),
	};
	const local = rcpt.filter( ( a ) =>
		LOCAL_DOMAINS.includes( a.split( '@' )[ 1 ] ?? '' )
	);
	if ( local.length ) {
		// Best effort per recipient: an address without a mailbox (LMTP 550) must not fail the whole
		// SMTP transaction, or wp_mail() returns false for mail that other recipients did get.
		try {
			const info = await lmtp.sendMail( {
				envelope: {
					from: from || 'postmaster@example.test',
					to: local,
				},
				raw,
			} );
			rec.lmtp = {
				accepted: info.accepted.map( String ),
				rejected: info.rejected.map( String ),
			};
		} catch ( e ) {
			const err = e as {
				rejected?: string[];
				response?: string;
				message?: string;
			};
			rec.lmtp = {
				accepted: [],
				rejected: err.rejected ?? local,
				error: err.response ?? err.message ?? String( e ),
			};
		}
	}
	fs.appendFileSync(
		path.join( DIR, 'index.jsonl' ),
		JSON.stringify( rec ) + '\n'
	);
}

const server = new SMTPServer( {
	name: 'sink.example.test',
	authOptional: true,
	disabledCommands: [ 'STARTTLS' ],
	logger: false,
	// Otherwise every connection waits up to 1.5 s for a reverse DNS answer that never comes offline.
	disableReverseLookup: true,
	size: 25 * 1024 * 1024,
	onAuth( auth, _session, cb ) {
		cb( null, { user: auth.username } );
	},
	onData(
		stream: SMTPServerDataStream,
		session: SMTPServerSession,
		cb: ( err?: Error | null ) => void
	) {
		const chunks: Buffer[] = [];
		stream.on( 'data', ( c: Buffer ) => chunks.push( c ) );
		stream.on( 'end', () => {
			store( Buffer.concat( chunks ), session ).then(
				() => cb(),
				( e: unknown ) =>
					cb( e instanceof Error ? e : new Error( String( e ) ) )
			);
		} );
	},
} );

server.on( 'error', ( e: Error ) => {
	console.error( 'smtp-sink:', e.message );
	process.exit( 1 );
} );
server.listen( PORT, '127.0.0.1', () =>
	console.error(
		`smtp-sink listening on 127.0.0.1:${ PORT }, storing in ${ DIR }`
	)
);
for ( const sig of [ 'SIGTERM', 'SIGINT' ] as const ) {
	process.on( sig, () => {
		server.close( () => process.exit( 0 ) );
		// close() waits for idle clients to hang up; down.sh should not have to wait for them.
		setTimeout( () => process.exit( 0 ), 1000 ).unref();
	} );
}
