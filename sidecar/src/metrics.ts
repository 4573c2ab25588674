/**
 * In-process counters of the engine: what the benchmark reports and what a /metrics endpoint
 * exposes. Cheap enough to keep on in production.
 */
import fs from 'node:fs';
import http from 'node:http';

import client from 'prom-client';

import type { Pool, PoolConnection } from './db/pool.ts';

/** The registry /metrics serves: process metrics plus the engine's own. */
export const registry = new client.Registry();
client.collectDefaultMetrics( { register: registry, prefix: 'epipe_' } );

const emailsTotal = new client.Counter( {
	name: 'epipe_emails_total',
	help: 'Emails that reached an outcome, by outcome (ticket, reply, skipped, quarantined, already_processed).',
	labelNames: [ 'outcome' ] as const,
	registers: [ registry ],
} );

const dbSeconds = new client.Counter( {
	name: 'epipe_db_seconds_total',
	help: 'Time spent waiting for the database inside ingestion transactions.',
	registers: [ registry ],
} );

const emailsRead = new client.Counter( {
	name: 'epipe_emails_read_total',
	help: 'Emails read from their source, by the way they were read: batch (several small ones in one request), whole (streamed) or partwise (big attachments fetched apart).',
	labelNames: [ 'way' ] as const,
	registers: [ registry ],
} );

const bigEmailConnections = new client.Counter( {
	name: 'epipe_big_email_connections_total',
	help: "Mailbox connections opened beside a pass's own to read big emails two at a time.",
	registers: [ registry ],
} );

/** Connection health as the daemon sees it: 1 connected, 0 failing. */
export const connectionUp = new client.Gauge( {
	name: 'epipe_connection_up',
	help: 'Whether the daemon is connected to the mailbox of a connection (1) or failing (0).',
	labelNames: [ 'connection' ] as const,
	registers: [ registry ],
} );

export const counters = {
	/** Emails that reached an outcome, by outcome. */
	emails: new Map< string, number >(),
	/** Emails read, by way (batch, whole, partwise). */
	read: new Map< string, number >(),
	/** Mailbox connections opened to read big emails beside a pass's own. */
	bigEmailConnections: 0,
	/** Milliseconds spent waiting for the database inside ingestion transactions. */
	dbMs: 0,
	/** Database calls made inside ingestion transactions. */
	dbCalls: 0,
	/** When the first email of this process started and the last one ended (performance.now()). */
	firstStart: 0,
	lastEnd: 0,
	/** The process's CPU time (µs, user + system) at those two moments. */
	cpuAtFirstStart: 0,
	cpuAtLastEnd: 0,
};

const cpuMicros = (): number => {
	const { user, system } = process.cpuUsage();
	return user + system;
};

/** Marks the start of an email's processing. */
export function emailStarted(): void {
	if ( counters.firstStart === 0 ) {
		counters.firstStart = performance.now();
		counters.cpuAtFirstStart = cpuMicros();
	}
}

/**
 * Counts one email's outcome.
 *
 * @param outcome ticket | reply | skipped | quarantined | already_processed.
 */
export function countEmail( outcome: string ): void {
	counters.lastEnd = performance.now();
	counters.cpuAtLastEnd = cpuMicros();
	counters.emails.set( outcome, ( counters.emails.get( outcome ) ?? 0 ) + 1 );
	emailsTotal.inc( { outcome } );
}

/** Counts a mailbox connection opened to read big emails beside a pass's own. */
export function countBigEmailConnection(): void {
	counters.bigEmailConnections++;
	bigEmailConnections.inc();
}

/**
 * Counts how emails were read from their source.
 *
 * @param way    batch | whole | partwise.
 * @param emails How many were read that way.
 */
export function countRead(
	way: 'batch' | 'whole' | 'partwise',
	emails = 1
): void {
	counters.read.set( way, ( counters.read.get( way ) ?? 0 ) + emails );
	emailsRead.inc( { way }, emails );
}

const TIMED = new Set( [
	'execute',
	'query',
	'beginTransaction',
	'commit',
	'rollback',
] );

/**
 * The same connection, with the time of every database call added to `counters.dbMs`.
 *
 * @param c Pool connection.
 */
export function timed( c: PoolConnection ): PoolConnection {
	return new Proxy( c, {
		get( target, prop, receiver ) {
			const value: unknown = Reflect.get( target, prop, receiver );
			if (
				typeof prop !== 'string' ||
				! TIMED.has( prop ) ||
				typeof value !== 'function'
			) {
				return value;
			}
			return ( ...args: unknown[] ): Promise< unknown > => {
				const start = performance.now();
				return ( value as ( ...a: unknown[] ) => Promise< unknown > )
					.apply( target, args )
					.finally( () => {
						const ms = performance.now() - start;
						counters.dbMs += ms;
						counters.dbCalls++;
						dbSeconds.inc( ms / 1000 );
					} );
			};
		},
	} );
}

/**
 * A summary for the benchmark: written as JSON to EPIPE_REPORT_FILE when the process ends.
 */
export function writeReportIfAsked(): void {
	const file = process.env[ 'EPIPE_REPORT_FILE' ];
	if ( ! file ) {
		return;
	}
	const report = {
		emails: Object.fromEntries( counters.emails ),
		read: Object.fromEntries( counters.read ),
		big_email_connections: counters.bigEmailConnections,
		db_ms: counters.dbMs,
		db_calls: counters.dbCalls,
		// From the first email's start to the last one's end: ingestion without process start-up.
		processing_ms: counters.lastEnd - counters.firstStart,
		// CPU time of this process (all its threads) over that same stretch.
		processing_cpu_ms:
			( counters.cpuAtLastEnd - counters.cpuAtFirstStart ) / 1000,
		max_rss_mb: process.resourceUsage().maxRSS / 1024,
	};
	fs.writeFileSync( file, JSON.stringify( report ) );
}

/**
 * Serves /metrics (Prometheus text format) and /healthz on a loopback port.
 *
 * @param port Port on 127.0.0.1.
 * @param pool Database, for the health check.
 * @return The server (close it on shutdown).
 */
export function serveMetrics(
	port: number,
	pool: Pool
): Promise< http.Server > {
	const server = http.createServer( ( req, res ) => {
		const send = ( status: number, type: string, body: string ): void => {
			res.writeHead( status, {
				'Content-Type': type,
				'Cache-Control': 'no-store',
			} );
			res.end( body );
		};
		if ( req.url === '/metrics' ) {
			registry.metrics().then(
				( body ) => send( 200, registry.contentType, body ),
				() => send( 500, 'text/plain', 'metrics unavailable\n' )
			);
			return;
		}
		if ( req.url === '/healthz' ) {
			const timeout = new Promise< never >( ( _r, reject ) =>
				setTimeout(
					() => reject( new Error( 'timeout' ) ),
					2000
				).unref()
			);
			Promise.race( [ pool.query( 'SELECT 1' ), timeout ] ).then(
				() => send( 200, 'application/json', '{"status":"ok"}\n' ),
				() =>
					send(
						503,
						'application/json',
						'{"status":"db_unavailable"}\n'
					)
			);
			return;
		}
		send( 404, 'text/plain', 'not found\n' );
	} );
	return new Promise( ( resolve, reject ) => {
		server.once( 'error', reject );
		// Loopback only: metrics and health are for the host's own monitoring.
		server.listen( port, '127.0.0.1', () => resolve( server ) );
	} );
}
