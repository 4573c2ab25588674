/**
 * The sidecar's half of "Connect" for Gmail and Microsoft connections: WordPress checked the
 * OAuth `state` and hands over the authorisation code and PKCE verifier (sealed); here they are
 * traded for a refresh token, the grant is tried on the mailbox, and the token is stored sealed.
 */
import type { RowDataPacket } from 'mysql2/promise';

import type { RuntimeContext } from '../context.ts';
import {
	loadConnectionRows,
	toConnectionConfig,
} from '../db/connections-repo.ts';
import { recordGrant, recordStatus } from '../db/state-repo.ts';
import { SidecarError } from '../errors.ts';
import type { ProviderConnection } from '../interfaces.ts';
import { open, seal } from '../security/secret-box.ts';
import { sourceFor } from '../session.ts';
import { providerEndpoints } from '../sources/providers/endpoints.ts';
import type { GrantKeeper } from '../sources/providers/grant.ts';

export interface ExchangeResult {
	readonly ok: boolean;
	/** The mailbox the grant reads. */
	readonly email?: string;
	readonly code?: string;
	readonly message?: string;
}

/**
 * Finishes the authorisation of a connection.
 *
 * @param ctx          Runtime.
 * @param connectionId Connection.
 * @param payload      {provider, code, code_verifier, redirect_uri}; code and verifier sealed.
 */
export async function exchangeOAuthCode(
	ctx: RuntimeContext,
	connectionId: number,
	payload: Record< string, unknown >
): Promise< ExchangeResult > {
	const connection = await providerConnection( ctx, connectionId );
	const sealedCode = String( payload[ 'code' ] ?? '' );
	const sealedVerifier = String( payload[ 'code_verifier' ] ?? '' );
	const redirectUri = String( payload[ 'redirect_uri' ] ?? '' );
	if ( sealedCode === '' || sealedVerifier === '' || redirectUri === '' ) {
		throw new SidecarError(
			'usage',
			'The authorisation request is incomplete: start the authorisation again.'
		);
	}
	const code = open( ctx.secretKey, sealedCode );
	const verifier = open( ctx.secretKey, sealedVerifier );
	const endpoints = providerEndpoints();
	// The providers' libraries are loaded only when a connection is authorised.
	const { exchangeGoogleCode } =
		await import( '../sources/providers/google-auth.ts' );
	const { exchangeMicrosoftCode } =
		await import( '../sources/providers/microsoft-auth.ts' );
	const grant =
		connection.kind === 'gmail'
			? {
					account: null,
					...( await exchangeGoogleCode(
						connection.provider,
						endpoints,
						code,
						verifier,
						redirectUri
					) ),
				}
			: await exchangeMicrosoftCode(
					connection.provider,
					endpoints,
					code,
					verifier,
					redirectUri
				);
	// The grant must open the mailbox before it replaces a working one; until then what the
	// trial learns (Microsoft rotates the refresh token on every use) stays in memory.
	let refreshToken = grant.refreshToken;
	const trialKeeper: GrantKeeper = {
		saveRefreshToken: async ( token ) => {
			refreshToken = token;
		},
		recordGrant: async () => undefined,
	};
	const trial = await sourceFor(
		ctx,
		{ ...connection, refreshToken: grant.refreshToken },
		trialKeeper
	);
	let account: string;
	try {
		await trial.connect();
		account = ( await trial.account?.() ) ?? grant.account ?? '';
	} finally {
		await trial.close().catch( () => undefined );
	}
	// A new updated_at restarts a running worker with the new grant (fleet.ts).
	await ctx.pool.execute(
		`UPDATE ${ ctx.tables.connections } SET secret = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?`,
		[ seal( ctx.secretKey, refreshToken ), connectionId ]
	);
	await recordGrant(
		ctx.pool,
		ctx.tables,
		connectionId,
		account || null,
		grant.expiresAt
	);
	await recordStatus( ctx.pool, ctx.tables, connectionId, 'new', null, null );
	const other =
		account !== '' && account !== connection.mailboxAddress
			? ` Note: the grant reads ${ account }, not ${ connection.mailboxAddress }; replies still go to ${ connection.mailboxAddress }.`
			: '';
	return {
		ok: true,
		email: account,
		message: `Connected to ${ account || connection.mailboxAddress }.${ other }`,
	};
}

/**
 * The connection as a Gmail or Graph config (a refresh token is not needed yet).
 *
 * @param ctx          Runtime.
 * @param connectionId Connection.
 */
async function providerConnection(
	ctx: RuntimeContext,
	connectionId: number
): Promise< ProviderConnection > {
	// Throws connection_not_found when it was deleted meanwhile.
	const [ row ] = await loadConnectionRows(
		ctx.pool,
		ctx.tables,
		connectionId
	);
	// A stored grant that no longer opens (a changed key) must not stop a new authorisation.
	const config = toConnectionConfig(
		{ ...row, secret: null } as RowDataPacket,
		ctx.secretKey
	);
	if ( config.kind === 'imap' ) {
		throw new SidecarError(
			'usage',
			`Connection #${ connectionId } is an IMAP connection; only Gmail and Microsoft connections are authorised with OAuth.`
		);
	}
	return config;
}
