/**
 * `email-piping run --once`: one pass over every connection, then exit (cron-style use, tests).
 */
import type { RuntimeContext } from '../context.ts';
import {
	acquireLease,
	leaseOwnerId,
	recordStatus,
	releaseLease,
} from '../db/state-repo.ts';
import { SidecarError } from '../errors.ts';
import { drainJobs } from '../jobs.ts';
import { pingWordPress } from '../notify.ts';
import { loadConnections, openMailbox } from '../session.ts';
import { processNewMail } from '../worker.ts';

/** Lease taken for a single pass; long enough for a big backlog. */
const ONCE_LEASE_SECONDS = 600;

/**
 * Runs one pass per connection.
 *
 * @param ctx  Runtime.
 * @param only --connection value, or null for all enabled connections.
 * @param out  Where the per-connection summary lines go.
 * @return Process exit code: 0 when every connection worked, 1 otherwise.
 */
export async function runOnce(
	ctx: RuntimeContext,
	only: number | null,
	out: ( line: string ) => void
): Promise< number > {
	// Requests from WordPress first: an admin waiting on "Test connection" should not wait for mail.
	await drainJobs( ctx, leaseOwnerId() );
	const { connections, broken } = await loadConnections( ctx, only );
	const failures: string[] = broken.map( ( b ) => b.error.message );
	let events = 0;
	const owner = leaseOwnerId();
	const signal = new AbortController().signal;

	for ( const connection of connections ) {
		if (
			! ( await acquireLease(
				ctx.pool,
				ctx.tables,
				connection.id,
				owner,
				ONCE_LEASE_SECONDS
			) )
		) {
			out(
				`connection #${ connection.id } (${ connection.mailboxAddress }): skipped, another sidecar is working it`
			);
			continue;
		}
		try {
			const mailbox = await openMailbox( ctx, connection );
			try {
				const result = await processNewMail(
					ctx,
					connection,
					mailbox.source,
					mailbox.checkpoint,
					signal
				);
				events += result.events;
				await recordStatus(
					ctx.pool,
					ctx.tables,
					connection.id,
					'connected',
					null,
					null
				);
				const c = result.counts;
				out(
					`connection #${ connection.id } (${ connection.mailboxAddress }): ${ c.ticket } new tickets, ${ c.reply } replies, ${ c.skipped } skipped, ${ c.quarantined } quarantined`
				);
			} finally {
				await mailbox.source.close();
			}
		} catch ( err ) {
			const error =
				err instanceof SidecarError
					? err
					: new SidecarError(
							'protocol_error',
							`Connection #${ connection.id }: ${ String( err ) }`,
							err
						);
			await recordStatus(
				ctx.pool,
				ctx.tables,
				connection.id,
				'error',
				error.code,
				error.message
			);
			failures.push( error.message );
		} finally {
			await releaseLease( ctx.pool, ctx.tables, connection.id, owner );
		}
	}

	if ( events > 0 && ctx.siteUrl !== null ) {
		await pingWordPress( ctx.siteUrl, ctx.secretKey, ctx.log );
	}
	for ( const failure of failures ) {
		process.stderr.write( `email-piping: ${ failure }\n` );
	}
	if ( connections.length === 0 && broken.length === 0 ) {
		out( 'no enabled connections: add one in Email Piping › Connections' );
	}
	return failures.length > 0 ? 1 : 0;
}
