<?php
/**
 * Attachments as safe downloads.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Services;

use Email_Piping\Data\Attachment_Repository;
use Email_Piping\Data\Blob_Repository;
use Email_Piping\Security\Signer;

defined( 'ABSPATH' ) || exit;

/**
 * Attachments live in the database (chunked blobs), never under a web-served path, and leave
 * only through the REST download route: as a download (application/octet-stream,
 * Content-Disposition: attachment, nosniff, a sandboxing CSP), except raster images asked for
 * inline, which keep their image type so the ticket view can show them.
 *
 * @since 0.2.0
 */
final class Attachment_Service {

	/** Types that may be shown inline (no SVG: it can carry script). */
	public const INLINE_TYPES = array( 'image/png', 'image/jpeg', 'image/gif', 'image/webp' );

	/** Lifetime of a signed download link, in seconds. */
	public const LINK_TTL = 7 * DAY_IN_SECONDS;

	/**
	 * Wires the repositories.
	 *
	 * @since 0.2.0
	 * @param Attachment_Repository $attachments Attachment rows.
	 * @param Blob_Repository       $blobs       Content.
	 */
	public function __construct( private Attachment_Repository $attachments, private Blob_Repository $blobs ) {}

	/**
	 * One attachment row, or null.
	 *
	 * @since 0.2.0
	 * @param int $id Attachment id.
	 * @return array<string, mixed>|null
	 */
	public function get( int $id ): ?array {
		return $this->attachments->find( $id );
	}

	/**
	 * Whether a signed link is valid for an attachment.
	 *
	 * @since 0.2.0
	 * @param int    $id      Attachment id.
	 * @param string $expires Expiry from the link.
	 * @param string $token   Token from the link.
	 */
	public function verify_link( int $id, string $expires, string $token ): bool {
		return Signer::verify_attachment_token( $id, $expires, $token );
	}

	/**
	 * A signed download link that works without logging in until it expires.
	 *
	 * @since 0.2.0
	 * @param int $id Attachment id.
	 */
	public function signed_url( int $id ): string {
		$expires = time() + self::LINK_TTL;
		return add_query_arg(
			array(
				'expires' => $expires,
				'token'   => Signer::attachment_token( $id, $expires ),
			),
			rest_url( 'email-piping/v1/attachments/' . $id )
		);
	}

	/**
	 * Whether an attachment may be shown inline.
	 *
	 * @since 0.2.0
	 * @param array<string, mixed> $attachment Row.
	 */
	public function is_inline_image( array $attachment ): bool {
		return in_array( strtolower( (string) $attachment['content_type'] ), self::INLINE_TYPES, true );
	}

	/**
	 * Response headers for an attachment.
	 *
	 * @since 0.2.0
	 * @param array<string, mixed> $attachment Row.
	 * @param bool                 $inline     Whether an inline view was asked for.
	 * @return array<string, string>
	 */
	public function headers( array $attachment, bool $inline ): array {
		$inline = $inline && $this->is_inline_image( $attachment );
		$meta   = null !== $attachment['blob_id'] ? $this->blobs->meta( (int) $attachment['blob_id'] ) : null;
		$name   = self::safe_filename( (string) $attachment['filename'] );
		$ascii  = (string) preg_replace( '/[^A-Za-z0-9._ -]/', '_', $name );
		return array(
			'Content-Type'            => $inline ? strtolower( (string) $attachment['content_type'] ) : 'application/octet-stream',
			'Content-Disposition'     => ( $inline ? 'inline' : 'attachment' ) . '; filename="' . $ascii . '"; filename*=UTF-8\'\'' . rawurlencode( $name ),
			'Content-Length'          => (string) ( null !== $meta ? $meta['size_bytes'] : 0 ),
			'X-Content-Type-Options'  => 'nosniff',
			// Even if a browser rendered it, the document could run nothing and reach nothing.
			'Content-Security-Policy' => "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
			'Cache-Control'           => 'private, no-store',
			'X-Frame-Options'         => 'SAMEORIGIN',
		);
	}

	/**
	 * Writes the content to the output, one chunk at a time.
	 *
	 * @since 0.2.0
	 * @param array<string, mixed> $attachment Row.
	 */
	public function stream( array $attachment ): void {
		$this->blobs->stream(
			(int) $attachment['blob_id'],
			static function ( string $chunk ): bool {
				echo $chunk; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- binary download, sent as application/octet-stream with nosniff.
				flush();
				return true;
			}
		);
	}

	/**
	 * A file name safe for headers and file systems: no path, no control or quote characters.
	 *
	 * @since 0.2.0
	 * @param string $name Name from the email.
	 */
	public static function safe_filename( string $name ): string {
		$name = (string) preg_replace( '/[\x00-\x1f\x7f"\\\\\/:*?<>|]+/u', '_', $name );
		$name = trim( $name, " .\t" );
		if ( function_exists( 'mb_substr' ) ) {
			$name = mb_substr( $name, 0, 150 );
		}
		return '' !== $name ? $name : 'attachment';
	}
}
