/**
 * Access to the running test stack (tests/env/up.sh) for integration tests.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ImapFlow } from 'imapflow';
import { simpleParser, type ParsedMail } from 'mailparser';
import mysql from 'mysql2/promise';
import nodemailer, { type SendMailOptions } from 'nodemailer';

import { seal } from '../../../sidecar/src/security/secret-box.ts';

export const ROOT = path.resolve(
	path.dirname( fileURLToPath( import.meta.url ) ),
	'..',
	'..',
	'..'
);
export const CLI = path.join( ROOT, 'sidecar', 'bin', 'email-piping' );

export interface Mailbox {
	user: string;
	password: string;
}

export interface Stack {
	stateDir: string;
	/** Where the servers' logs go, and what tests keep of a run (sidecar logs, screenshots). */
	logsDir: string;
	ports: {
		wp: number;
		mysql: number;
		imap: number;
		imaps: number;
		lmtp: number;
		smtp: number;
	};
	wp: {
		url: string;
		dir: string;
		config: string;
		adminUser: string;
		adminPassword: string;
		appPassword: string;
		agentUser: string;
		agentPassword: string;
	};
	db: {
		host: string;
		port: number;
		name: string;
		user: string;
		password: string;
		socket: string;
		tablePrefix: string;
	};
	imap: { host: string; port: number; imapsPort: number; caFile: string };
	mailboxes: Record<
		'support' | 'customer' | 'agent' | 'admin' | 'harness',
		Mailbox
	>;
	smtp: { host: string; port: number; sinkDir: string };
}

/**
 * The stack described by EPIPE_STATE_DIR/stack.json (set by scripts/test.sh).
 */
export function loadStack(): Stack {
	const dir = process.env[ 'EPIPE_STATE_DIR' ];
	if ( ! dir ) {
		throw new Error(
			'EPIPE_STATE_DIR is not set: run the integration tests through `npm test`, which starts the stack.'
		);
	}
	return JSON.parse(
		fs.readFileSync( path.join( dir, 'stack.json' ), 'utf8' )
	) as Stack;
}

/**
 * A small pool on the stack's database.
 *
 * @param stack Stack.
 */
export function openDb( stack: Stack ): mysql.Pool {
	return mysql.createPool( {
		host: stack.db.host,
		port: stack.db.port,
		user: stack.db.user,
		password: stack.db.password,
		database: stack.db.name,
		connectionLimit: 2,
		dateStrings: true,
	} );
}

/**
 * One number from a COUNT(*)-style query.
 *
 * @param db     Pool.
 * @param sql    Query returning one row with column `n`.
 * @param params Parameters.
 */
export async function count(
	db: mysql.Pool,
	sql: string,
	params: unknown[] = []
): Promise< number > {
	const [ rows ] = await db.query( sql, params );
	return Number( ( rows as Array< { n: number | string } > )[ 0 ]?.n ?? 0 );
}

export interface CliResult {
	code: number;
	/** The signal that ended the process (e.g. SIGKILL from a failpoint), or null. */
	signal: string | null;
	stdout: string;
	stderr: string;
}

/**
 * One `run --once` pass of the stack's sidecar (every enabled connection, or one), which must
 * succeed.
 *
 * @param stack      Stack.
 * @param connection Only this connection.
 * @return Its summary on stdout.
 */
export async function runOnceOk(
	stack: Stack,
	connection?: number
): Promise< string > {
	const result = await runCli( [
		'run',
		'--once',
		...( connection !== undefined
			? [ '--connection', String( connection ) ]
			: [] ),
		'--wp-config',
		stack.wp.config,
	] );
	if ( result.code !== 0 ) {
		throw new Error(
			`run --once failed (${ result.code }): ${ result.stderr }`
		);
	}
	return result.stdout;
}

/**
 * Runs the sidecar CLI to completion.
 *
 * @param args Arguments.
 * @param env  Extra environment.
 */
export function runCli(
	args: string[],
	env: Record< string, string > = {}
): Promise< CliResult > {
	return new Promise( ( resolve ) => {
		execFile(
			CLI,
			args,
			{
				env: { PATH: process.env[ 'PATH' ] ?? '', ...env },
				timeout: 120_000,
			},
			( err, stdout, stderr ) => {
				let code = 0;
				if ( err !== null ) {
					code = typeof err.code === 'number' ? err.code : 1;
				}
				const signal = err?.signal ?? null;
				resolve( { code, signal, stdout, stderr } );
			}
		);
	} );
}

/**
 * Delivers an email through the stack's SMTP server (which hands local mail to Dovecot), as a
 * real mail server would.
 *
 * @param stack Stack.
 * @param mail  nodemailer message.
 */
export async function sendMail(
	stack: Stack,
	mail: SendMailOptions
): Promise< void > {
	const transport = nodemailer.createTransport( {
		host: stack.smtp.host,
		port: stack.smtp.port,
		secure: false,
		ignoreTLS: true,
	} );
	try {
		await transport.sendMail( mail );
	} finally {
		transport.close();
	}
}

/**
 * Waits until a mailbox holds a message matching `match`, and returns it parsed.
 *
 * @param stack     Stack.
 * @param mailbox   Which mailbox.
 * @param match     Predicate on the parsed message.
 * @param timeoutMs How long to wait.
 */
export async function waitForMail(
	stack: Stack,
	mailbox: Mailbox,
	match: ( mail: ParsedMail ) => boolean,
	timeoutMs = 20_000
): Promise< ParsedMail > {
	const deadline = Date.now() + timeoutMs;
	while ( Date.now() < deadline ) {
		const found = ( await readMailbox( stack, mailbox ) ).find( match );
		if ( found ) {
			return found;
		}
		await new Promise( ( r ) => setTimeout( r, 300 ) );
	}
	throw new Error(
		`no matching message reached ${ mailbox.user } within ${ timeoutMs } ms`
	);
}

/**
 * Every message of a mailbox's INBOX, parsed (read with BODY.PEEK).
 *
 * @param stack   Stack.
 * @param mailbox Which mailbox.
 */
export async function readMailbox(
	stack: Stack,
	mailbox: Mailbox
): Promise< ParsedMail[] > {
	const client = mailboxClient( stack, mailbox );
	await client.connect();
	try {
		const box = await client.mailboxOpen( 'INBOX' );
		const out: ParsedMail[] = [];
		if ( box.exists > 0 ) {
			for await ( const msg of client.fetch( '1:*', { source: true } ) ) {
				if ( msg.source ) {
					out.push( await simpleParser( msg.source ) );
				}
			}
		}
		return out;
	} finally {
		await client.logout();
	}
}

/**
 * Runs a PHP snippet inside the test WordPress (wp-load.php already required).
 *
 * @param stack Stack.
 * @param code  PHP code without the opening tag.
 */
export function wpEval( stack: Stack, code: string ): Promise< string > {
	const script = `require ${ JSON.stringify( path.join( stack.wp.dir, 'wp-load.php' ) ) }; ${ code }`;
	return new Promise( ( resolve, reject ) => {
		execFile(
			'php',
			[ '-d', 'display_errors=stderr', '-r', script ],
			{
				env: {
					...process.env,
					HTTP_HOST: `127.0.0.1:${ stack.ports.wp }`,
				},
			},
			( err, stdout, stderr ) =>
				err
					? reject( new Error( `${ err.message }\n${ stderr }` ) )
					: resolve( stdout )
		);
	} );
}

/**
 * A pool as the database's root user (over the server's socket), for tests that must see or
 * kill other sessions.
 *
 * @param stack Stack.
 */
export function openRootDb( stack: Stack ): mysql.Pool {
	return mysql.createPool( {
		socketPath: stack.db.socket,
		user: 'root',
		database: stack.db.name,
		connectionLimit: 2,
	} );
}

/**
 * EPIPE_SECRET_KEY of the stack, read from its wp-config.php as the sidecar does.
 *
 * @param stack Stack.
 */
export function secretKey( stack: Stack ): string {
	const key = /define\(\s*'EPIPE_SECRET_KEY',\s*'([^']+)'/.exec(
		fs.readFileSync( stack.wp.config, 'utf8' )
	)?.[ 1 ];
	if ( ! key ) {
		throw new Error( 'EPIPE_SECRET_KEY not found in wp-config.php' );
	}
	return key;
}

/**
 * An IMAP client (not yet connected) on one of the stack's mailboxes, trusting the stack's CA.
 *
 * @param stack   Stack.
 * @param mailbox Which mailbox.
 */
export function mailboxClient( stack: Stack, mailbox: Mailbox ): ImapFlow {
	return new ImapFlow( {
		host: stack.imap.host,
		port: stack.imap.port,
		secure: false,
		tls: { ca: fs.readFileSync( stack.imap.caFile ) },
		auth: { user: mailbox.user, pass: mailbox.password },
		logger: false,
	} );
}

/**
 * Adds an IMAP connection (STARTTLS, importing what is already there unless `settings` says
 * otherwise) on one of the stack's mailboxes, its password sealed as WordPress seals it.
 *
 * @param db               Database.
 * @param stack            Stack.
 * @param options          What to add.
 * @param options.name     Connection name.
 * @param options.mailbox  Mailbox to read.
 * @param options.enabled  Whether `run` without --connection works it (default false).
 * @param options.password Password to store instead of the mailbox's real one.
 * @param options.settings Settings that differ from the defaults above.
 * @return The connection id.
 */
export async function addImapConnection(
	db: mysql.Pool,
	stack: Stack,
	options: {
		name: string;
		mailbox: Mailbox;
		enabled?: boolean;
		password?: string;
		settings?: Record< string, unknown >;
	}
): Promise< number > {
	const settings = {
		host: stack.imap.host,
		port: stack.imap.port,
		security: 'starttls',
		ca_file: stack.imap.caFile,
		username: options.mailbox.user,
		start_from: 'all',
		...options.settings,
	};
	const [ res ] = await db.query(
		"INSERT INTO wp_epipe_connections (name, kind, enabled, mailbox_address, settings, secret, created_at, updated_at) VALUES (?, 'imap', ?, ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())",
		[
			options.name,
			options.enabled ? 1 : 0,
			options.mailbox.user,
			JSON.stringify( settings ),
			seal(
				secretKey( stack ),
				options.password ?? options.mailbox.password
			),
		]
	);
	return ( res as { insertId: number } ).insertId;
}
