/**
 * `npm run bench [-- --quick] [-- --json]`: the engine against a naive baseline on the same
 * generated corpus, real Dovecot and MariaDB. Prints a table and, last, one JSON line.
 * `--text-only` and `--mix-only` measure the text emails or the attachment mix alone (engine and
 * naive), for working on that figure; EPIPE_BENCH_NODE_OPTIONS is handed to the engine's Node
 * (`--cpu-prof --cpu-prof-dir=…` profiles it).
 *
 * Runs against the stack named by EPIPE_STATE_DIR (scripts/bench.sh starts one).
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { ImapSource } from '../../sidecar/src/sources/imap.ts';
import type { ImapConnection } from '../../sidecar/src/interfaces.ts';
import {
	addImapConnection,
	CLI,
	count,
	loadStack,
	mailboxClient,
	openDb,
	openRootDb,
	ROOT,
	type Stack,
} from '../integration/support/stack.ts';
import { attachmentEmail, mixEmails, prng, textEmail } from './corpus.ts';

const exec = promisify( execFile );
const quick = process.argv.includes( '--quick' );
const textOnly = process.argv.includes( '--text-only' );
const mixOnly = process.argv.includes( '--mix-only' );
const largeOnly = process.argv.includes( '--large-only' );
const SIZES = quick
	? {
			text: 400,
			mix: 40,
			pollSmall: 1_000,
			pollLarge: 10_000,
			idle: 8,
			polls: 30,
		}
	: {
			text: 3_000,
			mix: 1_000,
			pollSmall: 10_000,
			pollLarge: 100_000,
			idle: 40,
			polls: 200,
		};

const stack: Stack = loadStack();
const db = openDb( stack );
const rootDb = openRootDb( stack );
const stackFile = path.join( stack.stateDir, 'stack.json' );
const BENCH = { user: 'bench@example.test', password: 'bench-pass' };
const BIG = { user: 'bigbox@example.test', password: 'bigbox-pass' };
const log = ( line: string ) => process.stderr.write( line + '\n' );

/**
 * Empties the bench mailbox and appends `emails` to it.
 * @param emails Raw emails.
 */
async function fill( emails: string[] ): Promise< number > {
	const client = mailboxClient( stack, BENCH );
	await client.connect();
	await client.mailboxOpen( 'INBOX' );
	if ( client.mailbox && client.mailbox.exists > 0 ) {
		await client.messageDelete( '1:*' );
	}
	let bytes = 0;
	for ( const raw of emails ) {
		bytes += Buffer.byteLength( raw );
		await client.append( 'INBOX', Buffer.from( raw ) );
	}
	await client.logout();
	return bytes;
}

async function newConnection( startFrom: 'all' | 'now' ): Promise< number > {
	return addImapConnection( db, stack, {
		name: 'bench',
		mailbox: BENCH,
		settings: { start_from: startFrom, after_import: 'leave' },
	} );
}

/**
 * CPU seconds used so far by a process (and its reaped children), from /proc (Linux).
 * @param pid          The process.
 * @param withChildren Whether to add the time of children it has reaped.
 */
function processCpuSeconds( pid: number, withChildren: boolean ): number {
	try {
		// Fields after the command name (which may contain spaces): utime is the 14th field overall.
		const stat = fs.readFileSync( `/proc/${ pid }/stat`, 'utf8' );
		const f = stat.slice( stat.lastIndexOf( ')' ) + 2 ).split( ' ' );
		const ticks =
			Number( f[ 11 ] ) +
			Number( f[ 12 ] ) +
			( withChildren ? Number( f[ 13 ] ) + Number( f[ 14 ] ) : 0 );
		return ticks / CLOCK_TICKS;
	} catch {
		return 0; // the process ended between listing and reading
	}
}
// sysconf(_SC_CLK_TCK): 100 on every Linux build this runs on.
const CLOCK_TICKS = 100;

const pidFrom = ( file: string ): number =>
	Number( fs.readFileSync( path.join( stack.stateDir, file ), 'utf8' ) );

/**
 * CPU seconds used so far by the stack's servers. Dovecot's master forks every service itself and
 * reaps them, so its own time plus its children's (live, and reaped ones) is the whole of Dovecot.
 */
function serverCpuSeconds(): { mariadb: number; dovecot: number } {
	const master = pidFrom( 'dovecot/run/master.pid' );
	let dovecot = processCpuSeconds( master, true );
	for ( const entry of fs.readdirSync( '/proc' ) ) {
		if ( ! /^\d+$/.test( entry ) ) {
			continue;
		}
		try {
			const stat = fs.readFileSync( `/proc/${ entry }/stat`, 'utf8' );
			const ppid = Number(
				stat.slice( stat.lastIndexOf( ')' ) + 2 ).split( ' ' )[ 1 ]
			);
			if ( ppid === master ) {
				dovecot += processCpuSeconds( Number( entry ), false );
			}
		} catch {
			// gone meanwhile
		}
	}
	return {
		mariadb: processCpuSeconds( pidFrom( 'run/mariadbd.pid' ), false ),
		dovecot,
	};
}

/** CPU seconds per 1,000 emails, by process, over one run. */
interface CpuShare {
	engine: number;
	mariadb: number;
	dovecot: number;
}

interface EngineRun {
	emails: number;
	seconds: number;
	maxRssMb: number;
	cpuPerThousand: CpuShare;
	/** Time the database server spent executing statements (performance_schema). */
	dbMsPerEmail: number;
	dbStatementsPerEmail: number;
	/** Time the engine waited on database calls, overlapping its own work. */
	dbWaitMsPerEmail: number;
}

/**
 * The server's statement time and count since the last call; NaN when the server does not time
 * statements (bench.sh starts its MariaDB with performance_schema; the test stack does not).
 */
async function serverStatements(): Promise< { ms: number; count: number } > {
	const [ on ] = await rootDb.query( 'SELECT @@performance_schema AS on_' );
	if ( Number( ( on as Array< { on_: number } > )[ 0 ]?.on_ ) !== 1 ) {
		return { ms: NaN, count: NaN };
	}
	const [ rows ] = await rootDb.query(
		'SELECT SUM(SUM_TIMER_WAIT) / 1e9 AS ms, SUM(COUNT_STAR) AS n FROM performance_schema.events_statements_summary_global_by_event_name'
	);
	await rootDb.query(
		'TRUNCATE TABLE performance_schema.events_statements_summary_global_by_event_name'
	);
	const row = (
		rows as Array< { ms: string | null; n: string | null } >
	 )[ 0 ];
	return { ms: Number( row?.ms ?? 0 ), count: Number( row?.n ?? 0 ) };
}

/** One `run --once` over the bench mailbox. */
async function engine(): Promise< EngineRun > {
	const id = await newConnection( 'all' );
	const report = path.join(
		os.tmpdir(),
		`epipe-bench-${ process.pid }-${ id }.json`
	);
	await serverStatements();
	const cpuBefore = serverCpuSeconds();
	const start = performance.now();
	await exec(
		CLI,
		[
			'run',
			'--once',
			'--connection',
			String( id ),
			'--wp-config',
			stack.wp.config,
			'--log-level',
			'warn',
		],
		{
			env: {
				PATH: process.env[ 'PATH' ] ?? '',
				EPIPE_REPORT_FILE: report,
				NODE_OPTIONS: process.env[ 'EPIPE_BENCH_NODE_OPTIONS' ] ?? '',
			},
			maxBuffer: 64 * 1024 * 1024,
		}
	);
	const wall = ( performance.now() - start ) / 1000;
	const cpuAfter = serverCpuSeconds();
	const server = await serverStatements();
	const r = JSON.parse( fs.readFileSync( report, 'utf8' ) ) as {
		emails: Record< string, number >;
		db_ms: number;
		max_rss_mb: number;
		processing_ms: number;
		processing_cpu_ms: number;
	};
	fs.rmSync( report );
	// Ingestion time: from the first email's start to the last one's commit, without the
	// process start-up and the final wait for WordPress's answer to the notification ping.
	const seconds = r.processing_ms > 0 ? r.processing_ms / 1000 : wall;
	const emails = Object.values( r.emails ).reduce( ( a, b ) => a + b, 0 );
	const perThousand = ( cpuSeconds: number ) =>
		( 1000 * cpuSeconds ) / Math.max( 1, emails );
	return {
		emails,
		seconds,
		maxRssMb: r.max_rss_mb,
		// The servers' figures cover the whole run, start-up and the final ping included; the
		// engine's only its ingestion.
		cpuPerThousand: {
			engine: perThousand( r.processing_cpu_ms / 1000 ),
			mariadb: perThousand( cpuAfter.mariadb - cpuBefore.mariadb ),
			dovecot: perThousand( cpuAfter.dovecot - cpuBefore.dovecot ),
		},
		dbMsPerEmail: server.ms / Math.max( 1, emails ),
		dbStatementsPerEmail: server.count / Math.max( 1, emails ),
		dbWaitMsPerEmail: r.db_ms / Math.max( 1, emails ),
	};
}

async function naive(): Promise< {
	emails: number;
	seconds: number;
	maxRssMb: number;
} > {
	const node = path.join( ROOT, 'node_modules', '.bin', 'node' );
	const start = performance.now();
	const { stdout } = await exec(
		node,
		[
			path.join( ROOT, 'tests', 'bench', 'naive.ts' ),
			stackFile,
			BENCH.user,
			BENCH.password,
		],
		{ maxBuffer: 1024 * 1024 }
	);
	const r = JSON.parse( stdout ) as { emails: number; max_rss_mb: number };
	return {
		emails: r.emails,
		seconds: ( performance.now() - start ) / 1000,
		maxRssMb: r.max_rss_mb,
	};
}

/**
 * Fills the big mailbox with `n` small messages written straight into its Maildir.
 * @param n Number of messages.
 */
async function bigMailbox( n: number ): Promise< void > {
	const dir = path.join(
		stack.stateDir,
		'dovecot',
		'mail',
		'example.test',
		'bigbox',
		'Maildir'
	);
	fs.rmSync( dir, { recursive: true, force: true } );
	for ( const sub of [ 'cur', 'new', 'tmp' ] ) {
		fs.mkdirSync( path.join( dir, sub ), { recursive: true } );
	}
	const now = Math.floor( Date.now() / 1000 );
	for ( let i = 0; i < n; i++ ) {
		fs.writeFileSync(
			path.join( dir, 'cur', `${ now }.M${ i }P1.bench:2,S` ),
			`From: a@example.test\r\nTo: bigbox@example.test\r\nSubject: old ${ i }\r\nMessage-ID: <old-${ i }@example.test>\r\n\r\nold message\r\n`
		);
	}
	await exec( 'chown', [
		'-R',
		'vmail:vmail',
		path.join(
			stack.stateDir,
			'dovecot',
			'mail',
			'example.test',
			'bigbox'
		),
	] );
	await exec( 'doveadm', [
		'-c',
		path.join( stack.stateDir, 'dovecot', 'dovecot.conf' ),
		'force-resync',
		'-u',
		BIG.user,
		'INBOX',
	] );
}

/**
 * p50 of the engine's "anything new?" on the big mailbox: the call the poll makes.
 * @param n Number of messages.
 */
async function pollCost( n: number ): Promise< number > {
	await bigMailbox( n );
	const config: ImapConnection = {
		id: 0,
		name: 'poll',
		kind: 'imap',
		enabled: true,
		mailboxAddress: BIG.user,
		startFrom: 'now',
		maxMessageBytes: 40 * 1024 * 1024,
		password: BIG.password,
		imap: {
			host: stack.imap.host,
			port: stack.imap.port,
			security: 'starttls',
			verifyTls: true,
			caFile: stack.imap.caFile,
			username: BIG.user,
			folder: 'INBOX',
			afterImport: 'leave',
			moveFolder: 'Processed',
		},
	};
	const source = new ImapSource( config );
	const snapshot = await source.connect();
	const last = snapshot.uidNext - 1;
	const samples: number[] = [];
	for ( let i = 0; i < SIZES.polls; i++ ) {
		const start = performance.now();
		const found = await source.listAfter( last );
		samples.push( performance.now() - start );
		if ( found.length !== 0 ) {
			throw new Error( 'the poll found mail that is not new' );
		}
	}
	await source.close();
	return percentile( samples, 50 );
}

/** Arrival-to-ticket latency with the daemon in IDLE. */
async function idleLatency(): Promise< number[] > {
	const waitUntil = async (
		check: () => Promise< boolean >,
		ms: number
	): Promise< void > => {
		const end = Date.now() + ms;
		while ( ! ( await check() ) ) {
			if ( Date.now() > end ) {
				throw new Error( 'timed out' );
			}
			await new Promise( ( r ) => setTimeout( r, 5 ) );
		}
	};
	await fill( [] );
	const id = await newConnection( 'now' );
	// eslint-disable-next-line @wordpress/no-unused-vars-before-return -- stopped in the finally below
	const daemon = spawn(
		CLI,
		[
			'run',
			'--connection',
			String( id ),
			'--wp-config',
			stack.wp.config,
			'--log-level',
			'warn',
		],
		{
			env: { PATH: process.env[ 'PATH' ] ?? '' },
			stdio: 'ignore',
		}
	);
	try {
		await waitUntil(
			async () =>
				( await count(
					db,
					"SELECT COUNT(*) n FROM wp_epipe_mailbox_state WHERE connection_id = ? AND status = 'connected'",
					[ id ]
				) ) === 1,
			20_000
		);
		const client = mailboxClient( stack, BENCH );
		await client.connect();
		const samples: number[] = [];
		for ( let i = 0; i < SIZES.idle; i++ ) {
			await new Promise( ( r ) => setTimeout( r, 400 ) );
			const subject = `Latency ${ id }-${ i }`;
			await client.append(
				'INBOX',
				Buffer.from(
					`From: a@example.test\r\nTo: bench@example.test\r\nSubject: ${ subject }\r\n\r\nping\r\n`
				)
			);
			const start = performance.now();
			await waitUntil(
				async () =>
					( await count(
						db,
						'SELECT COUNT(*) n FROM wp_epipe_tickets WHERE subject = ?',
						[ subject ]
					) ) === 1,
				30_000
			);
			samples.push( performance.now() - start );
		}
		await client.logout();
		return samples;
	} finally {
		daemon.kill( 'SIGTERM' );
	}
}

function percentile( values: number[], p: number ): number {
	const sorted = [ ...values ].sort( ( a, b ) => a - b );
	return (
		sorted[
			Math.min(
				sorted.length - 1,
				Math.floor( ( p / 100 ) * sorted.length )
			)
		] ?? 0
	);
}

const round = ( n: number, digits = 1 ): number =>
	Math.round( n * 10 ** digits ) / 10 ** digits;

const CORES = os.availableParallelism();

const roundShare = ( c: CpuShare ): CpuShare => ( {
	engine: round( c.engine, 2 ),
	mariadb: round( c.mariadb, 2 ),
	dovecot: round( c.dovecot, 2 ),
} );

/**
 * Emails per second the machine's cores allow at most with this CPU cost per email.
 * @param c             CPU seconds per 1,000 emails.
 * @param includeEngine Whether the engine's share counts (false: the servers' share alone).
 */
const ceiling = ( c: CpuShare, includeEngine: boolean ): number =>
	( CORES * 1000 ) /
	( c.mariadb + c.dovecot + ( includeEngine ? c.engine : 0 ) );

/**
 * The one line `--text-only` and `--mix-only` print.
 *
 * @param name             Which emails.
 * @param run              The engine's run.
 * @param baseline         The naive baseline's run.
 * @param baseline.emails
 * @param baseline.seconds
 */
function logOnly(
	name: string,
	run: EngineRun,
	baseline: { emails: number; seconds: number }
): void {
	const share = roundShare( run.cpuPerThousand );
	log(
		`${ name } emails/s: engine ${ round( run.emails / run.seconds ) }, naive ${ round( baseline.emails / baseline.seconds ) }; ` +
			`CPU s per 1,000: engine ${ share.engine } / MariaDB ${ share.mariadb } / Dovecot ${ share.dovecot }; ` +
			`the cores allow ${ round( ceiling( run.cpuPerThousand, true ) ) }; ` +
			`engine peak RSS ${ round( run.maxRssMb ) } MB`
	);
}

async function main(): Promise< void > {
	const rand = prng( 20261130 );
	log(
		`corpus: ${ SIZES.text } text emails, ${ SIZES.mix } attachment emails${ quick ? ' (quick)' : '' }`
	);

	if ( largeOnly ) {
		// The 34 MB email alone, for its peak RSS; its bytes differ from the full run's (the
		// generator has not made the text and the mix first), its shape and size do not.
		await fill( [ attachmentEmail( rand, 900_000, 25 * 1024 * 1024 ) ] );
		const large = await engine();
		log( `large email: engine peak RSS ${ round( large.maxRssMb ) } MB` );
		await db.end();
		await rootDb.end();
		return;
	}

	// The text emails are made even when only the mix runs: the mix is the generator's next
	// emails, the same in every run.
	const textEmails = Array.from( { length: SIZES.text }, ( _v, i ) =>
		textEmail( rand, i )
	);
	if ( ! mixOnly ) {
		await fill( textEmails );
	}
	const naiveText = mixOnly ? null : await naive();
	const text = mixOnly ? null : await engine();
	if ( textOnly && naiveText !== null && text !== null ) {
		logOnly( 'text', text, naiveText );
		await db.end();
		await rootDb.end();
		return;
	}

	const mixBytes = await fill( mixEmails( rand, SIZES.mix, 100_000 ) );
	const naiveMix = await naive();
	const mix = await engine();
	if ( mixOnly || naiveText === null || text === null ) {
		logOnly( 'mix', mix, naiveMix );
		await db.end();
		await rootDb.end();
		return;
	}

	await fill( [ attachmentEmail( rand, 900_000, 25 * 1024 * 1024 ) ] );
	const large = await engine();

	const pollSmall = await pollCost( SIZES.pollSmall );
	const pollLarge = await pollCost( SIZES.pollLarge );
	const latency = await idleLatency();

	// The benchmark doubles as a smoke test: every email must have been ingested.
	for ( const [ name, got, want ] of [
		[ 'text', text.emails, SIZES.text ],
		[ 'mix', mix.emails, SIZES.mix ],
		[ 'large', large.emails, 1 ],
	] as const ) {
		if ( got !== want ) {
			throw new Error(
				`the ${ name } run ingested ${ got } of ${ want } emails`
			);
		}
	}
	const result = {
		quick,
		text_eps: round( text.emails / text.seconds ),
		mix_eps: round( mix.emails / mix.seconds ),
		naive_text_eps: round( naiveText.emails / naiveText.seconds ),
		naive_mix_eps: round( naiveMix.emails / naiveMix.seconds ),
		mix_mb_per_s: round( mixBytes / 1024 / 1024 / mix.seconds ),
		peak_rss_mb_mix: round( mix.maxRssMb ),
		peak_rss_mb_large: round( large.maxRssMb ),
		naive_peak_rss_mb_mix: round( naiveMix.maxRssMb ),
		poll_ms_p50_10k: round( pollSmall, 3 ),
		poll_ms_p50_100k: round( pollLarge, 3 ),
		poll_mailbox_sizes: [ SIZES.pollSmall, SIZES.pollLarge ],
		idle_latency_ms_p50: round( percentile( latency, 50 ) ),
		idle_latency_ms_p95: round( percentile( latency, 95 ) ),
		db_ms_per_email: round(
			( text.dbMsPerEmail * text.emails +
				mix.dbMsPerEmail * mix.emails ) /
				( text.emails + mix.emails ),
			3
		),
		db_ms_per_email_text: round( text.dbMsPerEmail, 3 ),
		db_ms_per_email_mix: round( mix.dbMsPerEmail, 3 ),
		db_statements_per_email_text: round( text.dbStatementsPerEmail, 2 ),
		db_statements_per_email_mix: round( mix.dbStatementsPerEmail, 2 ),
		db_wait_ms_per_email: round(
			( text.dbWaitMsPerEmail * text.emails +
				mix.dbWaitMsPerEmail * mix.emails ) /
				( text.emails + mix.emails ),
			3
		),
		cpu_s_per_1000_text: roundShare( text.cpuPerThousand ),
		cpu_s_per_1000_mix: roundShare( mix.cpuPerThousand ),
		// What the cores allow at most when every one of them is busy: with this CPU per email for
		// all three processes, and if the engine cost nothing (the servers' share alone).
		cpu_bound_eps_text: round( ceiling( text.cpuPerThousand, true ) ),
		server_bound_eps_text: round( ceiling( text.cpuPerThousand, false ) ),
		cpu_bound_eps_mix: round( ceiling( mix.cpuPerThousand, true ) ),
		server_bound_eps_mix: round( ceiling( mix.cpuPerThousand, false ) ),
		cores: CORES,
		emails: { text: text.emails, mix: mix.emails, large: large.emails },
	};
	const rows: Array< [ string, string, string ] > = [
		[
			'text emails/s',
			String( result.text_eps ),
			String( result.naive_text_eps ),
		],
		[
			'attachment mix emails/s',
			String( result.mix_eps ),
			String( result.naive_mix_eps ),
		],
		[ 'attachment mix MB/s', String( result.mix_mb_per_s ), '' ],
		[
			'peak RSS over the mix (MB)',
			String( result.peak_rss_mb_mix ),
			String( result.naive_peak_rss_mb_mix ),
		],
		[
			'peak RSS, one 34 MB email (MB)',
			String( result.peak_rss_mb_large ),
			'',
		],
		[
			`poll p50, ${ SIZES.pollSmall } messages (ms)`,
			String( result.poll_ms_p50_10k ),
			'',
		],
		[
			`poll p50, ${ SIZES.pollLarge } messages (ms)`,
			String( result.poll_ms_p50_100k ),
			'',
		],
		[
			'IDLE arrival-to-ticket p50 / p95 (ms)',
			`${ result.idle_latency_ms_p50 } / ${ result.idle_latency_ms_p95 }`,
			'',
		],
		[
			'database time per email (ms)',
			String( result.db_ms_per_email ),
			'',
		],
		[
			'  text / mix (ms)',
			`${ result.db_ms_per_email_text } / ${ result.db_ms_per_email_mix }`,
			'',
		],
		[
			'  statements per email, text / mix',
			`${ result.db_statements_per_email_text } / ${ result.db_statements_per_email_mix }`,
			'',
		],
		[
			'engine wait on database calls per email (ms)',
			String( result.db_wait_ms_per_email ),
			'',
		],
	];
	for ( const [ name, share, bound, serverBound ] of [
		[
			'text',
			result.cpu_s_per_1000_text,
			result.cpu_bound_eps_text,
			result.server_bound_eps_text,
		],
		[
			'mix',
			result.cpu_s_per_1000_mix,
			result.cpu_bound_eps_mix,
			result.server_bound_eps_mix,
		],
	] as const ) {
		rows.push( [
			`CPU s per 1,000 ${ name } emails: engine / MariaDB / Dovecot`,
			`${ share.engine } / ${ share.mariadb } / ${ share.dovecot }`,
			'',
		] );
		rows.push( [
			`  ${ name } emails/s the ${ CORES } cores allow: all / servers only`,
			`${ bound } / ${ serverBound }`,
			'',
		] );
	}
	log( '' );
	log(
		`${ 'measure'.padEnd( 58 ) }${ 'engine'.padStart( 12 ) }${ 'naive'.padStart( 12 ) }`
	);
	for ( const [ name, ours, theirs ] of rows ) {
		// Database time is not measured on a server without statement timing.
		const value = ours.replaceAll( 'NaN', 'n/a' );
		log(
			`${ name.padEnd( 58 ) }${ value.padStart( 12 ) }${ theirs.padStart( 12 ) }`
		);
	}
	process.stdout.write( JSON.stringify( result ) + '\n' );
	await db.end();
	await rootDb.end();
}

await main();
