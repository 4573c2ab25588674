<?php
/**
 * Dependencies of the block's editor script (plain JavaScript, no build step).
 *
 * @package Email_Piping
 */

return array(
	'dependencies' => array( 'wp-blocks', 'wp-element', 'wp-i18n', 'wp-block-editor' ),
	'version'      => '0.3.0',
);
