<?php
/**
 * Router for `php -S`: the built-in server ignores .htaccess, so pretty permalinks and /wp-json/
 * must be sent to index.php here. Real files and directories with an index.php are served as is.
 */
$epipe_root = $_SERVER['DOCUMENT_ROOT'];
$epipe_path = urldecode( (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) );
if ( '/' !== $epipe_path && file_exists( $epipe_root . $epipe_path ) ) {
	if ( is_dir( $epipe_root . $epipe_path ) ) {
		if ( '/' !== substr( $epipe_path, -1 ) ) {
			$epipe_qs = $_SERVER['QUERY_STRING'] ?? '';
			header( 'Location: ' . $epipe_path . '/' . ( '' !== $epipe_qs ? '?' . $epipe_qs : '' ), true, 301 );
			return true;
		}
		if ( file_exists( $epipe_root . $epipe_path . 'index.php' ) ) {
			return false; // The built-in server runs DIR/index.php itself.
		}
	} else {
		return false; // A real .php or static file.
	}
}
$_SERVER['SCRIPT_NAME']     = '/index.php';
$_SERVER['PHP_SELF']        = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $epipe_root . '/index.php';
chdir( $epipe_root );
require $epipe_root . '/index.php';
