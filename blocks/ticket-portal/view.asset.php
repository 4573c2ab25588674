<?php
/**
 * Dependencies of the block's view script (none: it runs on the public page).
 *
 * @package Email_Piping
 */

return array(
	'dependencies' => array(),
	'version'      => '0.3.0',
);
