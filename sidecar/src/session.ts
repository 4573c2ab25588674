/**
 * Opening a connection's mailbox the same way for `run`, `run --once` and `check`.
 */
import type { RuntimeContext } from './context.ts';
import {
	loadConnectionRows,
	saveRefreshToken,
	toConnectionConfig,
} from './db/connections-repo.ts';
import {
	checkpointFor,
	recordGrant,
	recordStatus,
	type Checkpoint,
} from './db/state-repo.ts';
import { SidecarError } from './errors.ts';
import type { ConnectionConfig } from './interfaces.ts';
import { ImapSource } from './sources/imap.ts';
import type { MailboxSnapshot, MailSource } from './sources/mail-source.ts';
import type { GrantKeeper } from './sources/providers/grant.ts';
import { seal } from './security/secret-box.ts';

export interface OpenMailbox {
	readonly source: MailSource;
	readonly snapshot: MailboxSnapshot;
	readonly checkpoint: Checkpoint;
}

/**
 * The connections to work: all enabled ones, or the one asked for.
 *
 * @param ctx  Runtime.
 * @param only Connection id from --connection, or null.
 * @return Configs, and the connections whose stored settings could not be read.
 */
export async function loadConnections(
	ctx: RuntimeContext,
	only: number | null
): Promise< {
	connections: ConnectionConfig[];
	broken: Array< { id: number; error: SidecarError } >;
} > {
	const connections: ConnectionConfig[] = [];
	const broken: Array< { id: number; error: SidecarError } > = [];
	for ( const row of await loadConnectionRows(
		ctx.pool,
		ctx.tables,
		only
	) ) {
		try {
			connections.push( toConnectionConfig( row, ctx.secretKey ) );
		} catch ( err ) {
			const error =
				err instanceof SidecarError
					? err
					: new SidecarError( 'connection_invalid', String( err ) );
			broken.push( { id: Number( row[ 'id' ] ), error } );
			await recordStatus(
				ctx.pool,
				ctx.tables,
				Number( row[ 'id' ] ),
				'error',
				error.code,
				error.message
			);
		}
	}
	return { connections, broken };
}

/**
 * Connects, opens the folder and finds the checkpoint; closes the source again on failure.
 *
 * @param ctx        Runtime.
 * @param connection Connection.
 * @param readOnly   true for `check`: no checkpoint is created.
 */
export async function openMailbox(
	ctx: RuntimeContext,
	connection: ConnectionConfig,
	readOnly = false
): Promise< OpenMailbox > {
	const source = await sourceFor( ctx, connection );
	try {
		const snapshot = await source.connect();
		const checkpoint = readOnly
			? { uidValidity: snapshot.uidValidity, lastUid: 0 }
			: await checkpointFor(
					ctx.pool,
					ctx.tables,
					connection.id,
					snapshot.uidValidity,
					snapshot.uidNext,
					connection.startFrom
				);
		return { source, snapshot, checkpoint };
	} catch ( err ) {
		await source.close().catch( () => undefined );
		throw err;
	}
}

/**
 * The source that reads a connection's mailbox. Google's and Microsoft's client libraries are
 * loaded only for a connection that needs them: an IMAP-only sidecar stays lean.
 *
 * @param ctx        Runtime (Gmail and Graph store rotated refresh tokens and grant expiry).
 * @param connection Connection.
 * @param keeper     Where a Gmail or Graph source keeps its grant (the database by default).
 */
export async function sourceFor(
	ctx: RuntimeContext,
	connection: ConnectionConfig,
	keeper: GrantKeeper = grantKeeper( ctx, connection )
): Promise< MailSource > {
	switch ( connection.kind ) {
		case 'imap':
			return new ImapSource( connection );
		case 'gmail': {
			const { GmailSource } = await import( './sources/gmail.ts' );
			return new GmailSource( connection, keeper );
		}
		case 'graph': {
			const { GraphSource } = await import( './sources/graph.ts' );
			return new GraphSource( connection, keeper );
		}
	}
}

/**
 * Keeps a connection's OAuth grant in the database: rotated refresh tokens sealed with the
 * site's key (while the connection is still the version read), the account and the known expiry
 * in the mailbox state.
 *
 * @param ctx        Runtime.
 * @param connection Connection.
 */
export function grantKeeper(
	ctx: RuntimeContext,
	connection: ConnectionConfig
): GrantKeeper {
	const version = connection.kind === 'imap' ? '' : connection.grantVersion;
	return {
		saveRefreshToken: async ( token ) => {
			const stored = await saveRefreshToken(
				ctx.pool,
				ctx.tables,
				connection.id,
				seal( ctx.secretKey, token ),
				version
			).catch( ( err: unknown ) => {
				// Said here, where the log is: a source may only be able to go on without it.
				ctx.log.error( 'a rotated refresh token could not be stored', {
					connectionId: connection.id,
					err,
				} );
				throw err;
			} );
			if ( ! stored ) {
				ctx.log.warn(
					'a rotated refresh token was not stored: the connection was authorised again meanwhile',
					{ connectionId: connection.id }
				);
			}
		},
		recordGrant: ( account, expiresAt ) =>
			recordGrant(
				ctx.pool,
				ctx.tables,
				connection.id,
				account,
				expiresAt
			),
	};
}
