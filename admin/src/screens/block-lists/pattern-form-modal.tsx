/**
 * WordPress dependencies
 */
import {
	Button,
	Modal,
	Notice,
	RadioControl,
	SelectControl,
	TextControl,
} from '@wordpress/components';
import { useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';
import type { FormEvent } from 'react';

/**
 * Internal dependencies
 */
import { errorMessage, fieldErrors } from '../../api/errors';
import type {
	BlockPattern,
	BlockPatternInput,
	MatchType,
	PatternKind,
} from '../../api/types';
import { fieldHelp } from '../../components/field-help';
import {
	matchTypeHelp,
	matchTypeLabel,
	validatePattern,
	type PatternErrors,
	type PatternField,
} from './pattern-values';

interface Props {
	/** The pattern to edit, or null to add one. */
	pattern: BlockPattern | null;
	/** The list a new pattern goes to. */
	kind: PatternKind;
	save: (
		id: number | null,
		input: BlockPatternInput
	) => Promise< BlockPattern >;
	onSaved: ( pattern: BlockPattern, isNew: boolean ) => void;
	onClose: () => void;
}

const MATCH_TYPES: MatchType[] = [ 'exact', 'wildcard', 'regex' ];

/**
 * Adds or edits a block pattern in a dialog; the form checks the pattern first, then shows
 * the server's field errors (an unsafe regex, for instance) under the field they name.
 *
 * @param props         Props.
 * @param props.pattern The pattern to edit, or null.
 * @param props.kind    The list a new pattern goes to.
 * @param props.save    Saves (creates when the id is null).
 * @param props.onSaved Called with the saved pattern.
 * @param props.onClose Called when the dialog closes without saving.
 */
export default function PatternFormModal( {
	pattern,
	kind: initialKind,
	save,
	onSaved,
	onClose,
}: Props ) {
	const isNew = pattern === null;
	const [ kind, setKind ] = useState< PatternKind >(
		pattern?.kind ?? initialKind
	);
	const [ matchType, setMatchType ] = useState< MatchType >(
		pattern?.match_type ?? 'wildcard'
	);
	const [ value, setValue ] = useState( pattern?.pattern ?? '' );
	const [ errors, setErrors ] = useState< PatternErrors >( {} );
	const [ summary, setSummary ] = useState< string | null >( null );
	const [ isSaving, setIsSaving ] = useState( false );

	const forget = ( field: PatternField ) =>
		setErrors( ( current ) => {
			const { [ field ]: _gone, ...rest } = current;
			return rest;
		} );

	const onSubmit = async ( event: FormEvent ) => {
		event.preventDefault();
		if ( isSaving ) {
			return;
		}
		const found = validatePattern( value, matchType );
		if ( Object.keys( found ).length > 0 ) {
			setErrors( found );
			return;
		}
		setIsSaving( true );
		setSummary( null );
		try {
			const saved = await save( pattern?.id ?? null, {
				kind,
				pattern: value.trim(),
				match_type: matchType,
			} );
			onSaved( saved, isNew );
		} catch ( err ) {
			setIsSaving( false );
			const fields = fieldErrors( err );
			const known: PatternErrors = {};
			for ( const field of [
				'kind',
				'pattern',
				'match_type',
			] as const ) {
				if ( fields[ field ] !== undefined ) {
					known[ field ] = fields[ field ];
				}
			}
			setErrors( known );
			if ( Object.keys( known ).length === 0 ) {
				setSummary( errorMessage( err ) );
			}
		}
	};

	return (
		<Modal
			title={
				isNew
					? __( 'Add a block pattern', 'email-piping' )
					: __( 'Edit block pattern', 'email-piping' )
			}
			onRequestClose={ onClose }
			className="epipe-pattern-form"
		>
			<form onSubmit={ onSubmit } noValidate>
				{ summary !== null && (
					<Notice status="error" isDismissible={ false }>
						{ summary }
					</Notice>
				) }
				<SelectControl
					__nextHasNoMarginBottom
					__next40pxDefaultSize
					label={ __( 'Block by', 'email-piping' ) }
					value={ kind }
					options={ [
						{
							value: 'sender',
							label: __( 'Sender address', 'email-piping' ),
						},
						{
							value: 'subject',
							label: __( 'Subject', 'email-piping' ),
						},
					] }
					onChange={ ( next: string ) => {
						setKind( next as PatternKind );
						forget( 'kind' );
					} }
					help={ fieldHelp( undefined, errors.kind ) }
				/>
				<RadioControl
					label={ __( 'Match', 'email-piping' ) }
					selected={ matchType }
					options={ MATCH_TYPES.map( ( type ) => ( {
						value: type,
						label: matchTypeLabel( type ),
					} ) ) }
					onChange={ ( next: string ) => {
						setMatchType( next as MatchType );
						forget( 'match_type' );
						forget( 'pattern' );
					} }
					help={ fieldHelp( undefined, errors.match_type ) }
				/>
				<TextControl
					__nextHasNoMarginBottom
					__next40pxDefaultSize
					className="epipe-pattern-form__pattern"
					label={ __( 'Pattern', 'email-piping' ) }
					value={ value }
					onChange={ ( next: string ) => {
						setValue( next );
						forget( 'pattern' );
					} }
					help={ fieldHelp(
						matchTypeHelp( matchType, kind ),
						errors.pattern
					) }
					autoComplete="off"
					spellCheck={ false }
					aria-invalid={ errors.pattern ? true : undefined }
				/>
				<div className="epipe-pattern-form__actions">
					<Button
						variant="primary"
						type="submit"
						isBusy={ isSaving }
						// Not disabled: a disabled button drops the focus, and a Modal closes
						// when the focus leaves it.
						aria-disabled={ isSaving }
					>
						{ isNew
							? __( 'Add pattern', 'email-piping' )
							: __( 'Save pattern', 'email-piping' ) }
					</Button>
					<Button
						variant="tertiary"
						onClick={ onClose }
						disabled={ isSaving }
					>
						{ __( 'Cancel', 'email-piping' ) }
					</Button>
				</div>
			</form>
		</Modal>
	);
}
