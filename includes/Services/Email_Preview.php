<?php
/**
 * A quarantined email as an admin may read it: headers and plain text, never markup.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Services;

defined( 'ABSPATH' ) || exit;

/**
 * Reads the start of a raw email (perhaps one the sidecar could not parse) just enough to show
 * it: its headers decoded, and its text part, or its HTML part reduced to text. The admin panel
 * shows both as text, so nothing in the email is ever rendered as HTML.
 *
 * @since 0.3.0
 */
final class Email_Preview {

	/** Headers returned at most. */
	private const MAX_HEADERS = 200;

	/** Characters of one header value returned at most. */
	private const MAX_HEADER_CHARS = 2000;

	/** Characters of text returned at most. */
	private const MAX_TEXT_CHARS = 20000;

	/** MIME nesting followed at most. */
	private const MAX_DEPTH = 5;

	/**
	 * The email's top-level headers in order, unfolded and decoded (RFC 2047).
	 *
	 * @since 0.3.0
	 * @param string $raw Start of the raw email.
	 * @return array<int, array{name: string, value: string}>
	 */
	public static function headers( string $raw ): array {
		$out = array();
		foreach ( self::parse_headers( self::split( $raw )[0] ) as $header ) {
			$out[] = array(
				'name'  => $header[0],
				'value' => self::clip( self::decode_header( $header[1] ), self::MAX_HEADER_CHARS ),
			);
			if ( count( $out ) >= self::MAX_HEADERS ) {
				break;
			}
		}
		return $out;
	}

	/**
	 * The email's text: its first text/plain part, else its first text/html part as text.
	 *
	 * @since 0.3.0
	 * @param string $raw Start of the raw email.
	 * @return array{source: string, body: string} source: plain, html or none.
	 */
	public static function text( string $raw ): array {
		$found = self::find_text( $raw, 0 );
		if ( null === $found ) {
			return array(
				'source' => 'none',
				'body'   => '',
			);
		}
		$body = 'html' === $found['source'] ? self::html_to_text( $found['body'] ) : $found['body'];
		return array(
			'source' => $found['source'],
			'body'   => self::clip( trim( str_replace( "\r\n", "\n", $body ) ), self::MAX_TEXT_CHARS ),
		);
	}

	/**
	 * The decoded text of the best part of an entity, or null.
	 *
	 * @param string $entity Headers and body of one MIME entity.
	 * @param int    $depth  Nesting.
	 * @return array{source: string, body: string}|null
	 */
	private static function find_text( string $entity, int $depth ): ?array {
		list( $head, $body ) = self::split( $entity );
		$headers             = array();
		foreach ( self::parse_headers( $head ) as $header ) {
			$headers[ strtolower( $header[0] ) ] = $headers[ strtolower( $header[0] ) ] ?? $header[1];
		}
		$type = strtolower( trim( explode( ';', $headers['content-type'] ?? 'text/plain' )[0] ) );
		if ( str_starts_with( $type, 'multipart/' ) ) {
			$boundary = self::param( $headers['content-type'] ?? '', 'boundary' );
			if ( '' === $boundary || $depth >= self::MAX_DEPTH ) {
				return null;
			}
			$html = null;
			foreach ( self::parts( $body, $boundary ) as $part ) {
				$found = self::find_text( $part, $depth + 1 );
				if ( null !== $found && 'plain' === $found['source'] ) {
					return $found;
				}
				$html = $html ?? $found;
			}
			return $html;
		}
		if ( 'text/plain' !== $type && 'text/html' !== $type ) {
			return null;
		}
		$disposition = strtolower( $headers['content-disposition'] ?? '' );
		if ( str_starts_with( trim( $disposition ), 'attachment' ) ) {
			return null;
		}
		$decoded = self::decode_body( $body, strtolower( trim( $headers['content-transfer-encoding'] ?? '' ) ) );
		return array(
			'source' => 'text/html' === $type ? 'html' : 'plain',
			'body'   => self::to_utf8( $decoded, self::param( $headers['content-type'] ?? '', 'charset' ) ),
		);
	}

	/**
	 * Header block and body of an entity.
	 *
	 * @param string $entity Entity.
	 * @return array{0: string, 1: string}
	 */
	private static function split( string $entity ): array {
		if ( preg_match( '/\r?\n\r?\n/', $entity, $m, PREG_OFFSET_CAPTURE ) ) {
			$at = (int) $m[0][1];
			return array( substr( $entity, 0, $at ), substr( $entity, $at + strlen( $m[0][0] ) ) );
		}
		return array( $entity, '' );
	}

	/**
	 * Unfolded header lines as [name, raw value] pairs; lines that are no header are left out.
	 *
	 * @param string $head Header block.
	 * @return array<int, array{0: string, 1: string}>
	 */
	private static function parse_headers( string $head ): array {
		$out = array();
		foreach ( preg_split( '/\r?\n/', $head ) as $line ) {
			if ( '' !== $line && ( ' ' === $line[0] || "\t" === $line[0] ) && array() !== $out ) {
				$out[ count( $out ) - 1 ][1] .= ' ' . trim( $line );
				continue;
			}
			if ( preg_match( '/^([!-9;-~]+):[ \t]*(.*)$/', $line, $m ) ) {
				$out[] = array( $m[1], trim( $m[2] ) );
			}
		}
		return $out;
	}

	/**
	 * The parts of a multipart body.
	 *
	 * @param string $body     Body.
	 * @param string $boundary Boundary.
	 * @return string[]
	 */
	private static function parts( string $body, string $boundary ): array {
		$quoted = preg_quote( $boundary, '/' );
		// The epilogue after the closing boundary is no part.
		$body   = (string) preg_replace( '/^--' . $quoted . '--.*\z/ms', '', $body );
		$pieces = preg_split( '/^--' . $quoted . '[ \t]*\r?$\n?/m', $body );
		// The preamble comes before the first boundary.
		return array_values(
			array_filter(
				array_slice( false === $pieces ? array() : $pieces, 1 ),
				static fn ( string $part ): bool => '' !== trim( $part )
			)
		);
	}

	/**
	 * A parameter of a structured header (charset, boundary), unquoted.
	 *
	 * @param string $value Header value.
	 * @param string $name  Parameter name.
	 */
	private static function param( string $value, string $name ): string {
		if ( preg_match( '/;\s*' . preg_quote( $name, '/' ) . '\s*=\s*(?:"([^"]*)"|([^;\s]+))/i', $value, $m ) ) {
			return '' !== $m[1] ? $m[1] : ( $m[2] ?? '' );
		}
		return '';
	}

	/**
	 * Undoes the transfer encoding.
	 *
	 * @param string $body     Body.
	 * @param string $encoding Content-Transfer-Encoding.
	 */
	private static function decode_body( string $body, string $encoding ): string {
		if ( 'base64' === $encoding ) {
			return (string) base64_decode( (string) preg_replace( '/[^A-Za-z0-9+\/=]/', '', $body ) ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- MIME transfer encoding.
		}
		if ( 'quoted-printable' === $encoding ) {
			return quoted_printable_decode( $body );
		}
		return $body;
	}

	/**
	 * Text in a charset as UTF-8; bytes that are not valid become substitutes.
	 *
	 * @param string $text    Text.
	 * @param string $charset Declared charset.
	 */
	private static function to_utf8( string $text, string $charset ): string {
		$charset = '' === $charset ? 'UTF-8' : $charset;
		try {
			return mb_convert_encoding( $text, 'UTF-8', $charset );
		} catch ( \ValueError $e ) {
			// An unknown charset: keep what is valid UTF-8.
			return mb_convert_encoding( $text, 'UTF-8', 'UTF-8' );
		}
	}

	/**
	 * A header value with its encoded words decoded.
	 *
	 * @param string $value Raw value.
	 */
	private static function decode_header( string $value ): string {
		$decoded = function_exists( 'iconv_mime_decode' ) ? iconv_mime_decode( $value, ICONV_MIME_DECODE_CONTINUE_ON_ERROR, 'UTF-8' ) : false;
		return mb_convert_encoding( false === $decoded ? $value : $decoded, 'UTF-8', 'UTF-8' );
	}

	/**
	 * HTML as the text a reader would see: no scripts or styles, line breaks where blocks end.
	 *
	 * @param string $html HTML.
	 */
	private static function html_to_text( string $html ): string {
		$html = (string) preg_replace( '/<(br|\/p|\/div|\/tr|\/li|\/h[1-6])\b[^>]*>/i', "$0\n", $html );
		$text = wp_strip_all_tags( $html );
		$text = html_entity_decode( $text, ENT_QUOTES | ENT_HTML5, 'UTF-8' );
		return (string) preg_replace( "/\n{3,}/", "\n\n", (string) preg_replace( "/[ \t]+\n/", "\n", $text ) );
	}

	/**
	 * At most $max characters.
	 *
	 * @param string $text Text.
	 * @param int    $max  Characters.
	 */
	private static function clip( string $text, int $max ): string {
		return mb_strlen( $text ) > $max ? mb_substr( $text, 0, $max ) . '…' : $text;
	}
}
