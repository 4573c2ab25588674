/**
 * Part-wise reading of big IMAP messages. The server has already parsed the MIME structure
 * (BODYSTRUCTURE), so a message with big attachments is read as a "skeleton" — its headers and
 * every part except the big attachments' bodies, rebuilt into a small MIME message the parser
 * reads as usual — while each big attachment is fetched on its own in chunks and decoded in
 * native code (the server's BINARY, or Node's base64) on its way to storage. The big bytes never
 * pass through the parser, which decodes base64 an order of magnitude slower.
 *
 * Pure functions; the IMAP conversation is in imap.ts.
 */
/** The shape of imapflow's BODYSTRUCTURE node that is used here. */
export interface StructureNode {
	readonly part?: string | undefined;
	readonly type: string;
	readonly parameters?: Readonly< Record< string, string > > | undefined;
	readonly encoding?: string | undefined;
	readonly size?: number | undefined;
	readonly childNodes?: readonly StructureNode[] | undefined;
}

/** Attachments at least this big (encoded) are left out of the skeleton and fetched alone. */
export const BIG_PART_BYTES = 256 * 1024;

/**
 * The sections worth leaving out: base64 leaves that the parser treats as attachments whatever
 * their headers say (not text, not an enclosed message), of at least BIG_PART_BYTES. Empty when
 * the message is not multipart (its only part is the message itself).
 *
 * @param root The message's structure.
 */
export function bigSections( root: StructureNode ): Set< string > {
	const big = new Set< string >();
	if ( ! root.type.startsWith( 'multipart/' ) ) {
		return big;
	}
	const walk = ( node: StructureNode ): void => {
		if ( node.type.startsWith( 'multipart/' ) ) {
			node.childNodes?.forEach( walk );
			return;
		}
		if (
			node.part !== undefined &&
			( node.encoding ?? '' ).toLowerCase() === 'base64' &&
			( node.size ?? 0 ) >= BIG_PART_BYTES &&
			! node.type.startsWith( 'text/' ) &&
			! node.type.startsWith( 'message/' )
		) {
			big.add( node.part );
		}
	};
	walk( root );
	return big;
}

/**
 * The sections to fetch to rebuild the skeleton: every part's MIME headers, and the body of
 * every leaf that is not left out (an enclosed message counts as a leaf: its body holds it whole).
 *
 * @param root The message's structure (multipart).
 * @param big  Sections left out.
 */
export function skeletonSections(
	root: StructureNode,
	big: ReadonlySet< string >
): string[] {
	const sections: string[] = [];
	const walk = ( node: StructureNode ): void => {
		if ( node.part !== undefined ) {
			sections.push( `${ node.part }.MIME` );
		}
		if ( node.type.startsWith( 'multipart/' ) ) {
			node.childNodes?.forEach( walk );
			return;
		}
		if ( node.part !== undefined && ! big.has( node.part ) ) {
			sections.push( node.part );
		}
	};
	walk( root );
	return sections;
}

/**
 * Drops any X-Epipe-Section header a sender put in an email: only the source's own marks count.
 *
 * @param head A header block.
 */
function withoutSectionHeaders( head: Buffer ): Buffer {
	const text = head.toString( 'latin1' );
	return /^x-epipe-section:/im.test( text )
		? Buffer.from(
				text.replace(
					/^x-epipe-section:.*\r?\n(?:[ \t].*\r?\n)*/gim,
					''
				),
				'latin1'
			)
		: head;
}

/**
 * Rebuilds the message without the left-out bodies. Each left-out part keeps its own headers,
 * preceded by `X-Epipe-Section: <section>` so the attachment can be matched to its content.
 *
 * @param root   The message's structure (multipart).
 * @param header The message header (BODY[HEADER], ending with its blank line).
 * @param parts  Fetched sections by lower-case name ("1.mime", "2"), as imapflow returns them.
 * @param big    Sections left out.
 * @return The skeleton, or null when a section is missing from the answer.
 */
export function renderSkeleton(
	root: StructureNode,
	header: Buffer,
	parts: ReadonlyMap< string, Buffer >,
	big: ReadonlySet< string >
): Buffer | null {
	const out: Buffer[] = [];
	const CRLF = Buffer.from( '\r\n' );
	const render = ( node: StructureNode ): boolean => {
		const head =
			node.part === undefined
				? header
				: parts.get( `${ node.part }.mime` );
		if ( head === undefined ) {
			return false;
		}
		if ( node.part !== undefined && big.has( node.part ) ) {
			out.push( Buffer.from( `X-Epipe-Section: ${ node.part }\r\n` ) );
		}
		out.push( withoutSectionHeaders( head ) );
		if ( node.type.startsWith( 'multipart/' ) ) {
			const boundary = node.parameters?.[ 'boundary' ];
			if ( boundary === undefined ) {
				return false;
			}
			for ( const child of node.childNodes ?? [] ) {
				out.push( Buffer.from( `--${ boundary }\r\n` ) );
				if ( ! render( child ) ) {
					return false;
				}
				out.push( CRLF );
			}
			out.push( Buffer.from( `--${ boundary }--\r\n` ) );
			return true;
		}
		if ( node.part !== undefined && big.has( node.part ) ) {
			return true;
		}
		const body = parts.get( node.part ?? '' );
		if ( body === undefined ) {
			return false;
		}
		out.push( body );
		return true;
	};
	return render( root ) ? Buffer.concat( out ) : null;
}

/** 1 for the 64 letters of base64, 0 for everything else. */
const BASE64_LETTER = new Uint8Array( 256 );
for ( const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/' ) {
	BASE64_LETTER[ c.charCodeAt( 0 ) ] = 1;
}

/**
 * Decodes base64 chunk by chunk in native code, whatever the line length: everything that is not
 * a base64 letter (line breaks, padding, stray characters) is dropped, as mail clients do, and
 * whole groups of four letters are decoded as they arrive.
 */
export class Base64Decoder {
	private carry: Buffer = Buffer.alloc( 0 );

	/**
	 * @param chunk Encoded bytes.
	 * @return The bytes decoded so far.
	 */
	decode( chunk: Buffer ): Buffer {
		const data =
			this.carry.length > 0
				? Buffer.concat( [ this.carry, chunk ] )
				: chunk;
		// Node's decoder skips line breaks and stray characters itself but stops at '=';
		// padding only ever comes at the end, so a chunk holding one is cleaned first.
		if ( data.includes( 0x3d ) ) {
			return this.decodeClean(
				Buffer.from(
					data.toString( 'latin1' ).replace( /[^A-Za-z0-9+/]+/g, '' ),
					'latin1'
				)
			);
		}
		return this.decodeClean( data );
	}

	/**
	 * Decodes every whole group of four letters; keeps the rest for the next chunk.
	 *
	 * @param data Encoded bytes without '='.
	 */
	private decodeClean( data: Buffer ): Buffer {
		let letters = 0;
		for ( let i = 0; i < data.length; i++ ) {
			letters += BASE64_LETTER[ data[ i ] as number ] as number;
		}
		// Cut after the last letter of the last whole group.
		let extra = letters % 4;
		let cut = data.length;
		while ( extra > 0 && cut > 0 ) {
			cut--;
			extra -= BASE64_LETTER[ data[ cut ] as number ] as number;
		}
		this.carry = Buffer.from( data.subarray( cut ) );
		return Buffer.from( data.toString( 'latin1', 0, cut ), 'base64' );
	}

	/** The last bytes: a final group of 2 or 3 letters is valid without padding, 1 is noise. */
	finish(): Buffer {
		const rest = this.carry
			.toString( 'latin1' )
			.replace( /[^A-Za-z0-9+/]+/g, '' );
		this.carry = Buffer.alloc( 0 );
		return Buffer.from( rest.length > 1 ? rest : '', 'base64' );
	}
}
