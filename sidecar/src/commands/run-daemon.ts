/**
 * `email-piping run`: the long-running daemon with two-stage shutdown.
 */
import { InFlightBudget } from '../budget.ts';
import { leaseOwnerId } from '../db/state-repo.ts';
import { drainJobs } from '../jobs.ts';
import { serveMetrics } from '../metrics.ts';
import type { RuntimeContext } from '../context.ts';
import { ConnectionWorker } from '../daemon.ts';
import { loadConnections } from '../session.ts';

/** Emails processed at once across all connections (each holds a database connection). */
const MAX_IN_FLIGHT = 6;

/** Announced bytes processed at once across all connections. */
const MAX_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

/** How often the daemon looks for jobs from WordPress. */
const JOB_POLL_MS = 2_000;

/** After the first SIGTERM, in-flight messages get this long to finish. */
const GRACEFUL_MS = 10_000;

/**
 * Runs until SIGTERM/SIGINT, or until every connection has failed permanently.
 *
 * @param ctx                  Runtime.
 * @param only                 --connection value, or null for all enabled connections.
 * @param options
 * @param options.leaseSeconds
 * @param options.stallSeconds
 * @param options.metricsPort
 * @return Exit code.
 */
export async function runDaemon(
	ctx: RuntimeContext,
	only: number | null,
	options: {
		leaseSeconds: number;
		stallSeconds: number;
		metricsPort: number | null;
	}
): Promise< number > {
	const { connections, broken } = await loadConnections( ctx, only );
	for ( const b of broken ) {
		process.stderr.write( `email-piping: ${ b.error.message }\n` );
	}
	if ( connections.length === 0 ) {
		process.stderr.write(
			'email-piping: there is no enabled connection to work: add one in Email Piping › Connections.\n'
		);
		return 1;
	}

	const controller = new AbortController();
	let signals = 0;
	const onSignal = ( name: string ): void => {
		signals++;
		if ( signals === 1 ) {
			ctx.log.info( 'shutting down: finishing messages in flight', {
				signal: name,
			} );
			controller.abort();
			setTimeout( () => {
				ctx.log.error( 'forced shutdown: work did not finish in time' );
				process.exit( 1 );
			}, GRACEFUL_MS ).unref();
		} else {
			ctx.log.error( 'forced shutdown on second signal' );
			process.exit( 1 );
		}
	};
	process.on( 'SIGTERM', () => onSignal( 'SIGTERM' ) );
	process.on( 'SIGINT', () => onSignal( 'SIGINT' ) );

	ctx.log.info( 'sidecar started', {
		connections: connections.map( ( c ) => c.id ),
	} );
	const daemonOptions = {
		leaseSeconds: options.leaseSeconds,
		stallMs: options.stallSeconds * 1000,
		budget: new InFlightBudget( MAX_IN_FLIGHT, MAX_BYTES_IN_FLIGHT ),
	};
	const metrics =
		options.metricsPort === null
			? null
			: await serveMetrics( options.metricsPort, ctx.pool );
	// Requests from WordPress (test a connection, reprocess quarantine, test rules).
	const jobOwner = leaseOwnerId();
	let draining = false;
	const jobTimer = setInterval( () => {
		if ( draining ) {
			return;
		}
		draining = true;
		drainJobs( ctx, jobOwner )
			.catch( ( err: unknown ) =>
				ctx.log.warn( 'jobs could not be read', { err } )
			)
			.finally( () => {
				draining = false;
			} );
	}, JOB_POLL_MS );
	controller.signal.addEventListener(
		'abort',
		() => clearInterval( jobTimer ),
		{ once: true }
	);
	const results = await Promise.all(
		connections.map( ( c ) =>
			new ConnectionWorker( ctx, c, daemonOptions ).run(
				controller.signal
			)
		)
	);
	clearInterval( jobTimer );
	metrics?.close();
	const permanent = results.filter( ( r ) => r !== null );
	for ( const error of permanent ) {
		process.stderr.write( `email-piping: ${ error.message }\n` );
	}
	// Every connection stopped for good: exit non-zero so a supervisor shows the problem.
	return controller.signal.aborted && permanent.length < connections.length
		? 0
		: 1;
}
