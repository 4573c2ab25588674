/**
 * Reads connections and turns their stored JSON settings into typed, validated configs.
 */
import type { RowDataPacket } from 'mysql2/promise';

import { SidecarError } from '../errors.ts';
import type {
	AfterImport,
	ConnectionConfig,
	ImapSettings,
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
	if ( row[ 'kind' ] !== 'imap' ) {
		throw new SidecarError(
			'connection_invalid',
			`Connection #${ id } is of kind "${ String( row[ 'kind' ] ) }", which this sidecar cannot read yet.`
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
		startFrom: settings[ 'start_from' ] === 'all' ? 'all' : 'now',
		maxMessageBytes:
			Math.max(
				1,
				Number( settings[ 'max_message_mb' ] ) || DEFAULT_MAX_MESSAGE_MB
			) *
			1024 *
			1024,
		afterImport: AFTER_IMPORT.includes(
			settings[ 'after_import' ] as AfterImport
		)
			? ( settings[ 'after_import' ] as AfterImport )
			: 'mark_read',
		moveFolder:
			str( settings[ 'move_folder' ], 'Processed' ) || 'Processed',
	};
	const secret = row[ 'secret' ];
	return {
		id,
		name: String( row[ 'name' ] ),
		kind: 'imap',
		enabled: Number( row[ 'enabled' ] ) === 1,
		mailboxAddress: String( row[ 'mailbox_address' ] ).toLowerCase(),
		imap,
		password:
			typeof secret === 'string' && secret !== ''
				? open( secretKey, secret )
				: '',
	};
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
