/**
 * WordPress dependencies
 */
import { useEffect, useState } from '@wordpress/element';

/**
 * Internal dependencies
 */
import { fetchAgents } from '../api/agents';
import { fetchConnections } from '../api/connections';
import { errorMessage } from '../api/errors';
import { fetchRuleSettings } from '../api/rules';
import type { Agent, Connection } from '../api/types';

export interface RuleChoices {
	/** Users a rule may assign tickets to. */
	agents: Agent[];
	/** Categories a rule may set; empty: any category. */
	categories: string[];
	/** Connections whose mailbox the tester can pretend to receive mail in. */
	connections: Connection[];
	/** Addresses that forward into a piped mailbox (for the condition's help). */
	forwardingAddresses: string[];
	isLoading: boolean;
	/** Why the choices could not be loaded, or null. */
	error: string | null;
}

/**
 * What the rule form and the tester offer to choose from: agents, categories, connections
 * and forwarding addresses, read once.
 */
export function useRuleChoices(): RuleChoices {
	const [ choices, setChoices ] = useState< RuleChoices >( {
		agents: [],
		categories: [],
		connections: [],
		forwardingAddresses: [],
		isLoading: true,
		error: null,
	} );
	useEffect( () => {
		let live = true;
		Promise.all( [
			fetchAgents(),
			fetchRuleSettings(),
			fetchConnections(),
		] )
			.then( ( [ agents, settings, connections ] ) => {
				if ( live ) {
					setChoices( {
						agents,
						categories: settings.categories,
						connections,
						forwardingAddresses: settings.forwardingAddresses,
						isLoading: false,
						error: null,
					} );
				}
			} )
			.catch( ( err: unknown ) => {
				if ( live ) {
					setChoices( ( current ) => ( {
						...current,
						isLoading: false,
						error: errorMessage( err ),
					} ) );
				}
			} );
		return () => {
			live = false;
		};
	}, [] );
	return choices;
}
