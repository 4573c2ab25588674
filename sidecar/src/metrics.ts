/**
 * In-process counters of the engine: what the benchmark reports and what a /metrics endpoint
 * exposes. Cheap enough to keep on in production.
 */
import fs from 'node:fs';

import type { PoolConnection } from './db/pool.ts';

export const counters = {
	/** Emails that reached an outcome, by outcome. */
	emails: new Map< string, number >(),
	/** Milliseconds spent waiting for the database inside ingestion transactions. */
	dbMs: 0,
	/** Database calls made inside ingestion transactions. */
	dbCalls: 0,
	/** When the first email of this process started and the last one ended (performance.now()). */
	firstStart: 0,
	lastEnd: 0,
};

/** Marks the start of an email's processing. */
export function emailStarted(): void {
	if ( counters.firstStart === 0 ) {
		counters.firstStart = performance.now();
	}
}

/**
 * Counts one email's outcome.
 *
 * @param outcome ticket | reply | skipped | quarantined | already_processed.
 */
export function countEmail( outcome: string ): void {
	counters.lastEnd = performance.now();
	counters.emails.set( outcome, ( counters.emails.get( outcome ) ?? 0 ) + 1 );
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
						counters.dbMs += performance.now() - start;
						counters.dbCalls++;
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
		db_ms: counters.dbMs,
		db_calls: counters.dbCalls,
		// From the first email's start to the last one's end: ingestion without process start-up.
		processing_ms: counters.lastEnd - counters.firstStart,
		max_rss_mb: process.resourceUsage().maxRSS / 1024,
	};
	fs.writeFileSync( file, JSON.stringify( report ) );
}
