/**
 * WordPress dependencies
 */
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type {
	Agent,
	RuleActions,
	RuleCondition,
	RuleMatchType,
	TicketPriority,
	TicketStatus,
} from '../../api/types';
import type { ConditionField } from './rule-values';

interface Option< T extends string > {
	value: T;
	label: string;
}

/**
 * What a condition can look at.
 */
export function fieldOptions(): Option< ConditionField >[] {
	return [
		{
			value: 'forwarding_address',
			label: __( 'Forwarding address', 'email-piping' ),
		},
		{ value: 'from', label: __( 'Sender’s address', 'email-piping' ) },
		{ value: 'from_name', label: __( 'Sender’s name', 'email-piping' ) },
		{
			value: 'recipients',
			label: __( 'Any recipient (To or Cc)', 'email-piping' ),
		},
		{ value: 'subject', label: __( 'Subject', 'email-piping' ) },
		{ value: 'body', label: __( 'Body', 'email-piping' ) },
		{ value: 'header', label: __( 'A header…', 'email-piping' ) },
	];
}

/**
 * How a condition can compare.
 */
export function matchOptions(): Option< RuleMatchType >[] {
	return [
		{ value: 'exact', label: __( 'is exactly', 'email-piping' ) },
		{
			value: 'wildcard',
			label: __( 'matches the wildcard pattern', 'email-piping' ),
		},
		{
			value: 'regex',
			label: __( 'contains the regular expression', 'email-piping' ),
		},
	];
}

/**
 * Priorities, lowest first.
 */
export function priorityOptions(): Option< TicketPriority >[] {
	return [
		{ value: 'low', label: __( 'Low', 'email-piping' ) },
		{ value: 'normal', label: __( 'Normal', 'email-piping' ) },
		{ value: 'high', label: __( 'High', 'email-piping' ) },
		{ value: 'urgent', label: __( 'Urgent', 'email-piping' ) },
	];
}

/**
 * Statuses in a ticket's usual order.
 */
export function statusOptions(): Option< TicketStatus >[] {
	return [
		{ value: 'open', label: __( 'Open', 'email-piping' ) },
		{ value: 'pending', label: __( 'Pending', 'email-piping' ) },
		{ value: 'resolved', label: __( 'Resolved', 'email-piping' ) },
		{ value: 'closed', label: __( 'Closed', 'email-piping' ) },
	];
}

/**
 * The label of a machine value, or the value itself when it has none.
 *
 * @param options Options.
 * @param value   Value.
 */
export function labelOf< T extends string >(
	options: Option< T >[],
	value: string
): string {
	return options.find( ( option ) => option.value === value )?.label ?? value;
}

/**
 * An agent's name, or a placeholder for a user who no longer works tickets.
 *
 * @param agents Agents.
 * @param id     User id.
 */
export function agentName( agents: Agent[], id: number ): string {
	return (
		agents.find( ( agent ) => agent.id === id )?.name ??
		sprintf(
			/* translators: %d: WordPress user id. */
			__( 'user #%d', 'email-piping' ),
			id
		)
	);
}

/**
 * A condition in words, e.g. “Subject contains the regular expression invoice|bill”.
 *
 * @param condition Condition.
 */
export function describeCondition( condition: RuleCondition ): string {
	const field = condition.field.startsWith( 'header:' )
		? sprintf(
				/* translators: %s: header name, e.g. X-Priority. */
				__( 'Header %s', 'email-piping' ),
				condition.field.slice( 7 )
			)
		: labelOf( fieldOptions(), condition.field );
	return sprintf(
		/* translators: 1: what is compared, e.g. "Subject"; 2: how, e.g. "is exactly"; 3: the pattern. */
		__( '%1$s %2$s “%3$s”', 'email-piping' ),
		field,
		labelOf( matchOptions(), condition.match ),
		condition.value
	);
}

/**
 * What a rule sets, one phrase per field.
 *
 * @param actions Actions.
 * @param agents  Agents, for the assignee's name.
 */
export function describeActions(
	actions: RuleActions,
	agents: Agent[]
): string[] {
	const out: string[] = [];
	if ( actions.priority ) {
		out.push(
			sprintf(
				/* translators: %s: priority. */
				__( 'Priority: %s', 'email-piping' ),
				labelOf( priorityOptions(), actions.priority )
			)
		);
	}
	if ( actions.status ) {
		out.push(
			sprintf(
				/* translators: %s: status. */
				__( 'Status: %s', 'email-piping' ),
				labelOf( statusOptions(), actions.status )
			)
		);
	}
	if ( actions.category ) {
		out.push(
			sprintf(
				/* translators: %s: category. */
				__( 'Category: %s', 'email-piping' ),
				actions.category
			)
		);
	}
	if ( actions.assignee_id !== undefined ) {
		out.push(
			sprintf(
				/* translators: %s: agent's name. */
				__( 'Assignee: %s', 'email-piping' ),
				agentName( agents, actions.assignee_id )
			)
		);
	}
	if ( actions.add_recipients && actions.add_recipients.length > 0 ) {
		out.push(
			sprintf(
				/* translators: %s: comma-separated email addresses. */
				__( 'Also notify: %s', 'email-piping' ),
				actions.add_recipients.join( ', ' )
			)
		);
	}
	return out;
}
