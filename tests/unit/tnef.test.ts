/**
 * TNEF (winmail.dat) decoding: attachments, names, bodies, compressed RTF, and hostile streams
 * that must end in a TnefError (never another exception, never a hang).
 */
/* eslint-disable no-bitwise -- building binary formats is bit arithmetic */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { simpleParser } from 'mailparser';

import {
	decodeTnef,
	TnefError,
	type TnefContent,
} from '../../sidecar/src/pipeline/tnef.ts';

/*
 * ---------------------------------------------------------------------------------------------
 * A minimal TNEF *encoder*, written from MS-OXTNEF / MS-OXRTFCP for these tests only. It shares
 * no code with the decoder, so a misreading of the spec in one does not hide in the other.
 * ---------------------------------------------------------------------------------------------
 */

const LVL_MESSAGE = 1;
const LVL_ATTACHMENT = 2;
/** Full attribute tags: type in the high 16 bits, id in the low 16 bits. */
const ATT = {
	subject: 0x00018004,
	body: 0x0002800c,
	attachData: 0x0006800f,
	attachTitle: 0x00018010,
	attachRendData: 0x00069002,
	msgProps: 0x00069003,
	attachment: 0x00069005,
	tnefVersion: 0x00089006,
	oemCodepage: 0x00069007,
};
const PT = {
	null: 0x0001,
	short: 0x0002,
	long: 0x0003,
	boolean: 0x000b,
	object: 0x000d,
	string8: 0x001e,
	unicode: 0x001f,
	systime: 0x0040,
	clsid: 0x0048,
	binary: 0x0102,
	mv: 0x1000,
};
const PR = {
	subject: 0x0037,
	body: 0x1000,
	rtfCompressed: 0x1009,
	bodyHtml: 0x1013,
	displayName: 0x3001,
	attachData: 0x3701,
	attachFilename: 0x3704,
	attachMethod: 0x3705,
	longFilename: 0x3707,
	mimeTag: 0x370e,
	internetCpid: 0x3fde,
};
const PSETID_COMMON = Buffer.from( '0820060000000000c000000000000046', 'hex' );
const IID_IMESSAGE = Buffer.from( '0703020000000000c000000000000046', 'hex' );

function u16( n: number ): Buffer {
	const b = Buffer.alloc( 2 );
	b.writeUInt16LE( n );
	return b;
}

function u32( n: number ): Buffer {
	const b = Buffer.alloc( 4 );
	b.writeUInt32LE( n >>> 0 );
	return b;
}

function pad4( b: Buffer ): Buffer {
	return Buffer.concat( [ b, Buffer.alloc( ( 4 - ( b.length % 4 ) ) % 4 ) ] );
}

// level, tag, length, data, checksum (sum of the data bytes mod 65536).
function attribute( level: number, attTag: number, data: Buffer ): Buffer {
	let sum = 0;
	for ( const byte of data ) {
		sum = ( sum + byte ) % 65536;
	}
	return Buffer.concat( [
		Buffer.from( [ level ] ),
		u32( attTag ),
		u32( data.length ),
		data,
		u16( sum ),
	] );
}

// Signature, legacy key, attributes.
function tnef( ...attributes: Buffer[] ): Buffer {
	return Buffer.concat( [ u32( 0x223e9f78 ), u16( 0x0104 ), ...attributes ] );
}

function tag( type: number, id: number ): Buffer {
	return Buffer.concat( [ u16( type ), u16( id ) ] );
}

// Variable-size values: a count, then each as length + bytes padded to 4.
function values( ...list: Buffer[] ): Buffer {
	return Buffer.concat( [
		u32( list.length ),
		...list.flatMap( ( v ) => [ u32( v.length ), pad4( v ) ] ),
	] );
}

const cstr8 = ( s: string ): Buffer => Buffer.from( `${ s }\0`, 'latin1' );
const cstr16 = ( s: string ): Buffer => Buffer.from( `${ s }\0`, 'utf16le' );

const prop = {
	long: ( id: number, n: number ) =>
		Buffer.concat( [ tag( PT.long, id ), u32( n ) ] ),
	short: ( id: number, n: number ) =>
		Buffer.concat( [ tag( PT.short, id ), u16( n ), u16( 0 ) ] ),
	boolean: ( id: number, on: boolean ) =>
		Buffer.concat( [ tag( PT.boolean, id ), u16( on ? 1 : 0 ), u16( 0 ) ] ),
	systime: ( id: number ) =>
		Buffer.concat( [ tag( PT.systime, id ), Buffer.alloc( 8, 0x11 ) ] ),
	clsid: ( id: number ) =>
		Buffer.concat( [ tag( PT.clsid, id ), Buffer.alloc( 16, 0x22 ) ] ),
	string8: ( id: number, s: string ) =>
		Buffer.concat( [ tag( PT.string8, id ), values( cstr8( s ) ) ] ),
	unicode: ( id: number, s: string ) =>
		Buffer.concat( [ tag( PT.unicode, id ), values( cstr16( s ) ) ] ),
	binary: ( id: number, b: Buffer ) =>
		Buffer.concat( [ tag( PT.binary, id ), values( b ) ] ),
	object: ( id: number, iid: Buffer, b: Buffer ) =>
		Buffer.concat( [
			tag( PT.object, id ),
			values( Buffer.concat( [ iid, b ] ) ),
		] ),
	multiLong: ( id: number, ...ns: number[] ) =>
		Buffer.concat( [
			tag( PT.long | PT.mv, id ),
			u32( ns.length ),
			...ns.map( u32 ),
		] ),
	multiUnicode: ( id: number, ...ss: string[] ) =>
		Buffer.concat( [
			tag( PT.unicode | PT.mv, id ),
			values( ...ss.map( cstr16 ) ),
		] ),
	// Named by number: GUID, kind 0, id.
	namedId: ( type: number, lid: number, value: Buffer ) =>
		Buffer.concat( [
			tag( type, 0x8001 ),
			PSETID_COMMON,
			u32( 0 ),
			u32( lid ),
			value,
		] ),
	// Named by string: GUID, kind 1, UTF-16LE name padded to 4.
	namedString: ( type: number, name: string, value: Buffer ) =>
		Buffer.concat( [
			tag( type, 0x8002 ),
			PSETID_COMMON,
			u32( 1 ),
			u32( cstr16( name ).length ),
			pad4( cstr16( name ) ),
			value,
		] ),
};

// A MAPI property block: count, then the properties.
function props( ...list: Buffer[] ): Buffer {
	return Buffer.concat( [ u32( list.length ), ...list ] );
}

/** attAttachRendData: attach type 1 (file), position -1, no rendering size, no flags. */
const REND_DATA = Buffer.concat( [
	u16( 1 ),
	u32( 0xffffffff ),
	u16( 0 ),
	u16( 0 ),
	u32( 0 ),
] );

function attachmentAttributes( a: {
	title?: string;
	data?: Buffer;
	props?: Buffer;
} ): Buffer[] {
	const list = [ attribute( LVL_ATTACHMENT, ATT.attachRendData, REND_DATA ) ];
	if ( a.title !== undefined ) {
		list.push(
			attribute( LVL_ATTACHMENT, ATT.attachTitle, cstr8( a.title ) )
		);
	}
	if ( a.data !== undefined ) {
		list.push( attribute( LVL_ATTACHMENT, ATT.attachData, a.data ) );
	}
	if ( a.props !== undefined ) {
		list.push( attribute( LVL_ATTACHMENT, ATT.attachment, a.props ) );
	}
	return list;
}

// CRC-32 as MS-OXRTFCP defines it: the usual table, start 0, no final inversion.
function rtfCrc( data: Buffer ): number {
	let crc = 0;
	for ( const byte of data ) {
		let c = ( crc ^ byte ) & 0xff;
		for ( let k = 0; k < 8; k++ ) {
			c = c & 1 ? 0xedb88320 ^ ( c >>> 1 ) : c >>> 1;
		}
		crc = ( c ^ ( crc >>> 8 ) ) >>> 0;
	}
	return crc;
}

/**
 * Packs hand-chosen LZFu tokens (MS-OXRTFCP): a string is literal bytes, a pair is a
 * reference [ dictionary offset, length 2..17 ]. Eight tokens per control byte, low bit first;
 * the end marker is a reference to the current write position.
 *
 * @param tokens  The compressed stream, token by token.
 * @param rawSize Size of the decompressed RTF.
 */
function lzfu(
	tokens: Array< string | [ number, number ] >,
	rawSize: number
): Buffer {
	const items: Array< { ref: boolean; bytes: Buffer } > = [];
	let written = 0;
	for ( const token of tokens ) {
		if ( typeof token === 'string' ) {
			for ( const byte of Buffer.from( token, 'latin1' ) ) {
				items.push( { ref: false, bytes: Buffer.from( [ byte ] ) } );
			}
			written += token.length;
		} else {
			const ref = ( token[ 0 ] << 4 ) | ( token[ 1 ] - 2 );
			items.push( {
				ref: true,
				bytes: Buffer.from( [ ref >> 8, ref & 0xff ] ),
			} );
			written += token[ 1 ];
		}
	}
	const end = ( ( 207 + written ) % 4096 ) << 4;
	items.push( { ref: true, bytes: Buffer.from( [ end >> 8, end & 0xff ] ) } );
	const body: Buffer[] = [];
	for ( let i = 0; i < items.length; i += 8 ) {
		const run = items.slice( i, i + 8 );
		body.push(
			Buffer.from( [
				run.reduce(
					( f, item, bit ) => f | ( item.ref ? 1 << bit : 0 ),
					0
				),
			] ),
			...run.map( ( item ) => item.bytes )
		);
	}
	const data = Buffer.concat( body );
	return Buffer.concat( [
		u32( data.length + 12 ),
		u32( rawSize ),
		Buffer.from( 'LZFu', 'latin1' ),
		u32( rtfCrc( data ) ),
		data,
	] );
}

// An uncompressed ("MELA") PR_RTF_COMPRESSED value.
function mela( rtf: string ): Buffer {
	const data = Buffer.from( rtf, 'latin1' );
	return Buffer.concat( [
		u32( data.length + 12 ),
		u32( data.length ),
		Buffer.from( 'MELA', 'latin1' ),
		u32( 0 ),
		data,
	] );
}

function withRtf( value: Buffer ): Buffer {
	return tnef(
		attribute(
			LVL_MESSAGE,
			ATT.msgProps,
			props( prop.binary( PR.rtfCompressed, value ) )
		)
	);
}

/* ------------------------------------------- Tests ------------------------------------------- */

const PDF = Buffer.from( '%PDF-1.4\n% fake invoice\n%%EOF\n', 'latin1' );
const XLSX = Buffer.concat( [
	Buffer.from( 'PK\x03\x04', 'latin1' ),
	Buffer.alloc( 41, 7 ),
] );

function assertTnefError(
	data: Buffer,
	limits?: { maxAttachments?: number; maxBytes?: number }
) {
	assert.throws(
		() => decodeTnef( data, limits ),
		( error: unknown ) => {
			assert.ok(
				error instanceof TnefError,
				`expected TnefError, got ${ String( error ) }`
			);
			assert.equal( error.code, 'tnef_invalid' );
			return true;
		}
	);
}

describe( 'decodeTnef: attachments', () => {
	it( 'reads two attachments named by their short titles', () => {
		const result = decodeTnef(
			tnef(
				attribute( LVL_MESSAGE, ATT.tnefVersion, u32( 0x00010000 ) ),
				...attachmentAttributes( { title: 'INVOICE.PDF', data: PDF } ),
				...attachmentAttributes( { title: 'SHEET.XLS', data: XLSX } )
			)
		);
		assert.deepEqual(
			result.attachments.map( ( a ) => [ a.filename, a.contentType ] ),
			[
				[ 'INVOICE.PDF', 'application/octet-stream' ],
				[ 'SHEET.XLS', 'application/octet-stream' ],
			]
		);
		assert.deepEqual( result.attachments[ 0 ]?.data, PDF );
		assert.deepEqual( result.attachments[ 1 ]?.data, XLSX );
		assert.equal( result.text, '' );
		assert.equal( result.html, null );
		assert.equal( result.subject, null );
	} );

	it( 'prefers the long file name and MIME tag of attAttachment over the 8.3 title', () => {
		const result = decodeTnef(
			tnef(
				...attachmentAttributes( {
					title: 'QUARTE~1.PDF',
					data: PDF,
					props: props(
						prop.long( PR.attachMethod, 1 ),
						prop.string8( PR.attachFilename, 'QUARTE~1.PDF' ),
						prop.string8(
							PR.longFilename,
							'Quarterly report 2024.pdf'
						),
						prop.string8( PR.mimeTag, 'Application/PDF' )
					),
				} )
			)
		);
		assert.equal( result.attachments.length, 1 );
		assert.equal(
			result.attachments[ 0 ]?.filename,
			'Quarterly report 2024.pdf'
		);
		assert.equal( result.attachments[ 0 ]?.contentType, 'application/pdf' );
	} );

	it( 'decodes PT_UNICODE names past named, fixed-size and multi-valued properties', () => {
		const result = decodeTnef(
			tnef(
				...attachmentAttributes( {
					title: 'ANGEBO~1.PDF',
					data: PDF,
					props: props(
						prop.short( 0x0e21, 3 ),
						prop.boolean( 0x7ffe, true ),
						prop.systime( 0x3007 ),
						prop.clsid( 0x3702 ),
						prop.namedId( PT.long, 0x8554, u32( 5 ) ),
						prop.namedString(
							PT.unicode,
							'X-Odd-Länge',
							values( cstr16( 'wert' ) )
						),
						prop.multiLong( 0x7001, 1, 2, 3 ),
						prop.multiUnicode( 0x7002, 'a', 'bc', 'def' ),
						Buffer.concat( [ tag( PT.null, 0x7003 ) ] ),
						prop.unicode( PR.displayName, 'Angebot (Anzeige)' ),
						prop.unicode( PR.longFilename, 'Angebot Müller.pdf' ),
						prop.unicode( PR.mimeTag, 'application/pdf' )
					),
				} )
			)
		);
		assert.equal( result.attachments[ 0 ]?.filename, 'Angebot Müller.pdf' );
		assert.equal( result.attachments[ 0 ]?.contentType, 'application/pdf' );
	} );

	it( 'falls back to PR_DISPLAY_NAME, then the title, then a numbered name', () => {
		const result = decodeTnef(
			tnef(
				...attachmentAttributes( {
					title: 'ZPRAVA~1.TXT',
					data: Buffer.from( 'a' ),
					props: props(
						prop.unicode( PR.displayName, 'Zpráva pro Žofii.txt' )
					),
				} ),
				...attachmentAttributes( {
					title: 'PLAIN.TXT',
					data: Buffer.from( 'b' ),
				} ),
				...attachmentAttributes( { data: Buffer.from( 'c' ) } )
			)
		);
		assert.deepEqual(
			result.attachments.map( ( a ) => a.filename ),
			[ 'Zpráva pro Žofii.txt', 'PLAIN.TXT', 'attachment-3' ]
		);
	} );

	it( 'cuts names at the first NUL and refuses a MIME tag that is not a type', () => {
		const result = decodeTnef(
			tnef(
				...attachmentAttributes( {
					data: PDF,
					props: props(
						prop.unicode( PR.longFilename, 'run.exe\0.pdf' ),
						prop.string8( PR.mimeTag, 'text/html\r\nX-Evil: 1' )
					),
				} )
			)
		);
		assert.equal( result.attachments[ 0 ]?.filename, 'run.exe' );
		assert.equal(
			result.attachments[ 0 ]?.contentType,
			'application/octet-stream'
		);
	} );

	it( 'decodes 8-bit names in the declared code page, windows-1252 without one', () => {
		const title = Buffer.from( [
			...Buffer.from( 'P' ),
			0xf8,
			...Buffer.from( 'IL.PDF\0' ),
		] );
		const withTitle = ( ...head: Buffer[] ) =>
			tnef(
				...head,
				attribute( LVL_ATTACHMENT, ATT.attachRendData, REND_DATA ),
				attribute( LVL_ATTACHMENT, ATT.attachTitle, title ),
				attribute( LVL_ATTACHMENT, ATT.attachData, PDF )
			);
		const czech = decodeTnef(
			withTitle(
				attribute(
					LVL_MESSAGE,
					ATT.oemCodepage,
					Buffer.concat( [ u32( 1250 ), u32( 0 ) ] )
				)
			)
		);
		assert.equal( czech.attachments[ 0 ]?.filename, 'PřIL.PDF' );
		assert.equal(
			decodeTnef( withTitle() ).attachments[ 0 ]?.filename,
			'PøIL.PDF'
		);
	} );

	it( 'uses PR_ATTACH_DATA_BIN when there is no attAttachData', () => {
		const result = decodeTnef(
			tnef(
				...attachmentAttributes( {
					props: props(
						prop.unicode( PR.longFilename, 'data.bin' ),
						prop.binary( PR.attachData, XLSX )
					),
				} )
			)
		);
		assert.deepEqual( result.attachments[ 0 ]?.data, XLSX );
	} );

	it( 'keeps an embedded message whole, named after its display name with .dat', () => {
		const inner = tnef(
			attribute( LVL_MESSAGE, ATT.subject, cstr8( 'Inner' ) )
		);
		const result = decodeTnef(
			tnef(
				...attachmentAttributes( {
					props: props(
						prop.long( PR.attachMethod, 5 ),
						prop.unicode( PR.displayName, 'RE: Termín schůzky' ),
						prop.object( PR.attachData, IID_IMESSAGE, inner )
					),
				} )
			)
		);
		assert.deepEqual(
			result.attachments.map( ( a ) => [ a.filename, a.contentType ] ),
			[ [ 'RE: Termín schůzky.dat', 'application/ms-tnef' ] ]
		);
		assert.deepEqual( result.attachments[ 0 ]?.data, inner );
	} );

	it( 'skips attachments without data and returns copies of the bytes', () => {
		const stream = tnef(
			...attachmentAttributes( { title: 'EMPTY.TXT' } ),
			...attachmentAttributes( {
				title: 'A.TXT',
				data: Buffer.from( 'abc' ),
			} )
		);
		const result = decodeTnef( stream );
		assert.equal( result.attachments.length, 1 );
		const data = result.attachments[ 0 ]?.data as Buffer;
		data.fill( 0 );
		assert.ok(
			stream.includes( Buffer.from( 'abc' ) ),
			'the input must not be modified'
		);
	} );

	it( 'accepts a wrong checksum and a plain Uint8Array', () => {
		const stream = tnef(
			...attachmentAttributes( {
				title: 'A.TXT',
				data: Buffer.from( 'abc' ),
			} )
		);
		stream.writeUInt16LE( 0xbeef, stream.length - 2 );
		const bytes = new Uint8Array( stream );
		assert.equal(
			decodeTnef( bytes as Buffer ).attachments[ 0 ]?.filename,
			'A.TXT'
		);
	} );

	it( 'keeps the properties before one of a type it cannot size', () => {
		const result = decodeTnef(
			tnef(
				...attachmentAttributes( {
					data: PDF,
					props: Buffer.concat( [
						u32( 3 ),
						prop.unicode( PR.longFilename, 'kept.pdf' ),
						tag( 0x00fd, 0x7005 ), // PT_SRESTRICTION
						Buffer.alloc( 16, 0x55 ),
					] ),
				} )
			)
		);
		assert.equal( result.attachments[ 0 ]?.filename, 'kept.pdf' );
	} );
} );

describe( 'decodeTnef: message bodies and subject', () => {
	it( 'reads the text body from attBody and the subject from attSubject', () => {
		const result = decodeTnef(
			tnef(
				attribute(
					LVL_MESSAGE,
					ATT.oemCodepage,
					Buffer.concat( [ u32( 1250 ), u32( 0 ) ] )
				),
				attribute(
					LVL_MESSAGE,
					ATT.subject,
					Buffer.from( [
						...Buffer.from( 'Faktura \xe8. 118', 'latin1' ),
						0,
					] )
				),
				attribute(
					LVL_MESSAGE,
					ATT.body,
					Buffer.from(
						'Dobr\xfd den,\r\nv p\xf8\xedloze.\0garbage',
						'latin1'
					)
				)
			)
		);
		assert.equal( result.subject, 'Faktura č. 118' );
		assert.equal( result.text, 'Dobrý den,\r\nv příloze.' );
		assert.equal( result.html, null );
	} );

	it( 'reads the HTML body (PR_HTML, binary) and PR_BODY / PR_SUBJECT from attMsgProps', () => {
		const html = '<html><body><p>Grüße – €</p></body></html>';
		const result = decodeTnef(
			tnef(
				attribute(
					LVL_MESSAGE,
					ATT.subject,
					cstr8( 'legacy subject' )
				),
				attribute(
					LVL_MESSAGE,
					ATT.msgProps,
					props(
						prop.boolean( 0x0002, true ),
						prop.long( 0x0017, 1 ),
						prop.unicode( PR.subject, 'Grüße aus Köln' ),
						prop.unicode( PR.body, 'Grüße – €\r\n' ),
						prop.long( PR.internetCpid, 65001 ),
						prop.binary( PR.bodyHtml, Buffer.from( html ) )
					)
				)
			)
		);
		assert.equal( result.subject, 'Grüße aus Köln' );
		assert.equal( result.text, 'Grüße – €\r\n' );
		assert.equal( result.html, html );
	} );

	it( 'reads PR_BODY_HTML as a string and sniffs UTF-8 in PR_HTML without a code page', () => {
		const asString = decodeTnef(
			tnef(
				attribute(
					LVL_MESSAGE,
					ATT.msgProps,
					props( prop.unicode( PR.bodyHtml, '<p>Žluťoučký kůň</p>' ) )
				)
			)
		);
		assert.equal( asString.html, '<p>Žluťoučký kůň</p>' );
		const sniffed = ( bytes: Buffer ) =>
			decodeTnef(
				tnef(
					attribute(
						LVL_MESSAGE,
						ATT.msgProps,
						props( prop.binary( PR.bodyHtml, bytes ) )
					)
				)
			).html;
		assert.equal( sniffed( Buffer.from( '<p>café</p>' ) ), '<p>café</p>' );
		assert.equal(
			sniffed( Buffer.from( '<p>caf\xe9 \x80</p>', 'latin1' ) ),
			'<p>café €</p>'
		);
	} );

	it( 'decompresses the MS-OXRTFCP known-answer streams (CRCs checked here too)', () => {
		// The two worked examples in MS-OXRTFCP; rtfCrc agreeing with their CRC
		// fields shows that the bytes were copied correctly.
		const hello = Buffer.from(
			'2d0000002b0000004c5a4675f1c5c7a703000a007263706731323542320af32068656c0900206277' +
				'05b06c647d0a800fa0',
			'hex'
		);
		const wxyz = Buffer.from(
			'1a0000001c0000004c5a4675e2d44b51410004205758595a0d6e7d010eb0',
			'hex'
		);
		for ( const sample of [ hello, wxyz ] ) {
			assert.equal(
				rtfCrc( sample.subarray( 16 ) ),
				sample.readUInt32LE( 12 )
			);
		}
		assert.equal( decodeTnef( withRtf( hello ) ).text, 'hello world' );
		assert.equal(
			decodeTnef( withRtf( wxyz ) ).text,
			'WXYZWXYZWXYZWXYZWXYZ'
		);
	} );

	it( 'extracts HTML encapsulated in compressed RTF (\\fromhtml1)', () => {
		const rtf =
			'{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 \\deff0{\\fonttbl{\\f0\\fswiss Arial;}}\r\n' +
			'{\\*\\htmltag19 <html>}{\\*\\htmltag34 <body>}\r\n' +
			"{\\*\\htmltag64 <p>}\\htmlrtf {\\htmlrtf0 Caf\\'e9 \\u8364?{\\*\\htmltag84 &amp;} Co" +
			'\\htmlrtf\\par\\htmlrtf0}\\htmlrtf0 \r\n' +
			'{\\*\\htmltag72 </p>}{\\*\\mhtmltag72 </P>}{\\*\\htmltag42 </body>}{\\*\\htmltag27 </html>}}';
		const prefix = '{\\rtf1\\ansi';
		const second = rtf.indexOf( '{\\*\\htmltag34' );
		const first = rtf.indexOf( '{\\*\\htmltag' );
		// Token by token: "{\rtf1\ansi" from the initial dictionary (offset 0), literals up to
		// the second "{\*\htmltag", which is copied from where the first one was written
		// (207 + its position in the output), then literals to the end.
		const compressed = lzfu(
			[
				[ 0, prefix.length ],
				rtf.slice( prefix.length, second ),
				[ 207 + first, '{\\*\\htmltag'.length ],
				rtf.slice( second + '{\\*\\htmltag'.length ),
			],
			rtf.length
		);
		const result = decodeTnef( withRtf( compressed ) );
		assert.equal(
			result.html,
			'<html><body><p>Café €&amp; Co</p></body></html>'
		);
		assert.equal( result.text, '' );
	} );

	it( 'reads text from uncompressed (MELA) RTF and strips control words', () => {
		const result = decodeTnef(
			withRtf(
				mela(
					'{\\rtf1\\ansi\\ansicpg1250\\deff0{\\fonttbl{\\f0\\fswiss\\fcharset238 Calibri;}}' +
						'{\\*\\generator Riched20 10.0}\\viewkind4\\uc1\\pard\\f0\\fs22 ' +
						"Dobr\\'fd den,\\par v p\\'f8\\'edloze \\u8364\\'80 a \\{z\\'e1vorky\\}.\\par}"
				)
			)
		);
		assert.equal( result.text, 'Dobrý den,\nv příloze € a {závorky}.\n' );
		assert.equal( result.html, null );
	} );

	it( 'handles \\bin data, \\ucN fallbacks and a double-byte code page in RTF', () => {
		const result = decodeTnef(
			withRtf(
				mela(
					"{\\rtf1\\ansi\\ansicpg932 \\'93\\'fa\\'96\\'7b \\uc2\\u8364\\'80\\'80 x" +
						'{\\*\\foo skip}{\\pict\\bin5 }{}{ }y}'
				)
			)
		);
		assert.equal( result.text, '日本 € xy' );
	} );

	it( 'prefers PR_BODY and PR_HTML over the RTF body', () => {
		const result = decodeTnef(
			tnef(
				attribute(
					LVL_MESSAGE,
					ATT.msgProps,
					props(
						prop.unicode( PR.body, 'plain' ),
						prop.binary(
							PR.bodyHtml,
							Buffer.from( '<p>html</p>' )
						),
						prop.binary(
							PR.rtfCompressed,
							Buffer.from( 'not even RTF' )
						)
					)
				)
			)
		);
		assert.equal( result.text, 'plain' );
		assert.equal( result.html, '<p>html</p>' );
	} );
} );

describe( 'decodeTnef: hostile streams', () => {
	const valid = tnef(
		attribute( LVL_MESSAGE, ATT.subject, cstr8( 'Subject' ) ),
		...attachmentAttributes( { title: 'A.PDF', data: PDF } ),
		...attachmentAttributes( {
			title: 'B.XLS',
			data: XLSX,
			props: props(
				prop.unicode( PR.longFilename, 'Angebot Müller.xlsx' )
			),
		} )
	);

	it( 'refuses a wrong signature, an empty stream and non-bytes', () => {
		const wrong = Buffer.from( valid );
		wrong.writeUInt32LE( 0x223e9f79, 0 );
		assertTnefError( wrong );
		assertTnefError( Buffer.alloc( 0 ) );
		assertTnefError( Buffer.from( [ 0x78, 0x9f, 0x3e ] ) );
		assertTnefError( 'winmail.dat' as unknown as Buffer );
	} );

	it( 'refuses every truncation that does not end on an attribute boundary', () => {
		const boundaries = new Set< number >( [ 6 ] );
		for ( let at = 6; at < valid.length; ) {
			at += 9 + valid.readUInt32LE( at + 5 ) + 2;
			boundaries.add( at );
		}
		for ( let cut = 0; cut < valid.length; cut++ ) {
			const part = valid.subarray( 0, cut );
			if ( boundaries.has( cut ) ) {
				assert.doesNotThrow( () => decodeTnef( part ) );
			} else {
				assertTnefError( part );
			}
		}
	} );

	it( 'refuses lengths and counts that point past the end', () => {
		const attributeLength = tnef(
			attribute( LVL_MESSAGE, ATT.body, Buffer.from( 'hello' ) )
		);
		attributeLength.writeUInt32LE( 0xffffffff, 6 + 5 );
		assertTnefError( attributeLength );

		const inBlock = ( block: Buffer ) =>
			tnef( ...attachmentAttributes( { data: PDF, props: block } ) );
		// Value length past the block.
		assertTnefError(
			inBlock(
				Buffer.concat( [
					u32( 1 ),
					tag( PT.binary, 0x3701 ),
					u32( 1 ),
					u32( 1000 ),
					u32( 0 ),
				] )
			)
		);
		// Property count far above what the block can hold.
		assertTnefError( inBlock( u32( 0x7fffffff ) ) );
		// Value count far above what the block can hold.
		assertTnefError(
			inBlock(
				Buffer.concat( [
					u32( 1 ),
					tag( PT.unicode, 0x3707 ),
					u32( 0xffffffff ),
				] )
			)
		);
		// Multi-valued fixed-size values past the block.
		assertTnefError(
			inBlock(
				Buffer.concat( [
					u32( 1 ),
					tag( PT.clsid | PT.mv, 0x7000 ),
					u32( 0x10000000 ),
				] )
			)
		);
		// Named property name past the block, and an unknown name kind.
		assertTnefError(
			inBlock(
				Buffer.concat( [
					u32( 1 ),
					tag( PT.long, 0x8000 ),
					PSETID_COMMON,
					u32( 1 ),
					u32( 5000 ),
				] )
			)
		);
		assertTnefError(
			inBlock(
				Buffer.concat( [
					u32( 1 ),
					tag( PT.long, 0x8000 ),
					PSETID_COMMON,
					u32( 7 ),
					u32( 0 ),
					u32( 0 ),
				] )
			)
		);
		// An object too short for its interface id.
		assertTnefError(
			tnef(
				...attachmentAttributes( {
					props: props(
						Buffer.concat( [
							tag( PT.object, PR.attachData ),
							values( Buffer.alloc( 8 ) ),
						] )
					),
				} )
			)
		);
		// Compressed RTF whose size field points past the property.
		const rtf = mela( '{\\rtf1 x}' );
		rtf.writeUInt32LE( 5000, 0 );
		assertTnefError( withRtf( rtf ) );
		// An unknown RTF compression and a header that is too short.
		const unknown = mela( '{\\rtf1 x}' );
		unknown.write( 'ZIP!', 8, 'latin1' );
		assertTnefError( withRtf( unknown ) );
		assertTnefError( withRtf( Buffer.alloc( 10 ) ) );
		// An attribute level that does not exist.
		const level = Buffer.from( valid );
		level[ 6 ] = 3;
		assertTnefError( level );
	} );

	it( 'enforces the attachment count limit (default 100)', () => {
		const many = ( n: number ) =>
			tnef(
				...Array.from( { length: n }, ( _, i ) =>
					attachmentAttributes( {
						title: `F${ i }.TXT`,
						data: Buffer.from( 'x' ),
					} )
				).flat()
			);
		assert.equal( decodeTnef( many( 100 ) ).attachments.length, 100 );
		assertTnefError( many( 101 ) );
		assert.equal(
			decodeTnef( many( 3 ), { maxAttachments: 3 } ).attachments.length,
			3
		);
		assertTnefError( many( 3 ), { maxAttachments: 2 } );
		assertTnefError( valid, { maxAttachments: 0 } );
	} );

	it( 'enforces the byte limit on attachments, bodies and decompressed RTF', () => {
		const size = PDF.length + XLSX.length;
		assert.equal(
			decodeTnef( valid, { maxBytes: size + 7 } ).attachments.length,
			2
		);
		assertTnefError( valid, { maxBytes: size - 1 } );
		const body = tnef(
			attribute( LVL_MESSAGE, ATT.body, Buffer.alloc( 2000, 0x61 ) )
		);
		assertTnefError( body, { maxBytes: 1000 } );
		// An RTF header claiming 1 GB is refused before anything is allocated for it.
		const huge = mela( '{\\rtf1 x}' );
		huge.writeUInt32LE( 1024 * 1024 * 1024, 4 );
		assertTnefError( withRtf( huge ) );
		// Within the limit, decompression stops at the claimed size and at the input's end.
		huge.writeUInt32LE( 3, 4 );
		assert.equal( decodeTnef( withRtf( huge ) ).text, '' );
	} );

	it( 'bounds the number of attributes', () => {
		const empty = attribute( LVL_MESSAGE, 0x00010001, Buffer.alloc( 0 ) );
		assert.doesNotThrow( () =>
			decodeTnef( tnef( ...Array< Buffer >( 5_000 ).fill( empty ) ) )
		);
		assertTnefError( tnef( ...Array< Buffer >( 20_000 ).fill( empty ) ) );
	} );

	it( 'refuses RTF nested deeper than any real document', () => {
		assertTnefError(
			withRtf( mela( `{\\rtf1 ${ '{'.repeat( 5_000 ) }x}` ) )
		);
	} );

	it( 'survives 2,000 random mutations with nothing but TnefError, quickly', () => {
		const rich = tnef(
			attribute( LVL_MESSAGE, ATT.tnefVersion, u32( 0x00010000 ) ),
			attribute(
				LVL_MESSAGE,
				ATT.oemCodepage,
				Buffer.concat( [ u32( 1250 ), u32( 0 ) ] )
			),
			attribute( LVL_MESSAGE, ATT.subject, cstr8( 'Faktura' ) ),
			attribute(
				LVL_MESSAGE,
				ATT.msgProps,
				props(
					prop.unicode( PR.subject, 'Faktura 2024' ),
					prop.namedString( PT.long, 'Name', u32( 1 ) ),
					prop.multiUnicode( 0x7002, 'a', 'bc' ),
					prop.binary( PR.bodyHtml, Buffer.from( '<p>x</p>' ) ),
					prop.binary(
						PR.rtfCompressed,
						lzfu(
							[
								[ 0, 11 ],
								" \\fromhtml1 {\\*\\htmltag <p>}caf\\'e9\\u8364?}",
							],
							50
						)
					)
				)
			),
			...attachmentAttributes( {
				title: 'A.PDF',
				data: PDF,
				props: props(
					prop.long( PR.attachMethod, 1 ),
					prop.unicode( PR.longFilename, 'Angebot Müller.pdf' ),
					prop.string8( PR.mimeTag, 'application/pdf' )
				),
			} ),
			...attachmentAttributes( {
				props: props(
					prop.long( PR.attachMethod, 5 ),
					prop.unicode( PR.displayName, 'Embedded' ),
					prop.object( PR.attachData, IID_IMESSAGE, tnef() )
				),
			} )
		);
		assert.equal( decodeTnef( rich ).attachments.length, 2 );

		// A small deterministic PRNG (mulberry32), so a failure can be replayed.
		let seed = 0x5eed;
		const random = (): number => {
			seed = ( seed + 0x6d2b79f5 ) | 0;
			let t = Math.imul( seed ^ ( seed >>> 15 ), 1 | seed );
			t = ( t + Math.imul( t ^ ( t >>> 7 ), 61 | t ) ) ^ t;
			return ( ( t ^ ( t >>> 14 ) ) >>> 0 ) / 4294967296;
		};
		const below = ( n: number ): number => Math.floor( random() * n );
		const interesting = [ 0, 1, 0xff, 0x7f, 0x80 ];
		const interesting32 = [
			0, 1, 3, 0xffffffff, 0x7fffffff, 0x80000000, 0x10000,
		];

		const started = performance.now();
		let decoded = 0;
		for ( let round = 0; round < 2_000; round++ ) {
			let sample = Buffer.from( rich );
			const mutations = 1 + below( 4 );
			for ( let m = 0; m < mutations; m++ ) {
				const at = below( sample.length );
				switch ( below( 6 ) ) {
					case 0:
						sample[ at ] = below( 256 );
						break;
					case 1:
						sample[ at ] = interesting[
							below( interesting.length )
						] as number;
						break;
					case 2:
						if ( at + 4 <= sample.length ) {
							sample.writeUInt32LE(
								interesting32[
									below( interesting32.length )
								] as number,
								at
							);
						}
						break;
					case 3:
						sample = sample.subarray( 0, at );
						break;
					case 4:
						sample = Buffer.concat( [
							sample.subarray( 0, at ),
							Buffer.from(
								Array.from( { length: 1 + below( 8 ) }, () =>
									below( 256 )
								)
							),
							sample.subarray( at ),
						] );
						break;
					default:
						sample = Buffer.concat( [
							sample.subarray( 0, at ),
							sample.subarray( at + 1 + below( 8 ) ),
						] );
				}
			}
			let result: TnefContent;
			try {
				result = decodeTnef( sample );
			} catch ( error ) {
				assert.ok(
					error instanceof TnefError,
					`round ${ round }: ${ String( error ) }\n${ sample.toString( 'hex' ) }`
				);
				continue;
			}
			decoded++;
			assert.ok( Array.isArray( result.attachments ) );
			assert.equal( typeof result.text, 'string' );
			for ( const a of result.attachments ) {
				assert.ok( Buffer.isBuffer( a.data ) );
				assert.ok( ! a.filename.includes( '\0' ) );
			}
		}
		const elapsed = performance.now() - started;
		assert.ok(
			decoded > 0,
			'some mutations (checksums, payload bytes) still decode'
		);
		assert.ok(
			elapsed < 5_000,
			`2,000 decodes took ${ Math.round( elapsed ) } ms`
		);
	} );
} );

describe( 'decodeTnef: fixture winmail.eml', () => {
	it( 'finds the invoice and the spreadsheet in the Outlook email', async () => {
		const raw = readFileSync(
			new URL( '../fixtures/eml/winmail.eml', import.meta.url )
		);
		const mail = await simpleParser( raw );
		assert.equal( mail.subject, 'Faktura 2024-118' );
		assert.equal(
			mail.text?.trim(),
			'Dobrý den, v příloze posílám fakturu.'
		);
		const winmail = mail.attachments.find(
			( a ) => a.contentType === 'application/ms-tnef'
		);
		assert.ok( winmail, 'winmail.dat attachment' );
		assert.equal( winmail.filename, 'winmail.dat' );

		const content = decodeTnef( winmail.content );
		assert.equal( content.subject, 'Faktura 2024-118' );
		assert.match( content.text, /^Dobrý den, v příloze posílám fakturu\./ );
		assert.deepEqual(
			content.attachments.map( ( a ) => [
				a.filename,
				a.contentType,
				a.data.length,
			] ),
			[
				[ 'Faktura 2024-118.pdf', 'application/pdf', 617 ],
				[
					'rozpis.xlsx',
					'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
					314,
				],
			]
		);
		assert.equal(
			content.attachments[ 0 ]?.data
				.subarray( 0, 8 )
				.toString( 'latin1' ),
			'%PDF-1.4'
		);
		assert.deepEqual(
			content.attachments[ 1 ]?.data.subarray( 0, 4 ),
			Buffer.from( [ 0x50, 0x4b, 0x03, 0x04 ] )
		);
	} );
} );
