/**
 * WordPress dependencies
 */
import { Button, SelectControl, TextControl } from '@wordpress/components';
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { RuleMatchType } from '../../api/types';
import { fieldHelp } from '../../components/field-help';
import { fieldOptions, matchOptions } from './labels';
import type { ConditionField, ConditionValues } from './rule-values';

interface Props {
	condition: ConditionValues;
	/** Its place in the list, from 1 (names its controls for screen readers). */
	number: number;
	fieldError: string | undefined;
	valueError: string | undefined;
	forwardingAddresses: string[];
	canRemove: boolean;
	onChange: ( changes: Partial< ConditionValues > ) => void;
	onRemove: () => void;
}

/**
 * How each match type reads the value.
 *
 * @param match Match type.
 */
function matchHelp( match: RuleMatchType ): string {
	switch ( match ) {
		case 'exact':
			return __(
				'The whole value, ignoring case, e.g. billing@example.com.',
				'email-piping'
			);
		case 'wildcard':
			return __(
				'* stands for any text; the rest must match the whole value, ignoring case, e.g. *@example.com or *invoice*.',
				'email-piping'
			);
		default:
			return __(
				'Found anywhere in the value, ignoring case; without slashes or flags, e.g. invoice|billing or ^\\[urgent\\].',
				'email-piping'
			);
	}
}

/**
 * One condition of a rule: what it looks at, how it compares, and the pattern.
 *
 * @param props                     Props.
 * @param props.condition           The condition's values.
 * @param props.number              Its place in the list, from 1.
 * @param props.fieldError          Error of its field (the header name).
 * @param props.valueError          Error of its pattern.
 * @param props.forwardingAddresses The configured forwarding addresses, for the help.
 * @param props.canRemove           Whether it may be removed (a rule keeps one).
 * @param props.onChange            Changes some of its values.
 * @param props.onRemove            Removes it.
 */
export default function ConditionRow( {
	condition,
	number,
	fieldError,
	valueError,
	forwardingAddresses,
	canRemove,
	onChange,
	onRemove,
}: Props ) {
	let valueHelp = matchHelp( condition.match );
	if ( condition.field === 'forwarding_address' ) {
		valueHelp =
			forwardingAddresses.length > 0
				? sprintf(
						/* translators: %s: comma-separated email addresses. */
						__(
							'The address the email was forwarded from. Configured: %s.',
							'email-piping'
						),
						forwardingAddresses.join( ', ' )
					)
				: __(
						'No forwarding addresses are configured yet: add them under Connections.',
						'email-piping'
					);
	}
	return (
		<fieldset
			className="epipe-rule-form__condition"
			data-condition={ number }
		>
			<legend className="screen-reader-text">
				{ sprintf(
					/* translators: %d: condition number. */
					__( 'Condition %d', 'email-piping' ),
					number
				) }
			</legend>
			<SelectControl
				__nextHasNoMarginBottom
				__next40pxDefaultSize
				className="epipe-rule-form__condition-field"
				label={ __( 'Looks at', 'email-piping' ) }
				value={ condition.field }
				options={ fieldOptions() }
				onChange={ ( value: string ) =>
					onChange( { field: value as ConditionField } )
				}
				help={
					condition.field === 'header'
						? undefined
						: fieldHelp( undefined, fieldError )
				}
			/>
			{ condition.field === 'header' && (
				<TextControl
					__nextHasNoMarginBottom
					__next40pxDefaultSize
					className="epipe-rule-form__condition-header"
					label={ __( 'Header name', 'email-piping' ) }
					value={ condition.header }
					placeholder="X-Priority"
					onChange={ ( value: string ) =>
						onChange( { header: value } )
					}
					help={ fieldHelp( undefined, fieldError ) }
					aria-invalid={ fieldError ? true : undefined }
				/>
			) }
			<SelectControl
				__nextHasNoMarginBottom
				__next40pxDefaultSize
				className="epipe-rule-form__condition-match"
				label={ __( 'Comparison', 'email-piping' ) }
				value={ condition.match }
				options={ matchOptions() }
				onChange={ ( value: string ) =>
					onChange( { match: value as RuleMatchType } )
				}
			/>
			<TextControl
				__nextHasNoMarginBottom
				__next40pxDefaultSize
				className="epipe-rule-form__condition-value"
				label={ __( 'Pattern', 'email-piping' ) }
				value={ condition.value }
				onChange={ ( value: string ) => onChange( { value } ) }
				help={ fieldHelp( valueHelp, valueError ) }
				aria-invalid={ valueError ? true : undefined }
				autoComplete="off"
				spellCheck={ false }
			/>
			<Button
				variant="tertiary"
				isDestructive
				className="epipe-rule-form__condition-remove"
				onClick={ onRemove }
				disabled={ ! canRemove }
				aria-label={ sprintf(
					/* translators: %d: condition number. */
					__( 'Remove condition %d', 'email-piping' ),
					number
				) }
			>
				{ __( 'Remove', 'email-piping' ) }
			</Button>
		</fieldset>
	);
}
