/**
 * Block-list patterns, applied as includes/Domain/Pattern.php defines them (the admin saves and
 * tests them in PHP; the same pattern must match the same values here):
 * - exact:    the whole value, case-insensitively;
 * - wildcard: `*` for any run of characters, the rest literal, the whole value, case-insensitively;
 * - regex:    searched anywhere, case-insensitively, without delimiters or flags. PHP refuses
 *             constructs the two engines read differently and nested unbounded quantifiers.
 *
 * Addresses are compared in a normal form: lower case, without invisible characters, the domain
 * both as typed and as the other of Unicode / punycode, so `*@bücher.example` and
 * `*@xn--bcher-kva.example` block the same sender.
 */
import { domainToASCII, domainToUnicode } from 'node:url';

export type MatchType = 'exact' | 'wildcard' | 'regex';

export interface BlockPattern {
	readonly kind: 'sender' | 'subject';
	readonly pattern: string;
	readonly matchType: MatchType;
}

/** A pattern ready to test values with. */
export interface CompiledPattern {
	readonly kind: 'sender' | 'subject';
	readonly test: ( value: string ) => boolean;
}

/** Zero-width and formatting characters that hide inside addresses and subjects. */
const INVISIBLE =
	/[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff]/g;

/** Longest subject tested, so a crafted subject can't make a regex slow. */
const MAX_VALUE_LENGTH = 1000;

function escapeRegExp( text: string ): string {
	return text.replace( /[.*+?^${}()|[\]\\/]/g, '\\$&' );
}

/**
 * A test for one pattern; null when a regex does not compile here (it then matches nothing, as
 * in PHP a pattern that fails at run time does not match).
 *
 * @param matchType exact, wildcard or regex.
 * @param raw       The pattern.
 */
export function compileMatcher(
	matchType: MatchType,
	raw: string
): ( ( value: string ) => boolean ) | null {
	const pattern = raw.trim();
	if ( pattern === '' ) {
		return null;
	}
	switch ( matchType ) {
		case 'exact': {
			const lower = pattern.toLowerCase();
			return ( value ) => value.trim().toLowerCase() === lower;
		}
		case 'wildcard': {
			const re = new RegExp(
				`^${ pattern.split( '*' ).map( escapeRegExp ).join( '.*' ) }$`,
				'isu'
			);
			return ( value ) => re.test( value.trim() );
		}
		case 'regex': {
			let re: RegExp;
			try {
				re = new RegExp( pattern, 'iu' );
			} catch {
				try {
					re = new RegExp( pattern, 'i' );
				} catch {
					return null;
				}
			}
			return ( value ) => re.test( value );
		}
		default:
			return null;
	}
}

/**
 * Compiles a block-list pattern; null when it can't match anything.
 *
 * @param p The stored pattern.
 */
export function compilePattern( p: BlockPattern ): CompiledPattern | null {
	const test = compileMatcher( p.matchType, p.pattern );
	return test === null ? null : { kind: p.kind, test };
}

/**
 * The forms of an address a pattern is tried on: lower case, invisible characters removed, the
 * domain as written and converted between Unicode and punycode.
 *
 * @param address The sender's address.
 */
export function addressForms( address: string ): string[] {
	const clean = address.replace( INVISIBLE, '' ).trim().toLowerCase();
	const at = clean.lastIndexOf( '@' );
	if ( at < 0 ) {
		return [ clean ];
	}
	const local = clean.slice( 0, at );
	const domain = clean.slice( at + 1 );
	const forms = new Set( [ clean ] );
	for ( const converted of [
		domainToASCII( domain ),
		domainToUnicode( domain ),
	] ) {
		if ( converted !== '' ) {
			forms.add( `${ local }@${ converted }` );
		}
	}
	return [ ...forms ];
}

/**
 * Which block list stops an email, if any.
 *
 * @param patterns Compiled block patterns.
 * @param sender   The sender's address.
 * @param subject  The subject.
 * @return 'blocked_sender', 'blocked_subject' or null.
 */
export function blockedBy(
	patterns: readonly CompiledPattern[],
	sender: string,
	subject: string
): 'blocked_sender' | 'blocked_subject' | null {
	const senders = addressForms( sender );
	for ( const p of patterns ) {
		if ( p.kind === 'sender' && senders.some( ( s ) => p.test( s ) ) ) {
			return 'blocked_sender';
		}
	}
	const subjectForm = subject
		.replace( INVISIBLE, '' )
		.slice( 0, MAX_VALUE_LENGTH );
	for ( const p of patterns ) {
		if ( p.kind === 'subject' && p.test( subjectForm ) ) {
			return 'blocked_subject';
		}
	}
	return null;
}
