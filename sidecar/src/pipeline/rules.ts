/**
 * Piping rules: fields of new tickets set by what an email says. The contract is PHP's
 * (includes/Services/Rule_Service.php), where admins save and order them:
 * - rules are tried in order; disabled ones are not loaded;
 * - a rule matches when all its conditions match; a condition compares a field of the email —
 *   `forwarding_address` (the forwarding address it came through), `from` (the sender, lower
 *   case), `from_name` (the sender's display name), `recipients` (any of its To and Cc
 *   addresses), `subject`, `body` (the text), or `header:<Name>` (any value of that header) —
 *   with a pattern (exact, wildcard, regex; patterns.ts);
 * - the first matching rule's actions apply, and matching stops unless that rule says to
 *   continue: then later matches apply too (a later value wins, recipients add up).
 * Pure functions.
 */
import { compileMatcher, type MatchType } from './patterns.ts';

/** Fields of one value each. */
export type TextField =
	'forwarding_address' | 'from' | 'from_name' | 'subject' | 'body';

/** A text field, any of the recipients, or any value of a header (name in lower case). */
export type RuleField = TextField | 'recipients' | `header:${ string }`;

export interface RuleActions {
	readonly priority?: string;
	readonly status?: string;
	readonly category?: string;
	readonly assigneeId?: number;
	readonly addRecipients?: readonly string[];
}

/** A rule as stored. */
export interface StoredRule {
	readonly name: string;
	readonly conditions: ReadonlyArray< {
		readonly field: string;
		readonly match: string;
		readonly value: string;
	} >;
	readonly actions: Record< string, unknown >;
	readonly continueMatching: boolean;
}

/** A rule ready to run. */
export interface CompiledRule {
	readonly name: string;
	readonly conditions: ReadonlyArray< {
		readonly field: RuleField;
		readonly test: ( value: string ) => boolean;
	} >;
	readonly actions: RuleActions;
	readonly continueMatching: boolean;
}

/** What the rules decided for a new ticket. */
export interface RuleOutcome {
	readonly fields: Omit< RuleActions, 'addRecipients' >;
	readonly addRecipients: readonly string[];
	/** Names of the rules that applied, in order. */
	readonly applied: readonly string[];
}

/** The facts of an email rules look at. */
export type RuleFacts = Record< TextField, string > & {
	/** Its To and Cc addresses, lower case. */
	readonly recipients: readonly string[];
	/** Its header values by lower-case name. */
	readonly headers: ReadonlyMap< string, readonly string[] >;
};

const TEXT_FIELDS: ReadonlySet< string > = new Set( [
	'forwarding_address',
	'from',
	'from_name',
	'subject',
	'body',
] );

/** "header:" and a header name (RFC 5322 field-name characters, as PHP accepts them). */
const HEADER_FIELD = /^header:([A-Za-z0-9-]{1,76})$/;

/** Longest subject, name or address compared (body: MAX_BODY_CHARS). */
const MAX_TEXT_CHARS = 1_000;

/** Longest header value compared. */
const MAX_HEADER_CHARS = 2_000;

/**
 * The field a stored condition names, normalised, or null when it names none.
 *
 * @param field Stored field.
 */
function fieldOf( field: string ): RuleField | null {
	if ( TEXT_FIELDS.has( field ) || field === 'recipients' ) {
		return field as RuleField;
	}
	const header = HEADER_FIELD.exec( field );
	return header !== null
		? `header:${ ( header[ 1 ] as string ).toLowerCase() }`
		: null;
}

/**
 * The values of a field: a condition on a list matches when any value does.
 *
 * @param facts The email's facts.
 * @param field The field.
 */
function valuesOf( facts: RuleFacts, field: RuleField ): readonly string[] {
	if ( field === 'recipients' ) {
		return facts.recipients;
	}
	if ( field.startsWith( 'header:' ) ) {
		return ( facts.headers.get( field.slice( 7 ) ) ?? [] ).map( ( v ) =>
			v.slice( 0, MAX_HEADER_CHARS )
		);
	}
	return [
		field === 'body'
			? facts.body
			: facts[ field as TextField ].slice( 0, MAX_TEXT_CHARS ),
	];
}

/** Longest body text searched, so a huge email can't make a regex slow. */
const MAX_BODY_CHARS = 100_000;

const text = ( v: unknown ): string | undefined =>
	typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

/**
 * Compiles a stored rule; null when a condition can't be read (the rule then never matches,
 * rather than matching everything).
 *
 * @param rule The stored rule.
 */
export function compileRule( rule: StoredRule ): CompiledRule | null {
	const conditions: Array< CompiledRule[ 'conditions' ][ number ] > = [];
	for ( const c of rule.conditions ) {
		const test = compileMatcher( c.match as MatchType, c.value );
		const field = fieldOf( c.field );
		if ( field === null || test === null ) {
			return null;
		}
		conditions.push( { field, test } );
	}
	if ( conditions.length === 0 ) {
		return null;
	}
	const a = rule.actions;
	const assignee = Number( a[ 'assignee_id' ] );
	const recipients = Array.isArray( a[ 'add_recipients' ] )
		? ( a[ 'add_recipients' ] as unknown[] ).flatMap( ( r ) => {
				const address = text( r )?.toLowerCase();
				return address !== undefined && address.includes( '@' )
					? [ address ]
					: [];
			} )
		: [];
	const priority = text( a[ 'priority' ] );
	const status = text( a[ 'status' ] );
	const category = text( a[ 'category' ] );
	return {
		name: rule.name,
		conditions,
		actions: {
			...( priority !== undefined ? { priority } : {} ),
			...( status !== undefined ? { status } : {} ),
			...( category !== undefined ? { category } : {} ),
			...( Number.isInteger( assignee ) && assignee > 0
				? { assigneeId: assignee }
				: {} ),
			...( recipients.length > 0 ? { addRecipients: recipients } : {} ),
		},
		continueMatching: rule.continueMatching,
	};
}

/**
 * Runs the rules on an email that opens a ticket.
 *
 * @param rules Compiled rules, in order.
 * @param facts The email's facts.
 */
export function applyRules(
	rules: readonly CompiledRule[],
	facts: RuleFacts
): RuleOutcome {
	const values: RuleFacts = {
		...facts,
		from: facts.from.toLowerCase(),
		body: facts.body.slice( 0, MAX_BODY_CHARS ),
	};
	let fields: RuleOutcome[ 'fields' ] = {};
	const addRecipients: string[] = [];
	const applied: string[] = [];
	for ( const rule of rules ) {
		if (
			! rule.conditions.every( ( c ) =>
				valuesOf( values, c.field ).some( ( v ) => c.test( v ) )
			)
		) {
			continue;
		}
		const { addRecipients: more = [], ...rest } = rule.actions;
		fields = { ...fields, ...rest };
		for ( const r of more ) {
			if ( ! addRecipients.includes( r ) ) {
				addRecipients.push( r );
			}
		}
		applied.push( rule.name );
		if ( ! rule.continueMatching ) {
			break;
		}
	}
	return { fields, addRecipients, applied };
}
