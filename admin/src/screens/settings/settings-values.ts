/**
 * WordPress dependencies
 */
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { Settings } from '../../api/types';

/** What the settings form edits; numbers and lists stay text until they are checked. */
export interface SettingsFormValues {
	allowed_emails: Settings[ 'allowed_emails' ];
	allowed_senders: Settings[ 'allowed_senders' ];
	closed_ticket_replies: Settings[ 'closed_ticket_replies' ];
	bulk_mail: Settings[ 'bulk_mail' ];
	duplicate_filter: boolean;
	body_preference: Settings[ 'body_preference' ];
	reply_above_text: string;
	import_cc: boolean;
	max_attachment_mb: string;
	allowed_extensions: string;
	sender_tickets_quiet: string;
	sender_tickets_limit: string;
	log_retention_days: string;
	categories: string;
}

export type SettingsField = keyof SettingsFormValues;
export type SettingsErrors = Partial< Record< SettingsField, string > >;

/** Bounds of the whole-number settings (Settings_Service::schema()). */
const BOUNDS: Record<
	| 'max_attachment_mb'
	| 'sender_tickets_quiet'
	| 'sender_tickets_limit'
	| 'log_retention_days',
	[ number, number ]
> = {
	max_attachment_mb: [ 1, 100 ],
	sender_tickets_quiet: [ 0, 100000 ],
	sender_tickets_limit: [ 0, 100000 ],
	log_retention_days: [ 1, 3650 ],
};

/**
 * The form values of the stored settings.
 *
 * @param settings Settings from the API.
 */
export function valuesFrom( settings: Settings ): SettingsFormValues {
	return {
		allowed_emails: settings.allowed_emails,
		allowed_senders: settings.allowed_senders,
		closed_ticket_replies: settings.closed_ticket_replies,
		bulk_mail: settings.bulk_mail,
		duplicate_filter: settings.duplicate_filter,
		body_preference: settings.body_preference,
		reply_above_text: settings.reply_above_text,
		import_cc: settings.import_cc,
		max_attachment_mb: String( settings.max_attachment_mb ),
		allowed_extensions: settings.allowed_extensions.join( ', ' ),
		sender_tickets_quiet: String( settings.sender_tickets_quiet ),
		sender_tickets_limit: String( settings.sender_tickets_limit ),
		log_retention_days: String( settings.log_retention_days ),
		categories: settings.categories.join( '\n' ),
	};
}

function extensions( text: string ): string[] {
	return text
		.split( /[\s,;]+/ )
		.map( ( ext ) => ext.trim().replace( /^\./, '' ) )
		.filter( ( ext ) => ext !== '' );
}

function lines( text: string ): string[] {
	return text
		.split( '\n' )
		.map( ( line ) => line.trim() )
		.filter( ( line ) => line !== '' );
}

/**
 * What is wrong before anything is sent; the server checks everything again and its field
 * errors are shown the same way.
 *
 * @param values Form values.
 */
export function validate( values: SettingsFormValues ): SettingsErrors {
	const errors: SettingsErrors = {};
	for ( const [ name, [ min, max ] ] of Object.entries( BOUNDS ) as Array<
		[ keyof typeof BOUNDS, [ number, number ] ]
	> ) {
		const text = values[ name ].trim();
		const value = Number( text );
		if ( ! /^\d+$/.test( text ) || value < min || value > max ) {
			errors[ name ] = sprintf(
				/* translators: 1: smallest value, 2: largest value. */
				__( 'Enter a whole number from %1$d to %2$d.', 'email-piping' ),
				min,
				max
			);
		}
	}
	const marker = values.reply_above_text.trim();
	if ( marker.length < 3 || marker.length > 200 ) {
		errors.reply_above_text = __(
			'Enter a line of 3 to 200 characters.',
			'email-piping'
		);
	}
	const bad = extensions( values.allowed_extensions ).find(
		( ext ) => ! /^[A-Za-z0-9]{1,16}$/.test( ext )
	);
	if ( bad !== undefined ) {
		errors.allowed_extensions = sprintf(
			/* translators: %s: what was entered. */
			__(
				'“%s” is not a file extension: use letters and digits only, e.g. pdf.',
				'email-piping'
			),
			bad
		);
	}
	const categories = lines( values.categories );
	const long = categories.find( ( name ) => name.length > 60 );
	if ( long !== undefined ) {
		errors.categories = sprintf(
			/* translators: %s: the category name. */
			__( '“%s” is longer than 60 characters.', 'email-piping' ),
			long
		);
	} else if ( categories.length === 0 ) {
		errors.categories = __(
			'Enter at least one category.',
			'email-piping'
		);
	}
	return errors;
}

/**
 * The settings the form changed, as the API takes them (checked values only).
 *
 * @param values   Checked form values.
 * @param settings The stored settings.
 */
export function changes(
	values: SettingsFormValues,
	settings: Settings
): Partial< Settings > {
	const next: Partial< Settings > = {
		allowed_emails: values.allowed_emails,
		allowed_senders: values.allowed_senders,
		closed_ticket_replies: values.closed_ticket_replies,
		bulk_mail: values.bulk_mail,
		duplicate_filter: values.duplicate_filter,
		body_preference: values.body_preference,
		reply_above_text: values.reply_above_text.trim(),
		import_cc: values.import_cc,
		max_attachment_mb: Number( values.max_attachment_mb ),
		allowed_extensions: extensions( values.allowed_extensions ).map(
			( ext ) => ext.toLowerCase()
		),
		sender_tickets_quiet: Number( values.sender_tickets_quiet ),
		sender_tickets_limit: Number( values.sender_tickets_limit ),
		log_retention_days: Number( values.log_retention_days ),
		categories: lines( values.categories ),
	};
	const out: Record< string, unknown > = {};
	for ( const [ key, value ] of Object.entries( next ) ) {
		if (
			JSON.stringify( value ) !==
			JSON.stringify( settings[ key as keyof Settings ] )
		) {
			out[ key ] = value;
		}
	}
	return out as Partial< Settings >;
}

/**
 * Server field errors that belong to a form field, and the rest as sentences.
 *
 * @param errors Field errors from the API (fieldErrors()).
 */
export function formErrors( errors: Record< string, string > ): {
	fields: SettingsErrors;
	other: string[];
} {
	const fields: SettingsErrors = {};
	const other: string[] = [];
	for ( const [ key, message ] of Object.entries( errors ) ) {
		// An item of a list is named like allowed_extensions[2].
		const name = key.replace( /\[\d+\]$/, '' );
		if ( name in BOUNDS || FIELDS.includes( name ) ) {
			fields[ name as SettingsField ] = message;
		} else {
			other.push( message );
		}
	}
	return { fields, other };
}

const FIELDS: string[] = [
	'allowed_emails',
	'allowed_senders',
	'closed_ticket_replies',
	'bulk_mail',
	'duplicate_filter',
	'body_preference',
	'reply_above_text',
	'import_cc',
	'allowed_extensions',
	'categories',
];
