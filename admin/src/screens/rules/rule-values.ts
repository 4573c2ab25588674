/**
 * WordPress dependencies
 */
import { __, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type {
	Rule,
	RuleActions,
	RuleCondition,
	RuleInput,
	RuleMatchType,
	TicketPriority,
	TicketStatus,
} from '../../api/types';

/** What a condition looks at, as the form offers it; `header` takes a header name. */
export type ConditionField =
	| 'forwarding_address'
	| 'from'
	| 'from_name'
	| 'recipients'
	| 'subject'
	| 'body'
	| 'header';

export interface ConditionValues {
	/** Stable React key of the row. */
	key: number;
	field: ConditionField;
	/** The header's name when field is `header`. */
	header: string;
	match: RuleMatchType;
	value: string;
}

/** What the rule form edits; the assignee stays text until it is sent. */
export interface RuleFormValues {
	name: string;
	enabled: boolean;
	continue_matching: boolean;
	conditions: ConditionValues[];
	priority: TicketPriority | '';
	status: TicketStatus | '';
	category: string;
	assignee_id: string;
	/** One address per line. */
	add_recipients: string;
}

/**
 * Errors by the server's parameter paths: `name`, `conditions`, `conditions[0][value]`,
 * `actions`, `actions[category]` …
 */
export type RuleErrors = Record< string, string >;

/**
 * The error path of a condition's part: conditions are named by their place in the list.
 *
 * @param index Place in the list, from 0.
 * @param part  The condition's field or value.
 */
export const conditionPath = ( index: number, part: 'field' | 'value' ) =>
	`conditions[${ index }][${ part }]`;

/** Most conditions per rule and additional recipients, as the server allows. */
export const MAX_CONDITIONS = 20;
const MAX_RECIPIENTS = 20;

const HEADER_NAME = /^[A-Za-z0-9-]{1,76}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

let nextKey = 1;

/**
 * An empty condition: the subject, by wildcard.
 */
export function emptyCondition(): ConditionValues {
	return {
		key: nextKey++,
		field: 'subject',
		header: '',
		match: 'wildcard',
		value: '',
	};
}

/**
 * A new rule: enabled, one empty condition, nothing set yet.
 */
export function emptyValues(): RuleFormValues {
	return {
		name: '',
		enabled: true,
		continue_matching: false,
		conditions: [ emptyCondition() ],
		priority: '',
		status: '',
		category: '',
		assignee_id: '',
		add_recipients: '',
	};
}

/**
 * The form values of a saved rule.
 *
 * @param rule Rule from the API.
 */
export function valuesFrom( rule: Rule ): RuleFormValues {
	const { actions } = rule;
	return {
		name: rule.name,
		enabled: rule.enabled,
		continue_matching: rule.continue_matching,
		conditions: rule.conditions.map( ( condition ) => {
			const isHeader = condition.field.startsWith( 'header:' );
			return {
				key: nextKey++,
				field: isHeader
					? 'header'
					: ( condition.field as ConditionField ),
				header: isHeader ? condition.field.slice( 7 ) : '',
				match: condition.match,
				value: condition.value,
			};
		} ),
		priority: actions.priority ?? '',
		status: actions.status ?? '',
		category: actions.category ?? '',
		assignee_id:
			actions.assignee_id !== undefined
				? String( actions.assignee_id )
				: '',
		add_recipients: ( actions.add_recipients ?? [] ).join( '\n' ),
	};
}

/**
 * The addresses of the recipients field.
 *
 * @param text One address per line (commas and semicolons work too).
 */
function recipientsOf( text: string ): string[] {
	return text
		.split( /[\n,;]+/ )
		.map( ( address ) => address.trim() )
		.filter( ( address ) => address !== '' );
}

/**
 * What the browser's engine says about a regular expression, or null when it reads it.
 *
 * @param pattern The pattern as typed.
 */
function regexProblem( pattern: string ): string | null {
	if ( /^\/.+\/[a-z]*$/.test( pattern ) ) {
		return __(
			'Leave out the slashes and flags: write invoice|billing, not /invoice|billing/i. Matching always ignores case.',
			'email-piping'
		);
	}
	try {
		new RegExp( pattern, 'i' );
		return null;
	} catch ( err ) {
		const detail =
			err instanceof Error
				? err.message.replace(
						/^Invalid regular expression: \/.*\/[a-z]*: /s,
						''
					)
				: '';
		return sprintf(
			/* translators: %s: the regular expression engine's complaint, e.g. "Unterminated group". */
			__(
				'This is not a valid regular expression (%s). Check that every bracket and parenthesis is closed, and put a backslash before a character meant literally, e.g. \\. or \\(.',
				'email-piping'
			),
			detail
		);
	}
}

/**
 * What is missing or malformed before anything is sent. The server checks everything again
 * (regex constructs PHP and JavaScript read differently, patterns that could run away,
 * assignees and categories) and its field errors are shown the same way.
 *
 * @param values     Form values.
 * @param otherNames Names of the other rules.
 */
export function validate(
	values: RuleFormValues,
	otherNames: string[]
): RuleErrors {
	const errors: RuleErrors = {};
	const name = values.name.trim();
	if ( name === '' ) {
		errors[ 'name' ] = __(
			'Name the rule: the tester and the activity log show which rules applied by their names.',
			'email-piping'
		);
	} else if (
		otherNames.some(
			( other ) => other.trim().toLowerCase() === name.toLowerCase()
		)
	) {
		errors[ 'name' ] = __(
			'Another rule has this name. Give each rule its own, so the tester and the activity log tell them apart.',
			'email-piping'
		);
	}
	if ( values.conditions.length === 0 ) {
		errors[ 'conditions' ] = __(
			'Add at least one condition.',
			'email-piping'
		);
	}
	values.conditions.forEach( ( condition, index ) => {
		if (
			condition.field === 'header' &&
			! HEADER_NAME.test( condition.header.trim() )
		) {
			errors[ conditionPath( index, 'field' ) ] = __(
				'Enter the header’s name: letters, digits and dashes, e.g. X-Priority.',
				'email-piping'
			);
		}
		const value = condition.value.trim();
		if ( value === '' ) {
			errors[ conditionPath( index, 'value' ) ] = __(
				'Enter what to look for.',
				'email-piping'
			);
		} else if ( condition.match === 'regex' ) {
			const problem = regexProblem( value );
			if ( problem !== null ) {
				errors[ conditionPath( index, 'value' ) ] = problem;
			}
		}
	} );
	const recipients = recipientsOf( values.add_recipients );
	const bad = recipients.find( ( address ) => ! EMAIL.test( address ) );
	if ( bad !== undefined ) {
		errors[ 'actions[add_recipients]' ] = sprintf(
			/* translators: %s: what was entered. */
			__( '“%s” is not an email address.', 'email-piping' ),
			bad
		);
	} else if ( recipients.length > MAX_RECIPIENTS ) {
		errors[ 'actions[add_recipients]' ] = __(
			'Enter at most 20 addresses.',
			'email-piping'
		);
	}
	if ( Object.keys( toActions( values ) ).length === 0 ) {
		errors[ 'actions' ] = __(
			'Choose at least one thing for the rule to set.',
			'email-piping'
		);
	}
	return errors;
}

/**
 * The actions of the form values; fields left at “don’t change” are left out.
 *
 * @param values Form values.
 */
function toActions( values: RuleFormValues ): RuleActions {
	const actions: RuleActions = {};
	if ( values.priority !== '' ) {
		actions.priority = values.priority;
	}
	if ( values.status !== '' ) {
		actions.status = values.status;
	}
	if ( values.category.trim() !== '' ) {
		actions.category = values.category.trim();
	}
	if ( values.assignee_id !== '' ) {
		actions.assignee_id = Number( values.assignee_id );
	}
	const recipients = recipientsOf( values.add_recipients );
	if ( recipients.length > 0 ) {
		actions.add_recipients = recipients;
	}
	return actions;
}

/**
 * The request body for checked values.
 *
 * @param values Form values.
 */
export function toInput( values: RuleFormValues ): RuleInput {
	return {
		name: values.name.trim(),
		enabled: values.enabled,
		continue_matching: values.continue_matching,
		conditions: values.conditions.map( ( condition ): RuleCondition => ( {
			field:
				condition.field === 'header'
					? `header:${ condition.header.trim() }`
					: condition.field,
			match: condition.match,
			value: condition.value.trim(),
		} ) ),
		actions: toActions( values ),
	};
}

/**
 * The form's errors among the server's (as fieldErrorPaths() gives them), and the rest.
 *
 * @param errors     Field errors from the API.
 * @param conditions How many conditions the form has.
 */
export function formErrors(
	errors: Record< string, string >,
	conditions: number
): { fields: RuleErrors; other: string[] } {
	const known = new Set( [
		'name',
		'conditions',
		'actions',
		'actions[priority]',
		'actions[status]',
		'actions[category]',
		'actions[assignee_id]',
		'actions[add_recipients]',
	] );
	for ( let index = 0; index < conditions; index++ ) {
		known.add( conditionPath( index, 'field' ) );
		known.add( conditionPath( index, 'value' ) );
	}
	const fields: RuleErrors = {};
	const other: string[] = [];
	for ( const [ key, message ] of Object.entries( errors ) ) {
		// A list item's own check (e.g. one recipient) belongs to the list.
		const path = key.replace(
			/^(actions\[add_recipients\])\[\d+\]$/,
			'$1'
		);
		if ( known.has( path ) ) {
			fields[ path ] = message;
		} else if ( /^conditions\[\d+\]\[match\]$/.test( path ) ) {
			fields[ path.replace( /\[match\]$/, '[value]' ) ] = message;
		} else {
			other.push( message );
		}
	}
	return { fields, other };
}
