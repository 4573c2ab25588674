/**
 * WordPress dependencies
 */
import {
	Button,
	Card,
	CardBody,
	CardFooter,
	CardHeader,
	Notice,
	SelectControl,
	TextControl,
	TextareaControl,
	ToggleControl,
} from '@wordpress/components';
import { useEffect, useRef, useState } from '@wordpress/element';
import { __, sprintf } from '@wordpress/i18n';
import type { FormEvent } from 'react';

/**
 * Internal dependencies
 */
import { errorMessage, fieldErrorPaths } from '../../api/errors';
import type { Agent, Rule, RuleInput } from '../../api/types';
import { fieldHelp } from '../../components/field-help';
import ConditionRow from './condition-row';
import { priorityOptions, statusOptions } from './labels';
import {
	MAX_CONDITIONS,
	conditionPath,
	emptyCondition,
	emptyValues,
	formErrors,
	toInput,
	validate,
	valuesFrom,
	type ConditionValues,
	type RuleErrors,
	type RuleFormValues,
} from './rule-values';

/** Form fields that are actions of the rule (their errors are named actions[…]). */
const ACTION_FIELDS: Array< keyof RuleFormValues > = [
	'priority',
	'status',
	'category',
	'assignee_id',
	'add_recipients',
];

interface Props {
	/** The rule to edit, or null to add one. */
	rule: Rule | null;
	/** Names of the other rules (each name must be its own). */
	otherNames: string[];
	agents: Agent[];
	/** Categories a rule may set; empty: any. */
	categories: string[];
	forwardingAddresses: string[];
	save: ( id: number | null, input: RuleInput ) => Promise< Rule >;
	onSaved: ( rule: Rule, isNew: boolean ) => void;
	onCancel: () => void;
}

/**
 * Add or edit a piping rule: conditions that must all match, and the fields it sets on the
 * new ticket. Checks the patterns before sending (an invalid regular expression is explained)
 * and shows the server's field errors under the fields they belong to.
 *
 * @param props                     Props.
 * @param props.rule                The rule to edit, or null.
 * @param props.otherNames          Names of the other rules.
 * @param props.agents              Users who work tickets.
 * @param props.categories          Configured categories.
 * @param props.forwardingAddresses Configured forwarding addresses.
 * @param props.save                Saves (creates when the id is null).
 * @param props.onSaved             Called with the saved rule.
 * @param props.onCancel            Called when the admin leaves the form.
 */
export default function RuleForm( {
	rule,
	otherNames,
	agents,
	categories,
	forwardingAddresses,
	save,
	onSaved,
	onCancel,
}: Props ) {
	const isNew = rule === null;
	const [ values, setValues ] = useState< RuleFormValues >( () =>
		rule === null ? emptyValues() : valuesFrom( rule )
	);
	const [ errors, setErrors ] = useState< RuleErrors >( {} );
	const [ summary, setSummary ] = useState< string | null >( null );
	const [ isSaving, setIsSaving ] = useState( false );
	const [ focusRequest, setFocusRequest ] = useState( 0 );
	const formRef = useRef< HTMLFormElement >( null );

	// After a refused submit, take the keyboard to the first field to correct.
	useEffect( () => {
		if ( focusRequest > 0 ) {
			formRef.current
				?.querySelector< HTMLElement >( '[aria-invalid="true"]' )
				?.focus();
		}
	}, [ focusRequest ] );

	const clear = ( ...paths: string[] ) =>
		setErrors( ( current ) => {
			const next = { ...current };
			for ( const path of paths ) {
				delete next[ path ];
			}
			return next;
		} );

	const change = < K extends keyof RuleFormValues >(
		name: K,
		value: RuleFormValues[ K ]
	) => {
		setValues( ( current ) => ( { ...current, [ name ]: value } ) );
		if ( ACTION_FIELDS.includes( name ) ) {
			clear( `actions[${ name }]`, 'actions' );
		} else {
			clear( name );
		}
	};

	const changeCondition = (
		index: number,
		changes: Partial< ConditionValues >
	) => {
		setValues( ( current ) => ( {
			...current,
			conditions: current.conditions.map( ( condition, i ) =>
				i === index ? { ...condition, ...changes } : condition
			),
		} ) );
		clear(
			'conditions',
			...( 'field' in changes || 'header' in changes
				? [ conditionPath( index, 'field' ) ]
				: [] ),
			...( 'value' in changes || 'match' in changes
				? [ conditionPath( index, 'value' ) ]
				: [] )
		);
	};

	const conditionErrorsOnly = ( current: RuleErrors ) =>
		Object.fromEntries(
			Object.entries( current ).filter(
				( [ key ] ) => ! key.startsWith( 'conditions[' )
			)
		);

	const removeCondition = ( index: number ) => {
		setValues( ( current ) => ( {
			...current,
			conditions: current.conditions.filter( ( _c, i ) => i !== index ),
		} ) );
		// The errors of later conditions would name the wrong rows now.
		setErrors( conditionErrorsOnly );
	};

	const addCondition = () => {
		setValues( ( current ) => ( {
			...current,
			conditions: [ ...current.conditions, emptyCondition() ],
		} ) );
		clear( 'conditions' );
	};

	const refuse = ( found: RuleErrors, message: string ) => {
		setErrors( found );
		setSummary( message );
		setFocusRequest( ( n ) => n + 1 );
	};

	const onSubmit = async ( event: FormEvent ) => {
		event.preventDefault();
		const found = validate( values, otherNames );
		if ( Object.keys( found ).length > 0 ) {
			refuse(
				found,
				__( 'Correct the fields marked below.', 'email-piping' )
			);
			return;
		}
		setIsSaving( true );
		setSummary( null );
		let saved: Rule;
		try {
			saved = await save( rule?.id ?? null, toInput( values ) );
		} catch ( err ) {
			const { fields, other } = formErrors(
				fieldErrorPaths( err ),
				values.conditions.length
			);
			setIsSaving( false );
			if ( Object.keys( fields ).length > 0 ) {
				refuse(
					fields,
					[
						__(
							'Correct the fields marked below.',
							'email-piping'
						),
						...other,
					].join( ' ' )
				);
			} else {
				refuse(
					{},
					other.length > 0 ? other.join( ' ' ) : errorMessage( err )
				);
			}
			return;
		}
		onSaved( saved, isNew );
	};

	const error = ( path: string ): string | undefined => errors[ path ];

	const categoryControl =
		categories.length > 0 ? (
			<SelectControl
				__nextHasNoMarginBottom
				__next40pxDefaultSize
				className="epipe-rule-form__field"
				label={ __( 'Category', 'email-piping' ) }
				value={ values.category }
				options={ [
					{
						value: '',
						label: __( '— Don’t change —', 'email-piping' ),
					},
					...categories.map( ( category ) => ( {
						value: category,
						label: category,
					} ) ),
					// A category removed from the settings since the rule was saved.
					...( values.category !== '' &&
					! categories.includes( values.category )
						? [
								{
									value: values.category,
									label: values.category,
								},
							]
						: [] ),
				] }
				onChange={ ( value: string ) => change( 'category', value ) }
				help={ fieldHelp( undefined, error( 'actions[category]' ) ) }
				aria-invalid={ error( 'actions[category]' ) ? true : undefined }
			/>
		) : (
			<TextControl
				__nextHasNoMarginBottom
				__next40pxDefaultSize
				className="epipe-rule-form__field"
				label={ __( 'Category', 'email-piping' ) }
				value={ values.category }
				onChange={ ( value: string ) => change( 'category', value ) }
				help={ fieldHelp(
					__( 'Leave empty to keep the default.', 'email-piping' ),
					error( 'actions[category]' )
				) }
				aria-invalid={ error( 'actions[category]' ) ? true : undefined }
			/>
		);

	return (
		<Card className="epipe-rule-form">
			<CardHeader>
				<h2 className="epipe-rule-form__title">
					{ isNew
						? __( 'Add a rule', 'email-piping' )
						: sprintf(
								/* translators: %s: rule name. */
								__( 'Edit rule “%s”', 'email-piping' ),
								rule.name
							) }
				</h2>
			</CardHeader>
			<form ref={ formRef } onSubmit={ onSubmit } noValidate>
				<CardBody>
					{ summary !== null && (
						<Notice
							status="error"
							isDismissible={ false }
							className="epipe-rule-form__summary"
						>
							{ summary }
						</Notice>
					) }
					<TextControl
						__nextHasNoMarginBottom
						__next40pxDefaultSize
						className="epipe-rule-form__field epipe-rule-form__field--name"
						label={ __( 'Rule name', 'email-piping' ) }
						value={ values.name }
						onChange={ ( value: string ) =>
							change( 'name', value )
						}
						help={ fieldHelp(
							__(
								'Shown in the activity log and the tester when the rule applies, e.g. “Billing questions”.',
								'email-piping'
							),
							error( 'name' )
						) }
						aria-invalid={ error( 'name' ) ? true : undefined }
						required
					/>
					<fieldset className="epipe-rule-form__section">
						<legend>
							{ __(
								'When a new email matches all of these',
								'email-piping'
							) }
						</legend>
						{ error( 'conditions' ) !== undefined && (
							<p className="epipe-field__error">
								{ error( 'conditions' ) }
							</p>
						) }
						{ values.conditions.map( ( condition, index ) => (
							<ConditionRow
								key={ condition.key }
								condition={ condition }
								number={ index + 1 }
								fieldError={ error(
									conditionPath( index, 'field' )
								) }
								valueError={ error(
									conditionPath( index, 'value' )
								) }
								forwardingAddresses={ forwardingAddresses }
								canRemove={ values.conditions.length > 1 }
								onChange={ ( changes ) =>
									changeCondition( index, changes )
								}
								onRemove={ () => removeCondition( index ) }
							/>
						) ) }
						<Button
							variant="secondary"
							onClick={ addCondition }
							disabled={
								values.conditions.length >= MAX_CONDITIONS
							}
						>
							{ __( 'Add condition', 'email-piping' ) }
						</Button>
					</fieldset>
					<fieldset className="epipe-rule-form__section">
						<legend>
							{ __( 'Set on the new ticket', 'email-piping' ) }
						</legend>
						{ error( 'actions' ) !== undefined && (
							<p className="epipe-field__error">
								{ error( 'actions' ) }
							</p>
						) }
						<div className="epipe-rule-form__actions-grid">
							<SelectControl
								__nextHasNoMarginBottom
								__next40pxDefaultSize
								className="epipe-rule-form__field"
								label={ __( 'Priority', 'email-piping' ) }
								value={ values.priority }
								options={ [
									{
										value: '',
										label: __(
											'— Don’t change —',
											'email-piping'
										),
									},
									...priorityOptions(),
								] }
								onChange={ ( value: string ) =>
									change(
										'priority',
										value as RuleFormValues[ 'priority' ]
									)
								}
								help={ fieldHelp(
									undefined,
									error( 'actions[priority]' )
								) }
							/>
							<SelectControl
								__nextHasNoMarginBottom
								__next40pxDefaultSize
								className="epipe-rule-form__field"
								label={ __( 'Status', 'email-piping' ) }
								value={ values.status }
								options={ [
									{
										value: '',
										label: __(
											'— Don’t change —',
											'email-piping'
										),
									},
									...statusOptions(),
								] }
								onChange={ ( value: string ) =>
									change(
										'status',
										value as RuleFormValues[ 'status' ]
									)
								}
								help={ fieldHelp(
									undefined,
									error( 'actions[status]' )
								) }
							/>
							{ categoryControl }
							<SelectControl
								__nextHasNoMarginBottom
								__next40pxDefaultSize
								className="epipe-rule-form__field"
								label={ __( 'Assignee', 'email-piping' ) }
								value={ values.assignee_id }
								options={ [
									{
										value: '',
										label: __(
											'— Nobody —',
											'email-piping'
										),
									},
									...agents.map( ( agent ) => ( {
										value: String( agent.id ),
										label: `${ agent.name } (${ agent.email })`,
									} ) ),
								] }
								onChange={ ( value: string ) =>
									change( 'assignee_id', value )
								}
								help={ fieldHelp(
									undefined,
									error( 'actions[assignee_id]' )
								) }
								aria-invalid={
									error( 'actions[assignee_id]' )
										? true
										: undefined
								}
							/>
						</div>
						<TextareaControl
							__nextHasNoMarginBottom
							className="epipe-rule-form__field"
							label={ __(
								'Additional recipients',
								'email-piping'
							) }
							value={ values.add_recipients }
							onChange={ ( value: string ) =>
								change( 'add_recipients', value )
							}
							rows={ 3 }
							help={ fieldHelp(
								__(
									'One address per line; they receive the ticket’s notifications with the customer.',
									'email-piping'
								),
								error( 'actions[add_recipients]' )
							) }
							aria-invalid={
								error( 'actions[add_recipients]' )
									? true
									: undefined
							}
						/>
					</fieldset>
					<fieldset className="epipe-rule-form__section">
						<legend>{ __( 'Then', 'email-piping' ) }</legend>
						<ToggleControl
							__nextHasNoMarginBottom
							className="epipe-rule-form__field"
							label={ __(
								'Let later rules apply too',
								'email-piping'
							) }
							checked={ values.continue_matching }
							onChange={ ( checked: boolean ) =>
								change( 'continue_matching', checked )
							}
							help={ __(
								'Off: the first matching rule is the only one applied. On: later matching rules apply as well; where they set the same field, the later one wins, and recipients add up.',
								'email-piping'
							) }
						/>
						<ToggleControl
							__nextHasNoMarginBottom
							className="epipe-rule-form__field"
							label={ __( 'Enabled', 'email-piping' ) }
							checked={ values.enabled }
							onChange={ ( checked: boolean ) =>
								change( 'enabled', checked )
							}
							help={ __(
								'Rules apply to new tickets only, never to replies.',
								'email-piping'
							) }
						/>
					</fieldset>
				</CardBody>
				<CardFooter className="epipe-rule-form__footer">
					<Button
						variant="primary"
						type="submit"
						isBusy={ isSaving }
						disabled={ isSaving }
					>
						{ isNew
							? __( 'Add rule', 'email-piping' )
							: __( 'Save rule', 'email-piping' ) }
					</Button>
					<Button
						variant="tertiary"
						onClick={ onCancel }
						disabled={ isSaving }
					>
						{ __( 'Cancel', 'email-piping' ) }
					</Button>
				</CardFooter>
			</form>
		</Card>
	);
}
