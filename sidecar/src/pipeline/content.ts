/**
 * The content stage: safe HTML, plain text, and the visible reply without quoted history.
 */
import sanitizeHtml from 'sanitize-html';

import { withoutElements } from './html-words.ts';
import { REPLY_PREFIX } from './machine-wording.ts';
import { extractReply, FORWARD_SUBJECT, HISTORY_RULE } from './reply-text.ts';
import type { Address, Content, ParsedEmail } from './types.ts';

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

/** Private-use characters marking where a blockquote opens and closes while tags are stripped. */
const QUOTE_OPEN = '\uE000';
const QUOTE_CLOSE = '\uE001';

/**
 * Plain text of an HTML body for emails without a text part: block ends become line breaks,
 * every tag and the content of script/style blocks disappear.
 *
 * @param html       Untrusted HTML.
 * @param markQuotes Prefix the lines of blockquotes with "> ", as a text part would quote them
 *                   (for finding the visible reply).
 */
export function htmlToText( html: string, markQuotes = false ): string {
	const texts = htmlToTexts( html );
	return markQuotes ? texts.quoted : texts.plain;
}

/**
 * Both readings of an HTML body from one sanitising pass: the plain text, and the text with
 * blockquotes as "> " lines and Zimbra's history rule marked (for finding the visible reply).
 *
 * @param html Untrusted HTML.
 */
export function htmlToTexts( html: string ): { plain: string; quoted: string } {
	const marked = html
		.replace( /[\uE000-\uE002]/g, '' )
		.replace( /<blockquote\b[^<>]*>/gi, `\n${ QUOTE_OPEN }\n` )
		.replace( /<\/blockquote\s*>/gi, `\n${ QUOTE_CLOSE }\n` )
		// Zimbra puts its quoted history, unquoted, under a marked rule.
		.replace( /<hr\b[^<>]*>/gi, ( m ) =>
			/id="zwchr"|__DIVIDER__/i.test( m ) ? `\n${ HISTORY_RULE }\n` : m
		)
		.replace( /<br\b[^<>]*>/gi, '\n' )
		.replace( /<\/(p|div|li|tr|h[1-6]|pre|table)\s*>/gi, '$&\n' )
		// Cells of a row are words apart ("Unit MPRN Water", not "UnitMPRNWater").
		.replace( /<\/t[dh]\s*>/gi, '$& ' );
	const text = sanitizeHtml( marked, {
		allowedTags: [],
		allowedAttributes: {},
		nonTextTags: SANITIZE_OPTIONS.nonTextTags ?? [],
	} );
	const decoded = text.replace(
		/&(amp|lt|gt|quot|#39|nbsp);/g,
		( _m, name: string ) => ENTITIES[ name ] ?? ''
	);
	const tidy = ( t: string ) =>
		t
			.replace( /(?<![ \t])[ \t]+\n/g, '\n' )
			.replace( /\n{3,}/g, '\n\n' )
			.trim();
	return {
		plain: tidy(
			decoded
				.replace( /^[ \t]*[\uE000-\uE002][ \t]*$/gm, '' )
				.replace( /[\uE000-\uE002]/g, '' )
		),
		quoted: tidy( quoteMarked( decoded ) ),
	};
}

/**
 * Turns blockquote marks into "> " prefixes, one per nesting level.
 *
 * @param text Text with QUOTE_OPEN/QUOTE_CLOSE lines.
 */
function quoteMarked( text: string ): string {
	let depth = 0;
	const out: string[] = [];
	for ( const line of text.split( '\n' ) ) {
		const opens = line.split( QUOTE_OPEN ).length - 1;
		const closes = line.split( QUOTE_CLOSE ).length - 1;
		const rest = line.replace( /[\uE000\uE001]/g, '' );
		if ( opens > 0 || closes > 0 ) {
			depth = Math.max( 0, depth + opens - closes );
			if ( rest.trim() === '' ) {
				continue;
			}
		}
		out.push(
			depth > 0 && rest.trim() !== ''
				? `${ '> '.repeat( Math.min( depth, 16 ) ) }${ rest.trim() }`
				: rest
		);
	}
	return out.join( '\n' );
}

/** Largest HTML body sanitised (characters). */
const MAX_HTML_CHARS = 2 * 1024 * 1024;

/** Deepest element nesting sanitised; real mail stays far below, hostile mail goes far above. */
const MAX_HTML_DEPTH = 256;

/**
 * Whether an HTML body can be sanitised in bounded time: not too long, not too deeply nested.
 * One linear scan over the tags; void elements and self-closing tags don't nest.
 *
 * @param html Untrusted HTML.
 */
export function isTractableHtml( html: string ): boolean {
	if ( html.length > MAX_HTML_CHARS ) {
		return false;
	}
	let depth = 0;
	for ( const m of html.matchAll(
		/<(\/?)([a-zA-Z][a-zA-Z0-9]*)(?![a-zA-Z0-9])[^<>]*?(\/?)>/g
	) ) {
		if (
			VOID_ELEMENTS.has( ( m[ 2 ] as string ).toLowerCase() ) ||
			m[ 3 ] === '/'
		) {
			continue;
		}
		depth += m[ 1 ] === '/' ? -1 : 1;
		if ( depth > MAX_HTML_DEPTH ) {
			return false;
		}
	}
	return true;
}

const VOID_ELEMENTS = new Set( [
	'area',
	'base',
	'br',
	'col',
	'embed',
	'hr',
	'img',
	'input',
	'link',
	'meta',
	'source',
	'track',
	'wbr',
] );

/**
 * Text of HTML that is not worth parsing: tags dropped in linear time (a "<" opens a tag only up to the next "<"), entities decoded.
 *
 * @param html Untrusted HTML.
 */
function stripTags( html: string ): string {
	return withoutElements( html.slice( 0, MAX_HTML_CHARS ), [
		'script',
		'style',
	] )
		.replace( /<[^<>]*>/g, ' ' )
		.replace(
			/&(amp|lt|gt|quot|#39|nbsp);/g,
			( _m, name: string ) => ENTITIES[ name ] ?? ''
		)
		.replace( /[ \t]+/g, ' ' )
		.trim();
}

/**
 * Whether the email answers or forwards another: what it quotes may be history then.
 *
 * @param p Parsed email.
 */
function answersOrForwards( p: ParsedEmail ): boolean {
	return (
		p.inReplyTo !== null ||
		p.references.length > 0 ||
		REPLY_PREFIX.test( p.subject ) ||
		FORWARD_SUBJECT.test( p.subject )
	);
}

/**
 * The full text with each message attached whole after it, laid out as mail clients show an
 * inline forward: a forward "as attachment" (Thunderbird, Apple Mail) then reads on the ticket
 * as it reads in the writer's client, not as a file to download.
 *
 * @param text   The email's own full text.
 * @param p      Parsed email.
 * @param marker Reply marker.
 */
function withAttachedMessages(
	text: string,
	p: ParsedEmail,
	marker: string
): string {
	if ( p.attachedMessages.length === 0 ) {
		return text;
	}
	const blocks = p.attachedMessages.map( ( m ) => {
		const fields: Array< [ string, string ] > = [
			[ 'From', formatAddresses( m.from === null ? [] : [ m.from ] ) ],
			[ 'Date', m.headers.get( 'date' )?.[ 0 ]?.trim() ?? '' ],
			[ 'Subject', m.subject ],
			[ 'To', formatAddresses( m.to ) ],
			[ 'Cc', formatAddresses( m.cc ) ],
		];
		const head = fields
			.filter( ( [ , value ] ) => value !== '' )
			.map( ( [ name, value ] ) => `${ name }: ${ value }` );
		const body = buildContent( m, marker ).bodyText;
		return [ ATTACHED_MESSAGE_RULE, ...head, '', body ].join( '\n' ).trim();
	} );
	return [ text, ...blocks ].filter( ( t ) => t !== '' ).join( '\n\n' );
}

/** The line that opens an attached message in the full text, as Gmail opens a forward. */
const ATTACHED_MESSAGE_RULE = '---------- Forwarded message ---------';

/**
 * Addresses as a header shows them: "Name <address>", or the address alone.
 *
 * @param list Addresses.
 */
function formatAddresses( list: readonly Address[] ): string {
	return list
		.filter( ( a ) => a.address !== '' )
		.map( ( a ) =>
			a.name !== '' ? `${ a.name } <${ a.address }>` : a.address
		)
		.join( ', ' );
}

/**
 * Builds the stored content of an email.
 *
 * @param p          Parsed email.
 * @param marker     Reply marker.
 * @param preference Which part becomes the text when both exist (setting body_preference).
 */
export function buildContent(
	p: ParsedEmail,
	marker: string,
	preference: 'text' | 'html' = 'text'
): Content {
	// HTML too big or too deeply nested to sanitise in bounded time is not kept as HTML; its
	// text still is, so the email is never empty.
	const html = p.html !== null && isTractableHtml( p.html ) ? p.html : null;
	const bodyHtml = html !== null ? sanitizeEmailHtml( html ) : null;
	// The text comes from the HTML when asked to or when there is no text part; then the reply
	// is found in the HTML's reading that keeps blockquotes as "> ".
	const fromHtml =
		html !== null && ( preference === 'html' || p.text.trim() === '' );
	const htmlTexts = fromHtml ? htmlToTexts( html ) : null;
	let text = htmlTexts !== null ? htmlTexts.plain : p.text;
	if ( text.trim() === '' && p.html !== null && html === null ) {
		text = stripTags( p.html );
	}
	const bodyText = text.trim();
	return {
		bodyText: withAttachedMessages( bodyText, p, marker ),
		bodyHtml: bodyHtml === '' ? null : bodyHtml,
		replyText: extractReply(
			// In an email that answers or forwards nothing, a blockquote is the writer's own
			// citation (a rule, a web page), not history.
			htmlTexts !== null && answersOrForwards( p )
				? htmlTexts.quoted
				: bodyText,
			{
				marker,
				subject: p.subject,
				answersMessage: p.inReplyTo !== null,
			}
		),
	};
}
