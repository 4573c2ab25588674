<?php
/**
 * Exact, wildcard and regex patterns of block lists and piping rules.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Domain;

defined( 'ABSPATH' ) || exit;

/**
 * Validates and applies one pattern. Pure PHP, no WordPress, so PHPUnit can test it alone.
 *
 * Semantics (shared with the sidecar, which applies the same patterns in JavaScript):
 * - exact:    the whole value equals the pattern, case-insensitively ("billing@example.com").
 * - wildcard: `*` stands for any run of characters, the rest is literal, the whole value must
 *             match, case-insensitively ("*@example.com", "no-reply@*", "*invoice*").
 * - regex:    a regular expression WITHOUT delimiters or flags, searched anywhere in the value,
 *             case-insensitively (JavaScript flag "i", PCRE flags "iu"). Only the syntax both
 *             engines read alike is accepted: no backreferences, possessive quantifiers, atomic
 *             groups, recursion, conditionals, inline flags, \A \Z \z \G \K \Q \h \R \X \p,
 *             POSIX classes or (?P< groups; and no nested unbounded quantifiers such as (a+)+,
 *             which can backtrack for hours on a crafted email ("catastrophic backtracking").
 *
 * @since 0.2.0
 */
final class Pattern {

	public const EXACT    = 'exact';
	public const WILDCARD = 'wildcard';
	public const REGEX    = 'regex';

	/** Every match type. */
	public const MATCH_TYPES = array( self::EXACT, self::WILDCARD, self::REGEX );

	/** Longest pattern accepted, in characters (the column is varchar(500)). */
	public const MAX_LENGTH = 500;

	/** Problem codes returned by problem(); the service layer turns them into sentences. */
	public const PROBLEM_EMPTY       = 'empty';
	public const PROBLEM_TOO_LONG    = 'too_long';
	public const PROBLEM_CONTROL     = 'control_characters';
	public const PROBLEM_MATCH_TYPE  = 'unknown_match_type';
	public const PROBLEM_INVALID     = 'regex_invalid';
	public const PROBLEM_UNSUPPORTED = 'regex_unsupported';
	public const PROBLEM_RUNAWAY     = 'regex_runaway';

	/** Backtracking budget of the probe runs; a safe pattern needs a tiny fraction of it. */
	private const PROBE_BACKTRACK_LIMIT = 50000;

	/** Constructs refused because PCRE and JavaScript read them differently (or one lacks them). */
	private const UNSUPPORTED = array(
		'/\\\\[1-9]/'                   => '\\1 (backreference)',
		'/\\\\k</'                      => '\\k< (named backreference)',
		'/\\(\\?>/'                     => '(?> (atomic group)',
		'/\\(\\?[0-9R&+-]/'             => '(?R) (recursion)',
		'/\\(\\?\\(/'                   => '(?( (conditional)',
		'/\\(\\?P[<=>]/'                => '(?P (PCRE named group)',
		'/\\(\\?[a-zA-Z^-]+[:)]/'       => '(?i) (inline flags)',
		'/\\\\[AZzGKQEhHRXpPC]/'        => 'PCRE-only escape (\\A, \\Z, \\z, \\G, \\K, \\Q, \\h, \\R, \\X, \\p)',
		'/\\[\\[:[a-z]+:\\]\\]/'        => '[[:alpha:]] (POSIX class)',
		'/(?<!\\\\)[*+?}]\\+/'          => 'possessive quantifier (*+, ++, ?+)',
		'/\\(\\*[A-Z_]+/'               => '(*VERB) (PCRE control verb)',
	);

	/**
	 * What is wrong with a pattern, as a PROBLEM_* code, or null when it may be saved.
	 *
	 * @since 0.2.0
	 * @param string $match_type One of MATCH_TYPES.
	 * @param string $pattern    The pattern as typed.
	 * @param string $detail     Set to the engine's message or the refused construct.
	 */
	public static function problem( string $match_type, string $pattern, ?string &$detail = null ): ?string {
		$detail = '';
		if ( ! in_array( $match_type, self::MATCH_TYPES, true ) ) {
			return self::PROBLEM_MATCH_TYPE;
		}
		if ( '' === trim( $pattern ) ) {
			return self::PROBLEM_EMPTY;
		}
		if ( self::length( $pattern ) > self::MAX_LENGTH ) {
			return self::PROBLEM_TOO_LONG;
		}
		if ( 1 === preg_match( '/[\x00-\x1f\x7f]/', $pattern ) ) {
			return self::PROBLEM_CONTROL;
		}
		if ( self::REGEX !== $match_type ) {
			return null;
		}
		foreach ( self::UNSUPPORTED as $construct => $name ) {
			if ( 1 === preg_match( $construct, $pattern ) ) {
				$detail = $name;
				return self::PROBLEM_UNSUPPORTED;
			}
		}
		$jit   = ini_get( 'pcre.jit' );
		$limit = ini_get( 'pcre.backtrack_limit' );
		// The interpreter honours backtrack_limit exactly (the JIT counts differently), and PHP
		// caches each compiled pattern with its JIT flag, so the JIT is off from the first compile.
		ini_set( 'pcre.jit', '0' ); // phpcs:ignore WordPress.PHP.IniSet.Risky
		try {
			$compile_error = self::compile_error( $pattern );
			if ( null !== $compile_error ) {
				$detail = $compile_error;
				return self::PROBLEM_INVALID;
			}
			ini_set( 'pcre.backtrack_limit', (string) self::PROBE_BACKTRACK_LIMIT ); // phpcs:ignore WordPress.PHP.IniSet.Risky
			if ( self::has_nested_quantifier( $pattern ) || self::backtracks_away( $pattern ) ) {
				return self::PROBLEM_RUNAWAY;
			}
			return null;
		} finally {
			ini_set( 'pcre.jit', false === $jit ? '1' : $jit ); // phpcs:ignore WordPress.PHP.IniSet.Risky
			ini_set( 'pcre.backtrack_limit', false === $limit ? '1000000' : $limit ); // phpcs:ignore WordPress.PHP.IniSet.Risky
		}
	}

	/**
	 * Whether a value matches a (valid) pattern. A regex that fails at run time does not match.
	 *
	 * @since 0.2.0
	 * @param string $match_type One of MATCH_TYPES.
	 * @param string $pattern    Pattern.
	 * @param string $value      Value to test, e.g. an address or a subject.
	 */
	public static function matches( string $match_type, string $pattern, string $value ): bool {
		switch ( $match_type ) {
			case self::EXACT:
				return self::lower( trim( $pattern ) ) === self::lower( trim( $value ) );
			case self::WILDCARD:
				$parts = array_map( static fn ( string $p ): string => preg_quote( $p, "\x01" ), explode( '*', trim( $pattern ) ) );
				return 1 === preg_match( "\x01^" . implode( '.*', $parts ) . "$\x01isu", trim( $value ) );
			case self::REGEX:
				return 1 === @preg_match( self::delimit( $pattern ), $value ); // phpcs:ignore WordPress.PHP.NoSilencedErrors.Discouraged -- a bad pattern simply does not match.
			default:
				return false;
		}
	}

	/**
	 * The PCRE form of a stored regex.
	 *
	 * @param string $pattern Pattern without delimiters.
	 */
	private static function delimit( string $pattern ): string {
		// \x01 never occurs in a saved pattern (control characters are refused), so it is a safe delimiter.
		return "\x01" . $pattern . "\x01iu";
	}

	/**
	 * The compiler's complaint about a pattern, or null when it compiles.
	 *
	 * @param string $pattern Pattern without delimiters.
	 */
	private static function compile_error( string $pattern ): ?string {
		$message = null;
		// phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_set_error_handler -- captures the compiler's message.
		set_error_handler(
			static function ( int $errno, string $errstr ) use ( &$message ): bool {
				$message = (string) preg_replace( '/^preg_match\(\): /', '', $errstr );
				return true;
			}
		);
		try {
			$result = preg_match( self::delimit( $pattern ), '' );
		} finally {
			restore_error_handler();
		}
		if ( false === $result ) {
			return $message ?? 'the pattern does not compile';
		}
		return null;
	}

	/**
	 * Finds a group that holds an unbounded quantifier and is itself repeated without bound,
	 * such as (a+)+, (\w*\s?)* or (x|y+){2,} — the shapes behind catastrophic backtracking.
	 *
	 * @param string $pattern Pattern without delimiters.
	 */
	private static function has_nested_quantifier( string $pattern ): bool {
		$length = strlen( $pattern );
		// For each open group: whether something inside repeats without bound.
		$stack    = array();
		$in_class = false;
		for ( $i = 0; $i < $length; $i++ ) {
			$c = $pattern[ $i ];
			if ( '\\' === $c ) {
				// An escaped atom such as \w or \.; its quantifier follows the escaped character.
				++$i;
				if ( ! $in_class && array() !== $stack && self::is_unbounded( $pattern, $i + 1 ) ) {
					$stack[ count( $stack ) - 1 ] = true;
				}
				continue;
			}
			if ( $in_class ) {
				$in_class = ']' !== $c;
				if ( ! $in_class && array() !== $stack && self::is_unbounded( $pattern, $i + 1 ) ) {
					$stack[ count( $stack ) - 1 ] = true;
				}
				continue;
			}
			if ( '[' === $c ) {
				$in_class = true;
				// A leading ] is a literal inside the class.
				if ( ']' === ( $pattern[ $i + 1 ] ?? '' ) ) {
					++$i;
				}
				continue;
			}
			if ( '(' === $c ) {
				$stack[] = false;
				continue;
			}
			if ( ')' === $c ) {
				$inner_unbounded = (bool) array_pop( $stack );
				$repeated        = self::is_unbounded( $pattern, $i + 1 );
				if ( $inner_unbounded && $repeated ) {
					return true;
				}
				if ( array() !== $stack && ( $inner_unbounded || $repeated ) ) {
					$stack[ count( $stack ) - 1 ] = true;
				}
				continue;
			}
			if ( array() !== $stack && self::is_unbounded( $pattern, $i + 1 ) && ! in_array( $c, array( '*', '+', '?', '{', '|' ), true ) ) {
				$stack[ count( $stack ) - 1 ] = true;
			}
		}
		return false;
	}

	/**
	 * Whether the quantifier starting at $offset (if any) repeats without a small bound.
	 *
	 * @param string $pattern Pattern.
	 * @param int    $offset  Position right after an atom.
	 */
	private static function is_unbounded( string $pattern, int $offset ): bool {
		$c = $pattern[ $offset ] ?? '';
		if ( '*' === $c || '+' === $c ) {
			return true;
		}
		if ( '{' === $c && 1 === preg_match( '/\G\{(\d*)(,(\d*))?\}/', $pattern, $m, 0, $offset ) ) {
			if ( ! isset( $m[2] ) ) {
				return (int) $m[1] > 10;
			}
			return '' === ( $m[3] ?? '' ) || (int) $m[3] > 10;
		}
		return false;
	}

	/**
	 * Runs the pattern over hostile inputs with a small backtracking budget (set by the caller);
	 * a pattern that exhausts it would stall the pipeline on a crafted email.
	 *
	 * @param string $pattern Pattern without delimiters.
	 */
	private static function backtracks_away( string $pattern ): bool {
		$alphabet = array_unique( array_merge( array( 'a', '1', ' ', '.', '@', '-', '_', 'x' ), str_split( (string) preg_replace( '/[^a-z0-9@. _-]/i', '', $pattern ) ) ) );
		foreach ( $alphabet as $char ) {
			foreach ( array( str_repeat( $char, 2000 ) . '!', str_repeat( $char . ' ', 1000 ) . "\u{2603}" ) as $probe ) {
				// phpcs:ignore WordPress.PHP.NoSilencedErrors.Discouraged
				if ( false === @preg_match( self::delimit( $pattern ), $probe ) && PREG_BACKTRACK_LIMIT_ERROR === preg_last_error() ) {
					return true;
				}
			}
		}
		return false;
	}

	/**
	 * Multibyte-safe length.
	 *
	 * @param string $value Text.
	 */
	private static function length( string $value ): int {
		return function_exists( 'mb_strlen' ) ? mb_strlen( $value, 'UTF-8' ) : strlen( $value );
	}

	/**
	 * Multibyte-safe lower case.
	 *
	 * @param string $value Text.
	 */
	private static function lower( string $value ): string {
		return function_exists( 'mb_strtolower' ) ? mb_strtolower( $value, 'UTF-8' ) : strtolower( $value );
	}
}
