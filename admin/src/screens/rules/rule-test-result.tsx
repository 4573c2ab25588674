/**
 * WordPress dependencies
 */
import { Notice } from '@wordpress/components';
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { Agent, Job, RuleTestResult } from '../../api/types';
import { agentName, labelOf, priorityOptions, statusOptions } from './labels';

interface Props {
	job: Job;
	agents: Agent[];
}

/**
 * The rules that applied, in words.
 *
 * @param names Rule names, in order.
 */
function appliedRules( names: string[] ): string {
	if ( names.length === 0 ) {
		return __(
			'No rule matched: the ticket gets the default fields.',
			'email-piping'
		);
	}
	const quoted = names.map( ( name ): string =>
		sprintf(
			/* translators: %s: rule name. */
			__( '“%s”', 'email-piping' ),
			name
		)
	);
	return sprintf(
		/* translators: %s: rule names in quotes, e.g. “VIP”, then “Billing”. */
		__( 'Rules applied: %s.', 'email-piping' ),
		quoted.reduce( ( list, name ) =>
			sprintf(
				/* translators: 1: the rules applied before, 2: the rule applied after them. */
				__( '%1$s, then %2$s', 'email-piping' ),
				list,
				name
			)
		)
	);
}

/**
 * What the sidecar's pipeline would do with the tested email: the new ticket's fields and the
 * rules that set them, or why it would open no ticket.
 *
 * @param props        Props.
 * @param props.job    The finished test_rules job.
 * @param props.agents Agents, for the assignee's name.
 */
export default function RuleTestResultView( { job, agents }: Props ) {
	if ( job.status !== 'done' || ! job.result ) {
		return (
			<Notice status="error" isDismissible={ false }>
				<p>
					{ job.message ??
						__(
							'The sidecar could not run the test.',
							'email-piping'
						) }
				</p>
				{ job.fix && <p>{ job.fix }</p> }
			</Notice>
		);
	}
	const result = job.result as unknown as RuleTestResult;
	const ticket = result.ticket ?? null;
	const read = (
		<p className="epipe-rule-test__read">
			{ sprintf(
				/* translators: 1: sender's address, 2: subject. */
				__(
					'Read from the email: from %1$s, subject “%2$s”.',
					'email-piping'
				),
				result.from?.address ??
					__( '(no usable sender)', 'email-piping' ),
				result.subject ?? ''
			) }
		</p>
	);

	if ( result.action !== 'create_ticket' || ticket === null ) {
		const isReply = result.action === 'add_reply';
		return (
			<div className="epipe-rule-test__outcome">
				<p className="epipe-rule-test__verdict">
					{ isReply
						? sprintf(
								/* translators: %d: ticket number. */
								__(
									'This email would be added as a reply to ticket #%d. Rules apply only to new tickets, so none ran.',
									'email-piping'
								),
								ticket?.id ?? 0
							)
						: __(
								'This email would not open a ticket, so no rule ran.',
								'email-piping'
							) }
				</p>
				{ job.message && (
					<p className="epipe-rule-test__reason">{ job.message }</p>
				) }
				{ read }
			</div>
		);
	}

	const rules = ticket.rules ?? [];
	const recipients = ticket.add_recipients ?? [];
	const none = __( 'None', 'email-piping' );
	const rows: Array< [ string, string ] > = [
		[ __( 'Subject', 'email-piping' ), ticket.subject ?? '' ],
		[
			__( 'Status', 'email-piping' ),
			labelOf( statusOptions(), ticket.status ?? '' ),
		],
		[
			__( 'Priority', 'email-piping' ),
			labelOf( priorityOptions(), ticket.priority ?? '' ),
		],
		[ __( 'Category', 'email-piping' ), ticket.category || none ],
		[
			__( 'Assignee', 'email-piping' ),
			typeof ticket.assignee_id === 'number'
				? agentName( agents, ticket.assignee_id )
				: __( 'Nobody', 'email-piping' ),
		],
		[
			__( 'Additional recipients', 'email-piping' ),
			recipients.length > 0 ? recipients.join( ', ' ) : none,
		],
	];
	if ( ticket.forwarded_from ) {
		rows.push( [
			__( 'Forwarded from', 'email-piping' ),
			ticket.forwarded_from,
		] );
	}
	return (
		<div className="epipe-rule-test__outcome">
			<p className="epipe-rule-test__verdict">
				{ __( 'This email would open a new ticket.', 'email-piping' ) }
			</p>
			<p
				className={ `epipe-rule-test__rules${
					rules.length > 0 ? ' has-rules' : ''
				}` }
			>
				{ appliedRules( rules ) }
			</p>
			<table className="widefat epipe-rule-test__fields">
				<caption className="screen-reader-text">
					{ __( 'The new ticket’s fields', 'email-piping' ) }
				</caption>
				<tbody>
					{ rows.map( ( [ label, value ] ) => (
						<tr key={ label }>
							<th scope="row">{ label }</th>
							<td>{ value }</td>
						</tr>
					) ) }
				</tbody>
			</table>
			{ read }
		</div>
	);
}
