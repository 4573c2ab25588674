/**
 * `email-piping run`: every enabled connection, until SIGTERM. Each connection has its own
 * worker — lease, IMAP IDLE for near-instant pickup, a node-cron poll as the fallback, a stall
 * watchdog and reconnects with backoff — so one failing mailbox never holds up another.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import cron from 'node-cron';

import type { InFlightBudget } from './budget.ts';
import type { RuntimeContext } from './context.ts';
import {
	acquireLease,
	leaseOwnerId,
	recordStatus,
	releaseLease,
	type Checkpoint,
} from './db/state-repo.ts';
import { SidecarError } from './errors.ts';
import type { ConnectionConfig } from './interfaces.ts';
import { connectionUp } from './metrics.ts';
import { pingWordPress } from './notify.ts';
import { openMailbox } from './session.ts';
import { backoffDelay } from './sources/backoff.ts';
import { processNewMail } from './worker.ts';

export interface DaemonOptions {
	/** Lease length; another sidecar takes over this long after this one dies. */
	readonly leaseSeconds: number;
	/** A pass that makes no progress this long is considered stalled: reconnect. */
	readonly stallMs: number;
	/** Shared bound on emails in flight. */
	readonly budget: InFlightBudget;
}

/** Fallback poll, in case IDLE misses something or the server does not offer it. */
const POLL_SECONDS = 30;
const POLL_CRON = `*/${ POLL_SECONDS } * * * * *`;

export class ConnectionWorker {
	private readonly owner = leaseOwnerId();
	private readonly ctx: RuntimeContext;
	private readonly connection: ConnectionConfig;
	private readonly options: DaemonOptions;

	/**
	 * @param ctx        Runtime.
	 * @param connection Connection to work.
	 * @param options    Lease, watchdog and budget.
	 */
	constructor(
		ctx: RuntimeContext,
		connection: ConnectionConfig,
		options: DaemonOptions
	) {
		this.ctx = ctx;
		this.connection = connection;
		this.options = options;
	}

	/**
	 * Works the connection until `signal` aborts or a permanent error (e.g. a wrong password)
	 * makes retrying pointless.
	 *
	 * @param signal Shutdown.
	 * @return The permanent error, or null after a shutdown.
	 */
	async run( signal: AbortSignal ): Promise< SidecarError | null > {
		const { pool, tables } = this.ctx;
		const id = this.connection.id;
		const log = this.ctx.log.child( { connectionId: id } );
		let attempt = 0;
		while ( ! signal.aborted ) {
			try {
				if (
					! ( await acquireLease(
						pool,
						tables,
						id,
						this.owner,
						this.options.leaseSeconds
					) )
				) {
					// Another sidecar works this mailbox; stand by to take over if it dies.
					await sleep(
						( this.options.leaseSeconds * 1000 ) / 3,
						undefined,
						{ signal }
					).catch( () => undefined );
					continue;
				}
				await this.session( signal, () => {
					attempt = 0;
				} );
			} catch ( err ) {
				const error =
					err instanceof SidecarError
						? err
						: new SidecarError(
								'protocol_error',
								String( err ),
								err
							);
				log.warn( 'connection failed', {
					err: error,
					code: error.code,
				} );
				await recordStatus(
					pool,
					tables,
					id,
					'error',
					error.code,
					error.message
				).catch( () => undefined );
				connectionUp.set( { connection: String( id ) }, 0 );
				if ( error.isPermanent ) {
					await releaseLease( pool, tables, id, this.owner ).catch(
						() => undefined
					);
					return error;
				}
				// A provider that asked for a pause (Retry-After) gets at least that pause.
				await sleep(
					Math.max(
						error.retryAfterMs ?? 0,
						backoffDelay( attempt++ )
					),
					undefined,
					{ signal }
				).catch( () => undefined );
			}
		}
		await releaseLease( pool, tables, id, this.owner ).catch(
			() => undefined
		);
		return null;
	}

	/**
	 * One connected session: passes on IDLE notifications and on the fallback schedule, until
	 * the server drops us, the lease is lost, a pass stalls, or shutdown.
	 *
	 * @param signal    Shutdown.
	 * @param connected Called once the mailbox is open.
	 */
	private async session(
		signal: AbortSignal,
		connected: () => void
	): Promise< void > {
		const { pool, tables } = this.ctx;
		const id = this.connection.id;
		const log = this.ctx.log.child( { connectionId: id } );
		const mailbox = await openMailbox( this.ctx, this.connection );
		connected();
		await recordStatus( pool, tables, id, 'connected', null, null );
		connectionUp.set( { connection: String( id ) }, 1 );

		let checkpoint: Checkpoint = mailbox.checkpoint;
		let running: Promise< void > | null = null;
		let again = false;
		let failure: unknown = null;
		let lastProgress = Date.now();
		let stop: () => void = () => undefined;
		const ended = new Promise< void >( ( resolve ) => {
			stop = resolve;
		} );
		const fail = ( err: unknown ): void => {
			failure ??= err;
			stop();
		};

		const pass = async (): Promise< void > => {
			do {
				again = false;
				lastProgress = Date.now();
				const result = await processNewMail(
					this.ctx,
					this.connection,
					mailbox.source,
					checkpoint,
					signal,
					{
						budget: this.options.budget,
						progress: () => {
							lastProgress = Date.now();
						},
					}
				);
				if ( result.events > 0 && this.ctx.siteUrl !== null ) {
					void pingWordPress(
						this.ctx.siteUrl,
						this.ctx.secretKey,
						this.ctx.log
					);
				}
				checkpoint = await this.currentCheckpoint( checkpoint );
				// How the mailbox is watched, and when it was last looked at (machine words; PHP
				// says "Listening (IDLE)" or "Polling every N s").
				await recordStatus(
					pool,
					tables,
					id,
					mailbox.source.listening() ? 'idle' : 'polling',
					null,
					JSON.stringify( { poll_seconds: POLL_SECONDS } )
				);
			} while ( again && ! signal.aborted );
		};
		// Passes never overlap: a trigger during a pass asks for one more pass afterwards.
		const trigger = (): void => {
			if ( running !== null ) {
				again = true;
				return;
			}
			running = pass()
				.catch( fail )
				.finally( () => {
					running = null;
				} );
		};

		// Renew the lease well before it runs out, and watch for a pass that hangs (a server that
		// stops answering mid-download, a half-open TCP connection).
		const heartbeat = setInterval(
			() => {
				if (
					running !== null &&
					Date.now() - lastProgress > this.options.stallMs
				) {
					log.warn( 'pass stalled; reconnecting', {
						stalledMs: Date.now() - lastProgress,
					} );
					fail(
						new SidecarError(
							'timeout',
							`Connection #${ id }: the mail server stopped answering.`
						)
					);
					void mailbox.source.close();
					return;
				}
				acquireLease(
					pool,
					tables,
					id,
					this.owner,
					this.options.leaseSeconds
				).then(
					( held ) =>
						held ||
						fail(
							new SidecarError(
								'lease_held',
								`Connection #${ id } was taken over by another sidecar.`
							)
						),
					fail
				);
			},
			Math.max( 1000, ( this.options.leaseSeconds * 1000 ) / 3 )
		);
		const poll = cron.schedule( POLL_CRON, trigger, {
			name: `poll:${ id }`,
			noOverlap: true,
		} );

		mailbox.source.onNewMail( trigger );
		mailbox.source.onClose( () => stop() );
		signal.addEventListener( 'abort', () => stop(), { once: true } );
		trigger();
		try {
			await ended;
			// On shutdown the pass in flight finishes its current email (it checks the signal).
			await ( running ?? Promise.resolve() );
		} finally {
			clearInterval( heartbeat );
			await poll.stop();
			await poll.destroy();
			await mailbox.source.close().catch( () => undefined );
		}
		if ( failure !== null && ! signal.aborted ) {
			throw failure;
		}
		if ( ! signal.aborted ) {
			throw new SidecarError(
				'connect_failed',
				`Connection #${ id }: the server closed the connection.`
			);
		}
	}

	/**
	 * Re-reads the checkpoint the store advanced.
	 *
	 * @param previous Checkpoint of the last pass.
	 */
	private async currentCheckpoint(
		previous: Checkpoint
	): Promise< Checkpoint > {
		const [ rows ] = await this.ctx.pool.execute(
			`SELECT last_uid FROM ${ this.ctx.tables.mailbox_state } WHERE connection_id = ? AND uidvalidity = ?`,
			[ this.connection.id, previous.uidValidity ]
		);
		const row = ( rows as Array< { last_uid: number | string } > )[ 0 ];
		return {
			uidValidity: previous.uidValidity,
			lastUid: row ? Number( row.last_uid ) : previous.lastUid,
		};
	}
}
