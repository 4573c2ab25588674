<?php
/**
 * Piping rules.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Services;

use Email_Piping\Data\Job_Repository;
use Email_Piping\Data\Rule_Repository;
use Email_Piping\Domain\Pattern;
use Email_Piping\Exception\Validation_Exception;

defined( 'ABSPATH' ) || exit;

/**
 * Ordered rules that set fields of new tickets (contract with the sidecar, which applies them):
 *
 * - Rules are tried in `position` order; disabled rules are skipped.
 * - A rule matches when ALL its conditions match. A condition compares `field`
 *   ("forwarding_address": the forwarding address the email came through, "from": the
 *   sender's lower-case address, "from_name": the sender's display name, "recipients": any of
 *   its To and Cc addresses, "subject", "body": the chosen text body, "header:<Name>": any
 *   value of that header) with `value` by `match` (exact | wildcard | regex, see Domain\Pattern).
 * - The first matching rule's actions apply; then matching stops unless the rule has
 *   continue_matching, in which case later matches apply too (a later field value wins,
 *   add_recipients accumulate).
 * - actions: {priority?, status?, category?, assignee_id?, add_recipients?: string[]}.
 *
 * @since 0.2.0
 */
final class Rule_Service {

	/** Condition fields of one value each, and "recipients" (any To or Cc address). */
	public const FIELDS = array( 'forwarding_address', 'from', 'from_name', 'recipients', 'subject', 'body' );

	/** A valid condition field: one of FIELDS, or "header:" and a header name (any of its values). */
	public const FIELD_PATTERN = '^(forwarding_address|from|from_name|recipients|subject|body|header:[A-Za-z0-9-]{1,76})$';

	/** Most conditions per rule. */
	public const MAX_CONDITIONS = 20;

	/**
	 * Wires the repositories.
	 *
	 * @since 0.2.0
	 * @param Rule_Repository  $rules Storage.
	 * @param Job_Repository   $jobs  Sidecar jobs (rule tester).
	 * @param Settings_Service $settings Settings (categories).
	 */
	public function __construct( private Rule_Repository $rules, private Job_Repository $jobs, private Settings_Service $settings ) {}

	/**
	 * Every rule in order.
	 *
	 * @since 0.2.0
	 * @return array<int, array<string, mixed>>
	 */
	public function list(): array {
		return $this->rules->list();
	}

	/**
	 * One rule, or null.
	 *
	 * @since 0.2.0
	 * @param int $id Rule id.
	 * @return array<string, mixed>|null
	 */
	public function get( int $id ): ?array {
		return $this->rules->find( $id );
	}

	/**
	 * Adds a rule at the end.
	 *
	 * @since 0.2.0
	 * @param array<string, mixed> $input Rule fields (schema-valid).
	 * @return array<string, mixed>
	 * @throws Validation_Exception When a pattern or action is unusable.
	 */
	public function create( array $input ): array {
		$rule = $this->validate( $input );
		return (array) $this->rules->find( $this->rules->insert( $rule ) );
	}

	/**
	 * Replaces a rule's fields; fields left out keep their values.
	 *
	 * @since 0.2.0
	 * @param int                  $id    Rule id.
	 * @param array<string, mixed> $input Rule fields (schema-valid).
	 * @return array<string, mixed>
	 * @throws Validation_Exception When a pattern or action is unusable.
	 */
	public function update( int $id, array $input ): array {
		$current = (array) $this->rules->find( $id );
		$rule    = $this->validate( $input + $current );
		$this->rules->update( $id, $rule );
		return (array) $this->rules->find( $id );
	}

	/**
	 * Deletes a rule.
	 *
	 * @since 0.2.0
	 * @param int $id Rule id.
	 */
	public function delete( int $id ): void {
		$this->rules->delete( $id );
	}

	/**
	 * Puts the rules in a new order.
	 *
	 * @since 0.2.0
	 * @param int[] $ids Every rule id exactly once.
	 * @return array<int, array<string, mixed>>
	 * @throws Validation_Exception When the list is not a permutation of the rules.
	 */
	public function reorder( array $ids ): array {
		$existing = array_map( static fn ( array $r ): int => (int) $r['id'], $this->rules->list() );
		$given    = array_map( 'intval', $ids );
		$sorted_a = $existing;
		$sorted_b = $given;
		sort( $sorted_a );
		sort( $sorted_b );
		if ( $sorted_a !== $sorted_b ) {
			throw new Validation_Exception( array( 'ids' => __( 'List every rule id exactly once.', 'email-piping' ) ) );
		}
		$this->rules->reorder( $given );
		return $this->rules->list();
	}

	/**
	 * Asks the sidecar to run the real pipeline, rules included, on a pasted email.
	 *
	 * @since 0.2.0
	 * @param string   $raw           The email source (RFC 5322).
	 * @param int|null $connection_id Connection whose settings apply.
	 * @return int Job id.
	 */
	public function test( string $raw, ?int $connection_id ): int {
		return $this->jobs->insert( 'test_rules', $connection_id, array( 'raw' => $raw ) );
	}

	/**
	 * Checks patterns and actions, and returns the rule to store.
	 *
	 * @param array<string, mixed> $input Rule fields.
	 * @return array{name: string, enabled: bool, conditions: array<int, array<string, string>>, actions: array<string, mixed>, continue_matching: bool}
	 * @throws Validation_Exception Naming each invalid field.
	 */
	private function validate( array $input ): array {
		$errors     = array();
		$conditions = array();
		foreach ( array_values( (array) ( $input['conditions'] ?? array() ) ) as $i => $condition ) {
			$detail  = '';
			$match   = (string) ( $condition['match'] ?? '' );
			$value   = (string) ( $condition['value'] ?? '' );
			$problem = Pattern::problem( $match, $value, $detail );
			if ( null !== $problem ) {
				$errors[ "conditions[{$i}][value]" ] = Messages::pattern_problem( $problem, (string) $detail );
			}
			$field = (string) ( $condition['field'] ?? '' );
			if ( 1 !== preg_match( '/' . self::FIELD_PATTERN . '/', $field ) ) {
				$errors[ "conditions[{$i}][field]" ] = __( 'Choose what the condition looks at: the forwarding address, the sender, their name, a recipient, the subject, the body, or a header given as header:Name (letters, digits and dashes).', 'email-piping' );
			}
			$conditions[] = array(
				'field' => $field,
				'match' => $match,
				'value' => trim( $value ),
			);
		}
		if ( array() === $conditions ) {
			$errors['conditions'] = __( 'Add at least one condition.', 'email-piping' );
		}
		$actions = array();
		foreach ( (array) ( $input['actions'] ?? array() ) as $key => $value ) {
			if ( null === $value || '' === $value || array() === $value ) {
				continue;
			}
			$actions[ $key ] = $value;
		}
		if ( isset( $actions['assignee_id'] ) ) {
			$actions['assignee_id'] = (int) $actions['assignee_id'];
			$problem                = Ticket_Service::assignee_problem( $actions['assignee_id'] );
			if ( null !== $problem ) {
				$errors['actions[assignee_id]'] = $problem;
			}
		}
		if ( isset( $actions['category'] ) ) {
			$actions['category'] = sanitize_text_field( (string) $actions['category'] );
			$problem             = Ticket_Service::category_problem( $actions['category'], (array) $this->settings->get( 'categories' ) );
			if ( null !== $problem ) {
				$errors['actions[category]'] = $problem;
			}
		}
		if ( isset( $actions['add_recipients'] ) ) {
			$actions['add_recipients'] = array_values( array_unique( array_map( static fn ( $a ): string => strtolower( trim( (string) $a ) ), (array) $actions['add_recipients'] ) ) );
		}
		if ( array() === $actions ) {
			$errors['actions'] = __( 'Choose at least one action.', 'email-piping' );
		}
		if ( array() !== $errors ) {
			throw new Validation_Exception( $errors );
		}
		return array(
			'name'              => sanitize_text_field( (string) ( $input['name'] ?? '' ) ),
			'enabled'           => (bool) ( $input['enabled'] ?? true ),
			'conditions'        => $conditions,
			'actions'           => $actions,
			'continue_matching' => (bool) ( $input['continue_matching'] ?? false ),
		);
	}
}
