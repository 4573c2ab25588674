/**
 * WordPress dependencies
 */
import { Button, ToggleControl } from '@wordpress/components';
import { useState } from '@wordpress/element';
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { Agent, Rule } from '../../api/types';
import { describeActions, describeCondition } from './labels';

interface Props {
	rule: Rule;
	position: number;
	count: number;
	agents: Agent[];
	/** Whether a move is being saved (further moves wait). */
	isMoving: boolean;
	onMove: ( offset: -1 | 1 ) => void;
	onEdit: () => void;
	onDelete: () => void;
	onToggle: ( enabled: boolean ) => Promise< void >;
}

/**
 * One rule in the ordered list: its place, what it looks for, what it sets, on/off, actions.
 *
 * @param props          Props.
 * @param props.rule     Rule.
 * @param props.position Its place, from 1.
 * @param props.count    How many rules there are.
 * @param props.agents   Agents, for the assignee's name.
 * @param props.isMoving Whether a move is being saved.
 * @param props.onMove   Moves it up (-1) or down (1).
 * @param props.onEdit   Opens the form.
 * @param props.onDelete Asks to delete it.
 * @param props.onToggle Enables or disables it.
 */
export default function RuleRow( {
	rule,
	position,
	count,
	agents,
	isMoving,
	onMove,
	onEdit,
	onDelete,
	onToggle,
}: Props ) {
	const [ isToggling, setIsToggling ] = useState( false );
	const actions = describeActions( rule.actions, agents );
	return (
		<tr
			className={ `epipe-rules__row${
				rule.enabled ? '' : ' is-disabled'
			}` }
			data-rule-id={ rule.id }
		>
			<td className="epipe-rules__position">{ position }</td>
			<td className="epipe-rules__rule">
				<strong className="epipe-rules__name">{ rule.name }</strong>
				<span className="epipe-rules__when">
					{ rule.conditions.length > 1
						? __( 'When all of these match:', 'email-piping' )
						: __( 'When', 'email-piping' ) }
				</span>
				<ul className="epipe-rules__conditions">
					{ rule.conditions.map( ( condition, index ) => (
						<li key={ index }>
							{ describeCondition( condition ) }
						</li>
					) ) }
				</ul>
			</td>
			<td className="epipe-rules__sets">
				<ul className="epipe-rules__actions-list">
					{ actions.map( ( action ) => (
						<li key={ action }>{ action }</li>
					) ) }
				</ul>
				<span className="epipe-rules__then">
					{ rule.continue_matching
						? __(
								'Then later rules may apply too.',
								'email-piping'
							)
						: __( 'Then no later rule applies.', 'email-piping' ) }
				</span>
			</td>
			<td className="epipe-rules__enabled">
				<ToggleControl
					__nextHasNoMarginBottom
					label={ __( 'Enabled', 'email-piping' ) }
					checked={ rule.enabled }
					disabled={ isToggling }
					onChange={ ( enabled: boolean ) => {
						setIsToggling( true );
						void onToggle( enabled ).finally( () =>
							setIsToggling( false )
						);
					} }
				/>
			</td>
			<td className="epipe-rules__row-actions">
				<Button
					variant="secondary"
					isSmall
					data-move="up"
					onClick={ () => onMove( -1 ) }
					disabled={ position === 1 }
					aria-busy={ isMoving || undefined }
					aria-label={ sprintf(
						/* translators: %s: rule name. */
						__( 'Move “%s” up', 'email-piping' ),
						rule.name
					) }
				>
					{ __( 'Move up', 'email-piping' ) }
				</Button>
				<Button
					variant="secondary"
					isSmall
					data-move="down"
					onClick={ () => onMove( 1 ) }
					disabled={ position === count }
					aria-busy={ isMoving || undefined }
					aria-label={ sprintf(
						/* translators: %s: rule name. */
						__( 'Move “%s” down', 'email-piping' ),
						rule.name
					) }
				>
					{ __( 'Move down', 'email-piping' ) }
				</Button>
				<Button
					variant="link"
					onClick={ onEdit }
					aria-label={ sprintf(
						/* translators: %s: rule name. */
						__( 'Edit “%s”', 'email-piping' ),
						rule.name
					) }
				>
					{ __( 'Edit', 'email-piping' ) }
				</Button>
				<Button
					variant="link"
					isDestructive
					onClick={ onDelete }
					aria-label={ sprintf(
						/* translators: %s: rule name. */
						__( 'Delete “%s”', 'email-piping' ),
						rule.name
					) }
				>
					{ __( 'Delete', 'email-piping' ) }
				</Button>
			</td>
		</tr>
	);
}
