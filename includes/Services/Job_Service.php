<?php
/**
 * Jobs for the sidecar, as the admin sees them.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Services;

use Email_Piping\Data\Job_Repository;

defined( 'ABSPATH' ) || exit;

/**
 * Reads jobs and explains their results.
 *
 * Job contract with the sidecar (epipe_jobs): WordPress inserts `pending` rows; the sidecar
 * claims one (status `running`, claimed_by), then sets `done` or `failed` with `result` JSON
 * and finished_at. Types and payloads:
 * - check_connection      connection_id; payload null. Result {ok, code?, message?, folder?, messages?, uidvalidity?}.
 * - reprocess_quarantine  connection_id; payload {quarantine_id}. Result {ok, outcome?, ticket_id?, code?, message?}.
 * - test_rules            connection_id or null; payload {raw} (the pasted email). Result: one `parse --json` line;
 *                         the job's message explains its reason.
 * - oauth_exchange        connection_id; payload {provider, code, code_verifier, redirect_uri}, where
 *                         code and code_verifier are sealed with Secret_Box. Result {ok, email?, code?, message?};
 *                         on success the sidecar stores the sealed refresh token in connections.secret.
 *
 * @since 0.2.0
 */
final class Job_Service {

	/** Seconds after which a pending job means the sidecar is not running. */
	public const IDLE_AFTER = 30;

	/**
	 * Wires the repository.
	 *
	 * @since 0.2.0
	 * @param Job_Repository $jobs Storage.
	 */
	public function __construct( private Job_Repository $jobs ) {}

	/**
	 * Public view of a job (never its payload, which may hold sealed secrets), or null.
	 *
	 * @since 0.2.0
	 * @param int $id Job id.
	 * @return array<string, mixed>|null
	 */
	public function get( int $id ): ?array {
		$job = $this->jobs->find( $id );
		if ( null === $job ) {
			return null;
		}
		$waiting = max( 0, time() - (int) strtotime( (string) $job['created_at'] . ' UTC' ) );
		$result  = is_array( $job['result'] ) ? $job['result'] : null;
		$out     = array(
			'id'            => (int) $job['id'],
			'type'          => (string) $job['type'],
			'connection_id' => null === $job['connection_id'] ? null : (int) $job['connection_id'],
			'status'        => (string) $job['status'],
			'result'        => $result,
			'message'       => null,
			'fix'           => null,
			'created_at'    => mysql_to_rfc3339( (string) $job['created_at'] ),
			'updated_at'    => mysql_to_rfc3339( (string) $job['updated_at'] ),
			'finished_at'   => null === $job['finished_at'] ? null : mysql_to_rfc3339( (string) $job['finished_at'] ),
		);
		$code = null;
		if ( 'pending' === $job['status'] && $waiting > self::IDLE_AFTER ) {
			$code = 'sidecar_idle';
		} elseif ( null !== $result && empty( $result['ok'] ) && ! empty( $result['code'] ) ) {
			$code = (string) $result['code'];
		}
		if ( null !== $code ) {
			$words          = Messages::connection_status( $code, null === $result ? '' : (string) ( $result['message'] ?? '' ) );
			$out['code']    = $code;
			$out['message'] = $words['message'];
			$out['fix']     = $words['fix'];
		} elseif ( null !== $result && 'reprocess_quarantine' === $job['type'] && isset( $result['reason'] ) ) {
			// What became of the email this time, in the activity log's words.
			$out['message'] = Messages::activity_reason( (string) $result['reason'] );
		} elseif ( null !== $result && 'test_rules' === $job['type'] && isset( $result['reason'] ) ) {
			// Why the pipeline would treat the pasted email so, in the activity log's words.
			$out['message'] = Messages::activity_reason( (string) $result['reason'] );
		} elseif ( null !== $result && ! empty( $result['ok'] ) && 'oauth_exchange' === $job['type'] ) {
			$out['message'] = sprintf(
				/* translators: %s: the mailbox the authorisation reads. */
				__( 'Authorised: the connection reads the mailbox %s.', 'email-piping' ),
				(string) ( $result['email'] ?? '' )
			);
		} elseif ( null !== $result && ! empty( $result['ok'] ) && 'check_connection' === $job['type'] ) {
			$out['message'] = sprintf(
				/* translators: 1: folder name, 2: number of messages. */
				__( 'Connected: folder %1$s holds %2$d messages.', 'email-piping' ),
				(string) ( $result['folder'] ?? 'INBOX' ),
				(int) ( $result['messages'] ?? 0 )
			);
		}
		return $out;
	}

	/**
	 * Adds a job (for services that own the request).
	 *
	 * @since 0.2.0
	 * @param string                    $type          Job type.
	 * @param int|null                  $connection_id Connection.
	 * @param array<string, mixed>|null $payload       Payload.
	 */
	public function enqueue( string $type, ?int $connection_id, ?array $payload ): int {
		return $this->jobs->insert( $type, $connection_id, $payload );
	}
}
