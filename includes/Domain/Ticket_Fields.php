<?php
/**
 * The vocabulary of ticket fields.
 *
 * @package Email_Piping
 */

declare( strict_types=1 );

namespace Email_Piping\Domain;

defined( 'ABSPATH' ) || exit;

/**
 * Statuses, priorities and the fields an agent may change. Machine values; labels are
 * translated by the adapters.
 *
 * @since 0.2.0
 */
final class Ticket_Fields {

	/** Statuses; the sidecar creates tickets "open". */
	public const STATUSES = array( 'open', 'pending', 'resolved', 'closed' );

	/** Priorities; the sidecar creates tickets "normal". */
	public const PRIORITIES = array( 'low', 'normal', 'high', 'urgent' );

	/** Fields whose changes become ticket_changed events. */
	public const CHANGEABLE = array( 'status', 'priority', 'category', 'assignee_id' );

	/** Longest category name (the column is varchar(60)). */
	public const CATEGORY_MAX = 60;
}
