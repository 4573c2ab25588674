import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';

import { parseEmailStream } from '../../sidecar/src/pipeline/parse.ts';
import {
	Base64Decoder,
	bigSections,
	renderSkeleton,
	skeletonSections,
	type StructureNode,
} from '../../sidecar/src/sources/imap-parts.ts';

describe( 'the chunked base64 decoder', () => {
	it( 'decodes any line length cut at any point', () => {
		for ( const lineLength of [ 76, 60, 73, 1 ] ) {
			const data = randomBytes( 10_000 + lineLength );
			const encoded = Buffer.from(
				data
					.toString( 'base64' )
					.replace(
						new RegExp( `.{${ lineLength }}`, 'g' ),
						'$&\r\n'
					)
			);
			const decoder = new Base64Decoder();
			const out: Buffer[] = [];
			for ( let at = 0; at < encoded.length; ) {
				const size = 1 + Math.floor( Math.random() * 997 );
				out.push( decoder.decode( encoded.subarray( at, at + size ) ) );
				at += size;
			}
			out.push( decoder.finish() );
			assert.ok(
				Buffer.concat( out ).equals( data ),
				`${ lineLength }-letter lines`
			);
		}
	} );

	it( 'decodes long runs of equal lines, CRLF or LF, cut anywhere, byte for byte', () => {
		for ( const eol of [ '\r\n', '\n' ] ) {
			const data = randomBytes( 300_000 + 7 );
			const encoded = Buffer.from(
				data.toString( 'base64' ).replace( /.{76}/g, `$&${ eol }` )
			);
			const decoder = new Base64Decoder();
			const out: Buffer[] = [];
			for ( let at = 0; at < encoded.length; ) {
				const size = 1 + Math.floor( Math.random() * 40_000 );
				out.push( decoder.decode( encoded.subarray( at, at + size ) ) );
				at += size;
			}
			out.push( decoder.finish() );
			assert.ok(
				Buffer.concat( out ).equals( data ),
				JSON.stringify( eol )
			);
		}
	} );

	it( 'drops characters that are not MIME base64 letters inside long runs of lines', () => {
		const data = randomBytes( 57 * 400 );
		const lines = data.toString( 'base64' ).match( /.{76}/g ) ?? [];
		// A space, a dot and base64url's '-' and '_' inside lines further down.
		for ( const [ line, stray ] of [
			[ 100, ' ' ],
			[ 200, '.' ],
			[ 300, '-' ],
			[ 350, '_' ],
		] as const ) {
			lines[ line ] =
				`${ lines[ line ]?.slice( 0, 30 ) }${ stray }${ lines[ line ]?.slice( 30 ) }`;
		}
		const encoded = Buffer.from( lines.join( '\r\n' ) + '\r\n' );
		const decoder = new Base64Decoder();
		const out = Buffer.concat( [
			decoder.decode( encoded.subarray( 0, 9_000 ) ),
			decoder.decode( encoded.subarray( 9_000 ) ),
			decoder.finish(),
		] );
		assert.ok( out.equals( data ) );

		// In place of a letter (lines keep their length), base64url's '-' is still not data.
		const replaced = encoded.toString( 'latin1' ).split( '\r\n' );
		replaced[ 20 ] = `-${ replaced[ 20 ]?.slice( 1 ) }`;
		const text = replaced.join( '\r\n' );
		const again = new Base64Decoder();
		assert.ok(
			Buffer.concat( [
				again.decode( Buffer.from( text, 'latin1' ) ),
				again.finish(),
			] ).equals(
				Buffer.from( text.replace( /[^A-Za-z0-9+/]/g, '' ), 'base64' )
			)
		);
	} );

	it( 'skips stray characters as mail clients do', () => {
		const decoder = new Base64Decoder();
		const out = Buffer.concat( [
			decoder.decode( Buffer.from( 'aGVs\r\nbG8g$d29y' ) ),
			decoder.decode( Buffer.from( '\r\nbGQ=\r\n' ) ),
			decoder.finish(),
		] );
		assert.equal( out.toString(), 'hello world' );
	} );
} );

describe( 'part-wise reading of a big message', () => {
	// multipart/mixed [ multipart/alternative [ text, html ], big pdf, small note,
	//                   big text file, enclosed message ]
	const structure: StructureNode = {
		type: 'multipart/mixed',
		parameters: { boundary: 'outer' },
		childNodes: [
			{
				part: '1',
				type: 'multipart/alternative',
				parameters: { boundary: 'inner' },
				childNodes: [
					{
						part: '1.1',
						type: 'text/plain',
						encoding: '7bit',
						size: 6,
					},
					{
						part: '1.2',
						type: 'text/html',
						encoding: '7bit',
						size: 13,
					},
				],
			},
			{
				part: '2',
				type: 'application/pdf',
				encoding: 'base64',
				size: 400_000,
			},
			{ part: '3', type: 'text/plain', encoding: 'base64', size: 8 },
			{
				part: '4',
				type: 'text/csv',
				encoding: 'base64',
				size: 500_000,
			},
			{
				part: '5',
				type: 'message/rfc822',
				encoding: '7bit',
				size: 300_000,
			},
		],
	};

	it( 'leaves out only big base64 attachments that are not text or enclosed mail', () => {
		assert.deepEqual( [ ...bigSections( structure ) ], [ '2' ] );
		assert.deepEqual(
			[
				...bigSections( {
					type: 'application/pdf',
					encoding: 'base64',
					size: 10_000_000,
				} ),
			],
			[],
			'a message that is one big part is read whole'
		);
	} );

	it( 'rebuilds a message the parser reads, the left-out part marked with its section', async () => {
		const big = bigSections( structure );
		assert.deepEqual( skeletonSections( structure, big ), [
			'1.MIME',
			'1.1.MIME',
			'1.1',
			'1.2.MIME',
			'1.2',
			'2.MIME',
			'3.MIME',
			'3',
			'4.MIME',
			'4',
			'5.MIME',
			'5',
		] );
		const parts = new Map< string, Buffer >(
			Object.entries( {
				'1.mime':
					'Content-Type: multipart/alternative; boundary="inner"\r\n\r\n',
				'1.1.mime': 'Content-Type: text/plain\r\n\r\n',
				'1.1': 'Hello!',
				'1.2.mime': 'Content-Type: text/html\r\n\r\n',
				'1.2': '<p>Hello!</p>',
				'2.mime':
					'Content-Type: application/pdf\r\nX-Epipe-Section: 3\r\nContent-Disposition: attachment; filename="big.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
				'3.mime':
					'Content-Type: text/plain\r\nx-epipe-section: 2\r\nContent-Disposition: attachment; filename="note.txt"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
				'3': Buffer.from( 'note' ).toString( 'base64' ),
				'4.mime':
					'Content-Type: text/csv\r\nContent-Disposition: attachment; filename="data.csv"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
				'4': Buffer.from( 'a,b\r\n1,2\r\n' ).toString( 'base64' ),
				'5.mime': 'Content-Type: message/rfc822\r\n\r\n',
				'5': 'From: a@example.test\r\nSubject: Enclosed\r\n\r\nInside\r\n',
			} ).map( ( [ k, v ] ) => [ k, Buffer.from( v ) ] )
		);
		const header = Buffer.from(
			'From: Customer <customer@example.test>\r\nTo: support@example.test\r\nSubject: Big\r\nMessage-ID: <big@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n'
		);
		const skeleton = renderSkeleton( structure, header, parts, big );
		assert.ok( skeleton !== null );
		assert.equal(
			renderSkeleton( structure, header, new Map(), big ),
			null,
			'a section missing from the answer means no skeleton'
		);

		const seen: Array< { name: string; section?: string; body: string } > =
			[];
		const { parsed } = await parseEmailStream(
			Readable.from( [ skeleton ] ),
			async ( meta, content ) => {
				const chunks: Buffer[] = [];
				for await ( const c of content ) {
					chunks.push( c as Buffer );
				}
				seen.push( {
					name: meta.filename,
					...( meta.section !== undefined
						? { section: meta.section }
						: {} ),
					body: Buffer.concat( chunks ).toString(),
				} );
				return {
					size: 0,
					status: 'seen',
					reason: null,
					blobId: null,
				};
			}
		);
		assert.equal( parsed.subject, 'Big' );
		assert.equal( parsed.text.trim(), 'Hello!' );
		assert.match( parsed.html ?? '', /<p>Hello!<\/p>/ );
		const byName = new Map( seen.map( ( s ) => [ s.name, s ] ) );
		// Only the source's own mark counts: the senders' X-Epipe-Section headers are gone.
		assert.deepEqual( byName.get( 'big.pdf' ), {
			name: 'big.pdf',
			section: '2',
			body: '',
		} );
		assert.deepEqual( byName.get( 'note.txt' ), {
			name: 'note.txt',
			body: 'note',
		} );
		assert.equal( byName.get( 'data.csv' )?.body, 'a,b\r\n1,2\r\n' );
	} );
} );
