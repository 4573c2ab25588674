/**
 * The lean reading (parse-lean.ts) against mailparser: every email it reads must come out of
 * parse.ts exactly as it does through mailparser (the whole ParsedEmail, header map included),
 * over every fixture email, the benchmark's text emails, generated MIME structures full of
 * edge cases, and focused cases. It must also keep reading a real share of them, so that a
 * change which quietly sends everything to mailparser fails here.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';

import iconv from 'iconv-lite';

import { normaliseMessageCharsets } from '../../sidecar/src/pipeline/charsets.ts';
import {
	LEAN_MAX_BYTES,
	readLean,
} from '../../sidecar/src/pipeline/parse-lean.ts';
import {
	measuringSink,
	parseEmailStream,
} from '../../sidecar/src/pipeline/parse.ts';
import type { ParsedEmail } from '../../sidecar/src/pipeline/types.ts';
import { prng, textEmail } from '../bench/corpus.ts';

const FIXTURES = new URL( '../fixtures/', import.meta.url ).pathname;

/**
 * Every .eml under a folder, sorted.
 *
 * @param dir The folder.
 */
function emlFiles( dir: string ): string[] {
	return fs
		.readdirSync( dir, { recursive: true, encoding: 'utf8' } )
		.filter( ( name ) => name.endsWith( '.eml' ) )
		.sort()
		.map( ( name ) => path.join( dir, name ) );
}

/**
 * Whether the lean reading takes the email (or leaves it to mailparser).
 *
 * @param raw The email.
 */
const accepted = ( raw: Buffer ): boolean =>
	readLean( normaliseMessageCharsets( raw ), new Set() ) !== null;

/**
 * The email through parse.ts as it runs (lean where it can) and with mailparser forced.
 *
 * @param raw The email.
 */
async function bothReadings(
	raw: Buffer
): Promise< { lean: ParsedEmail; full: ParsedEmail } > {
	const lean = await parseEmailStream( raw, measuringSink );
	const full = await parseEmailStream(
		raw,
		measuringSink,
		Number.MAX_SAFE_INTEGER,
		{ lean: false }
	);
	assert.equal( lean.rawSize, full.rawSize );
	assert.equal( lean.rawSha256(), full.rawSha256() );
	return { lean: lean.parsed, full: full.parsed };
}

/**
 * Asserts that the lean reading takes the email and reads it as mailparser does.
 *
 * @param raw The email.
 * @return The reading.
 */
async function sameReading( raw: Buffer ): Promise< ParsedEmail > {
	assert.ok( accepted( raw ), 'the lean reading takes it' );
	const { lean, full } = await bothReadings( raw );
	assert.deepStrictEqual( lean, full );
	return lean;
}

/**
 * Reads a set of emails both ways; returns how many the lean reading took and the names of
 * those it read otherwise than mailparser.
 *
 * @param emails Name and bytes of each email.
 */
async function compareAll(
	emails: Iterable< { name: string; raw: Buffer } >
): Promise< { total: number; taken: number; differ: string[] } > {
	let total = 0;
	let taken = 0;
	const differ: string[] = [];
	for ( const { name, raw } of emails ) {
		total++;
		if ( ! accepted( raw ) ) {
			continue;
		}
		taken++;
		const { lean, full } = await bothReadings( raw );
		if ( ! isDeepStrictEqual( lean, full ) ) {
			differ.push( name );
		}
	}
	return { total, taken, differ };
}

const crlf = ( text: string ): Buffer =>
	Buffer.from( text.replace( /\r?\n/g, '\r\n' ), 'latin1' );

const HEAD =
	'From: Ann Example <ann@example.test>\nTo: support@example.test\nSubject: Hello\nMessage-ID: <m1@example.test>\nMIME-Version: 1.0\n';

describe( 'the lean reading over real and generated mail', () => {
	it( 'reads every fixture email it takes as mailparser does, and takes most', async ( t ) => {
		const files = emlFiles( FIXTURES );
		const { total, taken, differ } = await compareAll(
			files.map( ( file ) => ( {
				name: path.relative( FIXTURES, file ),
				raw: fs.readFileSync( file ),
			} ) )
		);
		t.diagnostic(
			`lean reading: ${ taken } of ${ total } fixture emails (${ (
				( taken / total ) *
				100
			).toFixed( 1 ) } %)`
		);
		assert.deepEqual( differ, [] );
		assert.ok( total > 4000, 'the fixtures are found' );
		// About 70 % at the time of writing: nearly every email without an attachment.
		assert.ok( taken / total >= 0.6, `only ${ taken } of ${ total }` );
	} );

	it( 'reads every benchmark text email, as mailparser does', async ( t ) => {
		const rand = prng( 20261130 );
		const { total, taken, differ } = await compareAll(
			Array.from( { length: 400 }, ( _v, i ) => ( {
				name: `bench ${ i }`,
				raw: Buffer.from( textEmail( rand, i ) ),
			} ) )
		);
		t.diagnostic( `lean reading: ${ taken } of ${ total } bench emails` );
		assert.deepEqual( differ, [] );
		assert.equal( taken, total );
	} );

	it( 'reads generated MIME structures as mailparser does', async ( t ) => {
		const rand = prng( 7 );
		const { total, taken, differ } = await compareAll(
			Array.from( { length: 1500 }, ( _v, i ) => ( {
				name: `generated ${ i }`,
				raw: generatedEmail( rand ),
			} ) )
		);
		t.diagnostic( `lean reading: ${ taken } of ${ total } generated` );
		assert.deepEqual( differ, [] );
		// Most generated emails hold something declined somewhere: about 30 % are taken.
		assert.ok( taken / total >= 0.2, `only ${ taken } of ${ total }` );
	} );
} );

describe( 'the lean reading, case by case', () => {
	it( 'unfolds folded headers', async () => {
		const p = await sameReading(
			crlf(
				'From: Ann\n Example <ann@example.test>\nTo: a@example.test,\n\tb@example.test\nSubject: a long\n  folded subject\nReferences: <a@x.test>\n <b@x.test>\n\nBody\n'
			)
		);
		assert.equal( p.subject, 'a long folded subject' );
		assert.deepEqual( p.references, [ '<a@x.test>', '<b@x.test>' ] );
	} );

	it( 'decodes encoded words in the subject and in names', async () => {
		const p = await sameReading(
			crlf(
				'From: =?utf-8?Q?J=C3=B6rg_M=C3=BCller?= <j@example.test>\nTo: =?windows-1251?B?z+Do?= <p@example.test>\nSubject: =?utf-8?B?R3LDvMOfZQ==?= =?utf-8?Q?_aus_K=C3=B6ln?= und\n =?ISO-8859-1?Q?Andr=E9?=\n\nBody\n'
			)
		);
		assert.equal( p.subject, 'Grüße aus Köln und André' );
		assert.equal( p.from?.name, 'Jörg Müller' );
	} );

	it( 'reads address lists with groups', async () => {
		const p = await sameReading(
			crlf(
				`${ HEAD }Cc: team: a@example.test, "Doe, Jo" <jo@example.test>;, c@example.test\n\nBody\n`
			)
		);
		assert.equal( p.cc.length, 3 );
	} );

	it( 'reads 8-bit headers, UTF-8 and legacy', async () => {
		await sameReading(
			Buffer.from(
				'From: Jörg <j@example.test>\r\nSubject: Grüße\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBody\r\n',
				'utf8'
			)
		);
		await sameReading(
			Buffer.concat( [
				Buffer.from( 'From: a@example.test\r\nSubject: ' ),
				iconv.encode( 'Привет', 'windows-1251' ),
				Buffer.from(
					'\r\nContent-Type: text/plain; charset=windows-1251\r\n\r\n'
				),
				iconv.encode( 'Привет, мир\r\n', 'windows-1251' ),
			] )
		);
	} );

	it( 'joins quoted-printable soft line breaks', async () => {
		const p = await sameReading(
			crlf(
				`${ HEAD }Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nGr=C3=BC=C3=9Fe, this line is=\n joined =\t\nand this one=20\nends =3D here=\n`
			)
		);
		assert.match( p.text, /Grüße, this line is joined and this one/ );
	} );

	it( 'decodes base64 text, wrapped or not, padded or not', async () => {
		const body = Buffer.from( 'Grüße aus Köln\r\nzweite Zeile' ).toString(
			'base64'
		);
		await sameReading(
			crlf(
				`${ HEAD }Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n${ body.replace(
					/.{8}/g,
					'$&\n'
				) }\n`
			)
		);
		await sameReading(
			crlf(
				`${ HEAD }Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n${ body.replace(
					/=+$/,
					''
				) }`
			)
		);
	} );

	it( 'decodes windows-1251 and ISO-2022-JP bodies', async () => {
		const ru = await sameReading(
			Buffer.concat( [
				crlf(
					`${ HEAD }Content-Type: text/plain; charset=windows-1251\nContent-Transfer-Encoding: 8bit\n\n`
				),
				iconv.encode( 'Привет, мир!\r\n', 'windows-1251' ),
			] )
		);
		assert.equal( ru.text, 'Привет, мир!\n' );
		const ja = await sameReading(
			crlf(
				`${ HEAD }Content-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n\n\x1b$B$3$s$K$A$O\x1b(B\n`
			)
		);
		assert.equal( ja.text, 'こんにちは\n' );
	} );

	it( 'reads CRLF and LF-only messages alike', async () => {
		const text = `${ HEAD }Content-Type: multipart/alternative; boundary="b"\n\n--b\nContent-Type: text/plain\n\nplain\n\n--b\nContent-Type: text/html\n\n<p>html</p>\n--b--\n`;
		const lf = await sameReading( Buffer.from( text ) );
		const both = await sameReading( crlf( text ) );
		assert.equal( lf.text, 'plain\n' );
		assert.equal( both.text, lf.text );
		assert.equal( both.html, '<p>html</p>' );
	} );

	it( 'tells a boundary from a body line it starts', async () => {
		const p = await sameReading(
			crlf(
				`${ HEAD }Content-Type: multipart/alternative; boundary="b"\n\n--b\nContent-Type: text/plain\n\n--bx is no delimiter\n--b-- neither\n -- b\n-- \nsig\n--b\nContent-Type: text/html\n\n<p>x</p>\n--b--\n`
			)
		);
		assert.match( p.text, /--bx is no delimiter\n--b-- neither/ );
	} );

	it( 'reads a multipart whose closing delimiter is missing', async () => {
		const p = await sameReading(
			crlf(
				`${ HEAD }Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nfirst\n--b\nContent-Type: text/plain\n\nsecond, to the end\n`
			)
		);
		assert.equal( p.text, 'first\nsecond, to the end\n' );
	} );

	it( 'keeps a part that is only a line break as mailparser does', async () => {
		// Before a next-part delimiter the line break stays (the splitter pushes the line as it
		// came), before a closing one it goes.
		const p = await sameReading(
			crlf(
				`${ HEAD }Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n\n--b\nContent-Type: text/plain\n\nx\n--b\nContent-Type: text/plain\n\n\n--b--\n`
			)
		);
		assert.equal( p.text, '\n\nx' );
	} );

	it( 'reads on after a closing delimiter in the preamble', async () => {
		const p = await sameReading(
			crlf(
				`${ HEAD }Content-Type: multipart/mixed; boundary=b\n\npreamble\n--b--\n--b\nContent-Type: text/plain\n\nx\n--b--\nepilogue\n`
			)
		);
		assert.equal( p.text, 'x' );
	} );

	it( 'turns lone surrogates into U+FFFD as mailparser does', async () => {
		const p = await sameReading(
			Buffer.concat( [
				crlf(
					`${ HEAD }Content-Type: text/plain; charset=utf-16le\nContent-Transfer-Encoding: base64\n\n`
				),
				Buffer.from(
					Buffer.from( [ 0x41, 0, 0, 0xd8, 0x42, 0 ] ).toString(
						'base64'
					)
				),
			] )
		);
		assert.equal( p.text, 'A\uFFFDB' );
	} );

	it( 'unfolds format=flowed text, with and without delsp', async () => {
		const flowed = await sameReading(
			crlf(
				`${ HEAD }Content-Type: text/plain; charset=utf-8; format=flowed\n\nsoftly \nwrapped\n> quoted \n> too\n`
			)
		);
		assert.match( flowed.text, /^softly wrapped\n> quoted too/ );
		const delsp = await sameReading(
			crlf(
				`${ HEAD }Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\n\nsoft \nly\n`
			)
		);
		assert.match( delsp.text, /^softly/ );
	} );

	it( 'joins the text and HTML parts of a mixed message', async () => {
		const p = await sameReading(
			crlf(
				`${ HEAD }Content-Type: multipart/mixed; boundary=outer\n\n--outer\nContent-Type: multipart/alternative; boundary=inner\n\n--inner\nContent-Type: text/plain\n\none\n--inner\nContent-Type: text/html\n\n<p>one</p>\n--inner--\n--outer\nContent-Type: text/plain\n\ntwo\n--outer--\n`
			)
		);
		assert.equal( p.text, 'one\ntwo' );
		assert.equal( p.html, '<p>one</p><br/>\n' );
	} );

	it( 'declines what it does not read, which mailparser then reads', async () => {
		const declined = [
			`${ HEAD }Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=a.pdf\n\nJVBERi0=\n--b--\n`,
			`${ HEAD }Content-Type: text/plain\nContent-Disposition: attachment\n\nx\n`,
			`${ HEAD }Content-Type: text/plain; name=a.txt\n\nx\n`,
			`${ HEAD }Content-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR\n`,
			`${ HEAD }Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n--b--\n`,
			`${ HEAD }Content-Type: message/rfc822\n\nSubject: inner\n\nx\n`,
			`${ HEAD }Content-Type: multipart/mixed\n\nno boundary\n`,
			`${ HEAD }Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nx\n`,
			`${ HEAD }Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n--b--\n`,
			`${ HEAD }`,
			`${ HEAD }Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n\r--b--`,
			`${ HEAD }Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/mixed; boundary=c\n\n--c\nContent-Type: multipart/mixed; boundary=d\n\n--d\n\nx\n`,
			`${ HEAD }\n${ 'x'.repeat( LEAN_MAX_BYTES ) }\n`,
		];
		for ( const text of declined ) {
			const raw = crlf( text );
			assert.equal( accepted( raw ), false, text.slice( HEAD.length ) );
			const { lean, full } = await bothReadings( raw );
			assert.deepStrictEqual( lean, full );
		}
	} );
} );

/* ------------------------------------------------------------------------------------------
 * Generated emails: random MIME structures with the edge cases a splitter can get wrong
 * ---------------------------------------------------------------------------------------- */

const TEXTS = [
	'Hello world',
	'Grüße aus Köln – ok',
	'Привет, как дела?',
	'日本語のテキスト',
	'plain ascii text',
	'-- \nsignature',
	'--b\n',
	'--b--',
	'--bx',
	'\r--b',
	'trailing space ',
	'soft=\nbreak',
	'',
	'> quoted\n>> deeper',
	'a\u0301 combining',
	'😀 emoji',
];
const CHARSETS = [
	'utf-8',
	'iso-8859-1',
	'windows-1251',
	'koi8-r',
	'us-ascii',
	'ks_c_5601-1987',
	'windows-1252',
	'gb2312',
	'utf-7',
	'x-unknown',
	'latin9',
	'"utf-8"',
	'shift_jis',
	'',
];
const ENCODINGS = [
	'7bit',
	'8bit',
	'quoted-printable',
	'base64',
	'binary',
	'',
	'Base64',
	'x-uuencode',
];
const LEAF_TYPES = [
	'text/plain',
	'text/plain',
	'text/html',
	'text/plain; format=flowed',
	'text/plain; format=flowed; delsp=yes',
	'text/calendar',
	'application/pdf',
	'TEXT/PLAIN',
	'',
];

/**
 * One random email: headers with encoded words, groups and folds; a text part or a multipart
 * tree of text and other parts in assorted charsets and transfer encodings; delimiters with
 * trailing whitespace, missing, in the preamble; CRLF, LF, mixed or CR line breaks.
 *
 * @param rand PRNG.
 */
function generatedEmail( rand: () => number ): Buffer {
	const pick = < T >( list: T[] ): T =>
		list[ Math.floor( rand() * list.length ) ] as T;
	const chance = ( p: number ): boolean => rand() < p;

	const encodeText = ( text: string, charset: string ): Buffer => {
		const name = charset.replace( /"/g, '' ).toLowerCase();
		const known: Record< string, string > = {
			latin9: 'iso-8859-15',
			'ks_c_5601-1987': 'cp949',
		};
		const encoding = known[ name ] ?? name;
		return iconv.encodingExists( encoding ) && ! /^utf-?7$/.test( name )
			? iconv.encode( text, encoding )
			: Buffer.from( text, 'utf8' );
	};
	const quotedPrintable = ( bytes: Buffer ): string => {
		let out = '';
		let line = 0;
		for ( const byte of bytes ) {
			if ( byte === 0x0a ) {
				out += '\n';
				line = 0;
				continue;
			}
			const plain =
				( byte >= 33 && byte <= 126 && byte !== 61 ) || byte === 32;
			const token = plain
				? String.fromCharCode( byte )
				: `=${ byte.toString( 16 ).toUpperCase().padStart( 2, '0' ) }`;
			if ( line + token.length > 20 && chance( 0.5 ) ) {
				out += '=\n';
				line = 0;
			}
			out += token;
			line += token.length;
		}
		return out + pick( [ '', '', '=', '=ZZ', '=\t \n' ] );
	};
	const base64 = ( bytes: Buffer ): string => {
		let out = bytes.toString( 'base64' );
		out = chance( 0.2 ) ? out.replace( /=+$/, '' ) : out;
		out = chance( 0.1 )
			? `${ out.slice( 0, 5 ) }-_*${ out.slice( 5 ) }`
			: out;
		const width = pick( [ 76, 4, 7, 1000 ] );
		return out.replace( new RegExp( `.{${ width }}`, 'g' ), '$&\n' );
	};
	const body = (): string =>
		Array.from(
			{ length: Math.floor( rand() * 4 ) },
			() => pick( TEXTS ) + ( chance( 0.8 ) ? '\n' : '' )
		).join( '' );
	const leaf = (): string => {
		const type = pick( LEAF_TYPES );
		const charset = pick( CHARSETS );
		const encoding = pick( ENCODINGS );
		let text = body();
		text = type.includes( 'html' ) ? `<p>${ text }</p>` : text;
		text = type.includes( 'flowed' )
			? text.replace( /\n/g, chance( 0.5 ) ? ' \n' : '\n' )
			: text;
		const bytes = encodeText( text, charset || 'utf-8' );
		let content = bytes.toString( 'latin1' );
		if ( encoding.toLowerCase() === 'base64' ) {
			content = base64( bytes );
		} else if ( encoding === 'quoted-printable' ) {
			content = quotedPrintable( bytes );
		}
		let head = '';
		if ( type !== '' ) {
			head += `Content-Type: ${ type }${ charset ? `; charset=${ charset }` : '' }\n`;
		}
		head += encoding ? `Content-Transfer-Encoding: ${ encoding }\n` : '';
		if ( chance( 0.08 ) ) {
			head += `Content-Disposition: ${ pick( [ 'inline', 'attachment', 'weird' ] ) }\n`;
		}
		return `${ head }\n${ content }`;
	};
	const multipart = ( depth: number ): string => {
		const subtype = pick( [ 'alternative', 'mixed', 'related', 'report' ] );
		const boundary = pick( [ 'b', `b${ depth }`, '==_x', 'bound ary' ] );
		let out = `Content-Type: multipart/${ subtype }; boundary="${ boundary }"\n\n`;
		out += chance( 0.2 ) ? 'preamble\n' : '';
		out += chance( 0.05 ) ? `--${ boundary }--\n` : '';
		const parts = 1 + Math.floor( rand() * 3 );
		for ( let i = 0; i < parts; i++ ) {
			out += `--${ boundary }${ chance( 0.05 ) ? ' \t' : '' }\n`;
			out += depth < 3 && chance( 0.2 ) ? multipart( depth + 1 ) : leaf();
			out += chance( 0.8 ) ? '\n' : '';
			out += chance( 0.05 ) ? '\n' : '';
		}
		if ( chance( 0.85 ) ) {
			out += `--${ boundary }--${ chance( 0.1 ) ? '  ' : '' }${ chance( 0.8 ) ? '\n' : '' }`;
		}
		return out + ( chance( 0.15 ) ? 'epilogue\n' : '' );
	};

	let head = pick( [
		'From: Ann <ann@example.test>\n',
		'From: =?utf-8?Q?J=C3=B6rg?= <j@example.test>\n',
		'From: "Müller, Hans" <hm@example.test>\n',
		'From: undisclosed:;\n',
		'',
	] );
	head += pick( [
		'To: a@example.test, B <b@example.test>\n',
		'To: group: a@x.test, b@y.test;\n',
		'To: =?iso-8859-1?Q?Andr=E9?= <a@x.test>\n',
		'',
	] );
	head += pick( [
		'Subject: Hello\n',
		'Subject: =?utf-8?B?w6Rww6Rw?= and more\n',
		'Subject: folded\n  line\n',
		'Subject: =?windows-1251?B?z+Do?=\n',
		'Subject: Grüße\n',
		'',
	] );
	head += chance( 0.5 )
		? `Message-ID: <m${ Math.floor( rand() * 1e6 ) }@x.test>\n`
		: '';
	head += chance( 0.3 )
		? 'References: <a@x> <b@y>\n\t<c@z>\nIn-Reply-To: <a@x>\n'
		: '';
	head += 'MIME-Version: 1.0\n';
	let text = head + ( chance( 0.4 ) ? leaf() : multipart( 1 ) );
	if ( chance( 0.5 ) ) {
		text = text.replace( /\r?\n/g, '\r\n' );
	} else if ( chance( 0.1 ) ) {
		text = text.replace( /\n/g, () => ( chance( 0.5 ) ? '\r\n' : '\n' ) );
	}
	text = chance( 0.2 ) ? text.replace( /(\r?\n)+$/, '' ) : text;
	text = chance( 0.03 ) ? text.replace( /\r?\n/g, '\r' ) : text;
	text = chance( 0.03 ) ? `From ann@example.test Mon Jan 1\n${ text }` : text;
	text = chance( 0.03 ) ? `${ text }${ 'x'.repeat( 70000 ) }` : text;
	if ( chance( 0.05 ) ) {
		text = text.replace(
			/\n--(\S+)\n/,
			'\n--$1\nContent-Type: text/plain\n--$1\n'
		);
	}
	// The 8-bit subject as UTF-8 bytes half the time, as latin1 the other half.
	return chance( 0.5 )
		? Buffer.from( text, 'utf8' )
		: Buffer.from( text, 'latin1' );
}
