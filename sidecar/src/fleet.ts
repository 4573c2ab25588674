/**
 * The daemon's set of connection workers, kept in line with the connections table: a connection
 * added or enabled in WordPress starts being worked within seconds, one disabled or deleted
 * stops, one whose settings changed (a corrected password) is restarted. A connection that
 * failed for good waits for its settings to change.
 */
import { createHash } from 'node:crypto';

import type { RuntimeContext } from './context.ts';
import {
	loadConnectionRows,
	toConnectionConfig,
} from './db/connections-repo.ts';
import { recordStatus } from './db/state-repo.ts';
import { SidecarError } from './errors.ts';
import { ConnectionWorker, type DaemonOptions } from './daemon.ts';

interface Running {
	readonly version: string;
	readonly controller: AbortController;
	readonly done: Promise< void >;
}

export class Fleet {
	private readonly running = new Map< number, Running >();
	/** Connections that failed for good, with the version of their row at the time. */
	private readonly failed = new Map< number, string >();
	private readonly ctx: RuntimeContext;
	private readonly only: number | null;
	private readonly options: DaemonOptions;
	private readonly onPermanentFailure: ( error: SidecarError ) => void;

	/**
	 * @param ctx                Runtime.
	 * @param only               --connection value, or null for all enabled connections.
	 * @param options            Lease, watchdog and budget.
	 * @param onPermanentFailure Told about a connection that stopped for good.
	 */
	constructor(
		ctx: RuntimeContext,
		only: number | null,
		options: DaemonOptions,
		onPermanentFailure: ( error: SidecarError ) => void
	) {
		this.ctx = ctx;
		this.only = only;
		this.options = options;
		this.onPermanentFailure = onPermanentFailure;
	}

	/** Connections being worked now. */
	get size(): number {
		return this.running.size;
	}

	/**
	 * Starts, stops and restarts workers to match the connections table.
	 */
	async reconcile(): Promise< void > {
		const rows = await loadConnectionRows(
			this.ctx.pool,
			this.ctx.tables,
			this.only
		);
		const wanted = new Map(
			rows.map( ( row ) => [
				Number( row[ 'id' ] ),
				{ row, version: versionOf( row ) },
			] )
		);
		for ( const [ id, run ] of this.running ) {
			if ( wanted.get( id )?.version !== run.version ) {
				this.ctx.log.info(
					'connection changed or removed; stopping its worker',
					{ connectionId: id }
				);
				run.controller.abort();
				await run.done;
			}
		}
		for ( const [ id, { row, version } ] of wanted ) {
			if ( this.running.has( id ) || this.failed.get( id ) === version ) {
				continue;
			}
			this.failed.delete( id );
			let config;
			try {
				config = toConnectionConfig( row, this.ctx.secretKey );
			} catch ( err ) {
				const error =
					err instanceof SidecarError
						? err
						: new SidecarError(
								'connection_invalid',
								String( err ),
								err
							);
				await recordStatus(
					this.ctx.pool,
					this.ctx.tables,
					id,
					'error',
					error.code,
					error.message
				).catch( () => undefined );
				this.failed.set( id, version );
				this.onPermanentFailure( error );
				continue;
			}
			const controller = new AbortController();
			const done = new ConnectionWorker( this.ctx, config, this.options )
				.run( controller.signal )
				.then(
					( error ) => {
						this.running.delete( id );
						if ( error !== null ) {
							this.failed.set( id, version );
							this.onPermanentFailure( error );
						}
					},
					( err: unknown ) => {
						this.running.delete( id );
						this.ctx.log.error( 'connection worker crashed', {
							connectionId: id,
							err,
						} );
					}
				);
			this.running.set( id, { version, controller, done } );
		}
	}

	/**
	 * Stops every worker and waits for the emails in flight.
	 */
	async stopAll(): Promise< void > {
		const all = [ ...this.running.values() ];
		all.forEach( ( run ) => run.controller.abort() );
		await Promise.all( all.map( ( run ) => run.done ) );
	}
}

/**
 * What identifies a version of a connection row: a change of any of these restarts its worker.
 * A Gmail or Microsoft connection's secret is its refresh token, which the worker itself
 * replaces when the provider rotates it: only a new authorisation (which also sets updated_at)
 * restarts it.
 *
 * @param row Connection row.
 */
export function versionOf( row: Record< string, unknown > ): string {
	const oauth = row[ 'kind' ] === 'gmail' || row[ 'kind' ] === 'graph';
	return createHash( 'sha256' )
		.update(
			[
				row[ 'enabled' ],
				row[ 'kind' ],
				row[ 'mailbox_address' ],
				row[ 'settings' ],
				oauth ? '' : row[ 'secret' ],
				row[ 'client_secret' ],
				row[ 'updated_at' ],
			]
				.map( String )
				.join( '\u0000' )
		)
		.digest( 'hex' );
}
