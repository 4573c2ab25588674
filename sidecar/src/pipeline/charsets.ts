/**
 * Charsets mailparser gets wrong on its own, made right around it.
 *
 * Left alone, mailparser (through libmime) turns text into U+FFFD or mojibake when a label is
 * unknown (x-unknown), refused (UTF-7), spelt so that neither libmime nor iconv-lite recognise
 * it (a quoted label in an encoded word), or wrong about the bytes (us-ascii or iso-8859-1
 * holding UTF-8, no label at all over windows-1252 bytes, raw 8-bit header bytes that are not
 * UTF-8, an alias libmime reads differently: `latin9`). Two hooks fix that, both for parse.ts:
 *
 * - normaliseMessageCharsets() (bytes in memory) and createCharsetNormaliser() (a stream)
 *   rewrite the header blocks of the raw message before mailparser reads it: raw 8-bit header
 *   fields that are not UTF-8 are transcoded to UTF-8 (in the charset the message declares),
 *   encoded words and RFC 2231 parameters libmime would misread are re-encoded as UTF-8, and a
 *   text part whose label mailparser would not decode right is relabelled, where need be after
 *   a look at its body (UTF-8 or not). Body bytes are never changed, and a message without
 *   anything to fix comes back as the very same Buffer.
 * - CharsetIconv is mailparser's `Iconv` option: it decodes every text part that declares a
 *   charset other than us-ascii or UTF-8, with the alias map and fallbacks of decodeBytes().
 *
 * The charset decoders are libmime's own (iconv-lite, encoding-japanese for the Japanese
 * charsets), the ones mailparser decodes with, so text decoded here reads exactly as text
 * mailparser decodes; only UTF-7 has a decoder of ours. Node's TextDecoder is no substitute: its
 * ICU converters drop Big5-HKSCS characters without a trace and miss the CP949 syllables that
 * ks_c_5601-1987 mail uses. Decoding never throws: undecodable bytes become U+FFFD.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';

import {
	decode as decodeCharset,
	normalizeCharset as libmimeCharset,
} from 'libmime/lib/charset.js';

/**
 * The WHATWG Encoding Standard's labels, by encoding. Keys of LABELS are the labels lowercased
 * with everything but letters and digits removed, so that `UTF_8`, `cp-1251`, `windows1251`,
 * `iso8859-1` and `latin-1` all find their encoding.
 */
const WHATWG: Record< string, string > = {
	'utf-8':
		'unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8',
	ibm866: '866 cp866 csibm866 ibm866',
	'iso-8859-2':
		'csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2',
	'iso-8859-3':
		'csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3 latin3',
	'iso-8859-4':
		'csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4 latin4',
	'iso-8859-5':
		'csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5 iso_8859-5:1988',
	'iso-8859-6':
		'arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6 iso-8859-6-e iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987',
	'iso-8859-7':
		'csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 iso8859-7 iso88597 iso_8859-7 iso_8859-7:1987 sun_eu_greek',
	'iso-8859-8':
		'csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8 iso88598 iso_8859-8 iso_8859-8:1988 visual',
	'iso-8859-8-i': 'csiso88598i iso-8859-8-i logical',
	'iso-8859-10':
		'csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6',
	'iso-8859-13': 'iso-8859-13 iso8859-13 iso885913',
	'iso-8859-14': 'iso-8859-14 iso8859-14 iso885914',
	'iso-8859-15':
		'csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9',
	'iso-8859-16': 'iso-8859-16',
	'koi8-r': 'cskoi8r koi koi8 koi8-r koi8_r',
	'koi8-u': 'koi8-ru koi8-u',
	macintosh: 'csmacintosh mac macintosh x-mac-roman',
	'windows-874':
		'dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874',
	'windows-1250': 'cp1250 windows-1250 x-cp1250',
	'windows-1251': 'cp1251 windows-1251 x-cp1251',
	'windows-1252':
		'ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252',
	'windows-1253': 'cp1253 windows-1253 x-cp1253',
	'windows-1254':
		'cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 iso_8859-9:1989 l5 latin5 windows-1254 x-cp1254',
	'windows-1255': 'cp1255 windows-1255 x-cp1255',
	'windows-1256': 'cp1256 windows-1256 x-cp1256',
	'windows-1257': 'cp1257 windows-1257 x-cp1257',
	'windows-1258': 'cp1258 windows-1258 x-cp1258',
	'x-mac-cyrillic': 'x-mac-cyrillic x-mac-ukrainian',
	gbk: 'chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk',
	gb18030: 'gb18030',
	big5: 'big5 big5-hkscs cn-big5 csbig5 x-x-big5',
	'euc-jp': 'cseucpkdfmtjapanese euc-jp x-euc-jp',
	'iso-2022-jp': 'csiso2022jp iso-2022-jp',
	shift_jis:
		'csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis',
	'euc-kr':
		'cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601 ksc_5601 windows-949',
	'utf-16be': 'unicodefffe utf-16be',
	'utf-16le':
		'csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le',
};

/**
 * Labels mail software writes that the WHATWG table lacks. UTF-7 is decoded here although
 * libmime refuses it: it was refused because `+ADw-script+AD4-` turns into `<script>` past a
 * filter that looks at the encoded bytes, and this pipeline sanitises the decoded HTML.
 * `x-epipe-utf-7` is the label normaliseMessageCharsets() gives UTF-7 parts, see there.
 */
const EXTRA: Record< string, string > = {
	'utf-8': 'utf8mb3 utf8mb4',
	'utf-7':
		'utf-7 utf7 unicode-1-1-utf-7 csunicode11utf7 unicode-2-0-utf-7 x-unicode-2-0-utf-7 x-epipe-utf-7',
	// Latin-N numbering: Latin-5 is ISO-8859-9, Latin-6 ISO-8859-10 and so on.
	'iso-8859-13': 'latin7 l7',
	'iso-8859-14': 'latin8 l8',
	'iso-8859-15': 'latin9 latin0',
	'iso-8859-16': 'latin10 l10',
	'windows-1252': 'iso646-us ansi_x3.4-1986 cp367 ibm367 us 7bit',
	'euc-kr': 'cp949 ms949 uhc windows-949 x-windows-949',
	gbk: 'cp936 ms936 windows-936',
	big5: 'cp950 ms950 windows-950',
	shift_jis: 'cp932 windows-932',
	macintosh: 'macroman',
	'x-mac-cyrillic': 'maccyrillic',
	// win-1252, ms-1251, ansi-1250: the Windows code page number with another prefix.
	...Object.fromEntries(
		[ 1250, 1251, 1252, 1253, 1254, 1255, 1256, 1257, 1258 ].map( ( n ) => [
			`windows-${ n }`,
			`win${ n } ms${ n } ansi${ n }`,
		] )
	),
};

const compact = ( label: string ): string =>
	label.toLowerCase().replace( /[^a-z0-9]/g, '' );

const LABELS = new Map< string, string >();
for ( const table of [ WHATWG, EXTRA ] ) {
	for ( const [ encoding, labels ] of Object.entries( table ) ) {
		for ( const label of labels.split( ' ' ) ) {
			LABELS.set( compact( label ), encoding );
		}
	}
}

/** Single-byte encodings: their text is almost never valid UTF-8 by accident, see decodeAs(). */
const SINGLE_BYTE = new Set( [
	'ibm866',
	'iso-8859-2',
	'iso-8859-3',
	'iso-8859-4',
	'iso-8859-5',
	'iso-8859-6',
	'iso-8859-7',
	'iso-8859-8',
	'iso-8859-8-i',
	'iso-8859-10',
	'iso-8859-13',
	'iso-8859-14',
	'iso-8859-15',
	'iso-8859-16',
	'koi8-r',
	'koi8-u',
	'macintosh',
	'windows-874',
	'windows-1250',
	'windows-1251',
	'windows-1252',
	'windows-1253',
	'windows-1254',
	'windows-1255',
	'windows-1256',
	'windows-1257',
	'windows-1258',
	'x-mac-cyrillic',
] );

/** Charsets that can be read from raw 8-bit header bytes: ASCII-compatible, not UTF-8. */
const HINTABLE = new Set( [
	...SINGLE_BYTE,
	'gbk',
	'gb18030',
	'big5',
	'euc-jp',
	'shift_jis',
	'euc-kr',
] );

/**
 * The encoding a charset label names, by its WHATWG name ('windows-1251', 'gbk', 'euc-kr',
 * 'utf-8', …, and 'utf-7'), or null for no label or one nobody knows. Quotes, stray
 * spaces, an RFC 2231 language suffix (`utf-8*en`), case, `-`/`_` differences and an `x-`
 * prefix are ignored. Note that us-ascii and iso-8859-1 name windows-1252, as in browsers.
 *
 * @param label A charset label from a message, as written.
 */
export function normaliseCharsetLabel(
	label: string | null | undefined
): string | null {
	if ( ! label ) {
		return null;
	}
	const token =
		label.replace( /^[\s"'\\]+/, '' ).split( /[\s;,*"'\\]/, 1 )[ 0 ] ?? '';
	const key = compact( token );
	if ( key === '' ) {
		return null;
	}
	return (
		LABELS.get( key ) ??
		( key.startsWith( 'x' ) ? LABELS.get( key.slice( 1 ) ) : undefined ) ??
		null
	);
}

const LONE_SURROGATE =
	/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const BASE64_VALUE = new Int8Array( 128 ).fill( -1 );
[
	...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
].forEach( ( c, i ) => {
	BASE64_VALUE[ c.charCodeAt( 0 ) ] = i;
} );

/**
 * UTF-7 (RFC 2152): ASCII as itself, the rest as UTF-16 in base64 between `+` and an optional
 * `-`. Bytes above 0x7F have no meaning in UTF-7 and become U+FFFD, as do lone surrogates.
 *
 * @param buf UTF-7 bytes.
 */
function decodeUtf7( buf: Buffer ): string {
	const parts: string[] = [];
	let i = 0;
	while ( i < buf.length ) {
		let end = buf.indexOf( 0x2b /* + */, i );
		if ( end < 0 ) {
			end = buf.length;
		}
		if ( end > i ) {
			parts.push(
				buf
					.toString( 'latin1', i, end )
					.replace( /[\x80-\xFF]/g, '\uFFFD' )
			);
		}
		i = end + 1;
		if ( end === buf.length ) {
			break;
		}
		if ( buf[ i ] === 0x2d /* - */ ) {
			parts.push( '+' );
			i++;
			continue;
		}
		let bits = 0;
		let size = 0;
		const units: number[] = [];
		for ( ; i < buf.length; i++ ) {
			const value = BASE64_VALUE[ buf[ i ] ?? 0xff ] ?? -1;
			if ( value < 0 ) {
				break;
			}
			// Six bits in, sixteen out: `bits` holds the `size` bits not yet used.
			bits = bits * 64 + value;
			size += 6;
			if ( size >= 16 ) {
				size -= 16;
				const rest = 2 ** size;
				units.push( Math.floor( bits / rest ) );
				bits %= rest;
			}
		}
		for ( let u = 0; u < units.length; u += 8192 ) {
			parts.push( String.fromCharCode( ...units.slice( u, u + 8192 ) ) );
		}
		// The `-` that ends a run is part of it; anything else that ends one is text.
		if ( buf[ i ] === 0x2d ) {
			i++;
		}
	}
	return parts.join( '' ).replace( LONE_SURROGATE, '\uFFFD' );
}

/**
 * Whether bytes that are not valid UTF-8 are still UTF-8 text with a few bad bytes in it, rather
 * than text in a legacy charset: they hold at least as many well-formed multi-byte characters
 * as U+FFFD replacements. Text in a legacy charset has hardly any well-formed sequences.
 *
 * @param buf Bytes that are not valid UTF-8.
 */
function mostlyUtf8( buf: Buffer ): boolean {
	let good = 0;
	let bad = 0;
	for ( const c of buf.toString( 'utf8' ) ) {
		if ( c === '\uFFFD' ) {
			bad++;
		} else if ( c > '\x7F' ) {
			good++;
		}
	}
	return good > 0 && good >= bad;
}

/**
 * Whether undeclared 8-bit text is UTF-8 (possibly with some bad bytes, which become U+FFFD).
 *
 * @param buf The text.
 */
export function looksLikeUtf8( buf: Buffer ): boolean {
	return isUtf8( buf ) || mostlyUtf8( buf );
}

/** How common each Russian letter is, per ten thousand letters. */
const RUSSIAN: Record< string, number > = {
	о: 1097,
	е: 845,
	а: 801,
	и: 735,
	н: 670,
	т: 626,
	с: 547,
	р: 473,
	в: 454,
	л: 440,
	к: 349,
	м: 321,
	д: 298,
	п: 281,
	у: 262,
	я: 201,
	ы: 190,
	ь: 174,
	г: 170,
	з: 165,
	б: 159,
	ч: 144,
	й: 121,
	х: 97,
	ж: 94,
	ш: 73,
	ю: 64,
	ц: 48,
	щ: 36,
	э: 32,
	ф: 26,
	ё: 4,
	ъ: 4,
};

const russianScore = ( text: string ): number =>
	[ ...text.toLowerCase() ].reduce(
		( sum, c ) => sum + ( RUSSIAN[ c ] ?? 0 ),
		0
	);

/**
 * The legacy charset undeclared 8-bit text that is not UTF-8 is most likely in. windows-1252,
 * unless the bytes read as words of Cyrillic letters: in windows-1251 and KOI8-R a Cyrillic
 * word is a run of bytes 0xC0-0xFF, while Western text has its accented letters (the same
 * bytes in windows-1252) one or two at a time between ASCII letters. Which of the two Cyrillic
 * charsets goes by Russian letter frequencies (KOI8-R puts the letters in another order, so the
 * wrong one reads as rare letters, whatever the case).
 *
 * @param buf Text that is not UTF-8.
 */
export function guessLegacyCharset( buf: Buffer ): string {
	let letters = 0;
	let inRuns = 0;
	let run = 0;
	for ( let i = 0; i <= buf.length; i++ ) {
		const c = buf[ i ] ?? 0;
		// 0xC0-0xFF, and Ё/ё in windows-1251 (0xA8, 0xB8) and KOI8-R (0xB3, 0xA3).
		if (
			c >= 0xc0 ||
			c === 0xa8 ||
			c === 0xb8 ||
			c === 0xa3 ||
			c === 0xb3
		) {
			letters++;
			run++;
			continue;
		}
		if ( run >= 3 ) {
			inRuns += run;
		}
		run = 0;
	}
	if ( inRuns < 3 || inRuns * 2 < letters ) {
		return 'windows-1252';
	}
	return russianScore( decodeCharset( buf, 'koi8-r' ) ) >
		russianScore( decodeCharset( buf, 'windows-1251' ) )
		? 'koi8-r'
		: 'windows-1251';
}

function decodeAs( buf: Buffer, encoding: string | null ): string {
	if ( encoding === 'utf-8' ) {
		return buf.toString( 'utf8' );
	}
	if ( encoding === null ) {
		return looksLikeUtf8( buf )
			? buf.toString( 'utf8' )
			: decodeCharset( buf, guessLegacyCharset( buf ) );
	}
	if ( SINGLE_BYTE.has( encoding ) ) {
		// Legacy single-byte text is almost never valid UTF-8 (in windows-1251 a letter is
		// 0xC0-0xFF, and two letters in a row are not a UTF-8 sequence), while UTF-8 under a
		// latin1 or us-ascii label is common. ASCII reads the same either way. A declared
		// charset only gives way to bytes that are wholly valid UTF-8.
		return isUtf8( buf )
			? buf.toString( 'utf8' )
			: decodeCharset( buf, encoding );
	}
	if (
		( encoding === 'utf-7' || encoding === 'iso-2022-jp' ) &&
		! isAscii( buf ) &&
		isUtf8( buf )
	) {
		// Seven-bit charsets holding 8-bit bytes: a mislabel, and valid UTF-8 says which one.
		return buf.toString( 'utf8' );
	}
	if ( encoding === 'utf-7' ) {
		return decodeUtf7( buf );
	}
	if ( encoding === 'utf-16le' ) {
		// `utf-16` is little-endian by the standard, but a byte order mark says otherwise.
		return decodeCharset(
			buf,
			buf[ 0 ] === 0xfe && buf[ 1 ] === 0xff ? 'utf-16be' : encoding
		);
	}
	return decodeCharset( buf, encoding );
}

/**
 * Decodes text in a charset, never failing: the label goes through normaliseCharsetLabel();
 * without one, or with one nobody knows, the bytes are UTF-8 if they look like UTF-8 (see
 * looksLikeUtf8) and windows-1252 otherwise (windows-1251 or KOI8-R if they read as Cyrillic,
 * see guessLegacyCharset); a single-byte label over valid UTF-8 reads it as UTF-8 (see
 * decodeAs); bytes the charset cannot decode become U+FFFD.
 *
 * @param bytes The encoded text.
 * @param label Its charset label as written, or null when none was given.
 */
export function decodeBytes(
	bytes: Uint8Array,
	label: string | null | undefined
): string {
	const buf = Buffer.isBuffer( bytes )
		? bytes
		: Buffer.from( bytes.buffer, bytes.byteOffset, bytes.byteLength );
	try {
		return decodeAs( buf, normaliseCharsetLabel( label ) );
	} catch {
		return buf.toString( 'utf8' );
	}
}

/**
 * mailparser's `Iconv` option: a stream class it instantiates as `new Iconv( charset, … )` for
 * each text part that declares a charset other than us-ascii and UTF-8 (UTF-7 only under the
 * label normaliseMessageCharsets() gives it). The part is collected and decoded as a whole with
 * decodeBytes(), since telling UTF-8 from a legacy charset needs all of it; text parts are held
 * in memory by mailparser anyway.
 */
export class CharsetIconv extends Transform {
	readonly #label: string;
	readonly #chunks: Buffer[] = [];

	/**
	 * @param charset The part's charset label, as mailparser passes it.
	 */
	constructor( charset: string ) {
		super();
		this.#label = charset;
	}

	override _transform(
		chunk: Buffer,
		_encoding: BufferEncoding,
		done: TransformCallback
	): void {
		this.#chunks.push( chunk );
		done();
	}

	override _flush( done: TransformCallback ): void {
		const text = decodeBytes( Buffer.concat( this.#chunks ), this.#label );
		this.#chunks.length = 0;
		done( null, Buffer.from( text, 'utf8' ) );
	}
}

/* ------------------------------------------------------------------------------------------
 * Header blocks
 * ---------------------------------------------------------------------------------------- */

/** Label given to UTF-7 text parts: mailparser refuses `utf-7`, CharsetIconv decodes this. */
const UTF7_LABEL = 'x-epipe-utf-7';

/**
 * Whether mailparser decodes a part with this label as UTF-8 itself, without CharsetIconv:
 * this is how it tells.
 *
 * @param charset The label, as mailparser reads it.
 */
const mailparserDecodesItself = ( charset: string ): boolean =>
	[ 'ascii', 'usascii', 'utf8' ].includes(
		charset.toLowerCase().replace( /[^a-z0-9]+/g, '' )
	);

/** An encoded word or RFC 2231 charset that needs no rewriting: libmime reads it as UTF-8. */
const PLAIN_UTF8 = /^utf-?8(?:\*[^?]*)?$/i;

/** Every WHATWG label as written, for isExactLabel(). */
const WHATWG_LABELS = new Set(
	Object.values( WHATWG ).flatMap( ( labels ) => labels.split( ' ' ) )
);

/**
 * Whether mailparser reads a declared label as the encoding we do: it is a WHATWG label of it
 * (libmime's alias table is the WHATWG one) or its name. Anything else (`latin9`, which libmime
 * takes for ISO-8859-9, a quoted label, a typo) is relabelled with the encoding's name.
 *
 * @param label    The label as declared.
 * @param encoding What normaliseCharsetLabel() makes of it.
 */
function isExactLabel( label: string, encoding: string | null ): boolean {
	const written = label.trim().toLowerCase();
	return (
		encoding !== null &&
		( written === encoding ||
			( WHATWG_LABELS.has( written ) &&
				normaliseCharsetLabel( written ) === encoding ) )
	);
}

/**
 * The label a watched text part needs, now that its body is known, or null to keep its own.
 * Undeclared text and unknown labels: UTF-8 if it looks like UTF-8 (which mailparser reads it
 * as anyway), else the message's charset or a guess. A single-byte or 7-bit label over valid
 * UTF-8 with non-ASCII in it: UTF-8. Otherwise the declared encoding, by a name mailparser
 * reads the same way.
 *
 * @param peek The watched part.
 * @param body Its body, transfer encoding undone.
 * @param hint The message's charset, if one was declared.
 */
function relabelFor(
	peek: Peek,
	body: Buffer,
	hint: string | null
): string | null {
	if ( peek.encoding === null ) {
		return looksLikeUtf8( body )
			? null
			: ( hint ?? guessLegacyCharset( body ) );
	}
	if ( ! isAscii( body ) && isUtf8( body ) ) {
		return 'utf-8';
	}
	return peek.exact ? null : peek.encoding;
}

/** An RFC 2047 encoded word: a little wider than libmime's, so quoted labels are caught. */
const ENCODED_WORD = /=\?([^?\s]{1,64})\?([BbQq])\?([^?]*)\?=/g;

/**
 * An RFC 2231 extended parameter segment: `; name*=`, `; name*0*=`, `; name*1=`. The value may
 * be quoted in parts (`"utf-8"''%D0%9F`), which libmime reads wrong.
 */
const EXTENDED_PARAM =
	/;([ \t\r\n]*)([^\s;=*"]+)\*(\d+)?(\*?)[ \t\r\n]*=[ \t\r\n]*((?:"(?:[^"\\]|\\.)*"|[^;\s"])*)/g;

const unquote = ( value: string ): string =>
	value.replace( /"((?:[^"\\]|\\.)*)"/g, ( _m, inner: string ) =>
		inner.replace( /\\(.)/g, '$1' )
	);

/**
 * The charset of an RFC 2231 value (`charset'language'text`), and whether libmime would misread
 * it: anything but a plain UTF-8 label, except an empty one (which libmime takes as UTF-8).
 *
 * @param raw The value as written.
 */
function extendedCharset(
	raw: string
): { charset: string; prefix: number; rewrite: boolean } | null {
	const value = unquote( raw );
	// A charset in single quotes, `'utf-8'''text`, reads as an empty charset and a language
	// named utf-8; the empty language that follows gives it away.
	const quoted = /^'([^']+)'''/.exec( value );
	if ( quoted && normaliseCharsetLabel( quoted[ 1 ] ) !== null ) {
		return {
			charset: quoted[ 1 ] ?? '',
			prefix: quoted[ 0 ].length,
			rewrite: true,
		};
	}
	const prefix = /^([^']*)'[^']*'/.exec( value );
	if ( ! prefix ) {
		return null;
	}
	const charset = prefix[ 1 ] ?? '';
	return {
		charset,
		prefix: prefix[ 0 ].length,
		rewrite: charset !== '' && ! /^"?utf-?8'/i.test( raw ),
	};
}

/** The first charset parameter of a Content-Type field. */
const CHARSET_PARAM =
	/(;[ \t\r\n]*charset[ \t\r\n]*=[ \t\r\n]*)("(?:[^"\\]|\\.)*"|[^;\s()]*)/i;

/** Content types mailparser decodes as text (the others are attachments). */
const TEXT_TYPES = new Set( [
	'text/plain',
	'text/html',
	'message/delivery-status',
] );

/** Largest header block read (mailsplit's limit); past it the message is left as it is. */
const MAX_HEAD = 1024 * 1024;
/** Most MIME nodes read (mailsplit's limit); past it the message is left as it is. */
const MAX_NODES = 1000;
/** How far after a header block without a charset of its own one is looked for. */
const HINT_WINDOW = 64 * 1024;
/** Largest text part body examined to tell UTF-8 from a legacy charset. */
const PEEK_LIMIT = 1024 * 1024;
/** What a delimiter line may hold besides the boundary (mailsplit's BOUNDARY_LINE_OVERHEAD). */
const DELIMITER_OVERHEAD = 2 + 2 + 998 + 2 + 2;

interface Field {
	readonly start: number;
	readonly end: number;
	readonly name: string;
	/** Holds 8-bit bytes that are not UTF-8. */
	readonly legacy: boolean;
	/** Holds encoded words or RFC 2231 values in a charset libmime may get wrong. */
	readonly work: boolean;
}

interface Block {
	readonly bytes: Buffer;
	readonly fields: Field[];
	/** Where the fields end: the empty line that ends the block, if any, starts here. */
	readonly fieldsEnd: number;
	/** Whether the block ends in an empty line (rather than a delimiter or the input's end). */
	readonly closed: boolean;
	readonly eol: string;
	readonly contentType: string;
	readonly boundary: string | null;
	/** The Content-Type holds something this reader may not parse as mailsplit does. */
	readonly uncertain: boolean;
	readonly charset: string | null;
	readonly encoding: string;
	readonly disposition: string;
	readonly filename: boolean;
	/** The charset to read raw header bytes in, from the block's own label. */
	readonly hint: string | null;
	readonly legacy: boolean;
	readonly work: boolean;
}

interface Params {
	readonly value: string;
	readonly params: Map< string, string >;
	readonly uncertain: boolean;
}

/**
 * A structured header value split as libmime's parseHeaderValue() splits it, for the few
 * parameters read here. A comment or an RFC 2231 boundary makes the result uncertain.
 *
 * @param value The unfolded value.
 */
function parseParams( value: string ): Params {
	// Split at the `;` outside quotes, keeping escapes as written.
	const pieces: string[] = [];
	let current = '';
	let quoted = false;
	let uncertain = false;
	for ( let i = 0; i < value.length; i++ ) {
		const c = value[ i ] ?? '';
		if ( c === '\\' ) {
			current += c + ( value[ i + 1 ] ?? '' );
			i++;
			continue;
		}
		if ( c === '"' ) {
			quoted = ! quoted;
		} else if ( c === '(' && ! quoted ) {
			uncertain = true;
		} else if ( c === ';' && ! quoted ) {
			pieces.push( current );
			current = '';
			continue;
		}
		current += c;
	}
	pieces.push( current );
	// A value's quotes go and its escapes resolve: `"\"koi8-r\""` is `"koi8-r"`.
	const unescape = ( raw: string ): string =>
		raw
			.trim()
			.replace( /\\(.)|"/g, ( _m, escaped?: string ) => escaped ?? '' );
	const params = new Map< string, string >();
	for ( const piece of pieces.slice( 1 ) ) {
		const eq = piece.indexOf( '=' );
		if ( eq < 0 ) {
			continue;
		}
		const name = piece.slice( 0, eq ).trim().toLowerCase();
		if ( name.includes( '*' ) ) {
			// An RFC 2231 boundary: too rare to follow libmime into.
			uncertain ||= name.startsWith( 'boundary' );
		}
		if ( ! params.has( name ) ) {
			params.set( name, unescape( piece.slice( eq + 1 ) ) );
		}
	}
	return { value: unescape( pieces[ 0 ] ?? '' ), params, uncertain };
}

const unfold = ( field: string ): string =>
	field
		.slice( field.indexOf( ':' ) + 1 )
		.replace( /(?:\r?\n|\r)[ \t]*/g, ' ' )
		.trim();

/**
 * Whether a field's encoded words or RFC 2231 values need rewriting.
 *
 * @param text The field (latin1).
 * @param name Its lowercased name.
 */
function needsWork( text: string, name: string ): boolean {
	if ( text.includes( '=?' ) ) {
		for ( const m of text.matchAll( ENCODED_WORD ) ) {
			if ( ! PLAIN_UTF8.test( m[ 1 ] ?? '' ) ) {
				return true;
			}
		}
	}
	if (
		( name === 'content-type' || name === 'content-disposition' ) &&
		text.includes( '*' )
	) {
		for ( const m of text.matchAll( EXTENDED_PARAM ) ) {
			if ( m[ 3 ] !== undefined && m[ 3 ] !== '0' ) {
				continue;
			}
			if ( extendedCharset( m[ 5 ] ?? '' )?.rewrite ) {
				return true;
			}
		}
	}
	return false;
}

/**
 * Reads what this module needs from a header block, mirroring how mailsplit reads it.
 *
 * @param bytes  The block, with the empty line that ends it when it has one.
 * @param closed Whether it ends in an empty line.
 */
function parseBlock( bytes: Buffer, closed: boolean ): Block {
	const text = bytes.toString( 'latin1' );
	const ascii = isAscii( bytes );
	const utf8 = ascii || isUtf8( bytes );
	let fieldsEnd = text.length;
	if ( closed ) {
		fieldsEnd -= text.endsWith( '\r\n' ) ? 2 : 1;
	}
	const fields: Field[] = [];
	let start = 0;
	while ( start < fieldsEnd ) {
		let end = start;
		do {
			const lf = text.indexOf( '\n', end );
			end = lf < 0 || lf >= fieldsEnd ? fieldsEnd : lf + 1;
		} while (
			end < fieldsEnd &&
			( text[ end ] === ' ' || text[ end ] === '\t' )
		);
		const raw = text.slice( start, end );
		const colon = raw.indexOf( ':' );
		const name =
			colon < 0 ? '' : raw.slice( 0, colon ).trim().toLowerCase();
		// A field that is UTF-8 but for a few bad bytes is left to mailparser, which reads
		// it as UTF-8 with U+FFFD for them (RFC 6532 headers).
		const legacy =
			! utf8 &&
			/[\x80-\xFF]/.test( raw ) &&
			! looksLikeUtf8( bytes.subarray( start, end ) );
		// The mbox `From ` line of a message is no header; mailsplit skips it too.
		const skip = start === 0 && /^(?:From|POST) /i.test( raw );
		fields.push( {
			start,
			end,
			name: skip ? '' : name,
			legacy: legacy && ! skip,
			work: ! skip && needsWork( raw, name ),
		} );
		start = end;
	}
	const first = ( name: string ): string | null => {
		const field = fields.find( ( f ) => f.name === name );
		return field ? unfold( text.slice( field.start, field.end ) ) : null;
	};
	const typeValue = first( 'content-type' );
	const type = parseParams( typeValue ?? '' );
	const disposition = parseParams( first( 'content-disposition' ) ?? '' );
	const filename = [ ...disposition.params.keys() ].some( ( k ) =>
		/^filename(?:\*|$)/.test( k )
	);
	let contentType = type.value.toLowerCase();
	if ( typeValue === null ) {
		// mailsplit's defaults; a file name makes it guess from the extension, not here.
		if ( filename ) {
			contentType = '';
		} else {
			contentType =
				disposition.value.toLowerCase() === 'attachment'
					? 'application/octet-stream'
					: 'text/plain';
		}
	}
	const boundary = ( type.params.get( 'boundary' ) ?? '' ).trimEnd();
	const charset = type.params.get( 'charset' ) ?? null;
	const normalised = normaliseCharsetLabel( charset );
	const eol = /\r\n/.test( text.slice( 0, fieldsEnd + 2 ) ) ? '\r\n' : '\n';
	return {
		bytes,
		fields,
		fieldsEnd,
		closed,
		eol,
		contentType,
		boundary:
			/^multipart\/./.test( contentType ) &&
			boundary !== '' &&
			! /[^\x00-\x7F]/.test( boundary )
				? boundary
				: null,
		uncertain: type.uncertain,
		charset,
		encoding: ( first( 'content-transfer-encoding' ) ?? '' )
			.replace( /\((?<!\([^)]*?\()[^)]*\)/g, '' )
			.trim()
			.toLowerCase(),
		disposition: disposition.value.toLowerCase(),
		filename,
		hint:
			normalised !== null && HINTABLE.has( normalised )
				? normalised
				: null,
		legacy: fields.some( ( f ) => f.legacy ),
		work: fields.some( ( f ) => f.work ),
	};
}

/**
 * The bytes of an encoded word's text, as libmime decodes them.
 *
 * @param encoding B or Q.
 * @param text     The encoded text.
 */
function wordBytes( encoding: string, text: string ): Buffer {
	if ( encoding === 'B' || encoding === 'b' ) {
		// Padding inside a word ends a segment; each segment is decoded on its own.
		return Buffer.concat(
			text
				.split( /=+/ )
				.map( ( s ) =>
					Buffer.from( s.replace( /[^A-Za-z0-9+/]/g, '' ), 'base64' )
				)
		);
	}
	return percentOrQ(
		text.replace( /=\s+([0-9a-fA-F])/g, '=$1' ).replace( /[_\s]/g, ' ' ),
		0x3d /* = */
	);
}

/**
 * Bytes from text with `=XX` (Q encoding) or `%XX` (RFC 2231) escapes; other characters as
 * their UTF-8 bytes, as libmime reads them.
 *
 * @param text   The escaped text.
 * @param escape The escape character's code.
 */
function percentOrQ( text: string, escape: number ): Buffer {
	const src = Buffer.from( text, 'utf8' );
	const out = Buffer.allocUnsafe( src.length );
	let n = 0;
	for ( let i = 0; i < src.length; i++ ) {
		const c = src[ i ] ?? 0;
		if ( c === escape && i + 2 < src.length ) {
			const hex = src.toString( 'latin1', i + 1, i + 3 );
			if ( /^[0-9a-fA-F]{2}$/.test( hex ) ) {
				out[ n++ ] = parseInt( hex, 16 );
				i += 2;
				continue;
			}
		}
		out[ n++ ] = c;
	}
	return out.subarray( 0, n );
}

const utf8Word = ( text: string ): string =>
	`=?UTF-8?B?${ Buffer.from( text, 'utf8' ).toString( 'base64' ) }?=`;

/** The charset labels libmime's decodeWords() recognises in an encoded word. */
const LIBMIME_WORD_LABEL = /^[\w\-*]+$/;

/**
 * What libmime's decodeWords() makes of a run of adjacent encoded words, or null where it would
 * leave one undecoded: words of one encoding (B or Q) and one charset are joined before they
 * are decoded, other runs are decoded word by word.
 *
 * @param run The words.
 */
function libmimeReading( run: RegExpMatchArray[] ): string | null {
	if ( ! run.every( ( w ) => LIBMIME_WORD_LABEL.test( w[ 1 ]! ) ) ) {
		return null;
	}
	const charset = ( w: RegExpMatchArray ): string =>
		libmimeCharset( w[ 1 ]!.split( '*' )[ 0 ] );
	const first = run[ 0 ]!;
	const joined = run.every(
		( w ) =>
			w[ 2 ]!.toUpperCase() === first[ 2 ]!.toUpperCase() &&
			charset( w ) === charset( first )
	);
	const decode = ( words: RegExpMatchArray[] ): string =>
		decodeCharset(
			Buffer.concat(
				words.map( ( w ) => wordBytes( w[ 2 ]!, w[ 3 ]! ) )
			),
			charset( words[ 0 ]! )
		);
	return joined
		? decode( run )
		: run.map( ( w ) => decode( [ w ] ) ).join( '' );
}

/**
 * Re-encodes as one UTF-8 word each run of adjacent encoded words (only whitespace between
 * them) in the same charset, when libmime would read it otherwise (see libmimeReading): a
 * label it does not know or reads differently, UTF-7, UTF-8 under a legacy label. A run is
 * decoded as a whole, so a character split across two words survives.
 *
 * @param field The field, decoded.
 */
function rewriteWords( field: string ): string {
	const words = [ ...field.matchAll( ENCODED_WORD ) ];
	if ( words.length === 0 ) {
		return field;
	}
	const key = ( label: string ): string =>
		normaliseCharsetLabel( label ) ?? `?${ label.toLowerCase() }`;
	let out = '';
	let last = 0;
	for ( let i = 0; i < words.length; ) {
		const first = words[ i ]!;
		const runKey = key( first[ 1 ]! );
		let j = i + 1;
		while ( j < words.length ) {
			const prev = words[ j - 1 ]!;
			const next = words[ j ]!;
			const gap = field.slice(
				prev.index + prev[ 0 ].length,
				next.index
			);
			if (
				! /^[ \t\r\n]*$/.test( gap ) ||
				key( next[ 1 ]! ) !== runKey
			) {
				break;
			}
			j++;
		}
		const run = words.slice( i, j );
		i = j;
		if ( run.every( ( w ) => PLAIN_UTF8.test( w[ 1 ]! ) ) ) {
			continue;
		}
		const end = run[ run.length - 1 ]!;
		const bytes = Buffer.concat(
			run.map( ( w ) => wordBytes( w[ 2 ]!, w[ 3 ]! ) )
		);
		const text = decodeBytes( bytes, first[ 1 ]! );
		if ( text === libmimeReading( run ) ) {
			// Left as written: the raw header keeps its form where nothing is to be gained.
			continue;
		}
		out += field.slice( last, first.index ) + utf8Word( text );
		last = end.index + end[ 0 ].length;
	}
	return last === 0 ? field : out + field.slice( last );
}

/**
 * Re-encodes as `name*=utf-8''…` each RFC 2231 parameter whose charset is not plainly UTF-8,
 * with its continuation segments joined into it.
 *
 * @param field A Content-Type or Content-Disposition field, decoded.
 */
function rewriteExtendedParams( field: string ): string {
	const groups = new Map< string, RegExpMatchArray[] >();
	for ( const m of field.matchAll( EXTENDED_PARAM ) ) {
		const name = m[ 2 ]!.toLowerCase();
		const list = groups.get( name );
		if ( list ) {
			list.push( m );
		} else {
			groups.set( name, [ m ] );
		}
	}
	const edits: { start: number; end: number; text: string }[] = [];
	for ( const segments of groups.values() ) {
		const heads = segments.filter(
			( m ) => m[ 3 ] === undefined || Number( m[ 3 ] ) === 0
		);
		const head = heads[ 0 ];
		if ( heads.length !== 1 || ! head || ( head[ 3 ] && ! head[ 4 ] ) ) {
			continue;
		}
		const extended = extendedCharset( head[ 5 ]! );
		if ( ! extended?.rewrite ) {
			continue;
		}
		const value = segments
			.map( ( m ) => ( {
				nr: Number( m[ 3 ] ?? 0 ),
				text:
					m === head
						? unquote( m[ 5 ]! ).slice( extended.prefix )
						: unquote( m[ 5 ]! ),
			} ) )
			.sort( ( a, b ) => a.nr - b.nr )
			.map( ( s ) => s.text )
			.join( '' );
		const text = decodeBytes(
			percentOrQ( value, 0x25 /* % */ ),
			extended.charset
		).replace( LONE_SURROGATE, '\uFFFD' );
		const encoded = encodeURIComponent( text ).replace(
			/['()*]/g,
			( c ) => `%${ c.charCodeAt( 0 ).toString( 16 ).toUpperCase() }`
		);
		for ( const m of segments ) {
			edits.push( {
				start: m.index!,
				end: m.index! + m[ 0 ].length,
				text:
					m === head
						? `;${ m[ 1 ] }${ m[ 2 ] }*=utf-8''${ encoded }`
						: '',
			} );
		}
	}
	// One pass, start to end (the matches do not overlap): repeated slicing is quadratic.
	const parts: string[] = [];
	let last = 0;
	for ( const edit of edits.sort( ( a, b ) => a.start - b.start ) ) {
		parts.push( field.slice( last, edit.start ), edit.text );
		last = edit.end;
	}
	parts.push( field.slice( last ) );
	return parts.join( '' );
}

/**
 * Sets the charset parameter of a Content-Type field.
 *
 * @param field   The field, decoded.
 * @param charset The label to give.
 */
function setCharset( field: string, charset: string ): string {
	const m = CHARSET_PARAM.exec( field );
	if ( m ) {
		const at = m.index + m[ 1 ]!.length;
		return (
			field.slice( 0, at ) + charset + field.slice( at + m[ 2 ]!.length )
		);
	}
	const body = field.replace( /[\r\n]+$/, '' );
	return `${ body }; charset=${ charset }${ field.slice( body.length ) }`;
}

/**
 * The block rewritten: fields with raw bytes that are not UTF-8 are read in `hint` (and come
 * out as UTF-8), encoded words and RFC 2231 values are re-encoded, and `relabel`, if given,
 * becomes the Content-Type's charset. Returns the block itself when nothing changes.
 *
 * @param block   The block.
 * @param hint    The charset of raw header bytes; null to guess it (see guessLegacyCharset).
 * @param relabel The charset label to set, or null.
 */
function renderBlock(
	block: Block,
	hint: string | null,
	relabel: string | null
): Buffer {
	if ( ! block.legacy && ! block.work && relabel === null ) {
		return block.bytes;
	}
	const parts: Buffer[] = [];
	let changed = false;
	let typeSeen = false;
	for ( const field of block.fields ) {
		const original = block.bytes.subarray( field.start, field.end );
		const isType: boolean = field.name === 'content-type' && ! typeSeen;
		typeSeen ||= isType;
		if ( ! field.legacy && ! field.work && ! ( isType && relabel ) ) {
			parts.push( original );
			continue;
		}
		let text = field.legacy
			? decodeBytes( original, hint )
			: original.toString( 'utf8' );
		if ( field.work ) {
			text = rewriteWords( text );
			if ( isType || field.name === 'content-disposition' ) {
				text = rewriteExtendedParams( text );
			}
		}
		if ( isType && relabel ) {
			text = setCharset( text, relabel );
		}
		const bytes = Buffer.from( text, 'utf8' );
		changed ||= ! bytes.equals( original );
		parts.push( bytes );
	}
	if ( relabel && ! typeSeen && block.closed ) {
		parts.push(
			Buffer.from(
				`Content-Type: text/plain; charset=${ relabel }${ block.eol }`
			)
		);
		changed = true;
	}
	if ( ! changed ) {
		return block.bytes;
	}
	parts.push( block.bytes.subarray( block.fieldsEnd ) );
	return Buffer.concat( parts );
}

/**
 * A text part's body after its transfer encoding, for telling UTF-8 from not.
 *
 * @param body     The raw body.
 * @param encoding Its Content-Transfer-Encoding.
 */
function transferDecoded( body: Buffer, encoding: string ): Buffer {
	if ( encoding === 'base64' ) {
		return Buffer.from( body.toString( 'latin1' ), 'base64' );
	}
	if ( encoding === 'quoted-printable' ) {
		// Only an =XX escape of 0x80 or above can make the text non-ASCII.
		if (
			isAscii( body ) &&
			! /=[89A-Fa-f][0-9A-Fa-f]/.test( body.toString( 'latin1' ) )
		) {
			return body;
		}
		return quotedPrintable( body );
	}
	return body;
}

/**
 * Quoted-printable decoded: `=XX` escapes and soft line breaks; other bytes as they are.
 *
 * @param body The encoded body.
 */
function quotedPrintable( body: Buffer ): Buffer {
	const out = Buffer.allocUnsafe( body.length );
	let n = 0;
	for ( let i = 0; i < body.length; i++ ) {
		const c = body[ i ] ?? 0;
		if ( c === 0x3d /* = */ ) {
			const high = HEX_VALUE[ body[ i + 1 ] ?? 0 ] ?? -1;
			const low = HEX_VALUE[ body[ i + 2 ] ?? 0 ] ?? -1;
			if ( high >= 0 && low >= 0 ) {
				out[ n++ ] = high * 16 + low;
				i += 2;
				continue;
			}
			// A soft line break: `=`, maybe trailing whitespace, the line's end.
			let j = i + 1;
			while ( body[ j ] === 0x20 || body[ j ] === 0x09 ) {
				j++;
			}
			if ( body[ j ] === 0x0d ) {
				j++;
			}
			if ( body[ j ] === 0x0a ) {
				i = j;
				continue;
			}
		}
		out[ n++ ] = c;
	}
	return out.subarray( 0, n );
}

/**
 * Whether the first 8-bit byte a quoted-printable body escapes (`=C3=A9`) can start a UTF-8
 * character, looking at that escape and the next. False means the body is not UTF-8.
 *
 * @param qp The start of the body, encoded.
 */
function startsLikeUtf8( qp: Buffer ): boolean {
	const text = qp.toString( 'latin1', 0, 64 * 1024 );
	const m = /=([89A-Fa-f][0-9A-Fa-f])(?:=\r?\n)?(?:=([0-9A-Fa-f]{2}))?/.exec(
		text
	);
	if ( ! m ) {
		// Nothing escaped in the first 64 KiB: no quick answer.
		return true;
	}
	const lead = parseInt( m[ 1 ]!, 16 );
	const next = m[ 2 ] === undefined ? -1 : parseInt( m[ 2 ], 16 );
	return lead >= 0xc2 && lead <= 0xf4 && next >= 0x80 && next <= 0xbf;
}

const HEX_VALUE = new Int8Array( 256 ).fill( -1 );
[ ...'0123456789ABCDEF' ].forEach( ( c, i ) => {
	HEX_VALUE[ c.charCodeAt( 0 ) ] = i;
	HEX_VALUE[ c.toLowerCase().charCodeAt( 0 ) ] = i;
} );

/** Output waiting on a decision: a header block that needs its body or a charset hint first. */
interface Held {
	readonly block: Block;
	result: Buffer | null;
	waitsHint: boolean;
	waitsPeek: boolean;
	relabel: string | null;
}

interface Node {
	readonly parent: Node | null;
	/** Whose boundary ends this node: mailsplit's _parentBoundaryOwner. */
	readonly owner: Node | null;
	boundary: Buffer | null;
}

/** A text part whose label depends on its body (UTF-8 or not), watched to its end. */
interface Peek {
	readonly held: Held;
	/** The declared charset (normalised), or null for none, us-ascii or an unknown label. */
	readonly encoding: string | null;
	/** Whether mailparser would read the declared label as `encoding` (see isExactLabel). */
	readonly exact: boolean;
	readonly body: Buffer[];
	size: number;
}

/**
 * Buffer.indexOf() over the message as it streams by, remembering where the next match is (or
 * that there is none in what has come so far), so that looking again from a little further on,
 * as the delimiter search does for every candidate line, never scans the same bytes twice.
 */
class Finder {
	readonly #needle: Buffer;
	/** Stream offset of the last match found, or -1. */
	#found = -1;
	/** Stream offset before which no match is left: past the last match, or all searched. */
	#searched = 0;

	/**
	 * @param needle What to find.
	 */
	constructor( needle: string ) {
		this.#needle = Buffer.from( needle, 'latin1' );
	}

	/**
	 * @param buf    The input held.
	 * @param from   Where to look from, in buf.
	 * @param offset Stream offset of buf's first byte.
	 * @return The match's position in buf, or -1.
	 */
	next( buf: Buffer, from: number, offset: number ): number {
		const start = offset + from;
		if ( this.#found >= start ) {
			return this.#found - offset;
		}
		const end = offset + buf.length;
		// A search that found nothing covered everything up to the end of what had come.
		const resume = Math.max(
			start,
			this.#found < 0 ? this.#searched - this.#needle.length + 1 : 0
		);
		const at =
			resume >= end ? -1 : buf.indexOf( this.#needle, resume - offset );
		this.#found = at < 0 ? -1 : offset + at;
		this.#searched = at < 0 ? end : offset + at;
		return at;
	}
}

/**
 * Finds the MIME header blocks of a message as mailsplit does (the same boundary rules, the
 * same nesting), and rewrites them with renderBlock(). Bodies pass through untouched, held back
 * only while a decision waits on them (bounded by HINT_WINDOW and PEEK_LIMIT). Input it cannot
 * follow as mailsplit would (an oversized header, a Content-Type with comments) is left as it
 * is from there on.
 */
class HeaderRewriter {
	#pending: Buffer = Buffer.alloc( 0 );
	/** Stream offset of #pending's first byte. */
	#offset = 0;
	/** Whether #pending starts inside a line (after an overlong line was passed on). */
	#midLine = false;
	#head = true;
	/** Where the search for the end of the current header block goes on. */
	#headScan = 0;
	#node: Node = { parent: null, owner: null, boundary: null };
	#epilogue = false;
	#nodes = 1;
	#passthrough = false;
	#queue: ( Buffer | Held )[] = [];
	#peek: Peek | null = null;
	#waiting: Held[] = [];
	#hintDeadline = Infinity;
	#hint: string | null = null;
	changed = false;

	/**
	 * @param chunk More of the message.
	 * @return Output that is final.
	 */
	write( chunk: Buffer ): Buffer[] {
		this.#pending =
			this.#pending.length === 0
				? chunk
				: Buffer.concat( [ this.#pending, chunk ] );
		this.#process( false );
		return this.#release();
	}

	/** @return The rest of the output. */
	end(): Buffer[] {
		this.#process( true );
		this.#endPeek();
		this.#resolveWaiting();
		return this.#release();
	}

	#emit( bytes: Buffer ): void {
		if ( bytes.length === 0 ) {
			return;
		}
		this.#queue.push( bytes );
		const peek = this.#peek;
		if ( peek ) {
			peek.body.push( bytes );
			peek.size += bytes.length;
			if ( peek.size > PEEK_LIMIT ) {
				// Too big to judge: the declared charset, by a name mailparser reads right.
				this.#peek = null;
				peek.held.relabel =
					peek.encoding !== null && ! peek.exact
						? peek.encoding
						: null;
				peek.held.waitsPeek = false;
				this.#settle( peek.held );
			}
		}
	}

	#advance( bytes: number ): void {
		this.#pending = this.#pending.subarray( bytes );
		this.#offset += bytes;
		if ( this.#offset > this.#hintDeadline ) {
			this.#resolveWaiting();
		}
	}

	#process( final: boolean ): void {
		while ( this.#pending.length > 0 ) {
			if ( this.#passthrough ) {
				this.#emit( this.#pending );
				this.#advance( this.#pending.length );
				return;
			}
			if (
				this.#head
					? ! this.#readHead( final )
					: ! this.#readBody( final )
			) {
				return;
			}
		}
	}

	/**
	 * Reads the header block at the start of #pending.
	 *
	 * @param final Whether the input has ended.
	 * @return Whether it was read (false: more input is needed).
	 */
	#readHead( final: boolean ): boolean {
		const buf = this.#pending;
		let pos = this.#headScan;
		for (;;) {
			const lf = buf.indexOf( 0x0a, pos );
			if ( lf < 0 && ! final ) {
				this.#headScan = pos;
				if ( buf.length > MAX_HEAD ) {
					this.#passthrough = true;
					return true;
				}
				return false;
			}
			const end = lf < 0 ? buf.length : lf + 1;
			if ( end === pos ) {
				break;
			}
			const kind = this.#delimiter( buf, pos, end, final );
			if ( kind ) {
				// A header-only node: mailsplit goes on to the delimiter without reading what
				// the block declares, so no boundary or embedded message comes of it.
				this.#block( buf.subarray( 0, pos ), false );
				this.#head = false;
				this.#advance( pos );
				return true;
			}
			const length = end - pos;
			if (
				( length === 1 && buf[ pos ] === 0x0a ) ||
				( length === 2 &&
					buf[ pos ] === 0x0d &&
					buf[ pos + 1 ] === 0x0a )
			) {
				this.#block( buf.subarray( 0, end ), true );
				this.#advance( end );
				return true;
			}
			pos = end;
			if ( pos > MAX_HEAD ) {
				this.#passthrough = true;
				return true;
			}
		}
		// The input ended inside the header block.
		this.#block( buf, false );
		this.#head = false;
		this.#advance( buf.length );
		return true;
	}

	/**
	 * Handles a header block: queues it (rewritten, or held for a decision) and moves to what
	 * follows it as mailsplit does.
	 *
	 * @param bytes  The block.
	 * @param closed Whether it ends in an empty line.
	 */
	#block( bytes: Buffer, closed: boolean ): void {
		this.#head = false;
		this.#headScan = 0;
		const block = parseBlock( bytes, closed );
		if ( this.#hint === null && block.hint !== null ) {
			this.#hint = block.hint;
			this.#resolveWaiting();
		}
		const text =
			! block.boundary &&
			TEXT_TYPES.has( block.contentType ) &&
			block.disposition !== 'attachment' &&
			! block.filename;
		// What the part's label should become: decided now, or once its body is seen.
		let relabel: string | null = null;
		let peek = false;
		let encoding: string | null = null;
		let exact = true;
		if ( text ) {
			const charset = block.charset || null;
			encoding = normaliseCharsetLabel( charset );
			exact = charset !== null && isExactLabel( charset, encoding );
			if ( charset === null || mailparserDecodesItself( charset ) ) {
				// No label, us-ascii or UTF-8: mailparser reads the body as UTF-8 itself.
				encoding = null;
				peek = charset === null || ! /utf/i.test( charset );
			} else if ( encoding === 'utf-7' ) {
				relabel = UTF7_LABEL;
			} else if (
				encoding === null ||
				encoding === 'iso-2022-jp' ||
				SINGLE_BYTE.has( encoding )
			) {
				peek = true;
			} else if ( ! exact ) {
				relabel = encoding;
			}
		}
		const waitsHint =
			block.legacy && block.hint === null && this.#hint === null;
		if ( ! waitsHint && ! peek ) {
			this.#queueRendered( block, relabel );
		} else {
			const held: Held = {
				block,
				result: null,
				waitsHint,
				waitsPeek: peek,
				relabel,
			};
			this.#queue.push( held );
			if ( waitsHint ) {
				this.#waiting.push( held );
				if ( this.#hintDeadline === Infinity ) {
					this.#hintDeadline =
						this.#offset + bytes.length + HINT_WINDOW;
				}
			}
			if ( peek ) {
				this.#peek = { held, encoding, exact, body: [], size: 0 };
			}
		}
		if ( closed ) {
			this.#descend( block );
		}
	}

	#queueRendered( block: Block, relabel: string | null ): void {
		const out = renderBlock( block, block.hint ?? this.#hint, relabel );
		this.changed ||= out !== block.bytes;
		this.#queue.push( out );
	}

	/**
	 * Moves into what follows a header block, as mailsplit's processLine() does.
	 *
	 * @param block The block just read.
	 */
	#descend( block: Block ): void {
		const node = this.#node;
		if ( block.boundary ) {
			if ( block.uncertain ) {
				this.#passthrough = true;
				return;
			}
			node.boundary = Buffer.from( block.boundary, 'latin1' );
		} else if (
			block.contentType === 'message/rfc822' &&
			[ '', '7bit', '8bit', 'binary' ].includes( block.encoding ) &&
			block.disposition === 'inline'
		) {
			// An embedded message: its header block follows, ended by its container's parent.
			this.#newNode( node, node.parent ?? node );
			return;
		}
		this.#head = false;
	}

	#newNode( parent: Node, owner: Node ): void {
		this.#endPeek();
		this.#node = { parent, owner, boundary: null };
		this.#epilogue = false;
		this.#head = true;
		if ( ++this.#nodes > MAX_NODES ) {
			this.#passthrough = true;
		}
	}

	/**
	 * Whether the line at [start, end) of buf is a delimiter line for the current node, and of
	 * which kind (mailsplit's checkBoundary(): 1 next child, 2 end of the node's children,
	 * 3 next sibling under an ancestor, 4 end of an ancestor's children). `#owner` is set for
	 * 3 and 4.
	 *
	 * @param buf   The input.
	 * @param start The line's start.
	 * @param end   Its end (after the LF, or the input's end).
	 * @param final Whether the input has ended (a closing delimiter may end it without LF).
	 */
	#delimiter(
		buf: Buffer,
		start: number,
		end: number,
		final: boolean
	): number {
		let at = start;
		if ( buf[ at ] === 0x0d ) {
			at++;
		}
		if ( end - start < 4 || buf[ at ] !== 0x2d || buf[ at + 1 ] !== 0x2d ) {
			return 0;
		}
		const lineEnded = end < buf.length || buf[ end - 1 ] === 0x0a || final;
		if ( ! lineEnded ) {
			return 0;
		}
		const line = buf.subarray( start, end );
		const own = this.#node.boundary;
		if ( ! this.#epilogue && own ) {
			const kind = compareBoundary( line, at - start, own );
			if ( kind ) {
				return kind;
			}
		}
		for ( let owner = this.#node.owner; owner; owner = owner.owner ) {
			if ( owner.boundary ) {
				const kind = compareBoundary(
					line,
					at - start,
					owner.boundary
				);
				if ( kind ) {
					this.#owner = owner;
					return kind + 2;
				}
			}
		}
		return 0;
	}

	#owner: Node | null = null;
	#dashes = new Finder( '--' );

	/** Longest boundary a delimiter of the current node could carry. */
	#maxBoundary(): number {
		let max = this.#node.boundary?.length ?? 0;
		for ( let owner = this.#node.owner; owner; owner = owner.owner ) {
			max = Math.max( max, owner.boundary?.length ?? 0 );
		}
		return max;
	}

	/**
	 * Passes body bytes on up to the next delimiter line, and handles that line.
	 *
	 * @param final Whether the input has ended.
	 * @return Whether to go on (false: more input is needed).
	 */
	#readBody( final: boolean ): boolean {
		const buf = this.#pending;
		const max = this.#maxBoundary();
		if ( max === 0 ) {
			// No boundary applies: the rest is body.
			this.#emit( buf );
			this.#advance( buf.length );
			return false;
		}
		let from = 0;
		for (;;) {
			const p = this.#nextDashLine( buf, from );
			if ( p < 0 ) {
				break;
			}
			const lf = buf.indexOf( 0x0a, p );
			if ( lf < 0 && ! final ) {
				if ( buf.length - p <= max + DELIMITER_OVERHEAD ) {
					// Might still become a delimiter line: wait for its end.
					this.#emit( buf.subarray( 0, p ) );
					this.#advance( p );
					this.#midLine = false;
					return false;
				}
				break;
			}
			const end = lf < 0 ? buf.length : lf + 1;
			if ( end - p > max + DELIMITER_OVERHEAD ) {
				from = p + 1;
				continue;
			}
			const kind = this.#delimiter( buf, p, end, final );
			if ( ! kind ) {
				from = p + 1;
				continue;
			}
			this.#emit( buf.subarray( 0, p ) );
			this.#endPeekIfLeaf( kind );
			this.#emit( buf.subarray( p, end ) );
			this.#advance( end );
			this.#midLine = false;
			this.#transition( kind );
			return true;
		}
		// No delimiter: pass all on but a last line that may still become one.
		const lastLf = buf.lastIndexOf( 0x0a );
		let cut = buf.length;
		if (
			! final &&
			buf.length - ( lastLf + 1 ) <= max + DELIMITER_OVERHEAD
		) {
			cut = lastLf + 1;
			if ( lastLf < 0 && this.#midLine ) {
				cut = buf.length;
			}
		}
		this.#emit( buf.subarray( 0, cut ) );
		this.#advance( cut );
		if ( cut > 0 ) {
			this.#midLine =
				this.#pending.length === 0 ? buf[ cut - 1 ] !== 0x0a : false;
		}
		return false;
	}

	/**
	 * The start of the next line at or after `from` that begins with `--` (or CR and `--`).
	 *
	 * @param buf  The input.
	 * @param from Where to look from.
	 */
	#nextDashLine( buf: Buffer, from: number ): number {
		const lineStart = ( p: number ): boolean =>
			p === 0 ? ! this.#midLine : buf[ p - 1 ] === 0x0a;
		// One scan for `--`, each found checked for a line start before it (or before a CR).
		for ( let p = from; p < buf.length; p++ ) {
			p = this.#dashes.next( buf, p, this.#offset );
			if ( p < 0 ) {
				return -1;
			}
			if ( p >= from && lineStart( p ) ) {
				return p;
			}
			if (
				p - 1 >= from &&
				buf[ p - 1 ] === 0x0d &&
				lineStart( p - 1 )
			) {
				return p - 1;
			}
		}
		return -1;
	}

	#endPeekIfLeaf( kind: number ): void {
		if ( kind >= 3 ) {
			this.#endPeek();
		}
	}

	#transition( kind: number ): void {
		const owner = this.#owner;
		if ( kind === 1 ) {
			this.#newNode( this.#node, this.#node );
		} else if ( kind === 3 && owner ) {
			this.#newNode( owner, owner );
		} else if ( kind === 4 && owner ) {
			this.#endPeek();
			this.#node = owner;
			this.#epilogue = true;
			this.#head = false;
		}
	}

	/** The watched text part has ended: relabel it if its body is not UTF-8. */
	#endPeek(): void {
		const peek = this.#peek;
		if ( ! peek ) {
			return;
		}
		this.#peek = null;
		if (
			peek.encoding !== null &&
			peek.held.block.encoding === 'quoted-printable' &&
			! startsLikeUtf8( peek.body[ 0 ] ?? Buffer.alloc( 0 ) )
		) {
			// Quoted-printable text in a legacy charset, as most of it is: its first 8-bit
			// escape says so, without decoding it all.
			peek.held.relabel = peek.exact ? null : peek.encoding;
			peek.held.waitsPeek = false;
			this.#settle( peek.held );
			return;
		}
		const body = transferDecoded(
			peek.body.length === 1
				? peek.body[ 0 ]!
				: Buffer.concat( peek.body ),
			peek.held.block.encoding
		);
		peek.held.relabel = relabelFor( peek, body, this.#hint );
		peek.held.waitsPeek = false;
		this.#settle( peek.held );
	}

	#resolveWaiting(): void {
		const waiting = this.#waiting;
		this.#waiting = [];
		this.#hintDeadline = Infinity;
		for ( const held of waiting ) {
			held.waitsHint = false;
			this.#settle( held );
		}
	}

	#settle( held: Held ): void {
		if ( held.waitsHint || held.waitsPeek || held.result ) {
			return;
		}
		const out = renderBlock(
			held.block,
			held.block.hint ?? this.#hint,
			held.relabel
		);
		this.changed ||= out !== held.block.bytes;
		held.result = out;
	}

	#release(): Buffer[] {
		let n = 0;
		const out: Buffer[] = [];
		for ( ; n < this.#queue.length; n++ ) {
			const item = this.#queue[ n ]!;
			if ( Buffer.isBuffer( item ) ) {
				out.push( item );
			} else if ( item.result ) {
				out.push( item.result );
			} else {
				break;
			}
		}
		this.#queue.splice( 0, n );
		return out;
	}
}

/**
 * mailsplit's compareBoundary(): whether a line is `--boundary` (1) or `--boundary--` (2), with
 * trailing SP/HTAB and any CR run before the LF allowed.
 *
 * @param line     The line.
 * @param at       Where its `--` starts.
 * @param boundary The boundary.
 */
function compareBoundary(
	line: Buffer,
	at: number,
	boundary: Buffer
): 0 | 1 | 2 {
	if (
		line.length < boundary.length + 3 + at ||
		line.length > boundary.length + 2 + 2 + 998 + 2 + at
	) {
		return 0;
	}
	if (
		! line.subarray( at + 2, at + 2 + boundary.length ).equals( boundary )
	) {
		return 0;
	}
	let i = at + 2 + boundary.length;
	let kind: 1 | 2 = 1;
	if ( line[ i ] === 0x2d ) {
		if ( line[ i + 1 ] !== 0x2d ) {
			return 0;
		}
		kind = 2;
		i += 2;
	}
	while ( i < line.length && ( line[ i ] === 0x20 || line[ i ] === 0x09 ) ) {
		i++;
	}
	if ( i === line.length ) {
		return kind === 2 ? 2 : 0;
	}
	while ( i < line.length && line[ i ] === 0x0d ) {
		i++;
	}
	if ( i < line.length && line[ i ] === 0x0a ) {
		i++;
	}
	return i === line.length ? kind : 0;
}

/**
 * Rewrites the header blocks of a raw message so that mailparser decodes its text right (see
 * the top of this file); call it on the bytes parse.ts hands to mailparser. Linear in the
 * message; a message with nothing to fix costs a scan for its header blocks and comes back as
 * the same Buffer.
 *
 * @param raw The raw message.
 * @return The message to parse: `raw` itself, or a rewritten copy.
 */
export function normaliseMessageCharsets( raw: Buffer ): Buffer {
	const rewriter = new HeaderRewriter();
	const parts = [ ...rewriter.write( raw ), ...rewriter.end() ];
	return rewriter.changed ? Buffer.concat( parts ) : raw;
}

/**
 * normaliseMessageCharsets() as a stream, for messages read as they arrive: the same output,
 * with bodies passed on as they come (held back only while a decision waits on them).
 */
export function createCharsetNormaliser(): Transform {
	const rewriter = new HeaderRewriter();
	return new Transform( {
		transform( chunk: Buffer, _encoding, done ) {
			for ( const out of rewriter.write( chunk ) ) {
				this.push( out );
			}
			done();
		},
		flush( done ) {
			for ( const out of rewriter.end() ) {
				this.push( out );
			}
			done();
		},
	} );
}
