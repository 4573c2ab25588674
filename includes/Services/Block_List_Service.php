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
	 * Whether an address or subject matches any pattern of the kind.
	 *
	 * @since 0.2.0
	 * @param string $kind  sender | subject.
	 * @param string $value Address or subject.
	 */
	public function matches( string $kind, string $value ): bool {
		foreach ( $this->patterns->list( $kind ) as $p ) {
			if ( Pattern::matches( (string) $p['match_type'], (string) $p['pattern'], $value ) ) {
				return true;
			}
		}
		return false;
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
