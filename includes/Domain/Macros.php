<?php
/**
 * {{macro}} replacement in notification templates.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Domain;

defined( 'ABSPATH' ) || exit;

/**
 * Replaces {{name}} placeholders in one pass.
 *
 * One pass matters: values come from emails, and a customer who writes "{{customer_email}}"
 * in a message must see exactly that in the notification, not another participant's data.
 *
 * @since 0.2.0
 */
final class Macros {

	/**
	 * Renders a template.
	 *
	 * @since 0.2.0
	 * @param string                $template Text with {{name}} placeholders.
	 * @param array<string, string> $values   Values by macro name (without braces).
	 */
	public static function render( string $template, array $values ): string {
		$pairs = array();
		foreach ( $values as $name => $value ) {
			$pairs[ '{{' . $name . '}}' ] = $value;
		}
		return strtr( $template, $pairs );
	}

	/**
	 * Macro names used in a template, for validation.
	 *
	 * @since 0.2.0
	 * @param string $template Text.
	 * @return string[]
	 */
	public static function used( string $template ): array {
		preg_match_all( '/\{\{([a-z_]+)\}\}/', $template, $m );
		return array_values( array_unique( $m[1] ) );
	}
}
