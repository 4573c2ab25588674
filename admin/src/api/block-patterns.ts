/**
 * WordPress dependencies
 */
import apiFetch from '@wordpress/api-fetch';

/**
 * Internal dependencies
 */
import type { BlockCheck, BlockPattern, BlockPatternInput } from './types';

const BASE = '/email-piping/v1/block-patterns';

/**
 * Every block pattern, sender list first.
 */
export function fetchBlockPatterns(): Promise< BlockPattern[] > {
	return apiFetch< BlockPattern[] >( { path: BASE } );
}

/**
 * Adds a pattern; the server checks it (a regex must compile and be safe).
 *
 * @param input Kind, pattern and match type.
 */
export function createBlockPattern(
	input: BlockPatternInput
): Promise< BlockPattern > {
	return apiFetch< BlockPattern >( {
		path: BASE,
		method: 'POST',
		data: input,
	} );
}

/**
 * Changes a pattern.
 *
 * @param id    Pattern id.
 * @param input Kind, pattern and match type.
 */
export function updateBlockPattern(
	id: number,
	input: BlockPatternInput
): Promise< BlockPattern > {
	return apiFetch< BlockPattern >( {
		path: `${ BASE }/${ id }`,
		method: 'PATCH',
		data: input,
	} );
}

/**
 * Deletes a pattern.
 *
 * @param id Pattern id.
 */
export async function deleteBlockPattern( id: number ): Promise< void > {
	await apiFetch( { path: `${ BASE }/${ id }`, method: 'DELETE' } );
}

/**
 * Asks the server whether the sidecar would skip an email from this sender or with this
 * subject, using its own matching.
 *
 * @param sender  Sender address, or ''.
 * @param subject Subject, or ''.
 */
export function checkBlocked(
	sender: string,
	subject: string
): Promise< BlockCheck > {
	return apiFetch< BlockCheck >( {
		path: `${ BASE }/check?${ new URLSearchParams( {
			sender,
			subject,
		} ).toString() }`,
	} );
}
