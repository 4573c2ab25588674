/**
 * Part-wise reading of big IMAP messages. The server has already parsed the MIME structure
 * (BODYSTRUCTURE), so a message with big attachments is read as a "skeleton" — its headers and
 * every part except the big attachments' bodies, rebuilt into a small MIME message the parser
 * reads as usual — while each big attachment is fetched on its own in chunks and decoded in
 * native code (Node's base64, see Base64Decoder) on its way to storage. The big bytes never
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

const LF = 0x0a;
const CR = 0x0d;

/** Encoded text decoded per call in the fast way. */
const SLICE_BYTES = 48 * 1024;

/** Letters Node's decoder reads as data but MIME base64 does not have: padding and base64url. */
const NOT_MIME_LETTERS = [ 0x3d /* = */, 0x2d /* - */, 0x5f /* _ */ ];

/**
 * The base64 letters of some bytes; everything else (line breaks, padding, stray characters) is
 * dropped, as mail clients do.
 *
 * @param data Encoded bytes.
 */
function lettersOf( data: Buffer ): string {
	return data.toString( 'latin1' ).replace( /[^A-Za-z0-9+/]+/g, '' );
}

/**
 * Decodes base64 chunk by chunk in native code, whatever the line length: everything that is not
 * a base64 letter is dropped, and whole groups of four letters are decoded as they arrive.
 *
 * Mail is nearly always lines of equal length (76 letters and CRLF). Those are decoded as they
 * are, after an O(lines) check that every line ends where it should; Node's decoder skips the
 * line breaks, and the length of what it returns proves no stray character moved a group. Any
 * other shape goes through a letters-only copy.
 */
export class Base64Decoder {
	/** Bytes after the last whole group: a partial line, or up to three letters. */
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
		return this.decodeLines( data ) ?? this.decodeLetters( data );
	}

	/**
	 * The fast way: a first line, then whole lines of one length whose letters make whole groups.
	 *
	 * @param data Encoded bytes.
	 * @return Decoded bytes, or null when the data is not shaped so.
	 */
	private decodeLines( data: Buffer ): Buffer | null {
		// Only lines before any of these are taken (padding ends the data; the rest is rare).
		const view = data.subarray(
			0,
			Math.min(
				...NOT_MIME_LETTERS.map( ( c ) => {
					const at = data.indexOf( c );
					return at < 0 ? data.length : at;
				} )
			)
		);
		const firstEnd = view.indexOf( LF ) + 1;
		const head = lettersOf( view.subarray( 0, firstEnd ) );
		const nextEnd = view.indexOf( LF, firstEnd ) + 1;
		if ( firstEnd === 0 || head.length % 4 !== 0 || nextEnd === 0 ) {
			return null;
		}
		const width = nextEnd - firstEnd;
		const crlf = data[ nextEnd - 2 ] === CR;
		const perLine = width - ( crlf ? 2 : 1 );
		if ( perLine <= 0 || perLine % 4 !== 0 ) {
			return null;
		}
		let lines = 0;
		for (
			let end = firstEnd + width;
			end <= view.length &&
			view[ end - 1 ] === LF &&
			( ! crlf || view[ end - 2 ] === CR );
			end += width
		) {
			lines++;
		}
		const cut = firstEnd + lines * width;
		if ( view.length - cut >= width ) {
			// The shape breaks before the last line: carrying the rest would rescan it per chunk.
			return null;
		}
		const headBytes = Buffer.from( head, 'base64' );
		const out = Buffer.allocUnsafe(
			headBytes.length + ( lines * perLine * 3 ) / 4
		);
		let at = headBytes.copy( out );
		// A few dozen KB of text at a time: small strings die young, where a 1 MB one would wait
		// for a full collection.
		const step = width * Math.max( 1, Math.floor( SLICE_BYTES / width ) );
		for ( let from = firstEnd; from < cut; from += step ) {
			const to = Math.min( cut, from + step );
			const written = out.write(
				view.toString( 'latin1', from, to ),
				at,
				'base64'
			);
			if ( written !== ( ( ( to - from ) / width ) * perLine * 3 ) / 4 ) {
				return null; // A stray character inside a line.
			}
			at += written;
		}
		this.carry = Buffer.from( data.subarray( cut ) );
		return out;
	}

	/**
	 * The general way: the letters alone, whole groups decoded, the rest kept.
	 *
	 * @param data Encoded bytes.
	 */
	private decodeLetters( data: Buffer ): Buffer {
		const letters = lettersOf( data );
		const cut = letters.length - ( letters.length % 4 );
		this.carry = Buffer.from( letters.slice( cut ), 'latin1' );
		return Buffer.from( letters.slice( 0, cut ), 'base64' );
	}

	/** The last bytes: a final group of 2 or 3 letters is valid without padding, 1 is noise. */
	finish(): Buffer {
		const rest = lettersOf( this.carry );
		this.carry = Buffer.alloc( 0 );
		return Buffer.from( rest.length > 1 ? rest : '', 'base64' );
	}
}
