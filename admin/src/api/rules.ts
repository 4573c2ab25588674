/**
 * WordPress dependencies
 */
import apiFetch from '@wordpress/api-fetch';

/**
 * Internal dependencies
 */
import type { Job, Rule, RuleInput } from './types';

const BASE = '/email-piping/v1/rules';

/**
 * Every rule, in the order the sidecar tries them.
 */
export function fetchRules(): Promise< Rule[] > {
	return apiFetch< Rule[] >( { path: BASE } );
}

/**
 * Adds a rule at the end of the order.
 *
 * @param input The rule.
 */
export function createRule( input: RuleInput ): Promise< Rule > {
	return apiFetch< Rule >( { path: BASE, method: 'POST', data: input } );
}

/**
 * Changes the given fields of a rule.
 *
 * @param id    Rule id.
 * @param input Fields to change.
 */
export function updateRule(
	id: number,
	input: Partial< RuleInput >
): Promise< Rule > {
	return apiFetch< Rule >( {
		path: `${ BASE }/${ id }`,
		method: 'PATCH',
		data: input,
	} );
}

/**
 * Deletes a rule.
 *
 * @param id Rule id.
 */
export async function deleteRule( id: number ): Promise< void > {
	await apiFetch( { path: `${ BASE }/${ id }`, method: 'DELETE' } );
}

/**
 * Puts the rules in a new order.
 *
 * @param ids Every rule id, in the new order.
 */
export function reorderRules( ids: number[] ): Promise< Rule[] > {
	return apiFetch< Rule[] >( {
		path: `${ BASE }/order`,
		method: 'PUT',
		data: { ids },
	} );
}

/**
 * Asks the sidecar to run its pipeline, rules included, on a pasted email; poll the job.
 *
 * @param raw          The email source, headers included.
 * @param connectionId The connection whose mailbox it is sent to, or null.
 */
export function startRuleTest(
	raw: string,
	connectionId: number | null
): Promise< Job > {
	return apiFetch< Job >( {
		path: `${ BASE }/test`,
		method: 'POST',
		data: {
			raw,
			...( connectionId !== null ? { connection_id: connectionId } : {} ),
		},
	} );
}

/**
 * The settings rules depend on: the categories agents choose from (rule actions may only use
 * these, when any are set) and the forwarding addresses.
 */
export async function fetchRuleSettings(): Promise< {
	categories: string[];
	forwardingAddresses: string[];
} > {
	const settings = await apiFetch< {
		categories?: unknown;
		forwarding_addresses?: unknown;
	} >( { path: '/email-piping/v1/settings' } );
	const strings = ( value: unknown ): string[] =>
		Array.isArray( value )
			? value.filter(
					( item ): item is string => typeof item === 'string'
				)
			: [];
	return {
		categories: strings( settings.categories ),
		forwardingAddresses: strings( settings.forwarding_addresses ),
	};
}
