/**
 * A lean reading of the common email held in memory: text/plain or text/html, alone or in a
 * multipart/alternative, mixed or related of such parts, with no attachment. It gives what
 * mailparser gives parse.ts for the same bytes (root headers, header lines, text and HTML),
 * without mailparser's streams and its splitter's byte-by-byte walk, which cost a small text
 * email most of its parsing time.
 *
 * Exactness comes from running mailparser's and mailsplit's own code wherever a result is
 * built: mailsplit's MimeNode reads each header block (content type, charset, transfer
 * encoding, boundary, format=flowed), its Headers class splits the header lines, its splitter's
 * checkBoundary() tells delimiter lines, the node's own decoder undoes the transfer encoding,
 * and MailParser's processHeaders() decodes the root headers (libmime, its address parser).
 * What is written here is only the walk over the bytes, mirroring the splitter's grouping of
 * lines into bodies (see leafChunks), and the joining of text parts (see joinText).
 *
 * Anything else is declined (null), and parse.ts reads the email with mailparser as before:
 * a part that is not text, an attachment or a file name, message/*, multipart/report or other
 * subtypes, a missing boundary, deep nesting, a transfer encoding or charset mailparser treats
 * its own way, a header-only part, a header block that never ends, and messages above
 * LEAN_MAX_BYTES. tests/unit/parse-lean.test.ts compares both readings over the whole corpus.
 */
import { createRequire } from 'node:module';
import type { Transform } from 'node:stream';

import libmime from 'libmime';
import { MailParser, type HeaderLines, type Headers } from 'mailparser';

import { CharsetIconv, decodeBytes } from './charsets.ts';

/**
 * mailsplit as mailparser itself loads it (resolved from mailparser's own folder): the same
 * copy and version whatever the install's layout, and no dependency of ours to keep in step.
 */
const mailsplit = createRequire( import.meta.resolve( 'mailparser' ) )(
	'@zone-eu/mailsplit'
) as typeof import( '@zone-eu/mailsplit' );

/** Largest message read here; bigger ones go to mailparser, which streams them. */
export const LEAN_MAX_BYTES = 256 * 1024;

/** Most multipart levels read here (mixed → related → alternative is three). */
const MAX_DEPTH = 3;

/** Most MIME parts read here. */
const MAX_PARTS = 16;

/**
 * Longest last line without a line break read here: past 64 KiB the splitter hands such a
 * line on in pieces of its own (MAX_PENDING_LINE_SIZE), which a decoder may see differently.
 */
const MAX_LAST_LINE = 60 * 1024;

/** What a header block may cost against mailsplit's maxHeadSize (1 MiB), with a margin. */
const MAX_HEAD_COST = 512 * 1024;

/** mailsplit's HEADER_LINE_MIN_COST: the least one header line counts for. */
const HEADER_LINE_MIN_COST = 64;

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;

/**
 * Charsets mailparser never decodes a body from (its REFUSED_CHARSET): it hands them to
 * libmime's own decoder instead of the Iconv option, which this reading does not follow.
 */
const REFUSED_CHARSET = /^(?:(?:cs)?unicode11)?utf7(?:imap)?$|^base64$|^hex$/;

/** Transfer encodings read here: mailsplit's decoders, and the ones it passes through. */
const ENCODINGS = new Set( [
	'',
	'7bit',
	'8bit',
	'binary',
	'base64',
	'quoted-printable',
] );

/** Multipart subtypes whose parts mailparser only joins (no report, signature or digest). */
const MULTIPARTS = new Set( [ 'alternative', 'mixed', 'related' ] );

/** What the lean reading gives: the inputs parse.ts builds a ParsedEmail from. */
export interface LeanReading {
	/** The root headers as mailparser's `headers` event gives them (only the keys asked for). */
	readonly headers: Headers;
	/** The root header lines as mailparser's `headerLines` event gives them. */
	readonly headerLines: HeaderLines;
	/** The text as mailparser's text object gives it ('' when it has none). */
	readonly text: string;
	/** The HTML as mailparser's text object gives it, or null when it has none. */
	readonly html: string | null;
}

/* ------------------------------------------------------------------------------------------
 * mailsplit's and mailparser's own code, reached through their prototypes
 * ---------------------------------------------------------------------------------------- */

type MimeNode = InstanceType< typeof mailsplit.MimeNode >;

/** The splitter's state that its checkBoundary() reads and sets. */
interface DelimiterReader {
	node: MimeNode;
	inEpilogue: boolean;
	delimiterOwner: MimeNode | false;
	/**
	 * mailsplit's checkBoundary(): 1 next child, 2 end of the node's children, 3 next sibling
	 * under `delimiterOwner`, 4 end of `delimiterOwner`'s children, false for no delimiter.
	 */
	checkBoundary: ( line: Buffer ) => 1 | 2 | 3 | 4 | false;
}

/** MailParser's header decoding, without a parser (and its streams) around it. */
interface HeaderReader {
	libmime: unknown;
	processHeaders: ( lines: HeaderLines ) => Headers;
}

const splitterProto = mailsplit.Splitter.prototype as unknown as Partial<
	Pick< DelimiterReader, 'checkBoundary' >
>;
const parserProto = MailParser.prototype as unknown as Partial<
	Pick< HeaderReader, 'processHeaders' >
>;

/**
 * Whether the library internals this reading runs are where it expects them. An update that
 * moves them turns the lean reading off (every email goes to mailparser), and the share test
 * in parse-lean.test.ts fails.
 */
const AVAILABLE =
	typeof splitterProto.checkBoundary === 'function' &&
	typeof parserProto.processHeaders === 'function' &&
	typeof mailsplit.MimeNode === 'function';

/**
 * The configuration mailparser hands its splitter (and so every MimeNode); only Iconv is read
 * by what runs here.
 */
const NODE_CONFIG = { Iconv: CharsetIconv };

/** A MailParser-shaped object for processHeaders(): its prototype and its libmime. */
const headerReader: HeaderReader = Object.assign(
	Object.create( MailParser.prototype ) as HeaderReader,
	{ libmime: new libmime.Libmime( NODE_CONFIG ) }
);

/**
 * Chunks as one Buffer, without a copy for one chunk.
 *
 * @param chunks The chunks.
 */
const joined = ( chunks: Buffer[] ): Buffer =>
	chunks.length === 1 ? ( chunks[ 0 ] as Buffer ) : Buffer.concat( chunks );

/**
 * Runs one of mailsplit's decoders (base64, quoted-printable) over a body's chunks as its
 * stream would, without the stream: both take each chunk and finish synchronously, handing
 * their output to push().
 *
 * @param decoder The node's decoder.
 * @param chunks  The body, as the splitter hands it over.
 * @return The decoded bytes, or null if the decoder did not finish synchronously.
 */
function runDecoder( decoder: Transform, chunks: Buffer[] ): Buffer | null {
	const out: Buffer[] = [];
	let done = 0;
	const callback = ( err?: Error | null, value?: unknown ): void => {
		if ( ! err && Buffer.isBuffer( value ) ) {
			out.push( value );
		}
		done += err ? 0 : 1;
	};
	decoder.push = ( value: unknown ): boolean => {
		if ( Buffer.isBuffer( value ) ) {
			out.push( value );
		}
		return true;
	};
	for ( const chunk of chunks ) {
		// What a stream passes with a Buffer chunk; the decoders only read it for strings.
		decoder._transform( chunk, 'buffer' as BufferEncoding, callback );
	}
	decoder._flush( callback );
	return done === chunks.length + 1 ? joined( out ) : null;
}

/* ------------------------------------------------------------------------------------------
 * The walk
 * ---------------------------------------------------------------------------------------- */

/** A part as mailparser's getTextContent() walks it. */
interface Part {
	/** mailparser's node content type: the root's defaults to text/plain. */
	readonly contentType: string;
	readonly root: boolean;
	/** The decoded text of a text part ('' for none, as mailparser leaves it out then). */
	textContent: string;
	readonly children: Part[];
}

/**
 * The end of the header block that starts at `start` (after its empty line), as the splitter
 * reads it, or -1 to decline: a block that never ends, one that would cost too much, or a line
 * in it that may be a delimiter (a header-only part, which the splitter treats its own way).
 *
 * @param raw   The message.
 * @param start Where the block starts.
 */
function headEnd( raw: Buffer, start: number ): number {
	let cost = 0;
	for ( let pos = start; pos < raw.length; ) {
		const lf = raw.indexOf( LF, pos );
		if ( lf < 0 ) {
			return -1;
		}
		const length = lf + 1 - pos;
		if ( length === 1 || ( length === 2 && raw[ pos ] === CR ) ) {
			return lf + 1;
		}
		const at = raw[ pos ] === CR ? pos + 1 : pos;
		if ( raw[ at ] === DASH && raw[ at + 1 ] === DASH ) {
			return -1;
		}
		cost += Math.max( length, HEADER_LINE_MIN_COST );
		if ( cost > MAX_HEAD_COST ) {
			return -1;
		}
		pos = lf + 1;
	}
	return -1;
}

/** A delimiter line found in a body. */
interface Delimiter {
	readonly start: number;
	readonly end: number;
	readonly kind: 1 | 2 | 3 | 4;
}

/**
 * The next delimiter line at or after `from` for the reader's current node, as the splitter
 * would find it: only lines starting with `--` (or CR and `--`) can be one, and checkBoundary()
 * decides. Returns undefined to decline (a last line the splitter would read otherwise).
 *
 * @param raw    The message.
 * @param from   A line start.
 * @param reader The splitter state.
 */
function nextDelimiter(
	raw: Buffer,
	from: number,
	reader: DelimiterReader
): Delimiter | null | undefined {
	if ( ! hasBoundaries( reader ) ) {
		return null;
	}
	let p = raw.indexOf( '--', from );
	while ( p >= 0 ) {
		let start = -1;
		if ( p === from || raw[ p - 1 ] === LF ) {
			start = p;
		} else if (
			raw[ p - 1 ] === CR &&
			( p - 1 === from || raw[ p - 2 ] === LF )
		) {
			start = p - 1;
		}
		const lf = raw.indexOf( LF, p );
		if ( start >= 0 ) {
			if ( lf < 0 && start !== p ) {
				// A last line starting with CR: the splitter may see the line break before it
				// in front of it (see leafChunks), and then reads no delimiter in it.
				return undefined;
			}
			const end = lf < 0 ? raw.length : lf + 1;
			const kind = reader.checkBoundary( raw.subarray( start, end ) );
			if ( kind ) {
				return { start, end, kind };
			}
		}
		// Not a line start, or not a delimiter: on to the next line.
		p = lf < 0 ? -1 : raw.indexOf( '--', lf + 1 );
	}
	return null;
}

/**
 * Whether any delimiter can end the reader's current node: its own boundary (outside its
 * epilogue) or an open ancestor's.
 *
 * @param reader The splitter state.
 */
function hasBoundaries( reader: DelimiterReader ): boolean {
	if ( ! reader.inEpilogue && reader.node._boundary ) {
		return true;
	}
	for (
		let owner = reader.node._parentBoundaryOwner;
		owner;
		owner = owner._parentBoundaryOwner
	) {
		if ( owner._boundary ) {
			return true;
		}
	}
	return false;
}

/**
 * Removes the line break that ends a body before a delimiter: mailsplit's trimBodyLineEnd().
 *
 * @param raw   The message.
 * @param start The body's start.
 * @param end   Its end.
 */
function trimLineEnd( raw: Buffer, start: number, end: number ): number {
	if ( end > start && raw[ end - 1 ] === LF ) {
		end--;
		if ( end > start && raw[ end - 1 ] === CR ) {
			end--;
		}
	}
	return end;
}

/**
 * A part's body as the splitter hands it to the part's decoder, chunk by chunk (a decoder may
 * depend on where its input is cut), or null to decline.
 *
 * A body ended by a delimiter loses the line break before it; one that is only a line break
 * keeps it before a next-part delimiter (kinds 1 and 3: the splitter pushes the line as it came)
 * and is empty before a closing one. A body running to the end of the message comes in two
 * chunks: its complete lines (without the last line break, in a child part) and the rest.
 *
 * @param raw       The message.
 * @param start     Where the body starts.
 * @param delimiter The delimiter that ends it, or null for the message's end.
 * @param child     Whether the part has a parent (the root's body keeps its last line break).
 */
function leafChunks(
	raw: Buffer,
	start: number,
	delimiter: Delimiter | null,
	child: boolean
): Buffer[] | null {
	if ( delimiter !== null ) {
		if ( delimiter.start === start ) {
			return [];
		}
		const end = trimLineEnd( raw, start, delimiter.start );
		if ( end > start ) {
			return [ raw.subarray( start, end ) ];
		}
		return delimiter.kind === 1 || delimiter.kind === 3
			? [ raw.subarray( start, delimiter.start ) ]
			: [];
	}
	const lastLf = raw.lastIndexOf( LF );
	const lines = lastLf >= start ? lastLf + 1 : start;
	const cut = child ? trimLineEnd( raw, start, lines ) : lines;
	if ( raw.length - cut > MAX_LAST_LINE ) {
		return null;
	}
	return [ raw.subarray( start, cut ), raw.subarray( cut ) ].filter(
		( chunk ) => chunk.length > 0
	);
}

/**
 * Whether mailparser decodes a part in this charset as UTF-8 itself (not through Iconv).
 *
 * @param charset The part's charset.
 */
const decodesAsUtf8 = ( charset: string ): boolean =>
	[ 'ascii', 'usascii', 'utf8' ].includes(
		charset.toLowerCase().replace( /[^a-z0-9]+/g, '' )
	);

/**
 * A text part's content as mailparser's text object holds it: transfer encoding undone by the
 * node's decoder, format=flowed unfolded by libmime, charset decoded (UTF-8 by mailparser
 * itself, anything else through CharsetIconv), line breaks made LF. Null to decline.
 *
 * @param node   The part.
 * @param chunks Its body, as the splitter hands it over.
 */
function textContent( node: MimeNode, chunks: Buffer[] ): string | null {
	let bytes: Buffer | null =
		node.encoding === 'base64' || node.encoding === 'quoted-printable'
			? runDecoder( node.getDecoder() as Transform, chunks )
			: joined( chunks );
	if ( bytes === null ) {
		return null;
	}
	if ( node.flowed && bytes.length > 0 ) {
		// mailsplit's FlowedDecoder, which reads the bytes as latin1 and writes them back so.
		bytes = Buffer.from(
			libmime.decodeFlowed( bytes.toString( 'binary' ), node.delSp ),
			'binary'
		);
	}
	const charset = node.charset || 'utf-8';
	let text: string;
	if ( decodesAsUtf8( charset ) ) {
		text = bytes.toString();
	} else {
		// mailparser's IconvDecoder renames this label before CharsetIconv sees it.
		const label =
			charset.toLowerCase() === 'ks_c_5601-1987' ? 'CP949' : charset;
		text = decodeBytes( bytes, label );
		if ( /[\uD800-\uDFFF]/.test( text ) ) {
			// CharsetIconv hands text on as UTF-8 bytes: a lone surrogate becomes U+FFFD.
			text = Buffer.from( text, 'utf8' ).toString();
		}
	}
	return text.replace( /\r?\n/g, '\n' );
}

/**
 * A header block read into `node`, checked for what this reading follows: a multipart of a
 * known subtype with a boundary, or an inline text/plain or text/html part without a name.
 *
 * @param raw   The message.
 * @param start Where the block starts.
 * @param node  A fresh node.
 * @return Where its body starts, or -1 to decline.
 */
function readNode( raw: Buffer, start: number, node: MimeNode ): number {
	const end = headEnd( raw, start );
	if ( end < 0 ) {
		return -1;
	}
	node.addHeaderChunk( raw.subarray( start, end ) );
	node.parseHeaders();
	const type = node.contentType || ( node.root ? 'text/plain' : '' );
	if ( node.multipart ) {
		return MULTIPARTS.has( node.multipart ) && node._boundary ? end : -1;
	}
	const charset = ( node.charset || 'utf-8' )
		.toLowerCase()
		.replace( /[^a-z0-9]/g, '' );
	const usable =
		( type === 'text/plain' || type === 'text/html' ) &&
		( node.disposition === false || node.disposition === 'inline' ) &&
		! node.filename &&
		! node._boundary &&
		ENCODINGS.has( node.encoding || '' ) &&
		! REFUSED_CHARSET.test( charset );
	return usable ? end : -1;
}

/**
 * mailparser's getTextContent() over the parts: text parts joined with a line break, HTML
 * parts with `<br/>`; an HTML part outside an alternative next to text stands for an empty
 * text, a text part outside an alternative next to HTML for an empty HTML (the conversions
 * parse.ts turns off).
 *
 * @param root The root part.
 */
function joinText( root: Part ): { text: string; html: string | null } {
	const text: string[] = [];
	const html: string[] = [];
	const all: Part[] = [];
	const collect = ( part: Part ): void => {
		all.push( part );
		part.children.forEach( collect );
	};
	collect( root );
	const hasText = all.some( ( p ) => p.contentType === 'text/plain' );
	const hasHtml = all.some( ( p ) => p.contentType === 'text/html' );
	const walk = ( alternative: boolean, part: Part ): void => {
		if ( part.textContent !== '' ) {
			if ( part.contentType === 'text/plain' ) {
				text.push( part.textContent );
				if ( ! alternative && hasHtml ) {
					html.push( '' );
				}
			} else if ( part.contentType === 'text/html' ) {
				if (
					( ! alternative && hasText ) ||
					( part.root && ! hasText )
				) {
					text.push( '' );
				}
				html.push( part.textContent );
			}
		}
		const inAlternative =
			alternative || part.contentType === 'multipart/alternative';
		part.children.forEach( ( child ) => walk( inAlternative, child ) );
	};
	walk( false, root );
	return {
		text: text.join( '\n' ),
		html: html.length > 0 ? html.join( '<br/>\n' ) : null,
	};
}

/**
 * Reads an email the lean way, or declines (null) when it is not one this reading is sure to
 * read as mailparser does.
 *
 * @param raw  The message as mailparser would see it (after normaliseMessageCharsets).
 * @param keys The root headers to decode (by lower-case name); the others are left out of
 *             `headers` (header lines keep them all).
 */
export function readLean(
	raw: Buffer,
	keys: ReadonlySet< string >
): LeanReading | null {
	if ( ! AVAILABLE || raw.length > LEAN_MAX_BYTES ) {
		return null;
	}
	const rootNode = new mailsplit.MimeNode( false, NODE_CONFIG );
	let pos = readNode( raw, 0, rootNode );
	if ( pos < 0 ) {
		return null;
	}
	const root: Part = {
		contentType: rootNode.contentType || 'text/plain',
		root: true,
		textContent: '',
		children: [],
	};
	const parts = new Map< MimeNode, Part >( [ [ rootNode, root ] ] );
	const reader = Object.assign(
		Object.create( mailsplit.Splitter.prototype ) as DelimiterReader,
		{ node: rootNode, inEpilogue: false, delimiterOwner: false }
	);
	let textParts = 0;
	for (;;) {
		const node = reader.node;
		const delimiter = nextDelimiter( raw, pos, reader );
		if ( delimiter === undefined ) {
			return null;
		}
		if ( ! node.multipart ) {
			const chunks = leafChunks( raw, pos, delimiter, ! node.root );
			const content = chunks && textContent( node, chunks );
			if ( content === null ) {
				return null;
			}
			( parts.get( node ) as Part ).textContent = content;
			textParts++;
		}
		if ( delimiter === null ) {
			break;
		}
		pos = delimiter.end;
		if ( delimiter.kind === 2 ) {
			// A closing delimiter in the preamble: the splitter reads on in the same node.
			continue;
		}
		const owner = reader.delimiterOwner;
		if ( delimiter.kind === 4 ) {
			if ( ! owner ) {
				return null;
			}
			reader.node = owner;
			reader.inEpilogue = true;
			continue;
		}
		const parentNode = delimiter.kind === 1 ? node : owner;
		const parent = parentNode ? parts.get( parentNode ) : undefined;
		if ( ! parentNode || ! parent || parts.size >= MAX_PARTS ) {
			return null;
		}
		const child = new mailsplit.MimeNode( parentNode, NODE_CONFIG );
		pos = readNode( raw, pos, child );
		if ( pos < 0 || ( child.multipart && depth( child ) > MAX_DEPTH ) ) {
			return null;
		}
		const part: Part = {
			contentType: child.contentType || '',
			root: false,
			textContent: '',
			children: [],
		};
		parent.children.push( part );
		parts.set( child, part );
		reader.node = child;
		reader.inEpilogue = false;
	}
	if ( textParts === 0 ) {
		return null;
	}
	const lines = (
		rootNode.headers as InstanceType< typeof mailsplit.Headers >
	 ).getList();
	return {
		headers: headerReader.processHeaders(
			lines.filter( ( line ) => keys.has( line.key ) )
		),
		headerLines: lines,
		...joinText( root ),
	};
}

/**
 * How many multipart levels a node is under (itself included).
 *
 * @param node The node.
 */
function depth( node: MimeNode ): number {
	let n = 0;
	for (
		let at: MimeNode | false = node;
		at;
		at = at.parentNode as MimeNode | false
	) {
		n += at.multipart ? 1 : 0;
	}
	return n;
}
