<?php
/**
 * Invalid input, field by field.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Exception;

defined( 'ABSPATH' ) || exit;

/**
 * Thrown by services when input breaks a rule the REST schema cannot express (a regex that does
 * not compile, a category that is not configured …). Controllers turn it into a 400 whose
 * data.params names each field, like WordPress's own rest_invalid_param.
 *
 * @since 0.2.0
 */
final class Validation_Exception extends \InvalidArgumentException {

	/**
	 * Messages by field path (e.g. "conditions[0].value").
	 *
	 * @var array<string, string>
	 */
	private array $errors;

	/**
	 * Creates the exception.
	 *
	 * @since 0.2.0
	 * @param array<string, string> $errors Messages by field.
	 */
	public function __construct( array $errors ) {
		parent::__construct( implode( ' ', $errors ) );
		$this->errors = $errors;
	}

	/**
	 * Messages by field.
	 *
	 * @since 0.2.0
	 * @return array<string, string>
	 */
	public function errors(): array {
		return $this->errors;
	}
}
