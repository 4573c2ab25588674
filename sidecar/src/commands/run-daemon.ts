/**
 * `email-piping run`: the long-running daemon with two-stage shutdown.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { InFlightBudget } from '../budget.ts';
import { leaseOwnerId } from '../db/state-repo.ts';
import { drainJobs } from '../jobs.ts';
import { serveMetrics } from '../metrics.ts';
import type { RuntimeContext } from '../context.ts';
import { loadConnectionRows } from '../db/connections-repo.ts';
import { Fleet } from '../fleet.ts';

/** Emails processed at once across all connections (each holds a database connection). */
const MAX_IN_FLIGHT = 6;

/** Announced bytes processed at once across all connections. */
const MAX_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

/** How often the daemon looks for jobs from WordPress. */
const JOB_POLL_MS = 2_000;

/** How often the daemon re-reads the connections table. */
const RECONCILE_MS = 5_000;

/** After the first SIGTERM, in-flight messages get this long to finish. */
const GRACEFUL_MS = 10_000;

/**
 * Runs until SIGTERM/SIGINT. Exits at once (1) when there is no connection it can work.
 *
 * @param ctx                  Runtime.
 * @param only                 --connection value, or null for all enabled connections.
 * @param options              Daemon settings from the command line.
 * @param options.leaseSeconds --lease-seconds.
 * @param options.stallSeconds --stall-seconds.
 * @param options.metricsPort  --metrics-port, or null.
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
	const fleet = new Fleet( ctx, only, daemonOptions, ( error ) =>
		process.stderr.write( `email-piping: ${ error.message }\n` )
	);
	await fleet.reconcile();
	if ( fleet.size === 0 ) {
		// Nothing to work at all: say so and let the supervisor show it.
		if (
			( await loadConnectionRows( ctx.pool, ctx.tables, only ) )
				.length === 0
		) {
			process.stderr.write(
				'email-piping: there is no enabled connection to work: add one in Email Piping › Connections.\n'
			);
		}
		clearInterval( jobTimer );
		metrics?.close();
		return 1;
	}
	ctx.log.info( 'sidecar started', { connections: fleet.size } );
	// From now on the daemon follows the connections table: added, changed, disabled, deleted.
	while ( ! controller.signal.aborted ) {
		await sleep( RECONCILE_MS, undefined, {
			signal: controller.signal,
		} ).catch( () => undefined );
		if ( ! controller.signal.aborted ) {
			await fleet
				.reconcile()
				.catch( ( err: unknown ) =>
					ctx.log.warn( 'connections could not be read', { err } )
				);
		}
	}
	await fleet.stopAll();
	clearInterval( jobTimer );
	metrics?.close();
	return 0;
}
