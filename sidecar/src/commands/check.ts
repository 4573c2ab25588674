/**
 * `email-piping check <connection>`: connect, authenticate, report — change nothing.
 */
import type { RuntimeContext } from '../context.ts';
import { SidecarError } from '../errors.ts';
import { loadConnections, openMailbox } from '../session.ts';

/**
 * Reports what the sidecar sees in one mailbox as one JSON line.
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
	const { connections, broken } = await loadConnections( ctx, connectionId );
	const connection = connections[ 0 ];
	if ( connection === undefined ) {
		const error =
			broken[ 0 ]?.error ??
			new SidecarError(
				'connection_not_found',
				`There is no connection #${ connectionId }.`
			);
		out(
			JSON.stringify( {
				connection: connectionId,
				ok: false,
				code: error.code,
				message: error.message,
			} )
		);
		return 1;
	}
	try {
		const mailbox = await openMailbox( ctx, connection, true );
		await mailbox.source.close();
		out(
			JSON.stringify( {
				connection: connectionId,
				ok: true,
				folder: connection.imap.folder,
				messages: mailbox.snapshot.exists,
				uidvalidity: mailbox.snapshot.uidValidity,
				uidnext: mailbox.snapshot.uidNext,
			} )
		);
		return 0;
	} catch ( err ) {
		const error =
			err instanceof SidecarError
				? err
				: new SidecarError( 'protocol_error', String( err ), err );
		out(
			JSON.stringify( {
				connection: connectionId,
				ok: false,
				code: error.code,
				message: error.message,
			} )
		);
		return 1;
	}
}
