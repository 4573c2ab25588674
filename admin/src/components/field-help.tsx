/**
 * WordPress dependencies
 */
import type { ReactNode } from 'react';

/**
 * The help line of a control: its error when it has one (in the error colour), else its help.
 *
 * @param help  Help text, if any.
 * @param error Field error, if any.
 */
export function fieldHelp(
	help: ReactNode,
	error: string | undefined
): ReactNode {
	return error ? <span className="epipe-field__error">{ error }</span> : help;
}
