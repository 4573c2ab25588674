/**
 * Connections of their own for big emails. Streaming one big email is a chain of requests: the
 * mail server reads and encrypts a chunk, this process decrypts and decodes it, the database
 * stores it, and each link waits on the one before, so with one big email at a time no process
 * is busy all the time. Two big emails at once keep both cores busy, but only on two
 * connections: one connection serving two interleaved big emails costs the server more than it
 * saves (Dovecot resumes a partial fetch cheaply only for the message it read last), and it
 * would hold up the batches read on the pass's own connection.
 *
 * The connections are opened when a pass meets its first big email and closed with the pass. A
 * server that refuses another connection (a per-user limit) leaves big emails on the pass's own
 * connection, one at a time, as before.
 */
import type { Logger } from '../logger.ts';
import { countBigEmailConnection } from '../metrics.ts';
import type { MailSource } from './mail-source.ts';

/** A source to read one big email with, until `release`. */
export interface BigEmailReader {
	readonly source: MailSource;
	readonly release: () => void;
}

export class BigEmailReaders {
	private readonly source: MailSource;
	private readonly fork: ( () => MailSource ) | undefined;
	private readonly uidValidity: number;
	private readonly log: Logger;
	private readonly wanted: number;
	private readonly opened: MailSource[] = [];
	private readonly idle: MailSource[] = [];
	private opening: Promise< void > | null = null;

	/**
	 * @param source      The pass's own, connected source.
	 * @param uidValidity The mailbox's UIDVALIDITY the pass's UIDs belong to.
	 * @param wanted      Connections to open at most.
	 * @param log         Logger.
	 */
	constructor(
		source: MailSource,
		uidValidity: number,
		wanted: number,
		log: Logger
	) {
		this.source = source;
		this.fork = source.fork?.bind( source );
		this.uidValidity = uidValidity;
		this.wanted = wanted;
		this.log = log;
	}

	/**
	 * How many big emails may be read at once: one per connection of their own, or one on the
	 * pass's connection when there are none.
	 */
	async lanes(): Promise< number > {
		this.opening ??= this.open();
		await this.opening;
		return Math.max( 1, this.opened.length );
	}

	/** A source for one big email: a connection of its own when one is free. */
	take(): BigEmailReader {
		const free = this.idle.shift();
		if ( free === undefined ) {
			return { source: this.source, release: () => undefined };
		}
		let released = false;
		return {
			source: free,
			release: () => {
				if ( ! released ) {
					released = true;
					this.idle.push( free );
				}
			},
		};
	}

	/** Closes the connections opened. */
	async close(): Promise< void > {
		await this.opening;
		await Promise.all(
			this.opened.map( ( s ) => s.close().catch( () => undefined ) )
		);
	}

	private async open(): Promise< void > {
		for ( let i = 0; this.fork !== undefined && i < this.wanted; i++ ) {
			let fork: MailSource | undefined;
			try {
				fork = this.fork();
				const snapshot = await fork.connect();
				// The mailbox was renumbered meanwhile: its UIDs are not this pass's.
				if ( snapshot.uidValidity !== this.uidValidity ) {
					await fork.close();
					return;
				}
			} catch ( err ) {
				await fork?.close().catch( () => undefined );
				this.log.info(
					'no second connection to the mailbox for big emails; they are read one at a time',
					{ err }
				);
				return;
			}
			countBigEmailConnection();
			this.opened.push( fork );
			this.idle.push( fork );
		}
	}
}
