/**
 * WordPress dependencies
 */
import {
	Button,
	Card,
	CardBody,
	CardHeader,
	Notice,
	Spinner,
} from '@wordpress/components';
import { useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import { errorMessage } from '../../api/errors';
import type { Rule } from '../../api/types';
import { useNotices } from '../../hooks/use-notices';
import { useRuleChoices } from '../../hooks/use-rule-choices';
import { useRules } from '../../hooks/use-rules';
import DeleteRuleModal from './delete-rule-modal';
import RuleForm from './rule-form';
import RuleTable from './rule-table';
import RuleTester from './rule-tester';
import './style.scss';

/**
 * Rules: ordered conditions → fields of new tickets, and a tester that runs a pasted email
 * through the sidecar's real pipeline.
 */
export default function RulesScreen() {
	const { rules, isLoading, error, save, remove, move } = useRules();
	const choices = useRuleChoices();
	const notices = useNotices();
	const [ editing, setEditing ] = useState< Rule | 'new' | null >( null );
	const [ deleting, setDeleting ] = useState< Rule | null >( null );

	const toggle = async ( rule: Rule, enabled: boolean ) => {
		try {
			await save( rule.id, { enabled } );
			notices.success(
				enabled
					? __( 'Rule enabled.', 'email-piping' )
					: __(
							'Rule disabled: new tickets no longer get its fields.',
							'email-piping'
						)
			);
		} catch ( err ) {
			notices.error( errorMessage( err ) );
		}
	};

	const moveRule = async ( rule: Rule, offset: -1 | 1 ) => {
		try {
			await move( rule.id, offset );
			return true;
		} catch ( err ) {
			notices.error( errorMessage( err ) );
			return false;
		}
	};

	let main;
	if ( editing !== null ) {
		const current = editing === 'new' ? null : editing;
		main = (
			<RuleForm
				rule={ current }
				otherNames={ rules
					.filter( ( item ) => item.id !== current?.id )
					.map( ( item ) => item.name ) }
				agents={ choices.agents }
				categories={ choices.categories }
				forwardingAddresses={ choices.forwardingAddresses }
				save={ save }
				onCancel={ () => setEditing( null ) }
				onSaved={ ( _saved, isNew ) => {
					setEditing( null );
					notices.success(
						isNew
							? __(
									'Rule added at the end of the list.',
									'email-piping'
								)
							: __( 'Rule saved.', 'email-piping' )
					);
				} }
			/>
		);
	} else {
		main = (
			<Card className="epipe-rules">
				<CardHeader>
					<h2 className="epipe-rules__title">
						{ __( 'Piping rules', 'email-piping' ) }
					</h2>
					<Button
						variant="primary"
						onClick={ () => setEditing( 'new' ) }
						disabled={ isLoading || error !== null }
					>
						{ __( 'Add rule', 'email-piping' ) }
					</Button>
				</CardHeader>
				<CardBody>
					<p className="epipe-rules__intro">
						{ __(
							'Rules set the fields of new tickets from what an email says. They are tried from the top: the first rule whose conditions all match applies, and later rules only if it lets them. Replies to existing tickets are never changed.',
							'email-piping'
						) }
					</p>
					{ choices.error !== null && (
						<Notice status="warning" isDismissible={ false }>
							{ choices.error }
						</Notice>
					) }
					{ isLoading && <Spinner /> }
					{ error !== null && (
						<Notice status="error" isDismissible={ false }>
							{ error }
						</Notice>
					) }
					{ ! isLoading && error === null && rules.length === 0 && (
						<div className="epipe-rules__empty">
							<p>
								{ __(
									'No rules yet: every new ticket gets the default fields. Add a rule to set, for example, a high priority for emails whose subject mentions an invoice, or an assignee for mail forwarded from sales@.',
									'email-piping'
								) }
							</p>
							<Button
								variant="primary"
								onClick={ () => setEditing( 'new' ) }
							>
								{ __( 'Add your first rule', 'email-piping' ) }
							</Button>
						</div>
					) }
					{ rules.length > 0 && (
						<RuleTable
							rules={ rules }
							agents={ choices.agents }
							onMove={ moveRule }
							onEdit={ setEditing }
							onDelete={ setDeleting }
							onToggle={ toggle }
						/>
					) }
				</CardBody>
			</Card>
		);
	}

	return (
		<>
			{ main }
			<RuleTester
				agents={ choices.agents }
				connections={ choices.connections }
			/>
			{ deleting !== null && (
				<DeleteRuleModal
					rule={ deleting }
					onClose={ () => setDeleting( null ) }
					onConfirm={ async () => {
						const { id } = deleting;
						try {
							await remove( id );
							// Only this rule's dialog closes (another may be open by now).
							setDeleting( ( current ) =>
								current?.id === id ? null : current
							);
							notices.success(
								__( 'Rule deleted.', 'email-piping' )
							);
							return true;
						} catch ( err ) {
							notices.error( errorMessage( err ) );
							return false;
						}
					} }
				/>
			) }
		</>
	);
}
