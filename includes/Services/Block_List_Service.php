<?php
/**
 * Block lists by sender and subject.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Services;

use Email_Piping\Data\Block_Pattern_Repository;
use Email_Piping\Domain\Pattern;
use Email_Piping\Exception\Validation_Exception;

defined( 'ABSPATH' ) || exit;

/**
 * Validates and stores block patterns. The sidecar skips an email whose sender (kind "sender",
 * matched against the lower-case address) or subject (kind "subject") matches any pattern.
 *
 * @since 0.2.0
 */
final class Block_List_Service {

	/** What a pattern is matched against. */
	public const KINDS = array( 'sender', 'subject' );

	/** Longest subject tested, in UTF-16 units, as in the sidecar (MAX_VALUE_LENGTH). */
	private const MAX_SUBJECT_UNITS = 1000;

	/**
	 * SupportCandy's default block lists (reference §1.2), in our pattern forms: its "/…/i"
	 * regexes become case-insensitive regexes without delimiters, its plain lines (which it
	 * matched anywhere in the subject) become *…* wildcards.
	 *
	 * @var array<int, array{0: string, 1: string, 2: string}> kind, pattern, match type.
	 */
	public const DEFAULTS = array(
		array( 'sender', 'no(t)?[-_]?reply@', 'regex' ),
		array( 'sender', 'mail(er)?[-_]daemon@', 'regex' ),
		array( 'subject', '^[\[(]?auto(mat(ic|ed))?[\s-]?reply', 'regex' ),
		array( 'subject', '^out of office', 'regex' ),
		array( 'subject', 'delivery status notification \(failure\)', 'regex' ),
		array( 'subject', 'returned mail: see transcript for details', 'regex' ),
		array( 'subject', '*delivery failure*', 'wildcard' ),
		array( 'subject', '*undelivered mail returned to sender*', 'wildcard' ),
	);

	/**
	 * Wires the repository.
	 *
	 * @since 0.2.0
	 * @param Block_Pattern_Repository $patterns Storage.
	 */
	public function __construct( private Block_Pattern_Repository $patterns ) {}

	/**
	 * Patterns, optionally of one kind.
	 *
	 * @since 0.2.0
	 * @param string|null $kind sender | subject | null.
	 * @return array<int, array<string, mixed>>
	 */
	public function list( ?string $kind ): array {
		return $this->patterns->list( $kind );
	}

	/**
	 * One pattern, or null.
	 *
	 * @since 0.2.0
	 * @param int $id Pattern id.
	 * @return array<string, mixed>|null
	 */
	public function get( int $id ): ?array {
		return $this->patterns->find( $id );
	}

	/**
	 * Adds a pattern after checking it.
	 *
	 * @since 0.2.0
	 * @param string $kind       sender | subject.
	 * @param string $pattern    Pattern.
	 * @param string $match_type exact | wildcard | regex.
	 * @return array<string, mixed> The stored pattern.
	 * @throws Validation_Exception When the pattern is unusable.
	 */
	public function create( string $kind, string $pattern, string $match_type ): array {
		$this->validate( $pattern, $match_type );
		return (array) $this->patterns->find( $this->patterns->insert( $kind, trim( $pattern ), $match_type ) );
	}

	/**
	 * Changes a pattern after checking it.
	 *
	 * @since 0.2.0
	 * @param int    $id         Pattern id.
	 * @param string $kind       sender | subject.
	 * @param string $pattern    Pattern.
	 * @param string $match_type exact | wildcard | regex.
	 * @return array<string, mixed> The stored pattern.
	 * @throws Validation_Exception When the pattern is unusable.
	 */
	public function update( int $id, string $kind, string $pattern, string $match_type ): array {
		$this->validate( $pattern, $match_type );
		$this->patterns->update( $id, $kind, trim( $pattern ), $match_type );
		return (array) $this->patterns->find( $id );
	}

	/**
	 * Deletes a pattern.
	 *
	 * @since 0.2.0
	 * @param int $id Pattern id.
	 */
	public function delete( int $id ): void {
		$this->patterns->delete( $id );
	}

	/**
	 * Adds SupportCandy's defaults to an empty block list (first install).
	 *
	 * @since 0.2.0
	 */
	public function seed_defaults(): void {
		if ( $this->patterns->count() > 0 ) {
			return;
		}
		foreach ( self::DEFAULTS as $default ) {
			$this->patterns->insert( $default[0], $default[1], $default[2] );
		}
	}

	/**
	 * What the sidecar would do with an email from this sender with this subject: the first
	 * pattern each list matches, and the reason the email is skipped (the sender list is tried
	 * first, as in sidecar/src/pipeline/patterns.ts blockedBy()).
	 *
	 * Values are prepared as the sidecar prepares them: the address lower-cased, without
	 * invisible characters, tried with its domain as typed, as punycode and as Unicode; the
	 * subject without invisible characters and cut to 1,000 UTF-16 units.
	 *
	 * @since 0.3.0
	 * @param string $sender  Sender address ('' to leave it out).
	 * @param string $subject Subject ('' to leave it out).
	 * @return array{blocked: string|null, sender: array<string, mixed>|null, subject: array<string, mixed>|null}
	 */
	public function check( string $sender, string $subject ): array {
		$patterns      = $this->patterns->list( null );
		$sender_match  = '' === trim( $sender ) ? null : self::first_match( $patterns, 'sender', self::address_forms( $sender ) );
		$subject_match = '' === $subject ? null : self::first_match( $patterns, 'subject', array( self::subject_form( $subject ) ) );
		$blocked = null;
		if ( null !== $sender_match ) {
			$blocked = 'blocked_sender';
		} elseif ( null !== $subject_match ) {
			$blocked = 'blocked_subject';
		}
		return array(
			'blocked' => $blocked,
			'sender'  => $sender_match,
			'subject' => $subject_match,
		);
	}

	/**
	 * The first pattern of a kind that matches any of the values, in the list's order.
	 *
	 * @param array<int, array<string, mixed>> $patterns Stored patterns.
	 * @param string                           $kind     sender | subject.
	 * @param array<int, string>               $values   Forms of the value to test.
	 * @return array<string, mixed>|null
	 */
	private static function first_match( array $patterns, string $kind, array $values ): ?array {
		foreach ( $patterns as $p ) {
			if ( $kind !== $p['kind'] ) {
				continue;
			}
			foreach ( $values as $value ) {
				if ( Pattern::matches( (string) $p['match_type'], (string) $p['pattern'], $value ) ) {
					return $p;
				}
			}
		}
		return null;
	}

	/**
	 * The forms of an address patterns are tried on (sidecar: addressForms()).
	 *
	 * @param string $address Address as typed.
	 * @return array<int, string>
	 */
	private static function address_forms( string $address ): array {
		$clean = mb_strtolower( trim( self::without_invisible( $address ) ), 'UTF-8' );
		$at    = strrpos( $clean, '@' );
		if ( false === $at ) {
			return array( $clean );
		}
		$local  = substr( $clean, 0, $at );
		$domain = substr( $clean, $at + 1 );
		$forms  = array( $clean );
		if ( function_exists( 'idn_to_ascii' ) && function_exists( 'idn_to_utf8' ) && '' !== $domain ) {
			foreach ( array( idn_to_ascii( $domain, IDNA_DEFAULT, INTL_IDNA_VARIANT_UTS46 ), idn_to_utf8( $domain, IDNA_DEFAULT, INTL_IDNA_VARIANT_UTS46 ) ) as $converted ) {
				if ( is_string( $converted ) && '' !== $converted ) {
					$forms[] = $local . '@' . mb_strtolower( $converted, 'UTF-8' );
				}
			}
		}
		return array_values( array_unique( $forms ) );
	}

	/**
	 * The subject as the sidecar tests it: invisible characters removed, 1,000 UTF-16 units at most.
	 *
	 * @param string $subject Subject.
	 */
	private static function subject_form( string $subject ): string {
		$clean = self::without_invisible( $subject );
		$utf16 = (string) mb_convert_encoding( $clean, 'UTF-16LE', 'UTF-8' );
		if ( strlen( $utf16 ) <= 2 * self::MAX_SUBJECT_UNITS ) {
			return $clean;
		}
		return (string) mb_convert_encoding( substr( $utf16, 0, 2 * self::MAX_SUBJECT_UNITS ), 'UTF-8', 'UTF-16LE' );
	}

	/**
	 * Removes the zero-width and formatting characters the sidecar removes.
	 *
	 * @param string $value Text.
	 */
	private static function without_invisible( string $value ): string {
		return (string) preg_replace( '/[\x{00ad}\x{034f}\x{061c}\x{115f}\x{1160}\x{17b4}\x{17b5}\x{180e}\x{200b}-\x{200f}\x{202a}-\x{202e}\x{2060}-\x{206f}\x{3164}\x{fe00}-\x{fe0f}\x{feff}]/u', '', $value );
	}

	/**
	 * Throws unless the pattern may be saved.
	 *
	 * @param string $pattern    Pattern.
	 * @param string $match_type Match type.
	 * @throws Validation_Exception Naming the field.
	 */
	private function validate( string $pattern, string $match_type ): void {
		$detail  = '';
		$problem = Pattern::problem( $match_type, $pattern, $detail );
		if ( null !== $problem ) {
			throw new Validation_Exception( array( Pattern::PROBLEM_MATCH_TYPE === $problem ? 'match_type' : 'pattern' => Messages::pattern_problem( $problem, (string) $detail ) ) );
		}
	}
}
