/**
 * Translations of the plugin (`npm run i18n`).
 *
 * 1. Extracts every translatable string of the text domain `email-piping` from the PHP
 *    (plugin.php's header, plugin.php, includes/, blocks/) and from the script sources
 *    (admin/src/, blocks/) into languages/email-piping.pot, with the translators' comments.
 * 2. Merges it into every languages/email-piping-<locale>.po (de_DE is created when missing):
 *    translations of unchanged strings are kept, new strings are added untranslated and strings
 *    no longer in the sources are dropped. The .po files are the source of the translations.
 * 3. Compiles each .po into its .mo (PHP) and into the Jed 1.x JSON files that
 *    wp_set_script_translations() loads for each script in SCRIPTS:
 *    email-piping-<locale>-<md5 of the script's path relative to the plugin root>.json.
 *
 * The output depends only on the sources and the .po files (no dates), so a re-run changes
 * nothing. A malformed call (a msgid that is not one string literal, a missing or foreign text
 * domain, an unterminated string) stops the run with its file and line.
 *
 * `npm run i18n -- --check` writes nothing and exits 1 when a generated file (the .pot, a
 * merged .po, a .mo or a JSON file) is not what the sources give; references (`#: file:line`)
 * that merely moved with an edit do not count.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { parse as parseJs } from '@babel/parser';
import { mo, po } from 'gettext-parser';

export const DOMAIN = 'email-piping';

export const ROOT = path.resolve(
	path.dirname( fileURLToPath( import.meta.url ) ),
	'..'
);

export const LANGUAGES_DIR = 'languages';

/** Locales that always exist, even before their .po was written. */
const DEFAULT_LOCALES = [ 'de_DE' ];

/** Plural-Forms of a new .po file. */
const PLURAL_FORMS: Record< string, string > = {
	de_DE: 'nplurals=2; plural=(n != 1);',
};

/**
 * The scripts that get a JSON translation file: the path WordPress loads (relative to the
 * plugin root; its md5 names the file) and the source folders whose strings it contains. A
 * block's script is added here with its folder.
 */
export const SCRIPTS: Array< { script: string; sources: string[] } > = [
	{ script: 'admin/build/index.js', sources: [ 'admin/src/' ] },
	{
		script: 'blocks/ticket-portal/index.js',
		sources: [ 'blocks/ticket-portal/index.js' ],
	},
];

/** Where the strings are looked for (relative to the plugin root). */
const PHP_SOURCES = [ 'plugin.php', 'includes', 'blocks' ];
const JS_SOURCES = [ 'admin/src', 'blocks' ];
const JS_EXTENSIONS = /\.(?:js|jsx|ts|tsx|mjs|cjs)$/;
const SKIP_DIRS = new Set( [ 'node_modules', 'build', 'vendor' ] );

/** Plugin header fields that WordPress translates with the plugin's text domain. */
const HEADER_FIELDS = [ 'Plugin Name', 'Plugin URI', 'Description', 'Author' ];

/**
 * Argument positions of each gettext function (PHP and @wordpress/i18n alike).
 */
interface Spec {
	msgid: number;
	plural?: number;
	context?: number;
	domain: number;
}

const BASIC: Spec = { msgid: 0, domain: 1 };
const CONTEXT: Spec = { msgid: 0, context: 1, domain: 2 };
const PLURAL: Spec = { msgid: 0, plural: 1, domain: 3 };
const PLURAL_CONTEXT: Spec = { msgid: 0, plural: 1, context: 3, domain: 4 };

const PHP_FUNCTIONS: Record< string, Spec > = {
	__: BASIC,
	_e: BASIC,
	esc_html__: BASIC,
	esc_html_e: BASIC,
	esc_attr__: BASIC,
	esc_attr_e: BASIC,
	_x: CONTEXT,
	_ex: CONTEXT,
	esc_html_x: CONTEXT,
	esc_attr_x: CONTEXT,
	_n: PLURAL,
	_nx: PLURAL_CONTEXT,
	_n_noop: { msgid: 0, plural: 1, domain: 2 },
	_nx_noop: { msgid: 0, plural: 1, context: 2, domain: 3 },
};

const JS_FUNCTIONS: Record< string, Spec > = {
	__: BASIC,
	_x: CONTEXT,
	_n: PLURAL,
	_nx: PLURAL_CONTEXT,
};

/** A malformed translatable string: reported with its place, stops the run. */
export class SourceError extends Error {}

export interface Entry {
	msgctxt?: string;
	msgid: string;
	msgidPlural?: string;
	references: string[];
	extracted: string[];
}

/** One call found in a file, before merging. */
interface Found {
	msgctxt?: string;
	msgid: string;
	msgidPlural?: string;
	line: number;
	comment?: string | undefined;
}

/**
 * A literal argument, or why it is not one.
 */
type Literal = { value: string } | { error: string };

// ---------------------------------------------------------------------------------------------
// PHP
// ---------------------------------------------------------------------------------------------

interface PhpToken {
	type: 'string' | 'dynamic-string' | 'name' | 'variable' | 'punct' | 'other';
	value: string;
	line: number;
}

interface PhpComment {
	text: string;
	/** Index of the first token after the comment. */
	before: number;
}

const PHP_ESCAPES: Record< string, string > = {
	n: '\n',
	t: '\t',
	r: '\r',
	v: '\v',
	e: '\x1b',
	f: '\f',
	'\\': '\\',
	$: '$',
	'"': '"',
};

/**
 * Splits PHP source into the tokens the extraction needs (strings decoded; comments aside).
 *
 * @param source PHP file.
 * @param file   Its path, for errors.
 */
export function tokenizePhp(
	source: string,
	file: string
): { tokens: PhpToken[]; comments: PhpComment[] } {
	const tokens: PhpToken[] = [];
	const comments: PhpComment[] = [];
	let i = 0;
	let line = 1;
	const fail = ( message: string, at: number ): never => {
		throw new SourceError( `${ file }:${ at }: ${ message }` );
	};
	const advance = ( to: number ) => {
		for ( let k = i; k < to; k++ ) {
			if ( source[ k ] === '\n' ) {
				line++;
			}
		}
		i = to;
	};
	const html = () => {
		const open = source.indexOf( '<?', i );
		if ( open === -1 ) {
			advance( source.length );
			return;
		}
		let after = open + 2;
		if ( source.startsWith( 'php', after ) ) {
			after += 3;
		} else if ( source[ after ] === '=' ) {
			after += 1;
		}
		advance( after );
	};
	html();
	while ( i < source.length ) {
		const c = source[ i ] as string;
		const start = line;
		if ( c === '\n' || c === ' ' || c === '\t' || c === '\r' ) {
			advance( i + 1 );
		} else if ( source.startsWith( '?>', i ) ) {
			advance( i + 2 );
			html();
		} else if (
			source.startsWith( '//', i ) ||
			( c === '#' && source[ i + 1 ] !== '[' )
		) {
			let end = i;
			while (
				end < source.length &&
				source[ end ] !== '\n' &&
				! source.startsWith( '?>', end )
			) {
				end++;
			}
			comments.push( {
				text: source.slice( i, end ),
				before: tokens.length,
			} );
			advance( end );
		} else if ( source.startsWith( '/*', i ) ) {
			const end = source.indexOf( '*/', i + 2 );
			if ( end === -1 ) {
				fail( 'unterminated comment', start );
			}
			comments.push( {
				text: source.slice( i, end + 2 ),
				before: tokens.length,
			} );
			advance( end + 2 );
		} else if ( c === "'" ) {
			let value = '';
			let k = i + 1;
			for ( ; ; k++ ) {
				if ( k >= source.length ) {
					fail( 'unterminated string', start );
				}
				const d = source[ k ];
				if (
					d === '\\' &&
					( source[ k + 1 ] === "'" || source[ k + 1 ] === '\\' )
				) {
					value += source[ k + 1 ];
					k++;
				} else if ( d === "'" ) {
					break;
				} else {
					value += d;
				}
			}
			advance( k + 1 );
			tokens.push( { type: 'string', value, line: start } );
		} else if ( c === '"' || c === '`' ) {
			let value = '';
			let dynamic = c === '`';
			let k = i + 1;
			for ( ; ; k++ ) {
				if ( k >= source.length ) {
					fail( 'unterminated string', start );
				}
				const d = source[ k ] as string;
				const next = source[ k + 1 ] ?? '';
				if ( d === c ) {
					break;
				}
				if ( d === '\\' ) {
					if ( next in PHP_ESCAPES ) {
						value += PHP_ESCAPES[ next ];
						k++;
					} else if ( /[0-7]/.test( next ) ) {
						const octal =
							/^[0-7]{1,3}/.exec(
								source.slice( k + 1 )
							)?.[ 0 ] ?? '';
						value += String.fromCharCode(
							parseInt( octal, 8 ) % 256
						);
						k += octal.length;
					} else if (
						next === 'x' &&
						/[0-9a-fA-F]/.test( source[ k + 2 ] ?? '' )
					) {
						const hex =
							/^[0-9a-fA-F]{1,2}/.exec(
								source.slice( k + 2 )
							)?.[ 0 ] ?? '';
						value += String.fromCharCode( parseInt( hex, 16 ) );
						k += 1 + hex.length;
					} else if ( next === 'u' && source[ k + 2 ] === '{' ) {
						const close = source.indexOf( '}', k + 3 );
						value += String.fromCodePoint(
							parseInt( source.slice( k + 3, close ), 16 )
						);
						k = close;
					} else {
						value += d;
					}
				} else if (
					d === '$' &&
					/[A-Za-z_{\x80-\uffff]/.test( next )
				) {
					dynamic = true;
					value += d;
				} else if ( d === '{' && next === '$' ) {
					dynamic = true;
					value += d;
				} else {
					value += d;
				}
			}
			advance( k + 1 );
			tokens.push( {
				type: dynamic ? 'dynamic-string' : 'string',
				value,
				line: start,
			} );
		} else if ( source.startsWith( '<<<', i ) ) {
			const head =
				/^<<<[ \t]*(["']?)([A-Za-z_][A-Za-z0-9_]*)\1\r?\n/.exec(
					source.slice( i )
				);
			if ( ! head ) {
				fail( 'malformed heredoc', start );
			}
			const label = ( head as RegExpExecArray )[ 2 ] as string;
			const body = i + ( head as RegExpExecArray )[ 0 ].length;
			const close = new RegExp( `^[ \\t]*${ label }\\b`, 'm' );
			const match = close.exec( source.slice( body ) );
			if ( ! match ) {
				fail( `unterminated heredoc ${ label }`, start );
			}
			const end =
				body +
				( match as RegExpExecArray ).index +
				( match as RegExpExecArray )[ 0 ].length;
			advance( end );
			tokens.push( { type: 'dynamic-string', value: '', line: start } );
		} else if (
			c === '$' &&
			/[A-Za-z_\x80-\uffff]/.test( source[ i + 1 ] ?? '' )
		) {
			const m = /^\$[A-Za-z0-9_\x80-\uffff]+/.exec(
				source.slice( i )
			) as RegExpExecArray;
			advance( i + m[ 0 ].length );
			tokens.push( { type: 'variable', value: m[ 0 ], line: start } );
		} else if ( /[A-Za-z_\\\x80-\uffff]/.test( c ) ) {
			const m = /^[A-Za-z0-9_\\\x80-\uffff]+/.exec(
				source.slice( i )
			) as RegExpExecArray;
			advance( i + m[ 0 ].length );
			tokens.push( { type: 'name', value: m[ 0 ], line: start } );
		} else if ( /[0-9]/.test( c ) ) {
			const m = /^[0-9][0-9A-Za-z_.]*/.exec(
				source.slice( i )
			) as RegExpExecArray;
			advance( i + m[ 0 ].length );
			tokens.push( { type: 'other', value: m[ 0 ], line: start } );
		} else {
			const three = source.slice( i, i + 3 );
			const two = source.slice( i, i + 2 );
			let value = c;
			if ( three === '?->' ) {
				value = three;
			} else if ( [ '->', '::', '=>' ].includes( two ) ) {
				value = two;
			}
			advance( i + value.length );
			tokens.push( { type: 'punct', value, line: start } );
		}
	}
	return { tokens, comments };
}

/**
 * The value of a PHP argument that must be one string literal.
 *
 * @param arg Its tokens.
 */
function phpLiteral( arg: PhpToken[] ): Literal {
	if ( arg.length === 1 && arg[ 0 ]?.type === 'string' ) {
		return { value: arg[ 0 ].value };
	}
	if ( arg.length === 1 && arg[ 0 ]?.type === 'dynamic-string' ) {
		return { error: 'a string with variables in it' };
	}
	if (
		arg.length > 1 &&
		arg.every(
			( t ) =>
				t.type === 'string' ||
				t.type === 'dynamic-string' ||
				( t.type === 'punct' && t.value === '.' )
		)
	) {
		return { error: 'concatenated strings' };
	}
	return { error: arg.length === 0 ? 'nothing' : 'not a string literal' };
}

/**
 * Whether a comment is a translators' comment; its text as the .pot shows it.
 *
 * @param raw The comment with its delimiters.
 */
export function translatorsComment( raw: string ): string | null {
	const text = raw
		.replace( /^\/\*+|\*+\/$|^\/\/|^#/g, '' )
		.split( '\n' )
		.map( ( l ) => l.replace( /^\s*\*?\s?/, '' ).trim() )
		.filter( ( l ) => l !== '' )
		.join( ' ' );
	return /^translators:/i.test( text ) ? text : null;
}

/**
 * The checked arguments of one gettext call.
 *
 * @param name  Function.
 * @param spec  Its argument positions.
 * @param args  Arguments (as values or errors).
 * @param where `file:line` for errors.
 */
function checkCall(
	name: string,
	spec: Spec,
	args: Literal[],
	where: string
): Omit< Found, 'line' | 'comment' > {
	const get = ( index: number, what: string ): string => {
		const arg = args[ index ];
		if ( arg === undefined ) {
			throw new SourceError(
				`${ where }: ${ name }() has no ${ what } argument`
			);
		}
		if ( 'error' in arg ) {
			throw new SourceError(
				`${ where }: the ${ what } of ${ name }() must be a single string literal, found ${ arg.error }`
			);
		}
		return arg.value;
	};
	const domain = get( spec.domain, 'text domain' );
	if ( domain !== DOMAIN ) {
		throw new SourceError(
			`${ where }: ${ name }() uses the text domain '${ domain }' instead of '${ DOMAIN }'`
		);
	}
	const msgid = get( spec.msgid, 'text' );
	if ( msgid === '' ) {
		throw new SourceError( `${ where }: ${ name }() has an empty text` );
	}
	const found: Omit< Found, 'line' | 'comment' > = { msgid };
	if ( spec.plural !== undefined ) {
		found.msgidPlural = get( spec.plural, 'plural text' );
	}
	if ( spec.context !== undefined ) {
		found.msgctxt = get( spec.context, 'context' );
	}
	return found;
}

/**
 * The translatable strings of a PHP file.
 *
 * @param source PHP file.
 * @param file   Its path relative to the plugin root.
 */
export function extractPhp( source: string, file: string ): Found[] {
	const { tokens, comments } = tokenizePhp( source, file );
	const found: Found[] = [];
	const pending = comments
		.map( ( c ) => ( {
			text: translatorsComment( c.text ),
			before: c.before,
		} ) )
		.filter(
			( c ): c is { text: string; before: number } => c.text !== null
		);
	for ( let i = 0; i < tokens.length; i++ ) {
		const token = tokens[ i ] as PhpToken;
		const name = token.value.replace( /^\\/, '' );
		if (
			token.type !== 'name' ||
			! Object.hasOwn( PHP_FUNCTIONS, name ) ||
			tokens[ i + 1 ]?.value !== '('
		) {
			continue;
		}
		const previous = tokens[ i - 1 ];
		if (
			previous &&
			( [ '->', '?->', '::' ].includes( previous.value ) ||
				( previous.type === 'name' &&
					[ 'function', 'new', 'const' ].includes(
						previous.value.toLowerCase()
					) ) )
		) {
			continue;
		}
		// The arguments, split at the commas outside nested brackets.
		const args: PhpToken[][] = [ [] ];
		let depth = 0;
		let k = i + 2;
		for ( ; ; k++ ) {
			const t = tokens[ k ];
			if ( t === undefined ) {
				throw new SourceError(
					`${ file }:${ token.line }: ${ name }( is never closed`
				);
			}
			if ( t.type === 'punct' && [ '(', '[', '{' ].includes( t.value ) ) {
				depth++;
			} else if (
				t.type === 'punct' &&
				[ ')', ']', '}' ].includes( t.value )
			) {
				if ( depth === 0 ) {
					break;
				}
				depth--;
			} else if ( depth === 0 && t.type === 'punct' && t.value === ',' ) {
				args.push( [] );
				continue;
			}
			( args[ args.length - 1 ] as PhpToken[] ).push( t );
		}
		if ( args.length > 1 && args[ args.length - 1 ]?.length === 0 ) {
			args.pop(); // Trailing comma.
		}
		const call = checkCall(
			name,
			PHP_FUNCTIONS[ name ] as Spec,
			args.map( phpLiteral ),
			`${ file }:${ token.line }`
		);
		// A translators' comment belongs to the first call after it in the same statement.
		let comment: string | undefined;
		for ( let c = pending.length - 1; c >= 0; c-- ) {
			const candidate = pending[ c ] as { text: string; before: number };
			if ( candidate.before > i ) {
				continue;
			}
			const between = tokens.slice( candidate.before, i );
			if (
				! between.some(
					( t ) =>
						t.type === 'punct' &&
						[ ';', '{', '}' ].includes( t.value )
				)
			) {
				comment = candidate.text;
				pending.splice( c, 1 );
			}
			break;
		}
		found.push( { ...call, line: token.line, comment } );
	}
	return found;
}

/**
 * The translatable fields of the plugin header.
 *
 * @param source plugin.php.
 */
function extractHeader( source: string ): Found[] {
	const head = source.slice( 0, 8192 );
	const found: Found[] = [];
	for ( const field of HEADER_FIELDS ) {
		const match = new RegExp( `^[ \\t/*#@]*${ field }:(.*)$`, 'mi' ).exec(
			head
		);
		const value = match?.[ 1 ]?.replace( /\s*(?:\*\/|\?>).*$/, '' ).trim();
		if ( value ) {
			const line = head
				.slice( 0, match?.index ?? 0 )
				.split( '\n' ).length;
			found.push( {
				msgid: value,
				line,
				comment: `${ field } of the plugin`,
			} );
		}
	}
	return found;
}

/**
 * The translatable fields of a block.json, with the contexts WordPress translates them under
 * (register_block_type() with the block's textdomain): title, description, keywords.
 *
 * @param source block.json text.
 * @param file   Its path, for errors.
 */
export function extractBlockJson( source: string, file: string ): Found[] {
	let block: { title?: unknown; description?: unknown; keywords?: unknown };
	try {
		block = JSON.parse( source ) as typeof block;
	} catch ( err ) {
		throw new SourceError(
			`${ file }: not valid JSON (${ String( err ) })`
		);
	}
	const lineOf = ( text: string ): number =>
		source.slice( 0, Math.max( 0, source.indexOf( text ) ) ).split( '\n' )
			.length;
	const found: Found[] = [];
	const field = ( value: unknown, context: string ): void => {
		if ( typeof value === 'string' && value !== '' ) {
			found.push( {
				msgctxt: context,
				msgid: value,
				line: lineOf( JSON.stringify( value ) ),
			} );
		}
	};
	field( block.title, 'block title' );
	field( block.description, 'block description' );
	for ( const keyword of Array.isArray( block.keywords )
		? block.keywords
		: [] ) {
		field( keyword, 'block keyword' );
	}
	return found;
}

// ---------------------------------------------------------------------------------------------
// JavaScript / TypeScript
// ---------------------------------------------------------------------------------------------

interface JsNode {
	type: string;
	start?: number | null;
	end?: number | null;
	loc?: { start: { line: number } } | null;
	[ key: string ]: unknown;
}

/**
 * The value of a JS argument that must be one string literal.
 *
 * @param node Argument.
 */
function jsLiteral( node: JsNode | undefined ): Literal {
	if ( node === undefined ) {
		return { error: 'nothing' };
	}
	if ( node.type === 'StringLiteral' ) {
		return { value: node[ 'value' ] as string };
	}
	if ( node.type === 'TemplateLiteral' ) {
		const expressions = node[ 'expressions' ] as JsNode[];
		const quasis = node[ 'quasis' ] as Array< {
			value: { cooked: string };
		} >;
		return expressions.length === 0 && quasis[ 0 ]
			? { value: quasis[ 0 ].value.cooked }
			: { error: 'a template with expressions' };
	}
	if ( node.type === 'BinaryExpression' && node[ 'operator' ] === '+' ) {
		return { error: 'concatenated strings' };
	}
	return { error: 'not a string literal' };
}

/**
 * The name of a called gettext function: `__`, or `i18n.__` / `wp.i18n.__`.
 *
 * @param callee Callee.
 */
function calleeName( callee: JsNode ): string | null {
	if ( callee.type === 'Identifier' ) {
		return callee[ 'name' ] as string;
	}
	if ( callee.type === 'MemberExpression' && ! callee[ 'computed' ] ) {
		const object = callee[ 'object' ] as JsNode;
		const property = callee[ 'property' ] as JsNode;
		let objectName = '';
		if ( object.type === 'Identifier' ) {
			objectName = object[ 'name' ] as string;
		} else if ( object.type === 'MemberExpression' ) {
			objectName = ( object[ 'property' ] as JsNode )[ 'name' ] as string;
		}
		return objectName === 'i18n' ? ( property[ 'name' ] as string ) : null;
	}
	return null;
}

/**
 * The translatable strings of a JS/TS file.
 *
 * @param source File.
 * @param file   Its path relative to the plugin root.
 */
export function extractJs( source: string, file: string ): Found[] {
	let ast: JsNode;
	try {
		ast = parseJs( source, {
			sourceType: 'module',
			plugins: /\.ts$/.test( file )
				? [ 'typescript' ]
				: [ 'typescript', 'jsx' ],
		} ) as unknown as JsNode;
	} catch ( err ) {
		throw new SourceError(
			`${ file }: cannot parse: ${ ( err as Error ).message }`
		);
	}
	const calls: Array< { node: JsNode; name: string } > = [];
	const walk = ( node: unknown ): void => {
		if ( Array.isArray( node ) ) {
			node.forEach( walk );
			return;
		}
		if ( node === null || typeof node !== 'object' ) {
			return;
		}
		const n = node as JsNode;
		if ( typeof n.type !== 'string' ) {
			return;
		}
		if ( n.type === 'CallExpression' ) {
			const name = calleeName( n[ 'callee' ] as JsNode );
			if ( name !== null && Object.hasOwn( JS_FUNCTIONS, name ) ) {
				calls.push( { node: n, name } );
			}
		}
		for ( const key of Object.keys( n ) ) {
			if (
				! [
					'loc',
					'leadingComments',
					'trailingComments',
					'innerComments',
					'extra',
				].includes( key )
			) {
				walk( n[ key ] );
			}
		}
	};
	walk( ast );
	calls.sort( ( a, b ) => ( a.node.start ?? 0 ) - ( b.node.start ?? 0 ) );
	const pending = (
		( ast[ 'comments' ] ?? [] ) as Array< {
			value: string;
			type: string;
			start: number;
			end: number;
		} >
	 )
		.map( ( c ) => ( {
			text: translatorsComment(
				c.type === 'CommentBlock'
					? `/*${ c.value }*/`
					: `//${ c.value }`
			),
			end: c.end,
		} ) )
		.filter( ( c ): c is { text: string; end: number } => c.text !== null );
	return calls.map( ( { node, name } ) => {
		const line = node.loc?.start.line ?? 0;
		const call = checkCall(
			name,
			JS_FUNCTIONS[ name ] as Spec,
			( node[ 'arguments' ] as JsNode[] ).map( ( arg ) =>
				arg.type === 'SpreadElement'
					? { error: 'a spread argument' }
					: jsLiteral( arg )
			),
			`${ file }:${ line }`
		);
		const start = node.start ?? 0;
		let comment: string | undefined;
		for ( let c = pending.length - 1; c >= 0; c-- ) {
			const candidate = pending[ c ] as { text: string; end: number };
			if ( candidate.end > start ) {
				continue;
			}
			if (
				! /[;{}]/.test(
					source.slice( candidate.end, start ).replace( /\{\s*$/, '' )
				)
			) {
				comment = candidate.text;
				pending.splice( c, 1 );
			}
			break;
		}
		return { ...call, line, comment };
	} );
}

// ---------------------------------------------------------------------------------------------
// Catalogue
// ---------------------------------------------------------------------------------------------

/**
 * Files under the given roots, sorted, relative to the plugin root.
 *
 * @param roots Files or folders relative to the plugin root.
 * @param test  Which file names count.
 */
function listFiles( roots: string[], test: RegExp ): string[] {
	const files: string[] = [];
	const visit = ( rel: string ) => {
		const abs = path.join( ROOT, rel );
		if ( ! fs.existsSync( abs ) ) {
			return;
		}
		if ( fs.statSync( abs ).isDirectory() ) {
			for ( const name of fs.readdirSync( abs ) ) {
				if ( ! SKIP_DIRS.has( name ) && ! name.startsWith( '.' ) ) {
					visit( `${ rel }/${ name }` );
				}
			}
		} else if ( test.test( rel ) ) {
			files.push( rel );
		}
	};
	roots.forEach( visit );
	// Code-unit order, the same on every machine (no locale collation).
	return [ ...new Set( files ) ].sort( ( a, b ) => {
		if ( a === b ) {
			return 0;
		}
		return a < b ? -1 : 1;
	} );
}

const key = ( msgctxt: string | undefined, msgid: string ) =>
	msgctxt === undefined ? msgid : `${ msgctxt }\u0004${ msgid }`;

/**
 * Every translatable string of the plugin, in a stable order (files sorted, then by place).
 */
export function extractAll(): Entry[] {
	const entries = new Map< string, Entry >();
	const add = ( file: string, found: Found[] ) => {
		for ( const f of found ) {
			const id = key( f.msgctxt, f.msgid );
			let entry = entries.get( id );
			if ( entry === undefined ) {
				entry = { msgid: f.msgid, references: [], extracted: [] };
				if ( f.msgctxt !== undefined ) {
					entry.msgctxt = f.msgctxt;
				}
				entries.set( id, entry );
			}
			if ( f.msgidPlural !== undefined ) {
				if (
					entry.msgidPlural !== undefined &&
					entry.msgidPlural !== f.msgidPlural
				) {
					throw new SourceError(
						`${ file }:${ f.line }: "${ f.msgid }" has the plural "${ f.msgidPlural }" here and "${ entry.msgidPlural }" elsewhere`
					);
				}
				entry.msgidPlural = f.msgidPlural;
			}
			const reference = `${ file }:${ f.line }`;
			if ( ! entry.references.includes( reference ) ) {
				entry.references.push( reference );
			}
			if ( f.comment && ! entry.extracted.includes( f.comment ) ) {
				entry.extracted.push( f.comment );
			}
		}
	};
	add( 'plugin.php', extractHeader( read( 'plugin.php' ) ) );
	for ( const file of listFiles( PHP_SOURCES, /\.php$/ ) ) {
		add( file, extractPhp( read( file ), file ) );
	}
	for ( const file of listFiles( JS_SOURCES, JS_EXTENSIONS ) ) {
		if ( ! /\.d\.ts$/.test( file ) ) {
			add( file, extractJs( read( file ), file ) );
		}
	}
	for ( const file of listFiles( [ 'blocks' ], /(?:^|\/)block\.json$/ ) ) {
		add( file, extractBlockJson( read( file ), file ) );
	}
	return [ ...entries.values() ];
}

function read( file: string ): string {
	return fs.readFileSync( path.join( ROOT, file ), 'utf8' );
}

interface PoEntry {
	msgctxt?: string;
	msgid: string;
	msgid_plural?: string;
	msgstr: string[];
	comments?: {
		translator?: string;
		extracted?: string;
		reference?: string;
		flag?: string;
		previous?: string;
	};
}

interface PoTable {
	charset: string;
	headers: Record< string, string >;
	translations: Record< string, Record< string, PoEntry > >;
}

/**
 * A table gettext-parser compiles, in the entries' order.
 *
 * @param headers Header fields, in order.
 * @param list    Entries.
 */
function toTable(
	headers: Record< string, string >,
	list: PoEntry[]
): PoTable {
	const translations: PoTable[ 'translations' ] = {
		'': { '': { msgid: '', msgstr: [ '' ] } },
	};
	for ( const entry of list ) {
		const context = entry.msgctxt ?? '';
		translations[ context ] ??= {};
		( translations[ context ] as Record< string, PoEntry > )[
			entry.msgid
		] = entry;
	}
	return { charset: 'utf-8', headers, translations };
}

/**
 * The text of a .po/.pot file, entries in the given order.
 *
 * @param headers Header fields.
 * @param list    Entries.
 */
function compilePo(
	headers: Record< string, string >,
	list: PoEntry[]
): string {
	const order = new Map< PoEntry, number >(
		list.map( ( e, index ) => [ e, index ] )
	);
	return po
		.compile( toTable( headers, list ), {
			foldLength: 0,
			sort: ( a: PoEntry, b: PoEntry ) =>
				( order.get( a ) ?? -1 ) - ( order.get( b ) ?? -1 ),
		} )
		.toString( 'utf8' )
		.replace( /\n*$/, '\n' );
}

/**
 * Whether every form of an entry is translated.
 *
 * @param e Entry.
 */
const translated = ( e: PoEntry ) =>
	e.msgstr.length > 0 && e.msgstr.every( ( s ) => s !== '' );

/**
 * The Jed 1.x JSON that wp_set_script_translations() loads.
 *
 * @param locale  Locale.
 * @param headers The .po's header fields.
 * @param list    Translated entries of the script.
 */
function jedJson(
	locale: string,
	headers: Record< string, string >,
	list: PoEntry[]
): string {
	const messages: Record< string, unknown > = {
		'': {
			domain: 'messages',
			lang: locale,
			'plural-forms':
				headers[ 'Plural-Forms' ] ??
				PLURAL_FORMS[ locale ] ??
				'nplurals=2; plural=(n != 1);',
		},
	};
	for ( const e of list ) {
		messages[ key( e.msgctxt, e.msgid ) ] = e.msgstr;
	}
	return `${ JSON.stringify( {
		...( headers[ 'PO-Revision-Date' ]
			? { 'translation-revision-date': headers[ 'PO-Revision-Date' ] }
			: {} ),
		generator: 'email-piping scripts/i18n.ts',
		domain: 'messages',
		locale_data: { messages },
	} ) }\n`;
}

/**
 * md5 of a script's path relative to the plugin root, as WordPress names its JSON file.
 *
 * @param script Path such as admin/build/index.js.
 */
export const scriptHash = ( script: string ) =>
	createHash( 'md5' ).update( script ).digest( 'hex' );

/**
 * Everything `npm run i18n` writes: file (relative to the plugin root) → contents.
 * Also the figures it reports.
 */
export function generate(): {
	files: Map< string, string | Buffer >;
	strings: number;
	untranslated: Record< string, number >;
} {
	const entries = extractAll();
	const version =
		/^[ \t/*#@]*Version:\s*(\S+)/im.exec( read( 'plugin.php' ) )?.[ 1 ] ??
		'';
	const potEntries: PoEntry[] = entries.map( ( e ) => {
		const entry: PoEntry = {
			msgid: e.msgid,
			msgstr: e.msgidPlural === undefined ? [ '' ] : [ '', '' ],
			comments: { reference: e.references.join( '\n' ) },
		};
		if ( e.msgctxt !== undefined ) {
			entry.msgctxt = e.msgctxt;
		}
		if ( e.msgidPlural !== undefined ) {
			entry.msgid_plural = e.msgidPlural;
		}
		if ( e.extracted.length > 0 && entry.comments ) {
			entry.comments.extracted = e.extracted.join( '\n' );
		}
		return entry;
	} );
	const files = new Map< string, string | Buffer >();
	const potHeaders = {
		'Project-Id-Version': `Email Piping ${ version }`.trim(),
		'Report-Msgid-Bugs-To': '',
		'MIME-Version': '1.0',
		'Content-Type': 'text/plain; charset=UTF-8',
		'Content-Transfer-Encoding': '8bit',
		'Plural-Forms': 'nplurals=INTEGER; plural=EXPRESSION;',
		'X-Domain': DOMAIN,
	};
	files.set(
		`${ LANGUAGES_DIR }/${ DOMAIN }.pot`,
		compilePo( potHeaders, potEntries )
	);

	const languages = path.join( ROOT, LANGUAGES_DIR );
	const found = fs.existsSync( languages )
		? fs.readdirSync( languages ).flatMap( ( name ) => {
				const m = new RegExp(
					`^${ DOMAIN }-([A-Za-z]{2,3}(?:_[A-Za-z0-9]+)*)\\.po$`
				).exec( name );
				return m ? [ m[ 1 ] as string ] : [];
			} )
		: [];
	const locales = [ ...new Set( [ ...DEFAULT_LOCALES, ...found ] ) ].sort();
	const untranslated: Record< string, number > = {};
	for ( const locale of locales ) {
		const poFile = `${ LANGUAGES_DIR }/${ DOMAIN }-${ locale }.po`;
		const existing: PoTable = fs.existsSync( path.join( ROOT, poFile ) )
			? ( po.parse(
					fs.readFileSync( path.join( ROOT, poFile ) )
				) as unknown as PoTable )
			: { charset: 'utf-8', headers: {}, translations: {} };
		const nplurals = Number(
			/nplurals\s*=\s*(\d+)/.exec(
				existing.headers[ 'Plural-Forms' ] ??
					PLURAL_FORMS[ locale ] ??
					''
			)?.[ 1 ] ?? 2
		);
		const merged: PoEntry[] = potEntries.map( ( p ) => {
			const old = existing.translations[ p.msgctxt ?? '' ]?.[ p.msgid ];
			const forms = p.msgid_plural === undefined ? 1 : nplurals;
			const msgstr = Array.from(
				{ length: forms },
				( _, n ) => old?.msgstr?.[ n ] ?? ''
			);
			const entry: PoEntry = {
				...p,
				msgstr,
				comments: { ...p.comments },
			};
			if ( old?.comments?.translator && entry.comments ) {
				entry.comments.translator = old.comments.translator;
			}
			return entry;
		} );
		// The translators' own fields are kept as they wrote them (no date is made up here).
		const kept = Object.fromEntries(
			[ 'PO-Revision-Date', 'Last-Translator', 'Language-Team' ].flatMap(
				( field ) =>
					existing.headers[ field ]
						? [ [ field, existing.headers[ field ] as string ] ]
						: []
			)
		);
		const headers: Record< string, string > = {
			'Project-Id-Version': potHeaders[ 'Project-Id-Version' ],
			'Report-Msgid-Bugs-To': '',
			...kept,
			Language: locale,
			'MIME-Version': '1.0',
			'Content-Type': 'text/plain; charset=UTF-8',
			'Content-Transfer-Encoding': '8bit',
			'Plural-Forms':
				existing.headers[ 'Plural-Forms' ] ??
				PLURAL_FORMS[ locale ] ??
				'nplurals=2; plural=(n != 1);',
			'X-Domain': DOMAIN,
		};
		files.set( poFile, compilePo( headers, merged ) );
		untranslated[ locale ] = merged.filter(
			( e ) => ! translated( e )
		).length;

		const done = merged.filter( translated );
		files.set(
			`${ LANGUAGES_DIR }/${ DOMAIN }-${ locale }.mo`,
			mo.compile(
				toTable(
					headers,
					done.map( ( e ) => ( { ...e, comments: {} } ) )
				) as never
			)
		);
		for ( const { script, sources } of SCRIPTS ) {
			const used = done.filter( ( e ) =>
				( e.comments?.reference ?? '' )
					.split( '\n' )
					.some( ( ref ) =>
						sources.some( ( dir ) => ref.startsWith( dir ) )
					)
			);
			files.set(
				`${ LANGUAGES_DIR }/${ DOMAIN }-${ locale }-${ scriptHash( script ) }.json`,
				jedJson( locale, headers, used )
			);
		}
	}
	return { files, strings: entries.length, untranslated };
}

/**
 * Generated files on disk that the sources no longer give (a removed script's JSON).
 *
 * @param files What this run generates.
 */
function strayFiles( files: Map< string, string | Buffer > ): string[] {
	const dir = path.join( ROOT, LANGUAGES_DIR );
	if ( ! fs.existsSync( dir ) ) {
		return [];
	}
	return fs
		.readdirSync( dir )
		.filter( ( name ) =>
			new RegExp(
				`^${ DOMAIN }-[A-Za-z_0-9]+-[0-9a-f]{32}\\.json$`
			).test( name )
		)
		.map( ( name ) => `${ LANGUAGES_DIR }/${ name }` )
		.filter( ( file ) => ! files.has( file ) )
		.sort();
}

/**
 * A .po/.pot file without its `#: file:line` reference lines, which move with every edit.
 *
 * @param contents File contents.
 */
function withoutReferences( contents: Buffer ): string {
	return contents
		.toString( 'utf8' )
		.split( '\n' )
		.filter( ( line ) => ! line.startsWith( '#:' ) )
		.join( '\n' );
}

function main( argv: string[] ): number {
	let result: ReturnType< typeof generate >;
	try {
		result = generate();
	} catch ( err ) {
		if ( err instanceof SourceError ) {
			console.error(
				`[i18n] malformed translatable string: ${ err.message }`
			);
			return 1;
		}
		throw err;
	}
	const check = argv.includes( '--check' );
	const { files, strings, untranslated } = result;
	const stale: string[] = [];
	for ( const [ file, contents ] of files ) {
		const abs = path.join( ROOT, file );
		const current = fs.existsSync( abs ) ? fs.readFileSync( abs ) : null;
		const wanted = Buffer.isBuffer( contents )
			? contents
			: Buffer.from( contents, 'utf8' );
		if ( current !== null && current.equals( wanted ) ) {
			continue;
		}
		if (
			check &&
			current !== null &&
			/\.pot?$/.test( file ) &&
			withoutReferences( current ) === withoutReferences( wanted )
		) {
			// Only the `#: file:line` references moved: not worth failing a lint run.
			continue;
		}
		stale.push( file );
		if ( ! check ) {
			fs.mkdirSync( path.dirname( abs ), { recursive: true } );
			fs.writeFileSync( abs, wanted );
		}
	}
	for ( const file of strayFiles( files ) ) {
		stale.push( file );
		if ( ! check ) {
			fs.unlinkSync( path.join( ROOT, file ) );
		}
	}
	console.log(
		`[i18n] ${ strings } translatable strings found (text domain ${ DOMAIN })`
	);
	for ( const [ locale, count ] of Object.entries( untranslated ) ) {
		console.log( `[i18n] ${ locale }: ${ count } untranslated` );
	}
	if ( check ) {
		if ( stale.length > 0 ) {
			console.error(
				`[i18n] out of date: ${ stale.join( ', ' ) } — run \`npm run i18n\` and commit the result`
			);
			return 1;
		}
		console.log( '[i18n] languages/ is up to date' );
		return 0;
	}
	console.log(
		stale.length > 0
			? `[i18n] wrote ${ stale.join( ', ' ) }`
			: '[i18n] nothing changed'
	);
	return 0;
}

if (
	process.argv[ 1 ] &&
	path.resolve( process.argv[ 1 ] ) === fileURLToPath( import.meta.url )
) {
	process.exitCode = main( process.argv.slice( 2 ) );
}
