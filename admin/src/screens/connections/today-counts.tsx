/**
 * WordPress dependencies
 */
import { __, _n, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { TodayCounts as Counts } from '../../api/types';

interface Props {
	today: Counts;
}

/**
 * What a connection's emails became today: new tickets, replies, skipped or blocked, quarantined.
 *
 * @param props       Props.
 * @param props.today Counts since midnight in the site's time zone.
 */
export default function TodayCounts( { today }: Props ) {
	const skipped = today.skipped + today.blocked + today.rejected;
	const lines = [
		sprintf(
			/* translators: %d: number of emails that became new tickets today. */
			_n(
				'%d new ticket',
				'%d new tickets',
				today.ticket,
				'email-piping'
			),
			today.ticket
		),
		sprintf(
			/* translators: %d: number of emails added to tickets as replies today. */
			_n( '%d reply', '%d replies', today.reply, 'email-piping' ),
			today.reply
		),
		sprintf(
			/* translators: %d: number of emails skipped, blocked or refused today. */
			_n(
				'%d skipped or blocked',
				'%d skipped or blocked',
				skipped,
				'email-piping'
			),
			skipped
		),
		sprintf(
			/* translators: %d: number of emails quarantined today. */
			_n(
				'%d quarantined',
				'%d quarantined',
				today.quarantined,
				'email-piping'
			),
			today.quarantined
		),
	];
	return (
		<ul
			className="epipe-connections__today"
			aria-label={ __( 'Emails today', 'email-piping' ) }
		>
			{ lines.map( ( line ) => (
				<li key={ line }>{ line }</li>
			) ) }
		</ul>
	);
}
