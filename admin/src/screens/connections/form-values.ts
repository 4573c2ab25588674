/**
 * WordPress dependencies
 */
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type {
	AfterImport,
	Connection,
	ConnectionInput,
	ConnectionKind,
	ImapSecurity,
	StartFrom,
} from '../../api/types';

/** What the connection form edits; numbers stay text until they are checked. */
export interface ConnectionFormValues {
	kind: ConnectionKind;
	name: string;
	mailbox_address: string;
	host: string;
	port: string;
	security: ImapSecurity;
	verify_tls: boolean;
	ca_file: string;
	username: string;
	/** Write-only: empty means "keep the stored password". */
	password: string;
	/** Gmail and Microsoft: the OAuth app registered by the site owner. */
	client_id: string;
	/** Write-only: empty means "keep the stored secret". */
	client_secret: string;
	/** Microsoft: the directory (tenant). */
	tenant: string;
	folder: string;
	after_import: AfterImport;
	move_folder: string;
	start_from: StartFrom;
	enabled: boolean;
}

export type FieldName = keyof ConnectionFormValues;
export type FieldErrors = Partial< Record< FieldName, string > >;

/** The port each TLS mode usually listens on. */
export const DEFAULT_PORTS: Record< ImapSecurity, string > = {
	tls: '993',
	starttls: '143',
	none: '143',
};

/** The folder each kind reads by default: Gmail's label id, Microsoft's well-known name. */
export const DEFAULT_FOLDERS: Record< ConnectionKind, string > = {
	imap: 'INBOX',
	gmail: 'INBOX',
	graph: 'inbox',
};

/**
 * A new connection: TLS with certificate verification, INBOX, mark read, new mail only.
 *
 * @param kind Kind of connection.
 */
export function emptyValues(
	kind: ConnectionKind = 'imap'
): ConnectionFormValues {
	return {
		kind,
		name: '',
		mailbox_address: '',
		host: '',
		port: DEFAULT_PORTS.tls,
		security: 'tls',
		verify_tls: true,
		ca_file: '',
		username: '',
		password: '',
		client_id: '',
		client_secret: '',
		tenant: 'common',
		folder: DEFAULT_FOLDERS[ kind ],
		after_import: 'mark_read',
		move_folder: '',
		start_from: 'now',
		enabled: true,
	};
}

/**
 * The form values of a saved connection (never its password, which the API does not return).
 *
 * @param connection Connection from the API.
 */
export function valuesFrom( connection: Connection ): ConnectionFormValues {
	const { settings } = connection;
	return {
		kind: connection.kind,
		name: connection.name,
		mailbox_address: connection.mailbox_address,
		host: settings.host ?? '',
		port: String( settings.port ?? DEFAULT_PORTS.tls ),
		security: settings.security ?? 'tls',
		verify_tls: settings.verify_tls ?? true,
		ca_file: settings.ca_file ?? '',
		username: settings.username ?? '',
		password: '',
		client_id: settings.client_id ?? '',
		client_secret: '',
		tenant: settings.tenant ?? 'common',
		folder: settings.folder,
		after_import: settings.after_import,
		move_folder: settings.move_folder,
		start_from: settings.start_from,
		enabled: connection.enabled,
	};
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * What is missing or malformed before anything is sent; the server checks everything again
 * (host syntax, control characters …) and its field errors are shown the same way.
 *
 * @param values      Form values.
 * @param needsSecret Whether a password (IMAP) or client secret (Gmail, Microsoft) must be
 *                    entered: a new connection, or none stored.
 */
export function validate(
	values: ConnectionFormValues,
	needsSecret: boolean
): FieldErrors {
	const errors: FieldErrors = {};
	if ( ! EMAIL.test( values.mailbox_address.trim() ) ) {
		errors.mailbox_address = __(
			'Enter the email address of the piped mailbox.',
			'email-piping'
		);
	}
	if ( values.kind !== 'imap' ) {
		return { ...errors, ...validateProvider( values, needsSecret ) };
	}
	if ( values.host.trim() === '' || /\s/.test( values.host.trim() ) ) {
		errors.host = __(
			'Enter the host name or IP address of the IMAP server.',
			'email-piping'
		);
	}
	const port = Number( values.port );
	if ( ! /^\d+$/.test( values.port.trim() ) || port < 1 || port > 65535 ) {
		errors.port = __( 'Enter a port between 1 and 65535.', 'email-piping' );
	}
	if ( values.username.trim() === '' ) {
		errors.username = __(
			'Enter the user name of the mailbox.',
			'email-piping'
		);
	}
	if ( needsSecret && values.password === '' ) {
		errors.password = __( 'Enter the mailbox password.', 'email-piping' );
	}
	if ( values.folder.trim() === '' ) {
		errors.folder = __(
			'Name the folder to read (usually INBOX).',
			'email-piping'
		);
	}
	return { ...errors, ...validateProcessing( values ) };
}

/**
 * The fields of a Gmail or Microsoft connection.
 *
 * @param values      Form values.
 * @param needsSecret Whether the client secret must be entered.
 */
function validateProvider(
	values: ConnectionFormValues,
	needsSecret: boolean
): FieldErrors {
	const errors: FieldErrors = {};
	if ( values.client_id.trim() === '' ) {
		errors.client_id = __(
			'Enter the client ID of the app you registered with the provider.',
			'email-piping'
		);
	}
	if ( needsSecret && values.client_secret === '' ) {
		errors.client_secret = __(
			'Enter the client secret of the app you registered with the provider.',
			'email-piping'
		);
	}
	if (
		values.kind === 'graph' &&
		! /^[\w.-]+$/.test( values.tenant.trim() )
	) {
		errors.tenant = __(
			'Enter the directory (tenant) ID, or common, organizations or consumers.',
			'email-piping'
		);
	}
	if ( values.folder.trim() === '' ) {
		errors.folder =
			values.kind === 'gmail'
				? __(
						'Name the label to read (usually INBOX).',
						'email-piping'
					)
				: __(
						'Name the folder to read (usually inbox).',
						'email-piping'
					);
	}
	return { ...errors, ...validateProcessing( values ) };
}

/**
 * What is done with imported mail.
 *
 * @param values Form values.
 */
function validateProcessing( values: ConnectionFormValues ): FieldErrors {
	if ( values.after_import === 'move' && values.move_folder.trim() === '' ) {
		return {
			move_folder: __(
				'Name the folder imported emails are moved to.',
				'email-piping'
			),
		};
	}
	return {};
}

/**
 * The request body for the values; an empty password is left out, so the stored one stays.
 *
 * @param values Checked form values.
 * @param isNew  Whether the connection is being added (start_from only applies then).
 */
export function toInput(
	values: ConnectionFormValues,
	isNew: boolean
): ConnectionInput {
	if ( values.kind !== 'imap' ) {
		return providerInput( values, isNew );
	}
	const input: ConnectionInput = {
		...( isNew ? { kind: 'imap' as const } : {} ),
		name: values.name.trim(),
		enabled: values.enabled,
		mailbox_address: values.mailbox_address.trim(),
		settings: {
			host: values.host.trim(),
			port: Number( values.port ),
			security: values.security,
			verify_tls: values.verify_tls,
			ca_file: values.ca_file.trim(),
			username: values.username.trim(),
			folder: values.folder.trim(),
			after_import: values.after_import,
			move_folder: values.move_folder.trim(),
			...( isNew ? { start_from: values.start_from } : {} ),
		},
	};
	if ( values.password !== '' ) {
		input.password = values.password;
	}
	return input;
}

/**
 * The request body of a Gmail or Microsoft connection; an empty client secret is left out.
 *
 * @param values Checked form values.
 * @param isNew  Whether the connection is being added.
 */
function providerInput(
	values: ConnectionFormValues,
	isNew: boolean
): ConnectionInput {
	const input: ConnectionInput = {
		...( isNew ? { kind: values.kind } : {} ),
		name: values.name.trim(),
		enabled: values.enabled,
		mailbox_address: values.mailbox_address.trim(),
		settings: {
			client_id: values.client_id.trim(),
			...( values.kind === 'graph'
				? { tenant: values.tenant.trim() || 'common' }
				: {} ),
			folder: values.folder.trim(),
			after_import: values.after_import,
			move_folder: values.move_folder.trim(),
			...( isNew ? { start_from: values.start_from } : {} ),
		},
	};
	if ( values.client_secret !== '' ) {
		input.client_secret = values.client_secret;
	}
	return input;
}

/**
 * Server field names (as fieldErrors() gives them) that belong to a form field.
 *
 * @param errors Field errors from the API.
 */
export function formErrors( errors: Record< string, string > ): {
	fields: FieldErrors;
	other: string[];
} {
	const known = Object.keys( emptyValues() );
	const fields: FieldErrors = {};
	const other: string[] = [];
	for ( const [ key, message ] of Object.entries( errors ) ) {
		if ( known.includes( key ) ) {
			fields[ key as FieldName ] = message;
		} else {
			other.push( message );
		}
	}
	return { fields, other };
}
