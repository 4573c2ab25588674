/**
 * TNEF decoder (`application/ms-tnef`, the "winmail.dat" attachment). Outlook and Exchange wrap a
 * message's attachments and rich body in this format when they think the recipient is Outlook
 * too; without decoding it the customer's invoice reaches the agent as an unreadable winmail.dat.
 * Written from MS-OXTNEF (stream and MAPI property blocks), MS-OXRTFCP (compressed RTF) and
 * MS-OXRTFEX (HTML encapsulated in RTF). No dependencies, pure functions.
 *
 * The input comes from strangers, so: every length is checked against the bytes actually left
 * before it is used, nothing is allocated from an unchecked length, the work is linear in the input
 * (RTF decompression output is capped by the byte limit), and every failure is a TnefError, so the
 * caller can fall back to keeping the original winmail.dat.
 */

/* eslint-disable no-bitwise -- binary formats are bit fields */
import { TextDecoder } from 'node:util';

export interface TnefAttachment {
	/** Name as sent (NUL-terminated strings cut at the NUL); the caller sanitises it. */
	readonly filename: string;
	readonly contentType: string;
	readonly data: Buffer;
}

export interface TnefContent {
	readonly attachments: TnefAttachment[];
	/** Plain text body (attBody or PR_BODY), '' when absent. */
	readonly text: string;
	/** HTML body (PR_BODY_HTML / PR_HTML), null when absent. */
	readonly html: string | null;
	/** Subject from attSubject / PR_SUBJECT when present, else null. */
	readonly subject: string | null;
}

/** Anything wrong with a TNEF stream: malformed, truncated or over a limit. */
export class TnefError extends Error {
	readonly code = 'tnef_invalid';

	constructor( message: string, options?: ErrorOptions ) {
		super( message, options );
		this.name = 'TnefError';
	}
}

const DEFAULT_MAX_ATTACHMENTS = 100;
const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
/** Attributes in a stream: a message has a few dozen, an attachment about seven. */
const BASE_ATTRIBUTES = 1_000;
const ATTRIBUTES_PER_ATTACHMENT = 64;
/** Properties in one MAPI block: Outlook writes a few hundred at most. */
const MAX_PROPERTIES = 10_000;
/** RTF group nesting: real documents stay far below; each level costs memory. */
const MAX_RTF_DEPTH = 1_000;

const TNEF_SIGNATURE = 0x223e9f78;
const LVL_MESSAGE = 1;
const LVL_ATTACHMENT = 2;

/*
 * Attribute ids: the low 16 bits of the attribute tag. The high 16 bits carry the attribute type,
 * which adds nothing for the few attributes read here, so dispatching on the id alone also accepts
 * encoders that write the wrong type.
 */
const ATT_SUBJECT = 0x8004;
const ATT_BODY = 0x800c;
const ATT_ATTACH_DATA = 0x800f;
const ATT_ATTACH_TITLE = 0x8010;
const ATT_ATTACH_REND_DATA = 0x9002;
const ATT_MSG_PROPS = 0x9003;
const ATT_ATTACHMENT = 0x9005;
const ATT_OEM_CODEPAGE = 0x9007;

// MAPI property ids.
const PR_SUBJECT = 0x0037;
const PR_BODY = 0x1000;
const PR_RTF_COMPRESSED = 0x1009;
/** PR_BODY_HTML when a string, PR_HTML when binary: the same id. */
const PR_BODY_HTML = 0x1013;
const PR_DISPLAY_NAME = 0x3001;
/** PR_ATTACH_DATA_BIN when binary, PR_ATTACH_DATA_OBJ when an object: the same id. */
const PR_ATTACH_DATA = 0x3701;
const PR_ATTACH_FILENAME = 0x3704;
const PR_ATTACH_METHOD = 0x3705;
const PR_ATTACH_LONG_FILENAME = 0x3707;
const PR_ATTACH_MIME_TAG = 0x370e;
const PR_INTERNET_CPID = 0x3fde;
const PR_MESSAGE_CODEPAGE = 0x3ffd;
const ATTACH_EMBEDDED_MSG = 5;

const MESSAGE_PROPS: ReadonlySet< number > = new Set( [
	PR_SUBJECT,
	PR_BODY,
	PR_RTF_COMPRESSED,
	PR_BODY_HTML,
	PR_INTERNET_CPID,
	PR_MESSAGE_CODEPAGE,
] );
const ATTACHMENT_PROPS: ReadonlySet< number > = new Set( [
	PR_DISPLAY_NAME,
	PR_ATTACH_DATA,
	PR_ATTACH_FILENAME,
	PR_ATTACH_METHOD,
	PR_ATTACH_LONG_FILENAME,
	PR_ATTACH_MIME_TAG,
] );

// MAPI property types.
const PT_LONG = 0x0003;
const PT_OBJECT = 0x000d;
const PT_STRING8 = 0x001e;
const PT_UNICODE = 0x001f;
const PT_BINARY = 0x0102;
const MV_FLAG = 0x1000;

/** Bytes a fixed-size value takes in a TNEF property block, padding included. */
const FIXED_SIZE: ReadonlyMap< number, number > = new Map( [
	[ 0x0000, 0 ], // PT_UNSPECIFIED
	[ 0x0001, 0 ], // PT_NULL
	[ 0x0002, 4 ], // PT_SHORT: 2 bytes + 2 padding
	[ PT_LONG, 4 ],
	[ 0x0004, 4 ], // PT_FLOAT
	[ 0x0005, 8 ], // PT_DOUBLE
	[ 0x0006, 8 ], // PT_CURRENCY
	[ 0x0007, 8 ], // PT_APPTIME
	[ 0x000a, 4 ], // PT_ERROR
	[ 0x000b, 4 ], // PT_BOOLEAN: 2 bytes + 2 padding
	[ 0x0014, 8 ], // PT_I8
	[ 0x0040, 8 ], // PT_SYSTIME
	[ 0x0048, 16 ], // PT_CLSID
] );
/** Types stored as a count of values, each a uint32 length and bytes padded to 4. */
const VARIABLE_TYPES: ReadonlySet< number > = new Set( [
	PT_OBJECT,
	PT_STRING8,
	PT_UNICODE,
	PT_BINARY,
] );

interface PropValue {
	readonly type: number;
	/** PT_LONG as a number; variable-size types as the bytes of their first value. */
	readonly value: Buffer | number;
}
type PropMap = Map< number, PropValue >;

/** Reads little-endian integers and slices, refusing anything past its end. */
class Cursor {
	readonly buf: Buffer;
	readonly end: number;
	pos: number;

	constructor( buf: Buffer ) {
		this.buf = buf;
		this.end = buf.length;
		this.pos = 0;
	}

	get remaining(): number {
		return this.end - this.pos;
	}

	need( n: number, what: string ): void {
		// Written so that NaN and negative counts fail too.
		if ( ! ( n >= 0 && n <= this.end - this.pos ) ) {
			throw new TnefError(
				`TNEF ${ what } runs past the end of its data`
			);
		}
	}

	u8( what: string ): number {
		this.need( 1, what );
		return this.buf.readUInt8( this.pos++ );
	}

	u16( what: string ): number {
		this.need( 2, what );
		const value = this.buf.readUInt16LE( this.pos );
		this.pos += 2;
		return value;
	}

	u32( what: string ): number {
		this.need( 4, what );
		const value = this.buf.readUInt32LE( this.pos );
		this.pos += 4;
		return value;
	}

	take( n: number, what: string ): Buffer {
		this.need( n, what );
		const value = this.buf.subarray( this.pos, this.pos + n );
		this.pos += n;
		return value;
	}

	skip( n: number, what: string ): void {
		this.need( n, what );
		this.pos += n;
	}

	// Skips the padding after a value; a writer may drop it after the last value of a block.
	align( length: number ): void {
		const padding = ( 4 - ( length % 4 ) ) % 4;
		this.pos += Math.min( padding, this.remaining );
	}
}

/**
 * Reads one MAPI property block (attMsgProps, attAttachment) and keeps the first value of each
 * wanted, non-named property. Every other property is parsed only to be skipped.
 *
 * @param block  The attribute data.
 * @param wanted Property ids to keep.
 */
function readProps( block: Buffer, wanted: ReadonlySet< number > ): PropMap {
	const props: PropMap = new Map();
	const c = new Cursor( block );
	const count = c.u32( 'property count' );
	// Every property takes at least its 4-byte tag, so a larger count is a lie.
	if ( count > MAX_PROPERTIES || count * 4 > c.remaining ) {
		throw new TnefError( 'TNEF property count is implausible' );
	}
	for ( let i = 0; i < count; i++ ) {
		const tagType = c.u16( 'property tag' );
		const id = c.u16( 'property tag' );
		if ( id >= 0x8000 ) {
			// Named property: property-set GUID, then a numeric id or a UTF-16 name.
			c.skip( 16, 'property name' );
			const kind = c.u32( 'property name' );
			if ( kind === 0 ) {
				c.skip( 4, 'property name' );
			} else if ( kind === 1 ) {
				const length = c.u32( 'property name' );
				c.skip( length, 'property name' );
				c.align( length );
			} else {
				throw new TnefError(
					'TNEF named property has an unknown kind'
				);
			}
		}
		const multi = ( tagType & MV_FLAG ) !== 0;
		const type = tagType & ~MV_FLAG;
		const fixed = FIXED_SIZE.get( type );
		let value: Buffer | number | undefined;
		if ( fixed !== undefined ) {
			const values = multi ? c.u32( 'value count' ) : 1;
			if ( ! multi && type === PT_LONG ) {
				value = c.u32( 'property value' );
			} else {
				c.skip( values * fixed, 'property value' );
			}
		} else if ( VARIABLE_TYPES.has( type ) ) {
			// Single-valued strings and binaries carry a value count too (normally 1).
			const values = c.u32( 'value count' );
			if ( values * 4 > c.remaining ) {
				throw new TnefError( 'TNEF value count is implausible' );
			}
			for ( let v = 0; v < values; v++ ) {
				const length = c.u32( 'value length' );
				const bytes = c.take( length, 'property value' );
				c.align( length );
				if ( v === 0 ) {
					value = bytes;
				}
			}
		} else {
			/*
			 * A type we cannot size (PT_SVREID, restrictions, garbage): nothing after it can be
			 * found, but what came before is sound and the attribute framing around the block is
			 * intact, so keep that rather than lose every attachment of the message.
			 */
			break;
		}
		if (
			value !== undefined &&
			id < 0x8000 &&
			wanted.has( id ) &&
			! props.has( id )
		) {
			props.set( id, { type, value } );
		}
	}
	return props;
}

// Windows code pages that have a WHATWG TextDecoder label.
function codepageLabel( codepage: number ): string {
	if ( codepage >= 1250 && codepage <= 1258 ) {
		return `windows-${ codepage }`;
	}
	if ( codepage >= 28592 && codepage <= 28606 ) {
		return `iso-8859-${ codepage - 28590 }`;
	}
	const named: Record< number, string > = {
		65001: 'utf-8',
		866: 'ibm866',
		874: 'windows-874',
		932: 'shift_jis',
		936: 'gbk',
		949: 'euc-kr',
		950: 'big5',
		10000: 'macintosh',
		10007: 'x-mac-cyrillic',
		20866: 'koi8-r',
		21866: 'koi8-u',
		50220: 'iso-2022-jp',
		51932: 'euc-jp',
		54936: 'gb18030',
	};
	return named[ codepage ] ?? 'windows-1252';
}

const decoders = new Map< string, TextDecoder >();

/**
 * A decoder for a Windows code page; windows-1252 (what Outlook assumes) for unknown ones.
 *
 * @param codepage Code page number, or null when the stream declared none.
 */
function decoderFor( codepage: number | null ): TextDecoder {
	let label = codepage === null ? 'windows-1252' : codepageLabel( codepage );
	let decoder = decoders.get( label );
	if ( ! decoder ) {
		try {
			decoder = new TextDecoder( label );
		} catch {
			// Node built without full ICU lacks the legacy encodings.
			label = 'windows-1252';
			decoder = new TextDecoder( label );
		}
		decoders.set( label, decoder );
	}
	return decoder;
}

// Strings in TNEF are C strings: whatever follows the first NUL is not part of them.
function cutAtNul( value: string ): string {
	const nul = value.indexOf( '\0' );
	return nul < 0 ? value : value.slice( 0, nul );
}

function propString(
	prop: PropValue | undefined,
	codepage: number | null
): string | null {
	if ( ! prop || typeof prop.value === 'number' ) {
		return null;
	}
	if ( prop.type === PT_UNICODE ) {
		return cutAtNul( prop.value.toString( 'utf16le' ) );
	}
	if ( prop.type === PT_STRING8 ) {
		return cutAtNul( decoderFor( codepage ).decode( prop.value ) );
	}
	return null;
}

function propLong( prop: PropValue | undefined ): number | null {
	return prop && typeof prop.value === 'number' ? prop.value : null;
}

/**
 * PR_HTML is bytes in the message's internet code page; without one, UTF-8 is tried first
 * because a non-ASCII UTF-8 text is almost never valid in a legacy code page by accident.
 *
 * @param bytes    The HTML bytes.
 * @param cpid     PR_INTERNET_CPID, if any.
 * @param codepage The message code page, if any.
 */
function decodeHtmlBytes(
	bytes: Buffer,
	cpid: number | null,
	codepage: number | null
): string {
	if ( cpid !== null ) {
		return cutAtNul( decoderFor( cpid ).decode( bytes ) );
	}
	try {
		return cutAtNul(
			new TextDecoder( 'utf-8', { fatal: true } ).decode( bytes )
		);
	} catch {
		return cutAtNul( decoderFor( codepage ).decode( bytes ) );
	}
}

/** The dictionary every LZFu stream starts from (MS-OXRTFCP), 207 bytes. */
const LZFU_PREBUF =
	'{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman ' +
	'\\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier' +
	'{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx';
const LZFU_COMPRESSED = 0x75465a4c; // "LZFu"
const LZFU_UNCOMPRESSED = 0x414c454d; // "MELA"

/**
 * Decompresses PR_RTF_COMPRESSED (MS-OXRTFCP). The CRC is not checked: the body is a
 * best-effort rendering and a wrong CRC with sound structure still decompresses correctly.
 *
 * @param input  The property value.
 * @param budget Most bytes the output may take.
 */
function decompressRtf( input: Buffer, budget: number ): Buffer {
	const c = new Cursor( input );
	const compSize = c.u32( 'RTF header' );
	const rawSize = c.u32( 'RTF header' );
	const magic = c.u32( 'RTF header' );
	c.skip( 4, 'RTF header' ); // CRC
	// compSize counts everything after itself, the rest of the header included.
	if ( compSize < 12 || compSize - 12 > c.remaining ) {
		throw new TnefError( 'TNEF compressed RTF size runs past its data' );
	}
	if ( rawSize > budget ) {
		throw new TnefError( 'TNEF body is over the byte limit' );
	}
	const end = 4 + compSize;
	if ( magic === LZFU_UNCOMPRESSED ) {
		return Buffer.from(
			input.subarray( 16, Math.min( end, 16 + rawSize ) )
		);
	}
	if ( magic !== LZFU_COMPRESSED ) {
		throw new TnefError( 'TNEF compressed RTF has an unknown format' );
	}
	const dict = Buffer.alloc( 4096 );
	dict.write( LZFU_PREBUF, 'latin1' );
	let write = LZFU_PREBUF.length;
	// A 2-byte reference yields at most 17 bytes, so the input bounds the output too.
	const out = Buffer.alloc( Math.min( rawSize, ( end - 16 ) * 9 ) );
	let o = 0;
	let i = 16;
	decode: while ( i < end ) {
		const flags = input[ i++ ] as number;
		for ( let bit = 0; bit < 8 && i < end; bit++ ) {
			if ( ( flags & ( 1 << bit ) ) === 0 ) {
				if ( o >= out.length ) {
					break decode;
				}
				const byte = input[ i++ ] as number;
				out[ o++ ] = byte;
				dict[ write ] = byte;
				write = ( write + 1 ) & 0xfff;
				continue;
			}
			if ( i + 1 >= end ) {
				break decode;
			}
			const ref =
				( ( input[ i ] as number ) << 8 ) |
				( input[ i + 1 ] as number );
			i += 2;
			let offset = ref >> 4;
			// A reference to the write position itself marks the end of the stream.
			if ( offset === write ) {
				break decode;
			}
			const length = ( ref & 0xf ) + 2;
			for ( let k = 0; k < length; k++ ) {
				if ( o >= out.length ) {
					break decode;
				}
				const byte = dict[ offset ] as number;
				offset = ( offset + 1 ) & 0xfff;
				out[ o++ ] = byte;
				dict[ write ] = byte;
				write = ( write + 1 ) & 0xfff;
			}
		}
	}
	return out.subarray( 0, o );
}

/** Groups whose content is not document text, even without the `\*` marker. */
const RTF_DESTINATIONS: ReadonlySet< string > = new Set( [
	'author',
	'colorschememapping',
	'colortbl',
	'datastore',
	'fldinst',
	'filetbl',
	'fonttbl',
	'footer',
	'footerf',
	'footerl',
	'footerr',
	'footnote',
	'generator',
	'header',
	'headerf',
	'headerl',
	'headerr',
	'info',
	'latentstyles',
	'listoverridetable',
	'listtable',
	'nonshppict',
	'object',
	'operator',
	'pict',
	'pntext',
	'pntxta',
	'pntxtb',
	'revtbl',
	'rsidtbl',
	'stylesheet',
	'themedata',
	'title',
	'xmlnstbl',
] );

/** Control words that stand for one character. */
const RTF_CHARACTERS: Readonly< Record< string, string > > = {
	tab: '\t',
	cell: '\t',
	emdash: '\u2014',
	endash: '\u2013',
	emspace: '\u2003',
	enspace: '\u2002',
	qmspace: '\u2005',
	bullet: '\u2022',
	lquote: '\u2018',
	rquote: '\u2019',
	ldblquote: '\u201c',
	rdblquote: '\u201d',
};
const RTF_BREAKS: ReadonlySet< string > = new Set( [
	'par',
	'line',
	'row',
	'sect',
	'page',
] );

/** Code pages with one byte per character: decoded through a table, not a decoder call. */
const SINGLE_BYTE =
	/^(windows-|iso-8859-|koi8-|ibm866$|macintosh$|x-mac-cyrillic$)/;
const byteTables = new Map< string, Uint16Array >();

/**
 * Collects decoded output in order. Everything becomes UTF-16 code units in a block that is
 * turned into a string when full, so a body made of millions of tiny pieces (`\'hh`, `\uN`)
 * costs a few nanoseconds per piece instead of a string concatenation or decoder call each.
 */
class RtfSink {
	private readonly chunks: string[] = [];
	/** Code units as UTF-16LE bytes, whatever the host's byte order. */
	private readonly units = Buffer.alloc( 16_384 );
	private count = 0;
	/** byte → code unit, for single-byte code pages. */
	private table: Uint16Array | null = null;
	/** Multi-byte code pages (UTF-8, CJK): bytes wait here for the streaming decoder. */
	private decoder: TextDecoder | null = null;
	private readonly pending = Buffer.alloc( 8_192 );
	private used = 0;
	/** The decoder may hold the first bytes of a character split across two flushes. */
	private streaming = false;

	constructor() {
		this.setCodepage( 1252 );
	}

	setCodepage( codepage: number ): void {
		this.flushBytes( false );
		const label = codepageLabel( codepage );
		try {
			if ( SINGLE_BYTE.test( label ) ) {
				let table = byteTables.get( label );
				if ( ! table ) {
					const all = new TextDecoder( label ).decode(
						Uint8Array.from( { length: 256 }, ( _, b ) => b )
					);
					table = Uint16Array.from( { length: 256 }, ( _, b ) =>
						all.charCodeAt( b )
					);
					byteTables.set( label, table );
				}
				this.table = table;
				this.decoder = null;
			} else {
				// A fresh decoder: streaming decoders keep state, so they cannot be shared.
				this.decoder = new TextDecoder( label );
				this.table = null;
			}
		} catch {
			// Node built without full ICU: keep the previous code page.
		}
	}

	append( source: Buffer, start: number, end: number ): void {
		const table = this.table;
		if ( ! table ) {
			for ( let i = start; i < end; i++ ) {
				this.byte( source[ i ] as number );
			}
			return;
		}
		// The common case, a plain run in a single-byte code page: a tight loop, no calls.
		const units = this.units;
		for ( let i = start; i < end; ) {
			const n = Math.min( end - i, ( units.length - this.count ) >> 1 );
			let at = this.count;
			for ( let k = i; k < i + n; k++ ) {
				const unit = table[ source[ k ] as number ] as number;
				units[ at++ ] = unit & 0xff;
				units[ at++ ] = unit >> 8;
			}
			this.count = at;
			i += n;
			if ( this.count === units.length ) {
				this.flushUnits();
			}
		}
	}

	byte( value: number ): void {
		if ( this.table ) {
			this.unit( this.table[ value ] as number );
			return;
		}
		this.pending[ this.used++ ] = value;
		if ( this.used === this.pending.length ) {
			this.flushBytes( true );
		}
	}

	unit( value: number ): void {
		if ( this.used > 0 || this.streaming ) {
			this.flushBytes( false );
		}
		this.units[ this.count++ ] = value & 0xff;
		this.units[ this.count++ ] = value >> 8;
		if ( this.count === this.units.length ) {
			this.flushUnits();
		}
	}

	text( value: string ): void {
		for ( let i = 0; i < value.length; i++ ) {
			this.unit( value.charCodeAt( i ) );
		}
	}

	result(): string {
		this.flushBytes( false );
		this.flushUnits();
		return this.chunks.join( '' );
	}

	private flushUnits(): void {
		this.chunks.push( this.units.toString( 'utf16le', 0, this.count ) );
		this.count = 0;
	}

	private flushBytes( stream: boolean ): void {
		if ( ! this.decoder || ( this.used === 0 && ! this.streaming ) ) {
			return;
		}
		const decoded = this.decoder.decode(
			this.pending.subarray( 0, this.used ),
			{ stream }
		);
		this.used = 0;
		this.streaming = false;
		this.text( decoded );
		this.streaming = stream;
	}
}

interface RtfState {
	/** Inside a destination that is not text (font table, picture, ...). */
	skip: boolean;
	/** Inside \htmlrtf: RTF-only rendering that the encapsulated HTML does not contain. */
	htmlRtf: boolean;
	/** Inside {\*\htmltag}: HTML markup. */
	htmlTag: boolean;
	/** \ucN: fallback characters that follow each \uN. */
	uc: number;
}

const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const CR = 0x0d;
const LF = 0x0a;

function isLetter( c: number | undefined ): boolean {
	return (
		c !== undefined &&
		( ( c >= 0x61 && c <= 0x7a ) || ( c >= 0x41 && c <= 0x5a ) )
	);
}

function isDigit( c: number | undefined ): boolean {
	return c !== undefined && c >= 0x30 && c <= 0x39;
}

function hexValue( c: number | undefined ): number {
	if ( c === undefined ) {
		return -1;
	}
	if ( c >= 0x30 && c <= 0x39 ) {
		return c - 0x30;
	}
	const lower = c | 0x20;
	return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * Whether the RTF encapsulates HTML: MS-OXRTFEX has readers look for `\fromhtml` among the
 * first 10 tokens (group starts and control words) only.
 *
 * @param rtf Decompressed RTF.
 */
function encapsulatesHtml( rtf: Buffer ): boolean {
	let i = 0;
	for ( let tokens = 0; tokens < 10 && i < rtf.length; ) {
		const c = rtf[ i ] as number;
		if ( c === OPEN ) {
			tokens++;
			i++;
		} else if ( c === CR || c === LF || c === 0x20 ) {
			i++;
		} else if ( c === BACKSLASH ) {
			tokens++;
			const start = ++i;
			while ( isLetter( rtf[ i ] ) && i - start < 32 ) {
				i++;
			}
			if ( rtf.toString( 'latin1', start, i ) === 'fromhtml' ) {
				return true;
			}
			if ( i === start ) {
				i++; // a control symbol
			}
			while ( rtf[ i ] === 0x2d || isDigit( rtf[ i ] ) ) {
				i++;
			}
		} else {
			return false; // text: the header is over
		}
	}
	return false;
}

/**
 * Reads the text out of an RTF body in one pass. RTF that encapsulates HTML (`\fromhtml`,
 * MS-OXRTFEX) gives back the HTML: the `{\*\htmltag}` groups plus the text between them, minus
 * everything inside `\htmlrtf`. Any other RTF gives its text with the control words stripped.
 * Font-specific code pages are not tracked: `\'hh` escapes use the document's `\ansicpg`.
 * Plain runs are copied in bulk and the worst case is tens of nanoseconds a byte.
 *
 * @param rtf Decompressed RTF.
 */
function rtfBody( rtf: Buffer ): { html: string | null; text: string } {
	const html = encapsulatesHtml( rtf );
	const newline = html ? '\r\n' : '\n';
	const sink = new RtfSink();
	let state: RtfState = {
		skip: false,
		htmlRtf: false,
		htmlTag: false,
		uc: 1,
	};
	const stack: RtfState[] = [];
	// The first control word of a group names its destination.
	let groupStart = false;
	let starred = false;
	// Fallback characters still to skip after a \uN.
	let fallback = 0;
	let codepageSet = false;

	// In text mode an {\*\htmltag} group is markup, not text (and should not occur anyway).
	const visible = (): boolean =>
		! state.skip && ! state.htmlRtf && ( html || ! state.htmlTag );
	const emit = ( value: string ): void => {
		if ( visible() ) {
			sink.text( value );
		}
	};

	const n = rtf.length;
	let i = 0;
	while ( i < n ) {
		const c = rtf[ i ] as number;
		if ( c === OPEN ) {
			if ( stack.length >= MAX_RTF_DEPTH ) {
				throw new TnefError( 'TNEF RTF body is nested too deeply' );
			}
			stack.push( state );
			state = {
				skip: state.skip,
				htmlRtf: state.htmlRtf,
				htmlTag: state.htmlTag,
				uc: state.uc,
			};
			groupStart = true;
			starred = false;
			fallback = 0;
			i++;
			continue;
		}
		if ( c === CLOSE ) {
			state = stack.pop() ?? state;
			groupStart = false;
			starred = false;
			fallback = 0;
			i++;
			continue;
		}
		if ( c === CR || c === LF ) {
			// Line breaks in the RTF source are not text.
			i++;
			continue;
		}
		if ( c !== BACKSLASH ) {
			// A run of plain text, copied in one go.
			let end = i + 1;
			for ( ; end < n; end++ ) {
				const d = rtf[ end ] as number;
				if (
					d === BACKSLASH ||
					d === OPEN ||
					d === CLOSE ||
					d === CR ||
					d === LF
				) {
					break;
				}
			}
			groupStart = false;
			const skipped = Math.min( fallback, end - i );
			fallback -= skipped;
			if ( visible() ) {
				sink.append( rtf, i + skipped, end );
			}
			i = end;
			continue;
		}
		// A backslash: control word, control symbol or hex escape.
		i++;
		const d = rtf[ i ];
		if ( d === undefined ) {
			break;
		}
		if ( isLetter( d ) ) {
			const start = i;
			while ( i < n && i - start < 32 && isLetter( rtf[ i ] ) ) {
				i++;
			}
			const wordEnd = i;
			const negative = rtf[ i ] === 0x2d && isDigit( rtf[ i + 1 ] );
			if ( negative ) {
				i++;
			}
			let param: number | null = null;
			for (
				const digits = i;
				i < n && i - digits < 10 && isDigit( rtf[ i ] );
				i++
			) {
				param = ( param ?? 0 ) * 10 + ( ( rtf[ i ] as number ) - 0x30 );
			}
			if ( negative && param !== null ) {
				param = -param;
			}
			if ( rtf[ i ] === 0x20 ) {
				i++; // The space that ends a control word is not text.
			}
			const first = groupStart;
			const star = starred;
			groupStart = false;
			starred = false;
			if ( state.skip && ! star ) {
				// Inside a skipped destination only \bin matters: its data could hold braces.
				if (
					wordEnd - start === 3 &&
					rtf.toString( 'latin1', start, wordEnd ) === 'bin'
				) {
					i += Math.min( Math.max( param ?? 0, 0 ), n - i );
				}
				continue;
			}
			let word = '';
			for ( let k = start; k < wordEnd; k++ ) {
				// Faster than Buffer#toString for words this short.
				word += String.fromCharCode( rtf[ k ] as number );
			}
			if ( star ) {
				// {\*\word}: a destination a reader may ignore unless it knows it.
				if ( word === 'htmltag' ) {
					state.htmlTag = true;
				} else {
					state.skip = true;
				}
				continue;
			}
			if ( first && RTF_DESTINATIONS.has( word ) ) {
				state.skip = true;
				continue;
			}
			if ( word === 'bin' ) {
				// Raw binary data of the given length follows.
				i += Math.min( Math.max( param ?? 0, 0 ), n - i );
			} else if ( word === 'htmlrtf' ) {
				state.htmlRtf = param !== 0;
			} else if (
				word === 'ansicpg' &&
				param !== null &&
				! codepageSet
			) {
				// A header word: honoured once, so repeating it cannot cost a decoder each time.
				sink.setCodepage( param );
				codepageSet = true;
			} else if ( word === 'uc' ) {
				state.uc = Math.max( param ?? 1, 0 );
			} else if ( word === 'u' && param !== null ) {
				// A signed 16-bit UTF-16 code unit; surrogate pairs come as two \u.
				if ( visible() ) {
					sink.unit( param & 0xffff );
				}
				fallback = state.uc;
			} else if ( RTF_BREAKS.has( word ) ) {
				emit( newline );
			} else {
				const character = RTF_CHARACTERS[ word ];
				if ( character !== undefined ) {
					emit( character );
				}
			}
			continue;
		}
		if ( d === 0x27 ) {
			// \'hh
			const high = hexValue( rtf[ i + 1 ] );
			const low = high < 0 ? -1 : hexValue( rtf[ i + 2 ] );
			i += low >= 0 ? 3 : 1 + ( high >= 0 ? 1 : 0 );
			groupStart = false;
			if ( low < 0 ) {
				continue;
			}
			if ( fallback > 0 ) {
				fallback--;
			} else if ( visible() ) {
				sink.byte( high * 16 + low );
			}
			continue;
		}
		i++;
		if ( d === 0x2a ) {
			// \* keeps groupStart: the destination word comes next.
			starred = true;
			continue;
		}
		groupStart = false;
		starred = false;
		if ( d === BACKSLASH || d === OPEN || d === CLOSE ) {
			if ( fallback > 0 ) {
				fallback--;
			} else if ( visible() ) {
				sink.byte( d );
			}
		} else if ( d === 0x7e ) {
			emit( '\u00a0' );
		} else if ( d === 0x5f ) {
			emit( '\u2011' );
		} else if ( d === CR || d === LF ) {
			emit( newline );
		}
		// Other control symbols (\- optional hyphen, \| \: index marks) are not text.
	}
	return html
		? { html: sink.result(), text: '' }
		: { html: null, text: sink.result() };
}

interface Draft {
	title: Buffer | null;
	data: Buffer | null;
	props: PropMap | null;
}

/** Only "type/subtype" tokens pass; anything else in a MIME tag is not a content type. */
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

function firstName( ...names: Array< string | null > ): string {
	for ( const name of names ) {
		if ( name !== null && name !== '' ) {
			return name;
		}
	}
	return '';
}

/**
 * Decodes a TNEF stream with limits; throws TnefError on anything malformed or over a limit.
 *
 * What is decoded: attachments (attAttachData or PR_ATTACH_DATA_BIN; names from
 * PR_ATTACH_LONG_FILENAME, PR_DISPLAY_NAME, attAttachTitle, PR_ATTACH_FILENAME in that order;
 * types from PR_ATTACH_MIME_TAG), embedded messages and OLE objects as opaque `.dat` files, the
 * subject, the plain text body and the HTML body, the latter two falling back to the compressed
 * RTF body. Recipients, dates and other properties are skipped. 8-bit strings use the stream's
 * code page (PR_MESSAGE_CODEPAGE, attOemCodepage), windows-1252 when none is declared.
 *
 * @param data                  The winmail.dat bytes.
 * @param limits                Optional limits; over either one is a TnefError.
 * @param limits.maxAttachments Most attachments (default 100).
 * @param limits.maxBytes       Most decoded bytes, attachments and bodies together (default 50 MB).
 * @throws TnefError, and nothing else.
 */
export function decodeTnef(
	data: Buffer,
	limits: { maxAttachments?: number; maxBytes?: number } = {}
): TnefContent {
	try {
		return decode(
			data,
			limit( limits?.maxAttachments, DEFAULT_MAX_ATTACHMENTS ),
			limit( limits?.maxBytes, DEFAULT_MAX_BYTES )
		);
	} catch ( error ) {
		if ( error instanceof TnefError ) {
			throw error;
		}
		// A RangeError from a Buffer read or anything unforeseen: still just "not decodable".
		throw new TnefError( 'TNEF data could not be decoded', {
			cause: error,
		} );
	}
}

function limit( value: number | undefined, fallback: number ): number {
	return typeof value === 'number' && value >= 0 ? value : fallback;
}

function decode(
	input: unknown,
	maxAttachments: number,
	maxBytes: number
): TnefContent {
	if ( ! ( input instanceof Uint8Array ) ) {
		throw new TnefError( 'TNEF data is not a byte buffer' );
	}
	const data = Buffer.isBuffer( input )
		? input
		: Buffer.from( input.buffer, input.byteOffset, input.byteLength );
	const c = new Cursor( data );
	if ( c.remaining < 6 || c.u32( 'signature' ) !== TNEF_SIGNATURE ) {
		throw new TnefError( 'not a TNEF stream (wrong signature)' );
	}
	c.skip( 2, 'legacy key' );

	const maxAttributes =
		BASE_ATTRIBUTES + maxAttachments * ATTRIBUTES_PER_ATTACHMENT;
	const drafts: Draft[] = [];
	let current: Draft | null = null;
	const message: PropMap = new Map();
	let attSubject: Buffer | null = null;
	let attBody: Buffer | null = null;
	let oemCodepage: number | null = null;

	const startAttachment = (): Draft => {
		if ( drafts.length >= maxAttachments ) {
			throw new TnefError( 'TNEF stream has too many attachments' );
		}
		const draft: Draft = { title: null, data: null, props: null };
		drafts.push( draft );
		return draft;
	};
	const attachment = (): Draft => {
		if ( current === null ) {
			// Attachment attributes before any attAttachRendData: lenient, start one anyway.
			current = startAttachment();
		}
		return current;
	};

	for ( let count = 0; c.remaining > 0; count++ ) {
		if ( count >= maxAttributes ) {
			throw new TnefError( 'TNEF stream has too many attributes' );
		}
		const level = c.u8( 'attribute' );
		if ( level !== LVL_MESSAGE && level !== LVL_ATTACHMENT ) {
			throw new TnefError( 'TNEF attribute has an unknown level' );
		}
		const id = c.u32( 'attribute' ) & 0xffff;
		const length = c.u32( 'attribute' );
		const value = c.take( length, 'attribute' );
		/*
		 * The checksum (sum of the data bytes mod 65536) must be there but is not enforced:
		 * real encoders get it wrong, and the length checks are what keep the framing honest.
		 */
		c.skip( 2, 'attribute checksum' );

		switch ( id ) {
			case ATT_OEM_CODEPAGE:
				if ( value.length >= 4 ) {
					oemCodepage = value.readUInt32LE( 0 );
				}
				break;
			case ATT_SUBJECT:
				attSubject ??= value;
				break;
			case ATT_BODY:
				attBody ??= value;
				break;
			case ATT_MSG_PROPS:
				for ( const [ key, prop ] of readProps(
					value,
					MESSAGE_PROPS
				) ) {
					if ( ! message.has( key ) ) {
						message.set( key, prop );
					}
				}
				break;
			case ATT_ATTACH_REND_DATA:
				current = startAttachment();
				break;
			case ATT_ATTACH_TITLE:
				attachment().title = value;
				break;
			case ATT_ATTACH_DATA:
				attachment().data = value;
				break;
			case ATT_ATTACHMENT:
				attachment().props = readProps( value, ATTACHMENT_PROPS );
				break;
			default:
			// Dates, message class, recipients, ...: not needed for a ticket.
		}
	}

	const codepage =
		propLong( message.get( PR_MESSAGE_CODEPAGE ) ) ?? oemCodepage;
	const legacy = ( bytes: Buffer | null ): string | null =>
		bytes === null
			? null
			: cutAtNul( decoderFor( codepage ).decode( bytes ) );

	const found: TnefAttachment[] = [];
	let bytes = 0;
	drafts.forEach( ( draft, index ) => {
		const props: PropMap = draft.props ?? new Map();
		let content = draft.data;
		let opaque =
			propLong( props.get( PR_ATTACH_METHOD ) ) === ATTACH_EMBEDDED_MSG;
		const stored = props.get( PR_ATTACH_DATA );
		if ( content === null && stored && typeof stored.value !== 'number' ) {
			if ( stored.type === PT_OBJECT ) {
				// PR_ATTACH_DATA_OBJ: a 16-byte interface id, then the object (for an
				// embedded message, a TNEF stream of its own).
				if ( stored.value.length < 16 ) {
					throw new TnefError(
						'TNEF attachment object is truncated'
					);
				}
				content = stored.value.subarray( 16 );
				opaque = true;
			} else if ( stored.type === PT_BINARY ) {
				content = stored.value;
			}
		}
		if ( content === null ) {
			// A placeholder (rendering data only): nothing to hand to an agent.
			return;
		}
		const longName = propString(
			props.get( PR_ATTACH_LONG_FILENAME ),
			codepage
		);
		const displayName = propString(
			props.get( PR_DISPLAY_NAME ),
			codepage
		);
		const title = legacy( draft.title );
		const shortName = propString(
			props.get( PR_ATTACH_FILENAME ),
			codepage
		);
		const mimeTag = propString( props.get( PR_ATTACH_MIME_TAG ), codepage );
		let filename: string;
		let contentType: string;
		if ( opaque ) {
			// Kept whole rather than decoded: named after what Outlook shows for it.
			const base = firstName(
				displayName,
				longName,
				title,
				`attachment-${ index + 1 }`
			);
			filename = /\.dat$/i.test( base ) ? base : `${ base }.dat`;
			contentType =
				content.length >= 4 &&
				content.readUInt32LE( 0 ) === TNEF_SIGNATURE
					? 'application/ms-tnef'
					: 'application/octet-stream';
		} else {
			filename = firstName(
				longName,
				displayName,
				title,
				shortName,
				`attachment-${ index + 1 }`
			);
			const tag = ( mimeTag ?? '' ).trim().toLowerCase();
			contentType = CONTENT_TYPE.test( tag )
				? tag
				: 'application/octet-stream';
		}
		bytes += content.length;
		found.push( { filename, contentType, data: content } );
	} );
	if ( bytes > maxBytes ) {
		throw new TnefError( 'TNEF attachments are over the byte limit' );
	}

	let text =
		propString( message.get( PR_BODY ), codepage ) ??
		legacy( attBody ) ??
		'';
	let html: string | null = null;
	const htmlProp = message.get( PR_BODY_HTML );
	if ( htmlProp && typeof htmlProp.value !== 'number' ) {
		html =
			htmlProp.type === PT_BINARY
				? decodeHtmlBytes(
						htmlProp.value,
						propLong( message.get( PR_INTERNET_CPID ) ),
						codepage
					)
				: propString( htmlProp, codepage );
	}
	const rtf = message.get( PR_RTF_COMPRESSED );
	if (
		( html === null || text === '' ) &&
		rtf &&
		typeof rtf.value !== 'number' &&
		rtf.type === PT_BINARY
	) {
		const budget =
			maxBytes -
			bytes -
			Buffer.byteLength( text ) -
			( html === null ? 0 : Buffer.byteLength( html ) );
		const body = rtfBody( decompressRtf( rtf.value, budget ) );
		if ( body.html !== null ) {
			html ??= body.html;
		} else if ( text === '' ) {
			text = body.text;
		}
	}
	bytes +=
		Buffer.byteLength( text ) +
		( html === null ? 0 : Buffer.byteLength( html ) );
	if ( bytes > maxBytes ) {
		throw new TnefError( 'TNEF content is over the byte limit' );
	}

	const subject =
		propString( message.get( PR_SUBJECT ), codepage ) ??
		legacy( attSubject );
	return {
		// Copied, so the caller can keep an attachment without pinning the whole stream.
		attachments: found.map( ( a ) => ( {
			...a,
			data: Buffer.from( a.data ),
		} ) ),
		text,
		html,
		subject,
	};
}
