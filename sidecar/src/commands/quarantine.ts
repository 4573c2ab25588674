/**
 * `email-piping quarantine list [--json]` and `quarantine reprocess <id>`: see what was kept aside
 * and give an email another try once its cause is fixed (a parser or setting change).
 */
import { Readable } from 'node:stream';

import type { RuntimeContext } from '../context.ts';
import { readBlob } from '../db/blob-repo.ts';
import {
	findQuarantine,
	listQuarantine,
	type QuarantineEntry,
} from '../db/quarantine-repo.ts';
import { SidecarError } from '../errors.ts';
import {
	ingestMessage,
	quarantine,
	type StoreResult,
} from '../pipeline/store.ts';
import { pingWordPress } from '../notify.ts';
import { loadConnections, openMailbox } from '../session.ts';
import { isPoisonError } from '../worker.ts';

/**
 * Prints held entries, one per line.
 *
 * @param ctx  Runtime.
 * @param json One JSON object per line instead of text.
 * @param out  Output.
 */
export async function listCommand(
	ctx: RuntimeContext,
	json: boolean,
	out: ( line: string ) => void
): Promise< number > {
	const entries = await listQuarantine( ctx.pool, ctx.tables );
	for ( const e of entries ) {
		out(
			json
				? JSON.stringify( e )
				: `#${ e.id }  ${ e.createdAt }  connection ${ e.connectionId }  ${ e.reason }  from ${ e.fromAddress || '?' }  "${ e.subject }"  (${ e.attempts } attempts)`
		);
	}
	if ( ! json && entries.length === 0 ) {
		out( 'quarantine is empty' );
	}
	return 0;
}

/**
 * Where the raw email of an entry can be read again: its stored copy, or the mailbox itself
 * when the email was too large to copy.
 *
 * @param ctx   Runtime.
 * @param entry Quarantine entry.
 */
async function rawSource(
	ctx: RuntimeContext,
	entry: QuarantineEntry
): Promise< {
	open: () => Promise< Readable >;
	close: () => Promise< void >;
} > {
	if ( entry.blobId !== null ) {
		const blobId = entry.blobId;
		const c = await ctx.pool.getConnection();
		return {
			open: async () =>
				Readable.from( readBlob( c, ctx.tables, blobId ) ),
			close: async () => c.release(),
		};
	}
	const m = /^imap:(\d+):(\d+)$/.exec( entry.sourceKey );
	const connection = ( await loadConnections( ctx, entry.connectionId ) )
		.connections[ 0 ];
	if ( m === null || connection === undefined ) {
		throw new SidecarError(
			'connection_invalid',
			`Quarantine entry #${ entry.id } has no stored copy and its mailbox cannot be read.`
		);
	}
	const mailbox = await openMailbox( ctx, connection, true );
	if ( mailbox.snapshot.uidValidity !== Number( m[ 1 ] ) ) {
		await mailbox.source.close();
		throw new SidecarError(
			'folder_not_found',
			`Quarantine entry #${ entry.id }: the mailbox was renumbered since, so the email can no longer be found there.`
		);
	}
	const ref = { uid: Number( m[ 2 ] ), size: entry.sizeBytes };
	return {
		open: () => mailbox.source.open( ref ),
		close: () => mailbox.source.close(),
	};
}

/**
 * Runs a quarantined email through the pipeline again.
 *
 * @param ctx Runtime.
 * @param id  Entry id.
 * @throws SidecarError when there is no held entry with that id.
 */
export async function reprocess(
	ctx: RuntimeContext,
	id: number
): Promise< StoreResult > {
	const entry = await findQuarantine( ctx.pool, ctx.tables, id );
	if ( entry === null || entry.status !== 'held' ) {
		throw new SidecarError(
			'usage',
			`There is no held quarantine entry #${ id }: see "email-piping quarantine list".`
		);
	}
	const connection = ( await loadConnections( ctx, entry.connectionId ) )
		.connections[ 0 ];
	const raw = await rawSource( ctx, entry );
	let result: StoreResult;
	try {
		const input = {
			connectionId: entry.connectionId,
			sourceKey: entry.sourceKey,
			size: entry.sizeBytes,
			sizeIsExact: false,
			checkpoint: null,
			settings: ctx.settings.forMailbox(
				connection?.mailboxAddress ?? '',
				ctx.secretKey
			),
			policy: ctx.settings.attachmentPolicy,
			// An admin reprocessing a too-large email has decided it should come in.
			maxBytes: Math.max(
				connection?.maxMessageBytes ?? 0,
				entry.sizeBytes + 1
			),
			open: raw.open,
			quarantineId: entry.id,
		};
		result = await ingestMessage( ctx.pool, ctx.tables, input ).catch(
			( err: unknown ) => {
				if ( ! isPoisonError( err ) ) {
					throw err;
				}
				return quarantine(
					ctx.pool,
					ctx.tables,
					input,
					'store_failed',
					String( err ),
					null
				);
			}
		);
	} finally {
		await raw.close();
	}
	if ( result.eventCreated && ctx.siteUrl !== null ) {
		await pingWordPress( ctx.siteUrl, ctx.secretKey, ctx.log );
	}
	return result;
}

/**
 * `quarantine reprocess <id>`: one JSON line with the outcome.
 *
 * @param ctx Runtime.
 * @param id  Entry id.
 * @param out Output.
 * @return Exit code: 1 when the email is still quarantined.
 */
export async function reprocessCommand(
	ctx: RuntimeContext,
	id: number,
	out: ( line: string ) => void
): Promise< number > {
	const result = await reprocess( ctx, id );
	out(
		JSON.stringify( {
			id,
			outcome: result.outcome,
			reason: result.reason,
			ticket: result.ticketId,
		} )
	);
	return result.outcome === 'quarantined' ? 1 : 0;
}
