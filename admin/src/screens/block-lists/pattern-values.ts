/**
 * WordPress dependencies
 */
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { MatchType, PatternKind } from '../../api/types';

/** Longest pattern the server stores (Domain/Pattern.php MAX_LENGTH). */
const MAX_LENGTH = 500;

export type PatternField = 'kind' | 'pattern' | 'match_type';
export type PatternErrors = Partial< Record< PatternField, string > >;

/**
 * The name of a match type as the lists show it.
 *
 * @param type Match type.
 */
export function matchTypeLabel( type: MatchType ): string {
	switch ( type ) {
		case 'exact':
			return __( 'Exact', 'email-piping' );
		case 'wildcard':
			return __( 'Wildcard', 'email-piping' );
		default:
			return __( 'Regular expression', 'email-piping' );
	}
}

/**
 * How a pattern of this type is read, with examples for the list it belongs to.
 *
 * @param type Match type.
 * @param kind Sender or subject list.
 */
export function matchTypeHelp( type: MatchType, kind: PatternKind ): string {
	switch ( type ) {
		case 'exact':
			return kind === 'sender'
				? __(
						'The whole address, ignoring case, e.g. billing@example.com.',
						'email-piping'
					)
				: __( 'The whole subject, ignoring case.', 'email-piping' );
		case 'wildcard':
			return kind === 'sender'
				? __(
						'* stands for any text and the rest must match the whole address, ignoring case: *@example.com blocks a domain, no-reply@* a mailbox name at any domain.',
						'email-piping'
					)
				: __(
						'* stands for any text and the rest must match the whole subject, ignoring case: *invoice* blocks any subject containing “invoice”.',
						'email-piping'
					);
		default:
			return __(
				'A regular expression without delimiters, found anywhere in the value, ignoring case: ^out of office matches subjects that start with it.',
				'email-piping'
			);
	}
}

/**
 * What is wrong with a pattern before it is sent; the server checks it again (a regex that
 * PHP and the sidecar would read differently, or one that could run away, is refused there).
 *
 * @param pattern   The pattern as typed.
 * @param matchType Match type.
 */
export function validatePattern(
	pattern: string,
	matchType: MatchType
): PatternErrors {
	const value = pattern.trim();
	if ( value === '' ) {
		return { pattern: __( 'Enter a pattern.', 'email-piping' ) };
	}
	if ( [ ...value ].length > MAX_LENGTH ) {
		return {
			pattern: sprintf(
				/* translators: %d: maximum number of characters. */
				__(
					'The pattern is longer than %d characters.',
					'email-piping'
				),
				MAX_LENGTH
			),
		};
	}

	if ( /[\u0000-\u001f\u007f]/.test( value ) ) {
		return {
			pattern: __(
				'The pattern contains line breaks or other control characters.',
				'email-piping'
			),
		};
	}
	if ( matchType === 'regex' ) {
		const problem = regexProblem( value );
		if ( problem !== null ) {
			return {
				pattern: sprintf(
					/* translators: %s: the browser's explanation. */
					__(
						'The regular expression does not compile: %s. Check its brackets and parentheses, and put a backslash before a character meant literally, e.g. \\. or \\(.',
						'email-piping'
					),
					problem
				),
			};
		}
	}
	return {};
}

/**
 * The browser's complaint about a regex, or null when it compiles as the sidecar compiles it.
 *
 * @param pattern Pattern without delimiters.
 */
function regexProblem( pattern: string ): string | null {
	for ( const flags of [ 'iu', 'i' ] ) {
		try {
			new RegExp( pattern, flags );
			return null;
		} catch ( err ) {
			if ( flags === 'i' ) {
				return err instanceof Error
					? err.message.replace(
							/^Invalid regular expression: \/.*\/\w*: /,
							''
						)
					: String( err );
			}
		}
	}
	return null;
}
