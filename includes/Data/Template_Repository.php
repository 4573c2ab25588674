<?php
/**
 * Stores edited notification templates.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Data;

use Email_Piping\Install\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * All SQL about epipe_templates; a template without a row uses its built-in text.
 *
 * @since 0.2.0
 */
final class Template_Repository {

	/**
	 * Every edited template by name.
	 *
	 * @since 0.2.0
	 * @return array<string, array{enabled: bool, subject: string, body: string, updated_at: string}>
	 */
	public function all(): array {
		global $wpdb;
		$table = Schema::table( 'templates' );
		$rows  = $wpdb->get_results( "SELECT * FROM {$table}", ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$out   = array();
		foreach ( is_array( $rows ) ? $rows : array() as $row ) {
			$out[ (string) $row['name'] ] = array(
				'enabled'    => 1 === (int) $row['enabled'],
				'subject'    => (string) $row['subject'],
				'body'       => (string) $row['body'],
				'updated_at' => (string) $row['updated_at'],
			);
		}
		return $out;
	}

	/**
	 * Saves a template.
	 *
	 * @since 0.2.0
	 * @param string $name    Template name.
	 * @param bool   $enabled Whether it is sent.
	 * @param string $subject Subject.
	 * @param string $body    Body.
	 */
	public function put( string $name, bool $enabled, string $subject, string $body ): void {
		global $wpdb;
		$ok = $wpdb->replace(
			Schema::table( 'templates' ),
			array(
				'name'       => $name,
				'enabled'    => $enabled ? 1 : 0,
				'subject'    => $subject,
				'body'       => $body,
				'updated_at' => current_time( 'mysql', true ),
			)
		);
		Transaction::check( $ok, 'template ' . $name );
	}

	/**
	 * Goes back to the built-in text.
	 *
	 * @since 0.2.0
	 * @param string $name Template name.
	 */
	public function delete( string $name ): void {
		global $wpdb;
		$wpdb->delete( Schema::table( 'templates' ), array( 'name' => $name ) );
	}
}
