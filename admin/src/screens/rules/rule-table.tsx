/**
 * WordPress dependencies
 */
import { useEffect, useRef, useState } from '@wordpress/element';
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { Agent, Rule } from '../../api/types';
import RuleRow from './rule-row';

interface Props {
	rules: Rule[];
	agents: Agent[];
	onMove: ( rule: Rule, offset: -1 | 1 ) => Promise< boolean >;
	onEdit: ( rule: Rule ) => void;
	onDelete: ( rule: Rule ) => void;
	onToggle: ( rule: Rule, enabled: boolean ) => Promise< void >;
}

/**
 * The rules as a wp-admin list table, in the order they are tried. Moving a rule keeps the
 * keyboard on it and says where it went.
 *
 * @param props          Props.
 * @param props.rules    Rules in order.
 * @param props.agents   Agents, for assignee names.
 * @param props.onMove   Moves a rule; resolves whether the move was saved.
 * @param props.onEdit   Opens the form.
 * @param props.onDelete Asks to delete a rule.
 * @param props.onToggle Enables or disables a rule.
 */
export default function RuleTable( {
	rules,
	agents,
	onMove,
	onEdit,
	onDelete,
	onToggle,
}: Props ) {
	const tableRef = useRef< HTMLTableElement >( null );
	const [ isMoving, setIsMoving ] = useState( false );
	const [ announcement, setAnnouncement ] = useState( '' );
	const [ focus, setFocus ] = useState< {
		id: number;
		direction: 'up' | 'down';
	} | null >( null );

	// The moved row's button keeps the focus; at the top or bottom, its other button takes it.
	useEffect( () => {
		if ( focus === null || isMoving ) {
			return;
		}
		const row = tableRef.current?.querySelector(
			`[data-rule-id="${ focus.id }"]`
		);
		const wanted = row?.querySelector< HTMLButtonElement >(
			`[data-move="${ focus.direction }"]`
		);
		const other = row?.querySelector< HTMLButtonElement >(
			`[data-move="${ focus.direction === 'up' ? 'down' : 'up' }"]`
		);
		( wanted && ! wanted.disabled ? wanted : other )?.focus();
		setFocus( null );
	}, [ focus, isMoving, rules ] );

	const move = async ( rule: Rule, offset: -1 | 1 ) => {
		// One move at a time, without disabling the focused button under the keyboard.
		if ( isMoving ) {
			return;
		}
		setIsMoving( true );
		const saved = await onMove( rule, offset );
		setIsMoving( false );
		setFocus( { id: rule.id, direction: offset < 0 ? 'up' : 'down' } );
		if ( saved ) {
			const index = rules.findIndex( ( item ) => item.id === rule.id );
			setAnnouncement(
				sprintf(
					/* translators: 1: rule name, 2: its new place, 3: number of rules. */
					__( '“%1$s” is now rule %2$d of %3$d.', 'email-piping' ),
					rule.name,
					index + offset + 1,
					rules.length
				)
			);
		}
	};

	return (
		<>
			<table
				ref={ tableRef }
				className="widefat striped epipe-rules__table"
			>
				<thead>
					<tr>
						<th scope="col" className="epipe-rules__position">
							<span aria-hidden="true">#</span>
							<span className="screen-reader-text">
								{ __( 'Order', 'email-piping' ) }
							</span>
						</th>
						<th scope="col">{ __( 'Rule', 'email-piping' ) }</th>
						<th scope="col">
							{ __( 'Sets on the new ticket', 'email-piping' ) }
						</th>
						<th scope="col">{ __( 'Enabled', 'email-piping' ) }</th>
						<th scope="col">
							<span className="screen-reader-text">
								{ __( 'Actions', 'email-piping' ) }
							</span>
						</th>
					</tr>
				</thead>
				<tbody>
					{ rules.map( ( rule, index ) => (
						<RuleRow
							key={ rule.id }
							rule={ rule }
							position={ index + 1 }
							count={ rules.length }
							agents={ agents }
							isMoving={ isMoving }
							onMove={ ( offset ) => void move( rule, offset ) }
							onEdit={ () => onEdit( rule ) }
							onDelete={ () => onDelete( rule ) }
							onToggle={ ( enabled ) =>
								onToggle( rule, enabled )
							}
						/>
					) ) }
				</tbody>
			</table>
			<div
				className="screen-reader-text"
				role="status"
				aria-live="polite"
			>
				{ announcement }
			</div>
		</>
	);
}
