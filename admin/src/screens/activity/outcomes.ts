/**
 * WordPress dependencies
 */
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { ActivityKind } from '../../api/types';

/**
 * The outcomes an email can have, in the order the filter offers them.
 */
export function outcomeLabels(): Record< ActivityKind, string > {
	return {
		ticket: __( 'New ticket', 'email-piping' ),
		reply: __( 'Reply', 'email-piping' ),
		blocked: __( 'Blocked', 'email-piping' ),
		rejected: __( 'Rejected', 'email-piping' ),
		skipped: __( 'Skipped', 'email-piping' ),
		quarantined: __( 'Quarantined', 'email-piping' ),
	};
}

/**
 * The word for an outcome (the machine word for one this panel does not know yet).
 *
 * @param kind Outcome.
 */
export function outcomeLabel( kind: string ): string {
	const labels: Record< string, string > = outcomeLabels();
	return labels[ kind ] ?? kind;
}
