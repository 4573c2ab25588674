/**
 * Raw bytes → ParsedEmail, through mailparser, with the normalisation every later stage relies on.
 */
import {
	simpleParser,
	type AddressObject,
	type EmailAddress,
} from 'mailparser';

import type { Address, ParsedEmail } from './types.ts';

/** Characters that must never reach a stored name or subject (controls, bidi overrides). */
const UNSAFE_CHARS =
	/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;

/** HTML above this size is not parsed into text by mailparser (event-loop safety). */
const MAX_HTML_TO_PARSE = 2 * 1024 * 1024;

/**
 * Removes control and bidi characters and folds whitespace.
 *
 * @param value Untrusted header text.
 */
export function cleanText( value: string ): string {
	return value.replace( UNSAFE_CHARS, '' ).replace( /\s+/g, ' ' ).trim();
}

function flatten( list: EmailAddress[] ): EmailAddress[] {
	return list.flatMap( ( a ) => ( a.group ? flatten( a.group ) : [ a ] ) );
}

function addresses(
	field: AddressObject | AddressObject[] | undefined
): Address[] {
	if ( ! field ) {
		return [];
	}
	const objects = Array.isArray( field ) ? field : [ field ];
	return objects
		.flatMap( ( o ) => flatten( o.value ) )
		.map( ( a ) => ( {
			address: cleanText( a.address ?? '' ).toLowerCase(),
			name: cleanText( a.name ?? '' ),
		} ) )
		.filter( ( a ) => a.address !== '' || a.name !== '' );
}

/**
 * Splits a References/In-Reply-To value into Message-IDs with brackets.
 *
 * @param value Header value(s).
 */
export function messageIds( value: string | string[] | undefined ): string[] {
	const joined = Array.isArray( value ) ? value.join( ' ' ) : ( value ?? '' );
	return [ ...joined.matchAll( /<[^<>\s]+>/g ) ].map( ( m ) => m[ 0 ] );
}

/**
 * Parses one email.
 *
 * @param raw The message as fetched.
 * @throws Whatever mailparser throws on input it cannot read; the caller quarantines.
 */
export async function parseEmail( raw: Buffer ): Promise< ParsedEmail > {
	const mail = await simpleParser( raw, {
		// Text is derived from the sanitised HTML in the content stage instead: mailparser's own
		// conversion keeps image and javascript: URLs in the text.
		skipHtmlToText: true,
		skipImageLinks: true,
		skipTextLinks: true,
		skipTextToHtml: true,
		maxHtmlLengthToParse: MAX_HTML_TO_PARSE,
	} );
	const headers = new Map< string, string[] >();
	for ( const line of mail.headerLines ) {
		const value = line.line.slice( line.line.indexOf( ':' ) + 1 ).trim();
		headers.set( line.key, [
			...( headers.get( line.key ) ?? [] ),
			value,
		] );
	}
	const fromList = addresses( mail.from );
	const messageId = messageIds( mail.messageId )[ 0 ] ?? null;
	return {
		from: fromList[ 0 ] ?? null,
		to: addresses( mail.to ),
		cc: addresses( mail.cc ),
		subject: cleanText( mail.subject ?? '' ),
		messageId,
		inReplyTo: messageIds( mail.inReplyTo )[ 0 ] ?? null,
		references: messageIds( mail.references ),
		headers,
		contentType:
			( headers.get( 'content-type' )?.[ 0 ] ?? 'text/plain' )
				.split( ';' )[ 0 ]
				?.trim()
				.toLowerCase() ?? 'text/plain',
		text: mail.text ?? '',
		html: typeof mail.html === 'string' ? mail.html : null,
		attachments: mail.attachments.map( ( a ) => ( {
			filename: cleanText( a.filename ?? '' ),
			contentType: a.contentType,
			size: a.size,
			inline: a.contentDisposition === 'inline' || a.related === true,
		} ) ),
	};
}
