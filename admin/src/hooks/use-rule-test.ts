/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useRef, useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import { followJob } from '../api/jobs';
import { startRuleTest } from '../api/rules';
import type { Job } from '../api/types';

export interface RuleTest {
	isRunning: boolean;
	/** The finished test_rules job: its result is what the pipeline would do. */
	job: Job | null;
	/** Why the test could not be started or followed, or null. */
	error: string | null;
	/** When the test was started (ms since the epoch), or null before the first. */
	startedAt: number | null;
}

export interface RuleTester {
	test: RuleTest;
	run: ( raw: string, connectionId: number | null ) => Promise< RuleTest >;
}

/**
 * The rule tester: queues a test_rules job for the sidecar, which runs its real pipeline on
 * the email (changing nothing), and polls it.
 */
export function useRuleTest(): RuleTester {
	const [ test, setTest ] = useState< RuleTest >( {
		isRunning: false,
		job: null,
		error: null,
		startedAt: null,
	} );
	const mounted = useRef( true );
	useEffect( () => {
		mounted.current = true;
		return () => {
			mounted.current = false;
		};
	}, [] );

	const run = useCallback(
		async ( raw: string, connectionId: number | null ) => {
			const startedAt = Date.now();
			const record = ( next: Omit< RuleTest, 'startedAt' > ) => {
				const state = { ...next, startedAt };
				if ( mounted.current ) {
					setTest( state );
				}
				return state;
			};
			record( { isRunning: true, job: null, error: null } );
			// The result is shown once the test finished; running states show nothing new.
			return record(
				await followJob( () => startRuleTest( raw, connectionId ), {
					timeoutMessage: __(
						'The sidecar did not finish the test within 90 seconds. Make sure it is running (email-piping run), then test again.',
						'email-piping'
					),
					isWanted: () => mounted.current,
				} )
			);
		},
		[]
	);

	return { test, run };
}
