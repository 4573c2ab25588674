/**
 * `email-piping run`: every enabled connection, until SIGTERM. Each connection has its own
 * worker — lease, IMAP IDLE for near-instant pickup, a node-cron poll as the fallback, and
 * reconnects with backoff — so one failing mailbox never holds up another.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import cron from 'node-cron';

import type { RuntimeContext } from './context.ts';
import {
	acquireLease,
	leaseOwnerId,
	recordStatus,
	releaseLease,
} from './db/state-repo.ts';
import { SidecarError } from './errors.ts';
import type { ConnectionConfig } from './interfaces.ts';
import { pingWordPress } from './notify.ts';
import { openMailbox } from './session.ts';
import { backoffDelay } from './sources/backoff.ts';
import { processNewMail } from './worker.ts';

/** Lease length; another sidecar takes over this long after this one dies. */
export const LEASE_SECONDS = 90;

/** Fallback poll (and lease renewal) schedule, in case IDLE misses or the server lacks it. */
const POLL_CRON = '*/30 * * * * *';

export class ConnectionWorker {
	private readonly owner = leaseOwnerId();
	private readonly ctx: RuntimeContext;
	private readonly connection: ConnectionConfig;

	/**
	 * @param ctx        Runtime.
	 * @param connection Connection to work.
	 */
	constructor( ctx: RuntimeContext, connection: ConnectionConfig ) {
		this.ctx = ctx;
		this.connection = connection;
	}

	/**
	 * Works the connection until `signal` aborts or a permanent error (e.g. a wrong password)
	 * makes retrying pointless.
	 *
	 * @param signal Shutdown.
	 * @return The permanent error, or null after a shutdown.
	 */
	async run( signal: AbortSignal ): Promise< SidecarError | null > {
		const log = this.ctx.log.child( { connectionId: this.connection.id } );
		let attempt = 0;
		while ( ! signal.aborted ) {
			try {
				if (
					! ( await acquireLease(
						this.ctx.pool,
						this.ctx.tables,
						this.connection.id,
						this.owner,
						LEASE_SECONDS
					) )
				) {
					await sleep( ( LEASE_SECONDS / 3 ) * 1000, undefined, {
						signal,
					} ).catch( () => undefined );
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
					this.ctx.pool,
					this.ctx.tables,
					this.connection.id,
					'error',
					error.code,
					error.message
				).catch( () => undefined );
				if ( error.isPermanent ) {
					await releaseLease(
						this.ctx.pool,
						this.ctx.tables,
						this.connection.id,
						this.owner
					).catch( () => undefined );
					return error;
				}
				await sleep( backoffDelay( attempt++ ), undefined, {
					signal,
				} ).catch( () => undefined );
			}
		}
		await releaseLease(
			this.ctx.pool,
			this.ctx.tables,
			this.connection.id,
			this.owner
		).catch( () => undefined );
		return null;
	}

	/**
	 * One connected session: passes on IDLE notifications and on the fallback schedule, until
	 * the server drops us, the lease is lost, or shutdown.
	 *
	 * @param signal    Shutdown.
	 * @param connected Called once the mailbox is open.
	 */
	private async session(
		signal: AbortSignal,
		connected: () => void
	): Promise< void > {
		const mailbox = await openMailbox( this.ctx, this.connection );
		connected();
		await recordStatus(
			this.ctx.pool,
			this.ctx.tables,
			this.connection.id,
			'connected',
			null,
			null
		);
		let checkpoint = mailbox.checkpoint;
		let running: Promise< void > | null = null;
		let again = false;
		let failure: unknown = null;
		let stop: () => void = () => undefined;
		const ended = new Promise< void >( ( resolve ) => {
			stop = resolve;
		} );

		const pass = async (): Promise< void > => {
			do {
				again = false;
				const result = await processNewMail(
					this.ctx,
					this.connection,
					mailbox.source,
					checkpoint,
					signal
				);
				if ( result.events > 0 && this.ctx.siteUrl !== null ) {
					void pingWordPress(
						this.ctx.siteUrl,
						this.ctx.secretKey,
						this.ctx.log
					);
				}
				checkpoint = await this.currentCheckpoint( checkpoint );
			} while ( again && ! signal.aborted );
		};
		// Passes never overlap: a trigger during a pass asks for one more pass afterwards.
		const trigger = (): void => {
			if ( running !== null ) {
				again = true;
				return;
			}
			running = pass()
				.catch( ( err: unknown ) => {
					failure = err;
					stop();
				} )
				.finally( () => {
					running = null;
				} );
		};

		mailbox.source.onNewMail( trigger );
		mailbox.source.onClose( () => stop() );
		signal.addEventListener( 'abort', () => stop(), { once: true } );
		const poll = cron.schedule(
			POLL_CRON,
			async () => {
				if (
					! ( await acquireLease(
						this.ctx.pool,
						this.ctx.tables,
						this.connection.id,
						this.owner,
						LEASE_SECONDS
					) )
				) {
					failure = new SidecarError(
						'lease_held',
						`Connection #${ this.connection.id } was taken over by another sidecar.`
					);
					stop();
					return;
				}
				trigger();
			},
			{ name: `poll:${ this.connection.id }`, noOverlap: true }
		);
		trigger();
		try {
			await ended;
			await ( running ?? Promise.resolve() );
		} finally {
			await poll.stop();
			await poll.destroy();
			await mailbox.source.close().catch( () => undefined );
		}
		if ( failure !== null && ! signal.aborted ) {
			throw failure;
		}
	}

	/**
	 * Re-reads the checkpoint the store advanced.
	 *
	 * @param previous             Checkpoint of the last pass.
	 * @param previous.uidValidity UIDVALIDITY of that checkpoint.
	 * @param previous.lastUid     Last UID stored.
	 */
	private async currentCheckpoint( previous: {
		uidValidity: number;
		lastUid: number;
	} ): Promise< { uidValidity: number; lastUid: number } > {
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
