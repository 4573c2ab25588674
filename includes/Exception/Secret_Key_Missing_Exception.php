<?php
/**
 * A secret must be stored but EPIPE_SECRET_KEY is not configured.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Exception;

defined( 'ABSPATH' ) || exit;

/**
 * Raised instead of ever storing a secret in clear.
 *
 * @since 0.2.0
 */
final class Secret_Key_Missing_Exception extends \RuntimeException {
}
