<?php
/**
 * The activity log and the quarantine, as the admin sees them.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Services;

use Email_Piping\Data\Activity_Repository;
use Email_Piping\Data\Blob_Repository;
use Email_Piping\Data\Job_Repository;
use Email_Piping\Data\Quarantine_Repository;

defined( 'ABSPATH' ) || exit;

/**
 * Reads what happened to every email, and acts on quarantined ones (reprocess through the
 * sidecar, or discard).
 *
 * @since 0.2.0
 */
final class Mail_Log_Service {

	/** Bytes of a quarantined email shown when it is inspected. */
	public const RAW_EXCERPT_BYTES = 65536;

	/**
	 * Outcomes as the admin filters them: the sidecar records blocked and refused emails as
	 * skipped, and their reason tells them apart.
	 *
	 * @since 0.3.0
	 */
	public const KINDS = array( 'ticket', 'reply', 'blocked', 'rejected', 'skipped', 'quarantined' );

	/** Reasons of emails stopped by the block lists. */
	private const BLOCKED_REASONS = array( 'blocked_sender', 'blocked_subject' );

	/** Reasons of emails refused by the settings (allowed emails, senders, closed tickets). */
	private const REJECTED_REASONS = array( 'reply_not_allowed', 'new_ticket_not_allowed', 'sender_not_registered', 'ticket_closed' );

	/**
	 * Wires the repositories.
	 *
	 * @since 0.2.0
	 * @param Activity_Repository   $activity   Activity log.
	 * @param Quarantine_Repository $quarantine Quarantine.
	 * @param Blob_Repository       $blobs      Raw emails.
	 * @param Job_Repository        $jobs       Sidecar jobs.
	 * @param Settings_Service      $settings   Settings (retention).
	 */
	public function __construct(
		private Activity_Repository $activity,
		private Quarantine_Repository $quarantine,
		private Blob_Repository $blobs,
		private Job_Repository $jobs,
		private Settings_Service $settings
	) {}

	/**
	 * A filtered page of the activity log, each row with its reason in words.
	 *
	 * @since 0.2.0
	 * @param array<string, mixed> $filters  See Activity_Repository::list().
	 * @param int                  $page     1-based page.
	 * @param int                  $per_page Rows per page.
	 * @return array{items: array<int, array<string, mixed>>, total: int}
	 */
	public function activity( array $filters, int $page, int $per_page ): array {
		$result          = $this->activity->list( self::kind_filters( $filters ), $page, $per_page );
		$result['items'] = array_map(
			static function ( array $row ): array {
				$details = json_decode( (string) $row['details'], true );
				return array(
					'id'            => (int) $row['id'],
					'connection_id' => null === $row['connection_id'] ? null : (int) $row['connection_id'],
					'outcome'       => (string) $row['outcome'],
					'kind'          => self::kind( (string) $row['outcome'], (string) $row['reason'] ),
					'reason'        => (string) $row['reason'],
					'reason_text'   => Messages::activity_reason( (string) $row['reason'] ),
					'ticket_id'     => null === $row['ticket_id'] ? null : (int) $row['ticket_id'],
					'thread_id'     => null === $row['thread_id'] ? null : (int) $row['thread_id'],
					'from_address'  => (string) $row['from_address'],
					'subject'       => (string) $row['subject'],
					'message_id'    => $row['message_id'],
					'details'       => is_array( $details ) ? $details : null,
					'created_at'    => mysql_to_rfc3339( (string) $row['created_at'] ),
				);
			},
			$result['items']
		);
		return $result;
	}

	/**
	 * The outcome as the admin sees it: blocked and rejected apart from the other skips.
	 *
	 * @since 0.3.0
	 * @param string $outcome Stored outcome (ticket, reply, skipped, quarantined).
	 * @param string $reason  Stored reason.
	 * @return string One of KINDS (or the stored outcome when it is none of them).
	 */
	public static function kind( string $outcome, string $reason ): string {
		if ( in_array( $reason, self::BLOCKED_REASONS, true ) ) {
			return 'blocked';
		}
		if ( in_array( $reason, self::REJECTED_REASONS, true ) ) {
			return 'rejected';
		}
		return $outcome;
	}

	/**
	 * Turns an `outcome` filter that names a kind into the stored outcome and reasons.
	 *
	 * @param array<string, mixed> $filters Filters.
	 * @return array<string, mixed>
	 */
	private static function kind_filters( array $filters ): array {
		$kind = $filters['outcome'] ?? null;
		if ( 'blocked' === $kind || 'rejected' === $kind ) {
			unset( $filters['outcome'] );
			$filters['reasons'] = 'blocked' === $kind ? self::BLOCKED_REASONS : self::REJECTED_REASONS;
		} elseif ( 'skipped' === $kind ) {
			$filters['not_reasons'] = array_merge( self::BLOCKED_REASONS, self::REJECTED_REASONS );
		}
		return $filters;
	}

	/**
	 * Deletes activity older than the retention setting (daily cron).
	 *
	 * @since 0.2.0
	 * @return int Rows deleted.
	 */
	public function prune(): int {
		return $this->activity->prune( (int) $this->settings->get( 'log_retention_days' ) );
	}

	/**
	 * A page of quarantined emails.
	 *
	 * @since 0.2.0
	 * @param string|null $status        held | retrying | discarded | reprocessed, or null (all but discarded).
	 * @param int|null    $connection_id Connection.
	 * @param int         $page          1-based page.
	 * @param int         $per_page      Rows per page.
	 * @return array{items: array<int, array<string, mixed>>, total: int}
	 */
	public function quarantine( ?string $status, ?int $connection_id, int $page, int $per_page ): array {
		$result          = $this->quarantine->list( $status, $connection_id, $page, $per_page );
		$result['items'] = array_map( array( $this, 'shape_quarantine' ), $result['items'] );
		return $result;
	}

	/**
	 * One quarantined email with the start of its raw source, or null.
	 *
	 * @since 0.2.0
	 * @param int $id Quarantine id.
	 * @return array<string, mixed>|null
	 */
	public function quarantined( int $id ): ?array {
		$row = $this->quarantine->find( $id );
		if ( null === $row ) {
			return null;
		}
		$out = $this->shape_quarantine( $row );
		$raw = null !== $row['blob_id'] ? $this->blobs->head( (int) $row['blob_id'], self::RAW_EXCERPT_BYTES ) : '';
		// JSON needs valid UTF-8; raw mail may be any charset: keep it readable, lose nothing structural.
		$out['raw_excerpt']   = function_exists( 'mb_convert_encoding' ) ? mb_convert_encoding( $raw, 'UTF-8', 'UTF-8' ) : $raw;
		$out['raw_truncated'] = (int) $row['size_bytes'] > self::RAW_EXCERPT_BYTES;
		// What an admin reads: decoded headers and the body as plain text, never markup.
		$out['headers'] = Email_Preview::headers( $raw );
		$out['text']    = Email_Preview::text( $raw );
		return $out;
	}

	/**
	 * Asks the sidecar to run a quarantined email through the pipeline again.
	 *
	 * @since 0.2.0
	 * @param int $id Quarantine id.
	 * @return int Job id.
	 */
	public function reprocess( int $id ): int {
		$row = (array) $this->quarantine->find( $id );
		return $this->jobs->insert( 'reprocess_quarantine', (int) $row['connection_id'], array( 'quarantine_id' => $id ) );
	}

	/**
	 * Discards a quarantined email and deletes its raw content.
	 *
	 * @since 0.2.0
	 * @param int $id Quarantine id.
	 */
	public function discard( int $id ): void {
		$this->quarantine->discard( $id );
	}

	/**
	 * Public shape of a quarantine row.
	 *
	 * @param array<string, mixed> $row Row.
	 * @return array<string, mixed>
	 */
	private function shape_quarantine( array $row ): array {
		return array(
			'id'            => (int) $row['id'],
			'connection_id' => (int) $row['connection_id'],
			'message_id'    => $row['message_id'],
			'from_address'  => (string) $row['from_address'],
			'subject'       => (string) $row['subject'],
			'reason'        => (string) $row['reason'],
			'reason_text'   => Messages::activity_reason( (string) $row['reason'] ),
			'detail'        => $row['detail'],
			'size_bytes'    => (int) $row['size_bytes'],
			'attempts'      => (int) $row['attempts'],
			'status'        => (string) $row['status'],
			'has_raw'       => null !== $row['blob_id'],
			'created_at'    => mysql_to_rfc3339( (string) $row['created_at'] ),
			'updated_at'    => mysql_to_rfc3339( (string) $row['updated_at'] ),
		);
	}
}
