<?php
/**
 * Test and demo stacks only: creates the IMAP connection for the support mailbox through the
 * plugin's own service, so the password is sealed exactly as an admin's would be.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

add_action(
	'epipe_test_stack_installed',
	static function ( array $stack ): void {
		$id = \Email_Piping\Plugin::instance()->connections()->create_imap(
			array(
				'name'            => 'Demo support mailbox',
				'host'            => $stack['imap_host'],
				'port'            => $stack['imap_port'],
				'security'        => $stack['imap_security'],
				'ca_file'         => $stack['ca_file'],
				'username'        => $stack['imap_user'],
				'password'        => $stack['imap_password'],
				'mailbox_address' => $stack['email'],
				// The demo and the tests pipe mail that may arrive before the sidecar first runs.
				'start_from'      => 'all',
			)
		);
		echo 'created demo connection #' . (int) $id . "\n";
	}
);
