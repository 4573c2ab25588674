/**
 * Carries out what WordPress asks of the sidecar through epipe_jobs: test a connection,
 * reprocess a quarantined email, run the pipeline on a pasted email (rule tester), finish the
 * OAuth authorisation of a Gmail or Microsoft connection.
 */
import { checkConnection } from './commands/check.ts';
import { exchangeOAuthCode } from './commands/oauth-exchange.ts';
import { describeRaw } from './commands/parse.ts';
import { reprocess } from './commands/quarantine.ts';
import type { RuntimeContext } from './context.ts';
import { claimJob, finishJob, type Job } from './db/jobs-repo.ts';
import { SidecarError } from './errors.ts';
import { loadConnections } from './session.ts';

/** Jobs run in one go at most, so mail is never held up for long. */
const MAX_JOBS_PER_DRAIN = 20;

/**
 * Runs one job.
 *
 * @param ctx Runtime.
 * @param job The job.
 * @return Whether it succeeded, and its result.
 */
export async function runJob(
	ctx: RuntimeContext,
	job: Job
): Promise< { ok: boolean; result: Record< string, unknown > } > {
	switch ( job.type ) {
		case 'check_connection': {
			if ( job.connectionId === null ) {
				return {
					ok: false,
					result: {
						ok: false,
						code: 'connection_not_found',
						message: 'The job names no connection.',
					},
				};
			}
			const report = await checkConnection( ctx, job.connectionId );
			return { ok: report.ok, result: { ...report } };
		}
		case 'reprocess_quarantine': {
			const id = Number( job.payload?.[ 'quarantine_id' ] );
			const result = await reprocess( ctx, id );
			const ok = result.outcome !== 'quarantined';
			return {
				ok,
				result: {
					ok,
					outcome: result.outcome,
					reason: result.reason,
					ticket_id: result.ticketId,
				},
			};
		}
		case 'test_rules': {
			const raw = job.payload?.[ 'raw' ];
			if ( typeof raw !== 'string' || raw.trim() === '' ) {
				return {
					ok: false,
					result: {
						ok: false,
						code: 'usage',
						message: 'Paste a whole email, headers included.',
					},
				};
			}
			// The admin tests the rules they just saved: read them now, not at the last pass.
			await ctx.settings.refresh( 0 );
			const mailboxAddress =
				job.connectionId === null
					? ''
					: ( ( await loadConnections( ctx, job.connectionId ) )
							.connections[ 0 ]?.mailboxAddress ?? '' );
			return {
				ok: true,
				result: {
					ok: true,
					...( await describeRaw( Buffer.from( raw ), {
						ctx,
						mailboxAddress,
					} ) ),
				},
			};
		}
		case 'oauth_exchange': {
			if ( job.connectionId === null ) {
				throw new SidecarError(
					'connection_not_found',
					'The job names no connection.'
				);
			}
			const result = await exchangeOAuthCode(
				ctx,
				job.connectionId,
				job.payload ?? {}
			);
			return { ok: result.ok, result: { ...result } };
		}
		default:
			return {
				ok: false,
				result: {
					ok: false,
					code: 'not_supported',
					message: `This sidecar cannot do "${ job.type }" jobs yet.`,
				},
			};
	}
}

/**
 * Claims and runs waiting jobs until there are none (or a bounded number ran).
 *
 * @param ctx   Runtime.
 * @param owner This sidecar's id.
 * @return How many jobs ran.
 */
export async function drainJobs(
	ctx: RuntimeContext,
	owner: string
): Promise< number > {
	let ran = 0;
	for ( ; ran < MAX_JOBS_PER_DRAIN; ran++ ) {
		const job = await claimJob( ctx.pool, ctx.tables, owner );
		if ( job === null ) {
			break;
		}
		try {
			const { ok, result } = await runJob( ctx, job );
			await finishJob(
				ctx.pool,
				ctx.tables,
				job.id,
				ok ? 'done' : 'failed',
				result
			);
		} catch ( err ) {
			const error =
				err instanceof SidecarError
					? err
					: new SidecarError( 'protocol_error', String( err ), err );
			ctx.log.warn( 'job failed', {
				jobId: job.id,
				type: job.type,
				err: error,
			} );
			await finishJob( ctx.pool, ctx.tables, job.id, 'failed', {
				ok: false,
				code: error.code,
				message: error.message,
			} );
		}
	}
	return ran;
}
