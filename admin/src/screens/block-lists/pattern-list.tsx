/**
 * WordPress dependencies
 */
import { Button, Card, CardBody, CardHeader } from '@wordpress/components';
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { BlockPattern, PatternKind } from '../../api/types';
import { matchTypeLabel } from './pattern-values';

interface Props {
	kind: PatternKind;
	patterns: BlockPattern[];
	onAdd: () => void;
	onEdit: ( pattern: BlockPattern ) => void;
	onDelete: ( pattern: BlockPattern ) => void;
}

/**
 * One block list (senders or subjects) as a wp-admin list table.
 *
 * @param props          Props.
 * @param props.kind     Which list.
 * @param props.patterns Its patterns.
 * @param props.onAdd    Opens the form for a new pattern of this list.
 * @param props.onEdit   Opens the form for a pattern.
 * @param props.onDelete Asks to delete a pattern.
 */
export default function PatternList( {
	kind,
	patterns,
	onAdd,
	onEdit,
	onDelete,
}: Props ) {
	const title =
		kind === 'sender'
			? __( 'Blocked senders', 'email-piping' )
			: __( 'Blocked subjects', 'email-piping' );
	return (
		<Card className={ `epipe-block-lists__list is-${ kind }` }>
			<CardHeader>
				<h2 className="epipe-block-lists__title">{ title }</h2>
				<Button variant="secondary" onClick={ onAdd }>
					{ kind === 'sender'
						? __( 'Add sender pattern', 'email-piping' )
						: __( 'Add subject pattern', 'email-piping' ) }
				</Button>
			</CardHeader>
			<CardBody>
				<p className="epipe-block-lists__intro">
					{ kind === 'sender'
						? __(
								'Emails from a matching address are skipped and logged as “blocked sender”. Addresses are compared in lower case, without invisible characters, with the domain both as written and in its international (punycode) form.',
								'email-piping'
							)
						: __(
								'Emails whose subject matches are skipped and logged as “blocked subject”.',
								'email-piping'
							) }
				</p>
				{ patterns.length === 0 ? (
					<p className="epipe-block-lists__empty">
						{ kind === 'sender'
							? __(
									'No sender is blocked: mail from any address can open tickets.',
									'email-piping'
								)
							: __( 'No subject is blocked.', 'email-piping' ) }
					</p>
				) : (
					<table className="widefat striped epipe-block-lists__table">
						<thead>
							<tr>
								<th scope="col">
									{ __( 'Pattern', 'email-piping' ) }
								</th>
								<th scope="col">
									{ __( 'Match', 'email-piping' ) }
								</th>
								<th scope="col">
									<span className="screen-reader-text">
										{ __( 'Actions', 'email-piping' ) }
									</span>
								</th>
							</tr>
						</thead>
						<tbody>
							{ patterns.map( ( pattern ) => (
								<tr key={ pattern.id }>
									<td>
										<code>{ pattern.pattern }</code>
									</td>
									<td>
										{ matchTypeLabel( pattern.match_type ) }
									</td>
									<td className="epipe-block-lists__actions">
										<Button
											variant="link"
											onClick={ () => onEdit( pattern ) }
											aria-label={ sprintf(
												/* translators: %s: the pattern. */
												__( 'Edit %s', 'email-piping' ),
												pattern.pattern
											) }
										>
											{ __( 'Edit', 'email-piping' ) }
										</Button>
										<Button
											variant="link"
											isDestructive
											onClick={ () =>
												onDelete( pattern )
											}
											aria-label={ sprintf(
												/* translators: %s: the pattern. */
												__(
													'Delete %s',
													'email-piping'
												),
												pattern.pattern
											) }
										>
											{ __( 'Delete', 'email-piping' ) }
										</Button>
									</td>
								</tr>
							) ) }
						</tbody>
					</table>
				) }
			</CardBody>
		</Card>
	);
}
