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
	ImapSecurity,
	StartFrom,
} from '../../api/types';

/** What the IMAP form edits; numbers stay text until they are checked. */
export interface ConnectionFormValues {
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

/**
 * A new connection: TLS with certificate verification, INBOX, mark read, new mail only.
 */
export function emptyValues(): ConnectionFormValues {
	return {
		name: '',
		mailbox_address: '',
		host: '',
		port: DEFAULT_PORTS.tls,
		security: 'tls',
		verify_tls: true,
		ca_file: '',
		username: '',
		password: '',
		folder: 'INBOX',
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
		name: connection.name,
		mailbox_address: connection.mailbox_address,
		host: settings.host,
		port: String( settings.port ),
		security: settings.security,
		verify_tls: settings.verify_tls,
		ca_file: settings.ca_file,
		username: settings.username,
		password: '',
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
 * @param values        Form values.
 * @param needsPassword Whether a password must be entered (new connection, or none stored).
 */
export function validate(
	values: ConnectionFormValues,
	needsPassword: boolean
): FieldErrors {
	const errors: FieldErrors = {};
	if ( ! EMAIL.test( values.mailbox_address.trim() ) ) {
		errors.mailbox_address = __(
			'Enter the email address of the piped mailbox.',
			'email-piping'
		);
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
	if ( needsPassword && values.password === '' ) {
		errors.password = __( 'Enter the mailbox password.', 'email-piping' );
	}
	if ( values.folder.trim() === '' ) {
		errors.folder = __(
			'Name the folder to read (usually INBOX).',
			'email-piping'
		);
	}
	if ( values.after_import === 'move' && values.move_folder.trim() === '' ) {
		errors.move_folder = __(
			'Name the folder imported emails are moved to.',
			'email-piping'
		);
	}
	return errors;
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
	const input: ConnectionInput = {
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
