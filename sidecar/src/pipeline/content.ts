/**
 * The content stage: safe HTML, plain text, and the visible reply without quoted history.
 */
import sanitizeHtml from 'sanitize-html';

import type { Content, ParsedEmail } from './types.ts';

/** Tags kept in stored HTML; everything else is unwrapped (text kept) or dropped with its content. */
const ALLOWED_TAGS = [
	'a',
	'b',
	'blockquote',
	'br',
	'code',
	'div',
	'em',
	'h1',
	'h2',
	'h3',
	'h4',
	'h5',
	'h6',
	'hr',
	'i',
	'img',
	'li',
	'ol',
	'p',
	'pre',
	'span',
	'strong',
	'table',
	'tbody',
	'td',
	'tfoot',
	'th',
	'thead',
	'tr',
	'u',
	'ul',
];

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
	allowedTags: ALLOWED_TAGS,
	allowedAttributes: {
		a: [ 'href', 'title', 'rel', 'target' ],
		img: [ 'src', 'alt', 'width', 'height' ],
		td: [ 'colspan', 'rowspan' ],
		th: [ 'colspan', 'rowspan' ],
	},
	allowedSchemes: [ 'http', 'https', 'mailto' ],
	allowedSchemesByTag: { img: [ 'cid' ] },
	allowProtocolRelative: false,
	disallowedTagsMode: 'discard',
	nonTextTags: [
		'script',
		'style',
		'textarea',
		'option',
		'noscript',
		'title',
		'head',
		'svg',
		'math',
		'template',
		'iframe',
		'object',
	],
	transformTags: {
		// Links open outside the helpdesk and tell the target nothing about it.
		a: sanitizeHtml.simpleTransform( 'a', {
			rel: 'noopener noreferrer nofollow',
			target: '_blank',
		} ),
	},
};

/**
 * Sanitises email HTML with a strict allow-list; remote images are dropped (tracking pixels),
 * only `cid:` images are kept for the attachment rewrite.
 *
 * @param html Untrusted HTML.
 */
export function sanitizeEmailHtml( html: string ): string {
	return sanitizeHtml( html, {
		...SANITIZE_OPTIONS,
		exclusiveFilter: ( frame ) =>
			frame.tag === 'img' &&
			! String( frame.attribs[ 'src' ] ?? '' ).startsWith( 'cid:' ),
	} ).trim();
}

const ENTITIES: Record< string, string > = {
	amp: '&',
	lt: '<',
	gt: '>',
	quot: '"',
	'#39': "'",
	nbsp: ' ',
};

/**
 * Plain text of an HTML body for emails without a text part: block ends become line breaks,
 * every tag and the content of script/style blocks disappear.
 *
 * @param html Untrusted HTML.
 */
export function htmlToText( html: string ): string {
	const withBreaks = html
		.replace( /<br\s*\/?>/gi, '\n' )
		.replace(
			/<\/(p|div|li|tr|h[1-6]|blockquote|pre|table)\s*>/gi,
			'$&\n'
		);
	const text = sanitizeHtml( withBreaks, {
		allowedTags: [],
		allowedAttributes: {},
		nonTextTags: SANITIZE_OPTIONS.nonTextTags ?? [],
	} );
	return text
		.replace(
			/&(amp|lt|gt|quot|#39|nbsp);/g,
			( _m, name: string ) => ENTITIES[ name ] ?? ''
		)
		.replace( /[ \t]+\n/g, '\n' )
		.replace( /\n{3,}/g, '\n\n' )
		.trim();
}

/** Lines that start quoted history in common mail clients. */
const HISTORY_STARTS = [
	/^On .{1,300} wrote:\s*$/, // Gmail, Apple Mail, Thunderbird
	/^Am .{1,300} schrieb .{0,200}:\s*$/, // German clients
	/^Le .{1,300} a écrit\s?:\s*$/, // French clients
	/^-{2,}\s*Original Message\s*-{2,}\s*$/i, // Outlook (plain)
	/^_{5,}\s*$/, // Outlook separator line
	/^From: .+$/, // Outlook header block
];

/**
 * What the sender wrote this time: cut at our reply marker, at the first quoted-history
 * header, before the "-- " signature, and without trailing ">" quotes.
 *
 * @param text   Plain text of the email.
 * @param marker The "reply above this line" text of our notifications.
 */
export function extractReply( text: string, marker: string ): string {
	let body = text.replace( /\r\n?/g, '\n' );
	const markerAt = marker.trim() !== '' ? body.indexOf( marker.trim() ) : -1;
	if ( markerAt !== -1 ) {
		body = body.slice( 0, markerAt );
	}
	const lines = body.split( '\n' );
	let end = lines.length;
	for ( let i = 0; i < lines.length; i++ ) {
		const line = ( lines[ i ] as string ).trim();
		if (
			line === '--' ||
			HISTORY_STARTS.some( ( re ) => re.test( line ) )
		) {
			end = i;
			break;
		}
		if (
			line.startsWith( '>' ) &&
			lines
				.slice( i )
				.every( ( l ) => l.trim() === '' || l.trim().startsWith( '>' ) )
		) {
			end = i;
			break;
		}
	}
	const reply = lines.slice( 0, end ).join( '\n' ).trim();
	// Never return nothing when the email has text: an unusual layout keeps the whole body.
	return reply !== '' ? reply : text.trim();
}

/**
 * Builds the stored content of an email.
 *
 * @param p      Parsed email.
 * @param marker Reply marker.
 */
export function buildContent( p: ParsedEmail, marker: string ): Content {
	const bodyHtml = p.html !== null ? sanitizeEmailHtml( p.html ) : null;
	const bodyText = (
		p.text.trim() !== '' || p.html === null ? p.text : htmlToText( p.html )
	).trim();
	return {
		bodyText,
		bodyHtml: bodyHtml === '' ? null : bodyHtml,
		replyText: extractReply( bodyText, marker ),
	};
}
