/**
 * `email-piping check <connection>`: connect, authenticate, report — change nothing. The admin's
 * "Test connection" runs the same code as a job.
 */
import type { RuntimeContext } from '../context.ts';
import { SidecarError } from '../errors.ts';
import { loadConnections, openMailbox } from '../session.ts';

export interface CheckReport {
	readonly connection: number;
	readonly ok: boolean;
	readonly code?: string;
	readonly message?: string;
	readonly folder?: string;
	/** Gmail and Graph: the mailbox the OAuth grant reads. */
	readonly account?: string;
	readonly messages?: number;
	readonly uidvalidity?: number;
	readonly uidnext?: number;
}

/**
 * What the sidecar sees in one mailbox.
 *
 * @param ctx          Runtime.
 * @param connectionId Connection to check.
 */
export async function checkConnection(
	ctx: RuntimeContext,
	connectionId: number
): Promise< CheckReport > {
	const failed = ( error: SidecarError ): CheckReport => ( {
		connection: connectionId,
		ok: false,
		code: error.code,
		message: error.message,
	} );
	const { connections, broken } = await loadConnections( ctx, connectionId );
	const connection = connections[ 0 ];
	if ( connection === undefined ) {
		return failed(
			broken[ 0 ]?.error ??
				new SidecarError(
					'connection_not_found',
					`There is no connection #${ connectionId }.`
				)
		);
	}
	try {
		const mailbox = await openMailbox( ctx, connection, true );
		const account = await mailbox.source.account?.();
		await mailbox.source.close();
		return {
			connection: connectionId,
			ok: true,
			folder:
				connection.kind === 'imap'
					? connection.imap.folder
					: connection.provider.folder,
			...( account ? { account } : {} ),
			messages: mailbox.snapshot.exists,
			uidvalidity: mailbox.snapshot.uidValidity,
			uidnext: mailbox.snapshot.uidNext,
		};
	} catch ( err ) {
		return failed(
			err instanceof SidecarError
				? err
				: new SidecarError( 'protocol_error', String( err ), err )
		);
	}
}

/**
 * Prints the report as one JSON line.
 *
 * @param ctx          Runtime.
 * @param connectionId Connection to check.
 * @param out          Output.
 * @return Exit code.
 */
export async function check(
	ctx: RuntimeContext,
	connectionId: number,
	out: ( line: string ) => void
): Promise< number > {
	const report = await checkConnection( ctx, connectionId );
	out( JSON.stringify( report ) );
	return report.ok ? 0 : 1;
}
