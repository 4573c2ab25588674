/**
 * Reads the PHP-serialized values WordPress keeps roles and capabilities in (`wp_user_roles`,
 * `wp_capabilities`): arrays, strings, numbers, booleans and null. Objects and references are
 * refused: they never occur there, and a value that holds one is not trusted.
 */

export type PhpValue =
	string | number | boolean | null | Map< string | number, PhpValue >;

/** Nesting limit: WordPress's role data is three levels deep. */
const MAX_DEPTH = 16;

/**
 * Parses one serialized value; undefined when the text is not one (or holds what is refused).
 *
 * @param text The serialized value, as stored (UTF-8).
 */
export function unserializePhp( text: string ): PhpValue | undefined {
	const bytes = Buffer.from( text, 'utf8' );
	let at = 0;

	const expect = ( char: string ): void => {
		if ( bytes[ at ] !== char.charCodeAt( 0 ) ) {
			throw new Error( `expected ${ char } at ${ at }` );
		}
		at++;
	};
	const readUntil = ( char: string ): string => {
		const end = bytes.indexOf( char.charCodeAt( 0 ), at );
		if ( end < 0 ) {
			throw new Error( `missing ${ char }` );
		}
		const out = bytes.toString( 'latin1', at, end );
		at = end + 1;
		return out;
	};
	const readValue = ( depth: number ): PhpValue => {
		if ( depth > MAX_DEPTH ) {
			throw new Error( 'too deep' );
		}
		const type = String.fromCharCode( bytes[ at ] ?? 0 );
		at++;
		if ( type === 'N' ) {
			expect( ';' );
			return null;
		}
		expect( ':' );
		switch ( type ) {
			case 'b':
				return readUntil( ';' ) === '1';
			case 'i':
			case 'd': {
				const n = Number( readUntil( ';' ) );
				if ( Number.isNaN( n ) ) {
					throw new Error( 'bad number' );
				}
				return n;
			}
			case 's': {
				const length = Number( readUntil( ':' ) );
				expect( '"' );
				if (
					! Number.isInteger( length ) ||
					at + length > bytes.length
				) {
					throw new Error( 'bad string length' );
				}
				const value = bytes.toString( 'utf8', at, at + length );
				at += length;
				expect( '"' );
				expect( ';' );
				return value;
			}
			case 'a': {
				const count = Number( readUntil( ':' ) );
				expect( '{' );
				const map = new Map< string | number, PhpValue >();
				for ( let i = 0; i < count; i++ ) {
					const key = readValue( depth + 1 );
					if ( typeof key !== 'string' && typeof key !== 'number' ) {
						throw new Error( 'bad key' );
					}
					map.set( key, readValue( depth + 1 ) );
				}
				expect( '}' );
				return map;
			}
			default:
				throw new Error( `refused type ${ type }` );
		}
	};

	try {
		const value = readValue( 0 );
		return at === bytes.length ? value : undefined;
	} catch {
		return undefined;
	}
}
