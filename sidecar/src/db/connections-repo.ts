/**
 * Reads connections and turns their stored JSON settings into typed, validated configs.
 */
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';

import { SidecarError } from '../errors.ts';
import type {
	AfterImport,
	ConnectionConfig,
	ImapSettings,
	ProviderConnection,
	ProviderKind,
} from '../interfaces.ts';
import { open } from '../security/secret-box.ts';
import type { Pool } from './pool.ts';
import type { Tables } from './tables.ts';

const AFTER_IMPORT: readonly AfterImport[] = [
	'mark_read',
	'move',
	'delete',
	'leave',
];

/** Largest email imported unless the connection says otherwise (a 25 MB file, base64-encoded). */
const DEFAULT_MAX_MESSAGE_MB = 40;

function str( v: unknown, fallback = '' ): string {
	return typeof v === 'string' ? v : fallback;
}

/**
 * Validates one row into a config; the secret is decrypted here and nowhere else.
 *
 * @param row       Database row.
 * @param secretKey EPIPE_SECRET_KEY.
 * @throws SidecarError connection_invalid | secret_undecryptable.
 */
export function toConnectionConfig(
	row: RowDataPacket,
	secretKey: string
): ConnectionConfig {
	const id = Number( row[ 'id' ] );
	let settings: Record< string, unknown >;
	try {
		settings = JSON.parse( String( row[ 'settings' ] ) ) as Record<
			string,
			unknown
		>;
	} catch ( err ) {
		throw new SidecarError(
			'connection_invalid',
			`Connection #${ id } has unreadable settings: save it again in Email Piping › Connections.`,
			err
		);
	}
	const kind = String( row[ 'kind' ] );
	if ( kind === 'gmail' || kind === 'graph' ) {
		return providerConfig( row, kind, settings, secretKey );
	}
	if ( kind !== 'imap' ) {
		throw new SidecarError(
			'connection_invalid',
			`Connection #${ id } is of kind "${ kind }", which this sidecar cannot read.`
		);
	}
	const security = str( settings[ 'security' ], 'tls' );
	const host = str( settings[ 'host' ] );
	if ( host === '' || ! [ 'tls', 'starttls', 'none' ].includes( security ) ) {
		throw new SidecarError(
			'connection_invalid',
			`Connection #${ id } has no server host or an unknown TLS mode: edit it in Email Piping › Connections.`
		);
	}
	const imap: ImapSettings = {
		host,
		port: Number(
			settings[ 'port' ] ?? ( security === 'tls' ? 993 : 143 )
		),
		security: security as ImapSettings[ 'security' ],
		verifyTls: settings[ 'verify_tls' ] !== false,
		caFile: str( settings[ 'ca_file' ] ),
		username: str( settings[ 'username' ] ),
		folder: str( settings[ 'folder' ], 'INBOX' ) || 'INBOX',
		afterImport: afterImport( settings ),
		moveFolder:
			str( settings[ 'move_folder' ], 'Processed' ) || 'Processed',
	};
	return {
		...common( row, settings ),
		kind: 'imap',
		imap,
		password: decrypt( row[ 'secret' ], secretKey ),
	};
}

/**
 * The settings every kind shares.
 *
 * @param row      Database row.
 * @param settings Its settings JSON.
 */
function common( row: RowDataPacket, settings: Record< string, unknown > ) {
	return {
		id: Number( row[ 'id' ] ),
		name: String( row[ 'name' ] ),
		enabled: Number( row[ 'enabled' ] ) === 1,
		mailboxAddress: String( row[ 'mailbox_address' ] ).toLowerCase(),
		startFrom:
			settings[ 'start_from' ] === 'all'
				? ( 'all' as const )
				: ( 'now' as const ),
		maxMessageBytes:
			Math.max(
				1,
				Number( settings[ 'max_message_mb' ] ) || DEFAULT_MAX_MESSAGE_MB
			) *
			1024 *
			1024,
	};
}

/**
 * A Gmail or Microsoft connection: the OAuth app, the folder, and the refresh token.
 *
 * @param row       Database row.
 * @param kind      gmail | graph.
 * @param settings  Its settings JSON.
 * @param secretKey EPIPE_SECRET_KEY.
 */
function providerConfig(
	row: RowDataPacket,
	kind: ProviderKind,
	settings: Record< string, unknown >,
	secretKey: string
): ProviderConnection {
	const id = Number( row[ 'id' ] );
	const clientId = str( settings[ 'client_id' ] ).trim();
	if ( clientId === '' ) {
		throw new SidecarError(
			'connection_invalid',
			`Connection #${ id } has no OAuth client ID: enter the client ID of the app you registered with ${ kind === 'gmail' ? 'Google' : 'Microsoft' } in Email Piping › Connections.`
		);
	}
	const defaultFolder = kind === 'gmail' ? 'INBOX' : 'inbox';
	return {
		...common( row, settings ),
		kind,
		provider: {
			clientId,
			clientSecret: decrypt( row[ 'client_secret' ], secretKey ),
			tenant: str( settings[ 'tenant' ], 'common' ).trim() || 'common',
			folder:
				str( settings[ 'folder' ], defaultFolder ).trim() ||
				defaultFolder,
			afterImport: afterImport( settings ),
			moveFolder:
				str( settings[ 'move_folder' ], 'Processed' ).trim() ||
				'Processed',
		},
		refreshToken: decrypt( row[ 'secret' ], secretKey ),
		grantVersion: String( row[ 'updated_at' ] ?? '' ),
	};
}

/**
 * What to do with imported mail at the source (mark read unless the connection says otherwise).
 *
 * @param settings Settings JSON.
 */
function afterImport( settings: Record< string, unknown > ): AfterImport {
	return AFTER_IMPORT.includes( settings[ 'after_import' ] as AfterImport )
		? ( settings[ 'after_import' ] as AfterImport )
		: 'mark_read';
}

/**
 * Opens a sealed secret column; '' when none is stored.
 *
 * @param value     Column value.
 * @param secretKey EPIPE_SECRET_KEY.
 */
function decrypt( value: unknown, secretKey: string ): string {
	return typeof value === 'string' && value !== ''
		? open( secretKey, value )
		: '';
}

/**
 * Stores a refresh token the provider issued (sealed), at once: Microsoft rotates them, and a
 * rotated token that was not saved is a connection that dies within 90 days. Only while the row
 * is the version the worker read (its updated_at): after a new authorisation, a token of the old
 * grant must not replace the new one. updated_at itself is left alone, so the running worker is
 * not restarted for it.
 *
 * @param pool         Database.
 * @param t            Table names.
 * @param connectionId Connection.
 * @param sealed       Sealed refresh token.
 * @param grantVersion The row's updated_at when the worker read it.
 * @return Whether it was stored.
 */
export async function saveRefreshToken(
	pool: Pool,
	t: Tables,
	connectionId: number,
	sealed: string,
	grantVersion: string
): Promise< boolean > {
	const [ res ] = await pool.execute< ResultSetHeader >(
		`UPDATE ${ t.connections } SET secret = ?, updated_at = updated_at WHERE id = ? AND updated_at = ?`,
		[ sealed, connectionId, grantVersion ]
	);
	return res.affectedRows === 1;
}

/**
 * Raw rows of the enabled connections (or one connection, enabled or not).
 *
 * @param pool Database.
 * @param t    Table names.
 * @param only A single connection id.
 */
export async function loadConnectionRows(
	pool: Pool,
	t: Tables,
	only: number | null
): Promise< RowDataPacket[] > {
	const [ rows ] =
		only === null
			? await pool.query< RowDataPacket[] >(
					`SELECT * FROM ${ t.connections } WHERE enabled = 1 ORDER BY id`
				)
			: await pool.query< RowDataPacket[] >(
					`SELECT * FROM ${ t.connections } WHERE id = ?`,
					[ only ]
				);
	if ( only !== null && rows.length === 0 ) {
		throw new SidecarError(
			'connection_not_found',
			`There is no connection #${ only }: list the connections in Email Piping › Connections.`
		);
	}
	return rows;
}
