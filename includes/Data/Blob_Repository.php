<?php
/**
 * Reads chunked binary content (attachments, raw quarantined emails).
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Data;

use Email_Piping\Install\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * All SQL about epipe_blobs and epipe_blob_chunks. Content is read one chunk row at a time
 * (the sidecar writes 512 KiB chunks), so no file is ever held in memory whole.
 *
 * @since 0.2.0
 */
final class Blob_Repository {

	/**
	 * Size and chunk count of a blob, or null.
	 *
	 * @since 0.2.0
	 * @param int $blob_id Blob.
	 * @return array{size_bytes: int, chunk_count: int}|null
	 */
	public function meta( int $blob_id ): ?array {
		global $wpdb;
		$table = Schema::table( 'blobs' );
		$row   = $wpdb->get_row( $wpdb->prepare( "SELECT size_bytes, chunk_count FROM {$table} WHERE id = %d", $blob_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return is_array( $row ) ? array(
			'size_bytes'  => (int) $row['size_bytes'],
			'chunk_count' => (int) $row['chunk_count'],
		) : null;
	}

	/**
	 * Hands the content to $sink chunk by chunk, in order; stops early when $sink returns false.
	 *
	 * @since 0.2.0
	 * @param int                    $blob_id Blob.
	 * @param callable(string): bool $sink    Receives each chunk.
	 * @throws \RuntimeException When a chunk is missing.
	 */
	public function stream( int $blob_id, callable $sink ): void {
		global $wpdb;
		$meta  = $this->meta( $blob_id );
		$table = Schema::table( 'blob_chunks' );
		for ( $seq = 0; null !== $meta && $seq < $meta['chunk_count']; $seq++ ) {
			$data = $wpdb->get_var( $wpdb->prepare( "SELECT data FROM {$table} WHERE blob_id = %d AND seq = %d", $blob_id, $seq ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			if ( null === $data ) {
				throw new \RuntimeException( "Blob {$blob_id} has no chunk {$seq}." );
			}
			if ( false === $sink( (string) $data ) ) {
				return;
			}
			// Let PHP free each chunk before the next one is fetched.
			$wpdb->flush();
		}
	}

	/**
	 * The first $bytes bytes of a blob.
	 *
	 * @since 0.2.0
	 * @param int $blob_id Blob.
	 * @param int $bytes   Most bytes returned.
	 */
	public function head( int $blob_id, int $bytes ): string {
		$out = '';
		$this->stream(
			$blob_id,
			static function ( string $chunk ) use ( &$out, $bytes ): bool {
				$out .= substr( $chunk, 0, $bytes - strlen( $out ) );
				return strlen( $out ) < $bytes;
			}
		);
		return $out;
	}

	/**
	 * Deletes a blob and its chunks (call inside the caller's transaction).
	 *
	 * @since 0.2.0
	 * @param int $blob_id Blob.
	 */
	public function delete( int $blob_id ): void {
		global $wpdb;
		$wpdb->delete( Schema::table( 'blob_chunks' ), array( 'blob_id' => $blob_id ) );
		$wpdb->delete( Schema::table( 'blobs' ), array( 'id' => $blob_id ) );
	}
}
