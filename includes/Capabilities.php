<?php
/**
 * The plugin's capabilities and their default roles.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping;

defined( 'ABSPATH' ) || exit;

/**
 * Capability names, granted to roles on activation.
 *
 * @since 0.1.0
 */
final class Capabilities {

	/** Configure connections, rules and settings. */
	public const MANAGE = 'epipe_manage';

	/** See and answer tickets. */
	public const WORK_TICKETS = 'epipe_work_tickets';

	/**
	 * Gives administrators both capabilities and editors ticket work.
	 *
	 * @since 0.1.0
	 */
	public static function grant_defaults(): void {
		$admin = get_role( 'administrator' );
		if ( $admin ) {
			$admin->add_cap( self::MANAGE );
			$admin->add_cap( self::WORK_TICKETS );
		}
		$editor = get_role( 'editor' );
		if ( $editor ) {
			$editor->add_cap( self::WORK_TICKETS );
		}
	}

	/**
	 * Removes both capabilities from every role (uninstall).
	 *
	 * @since 0.1.0
	 */
	public static function revoke_all(): void {
		foreach ( wp_roles()->role_objects as $role ) {
			$role->remove_cap( self::MANAGE );
			$role->remove_cap( self::WORK_TICKETS );
		}
	}
}
