/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useRef, useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import { errorMessage } from '../api/errors';
import { fetchJob } from '../api/jobs';
import { startRuleTest } from '../api/rules';
import type { Job } from '../api/types';

/** Pause between two looks at a running test. */
const POLL_MS = 1000;

/** A test still running after this long is given up (the sidecar may have stopped mid-way). */
const GIVE_UP_MS = 90_000;

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

function isFinished( job: Job ): boolean {
	// sidecar_idle: nothing picked the job up; say so rather than wait for ever.
	return (
		job.status === 'done' ||
		job.status === 'failed' ||
		job.code === 'sidecar_idle'
	);
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
			const deadline = startedAt + GIVE_UP_MS;
			try {
				let job = await startRuleTest( raw, connectionId );
				while ( ! isFinished( job ) && mounted.current ) {
					if ( Date.now() > deadline ) {
						return record( {
							isRunning: false,
							job: null,
							error: __(
								'The sidecar did not finish the test within 90 seconds. Make sure it is running (email-piping run), then test again.',
								'email-piping'
							),
						} );
					}
					await new Promise( ( resolve ) =>
						window.setTimeout( resolve, POLL_MS )
					);
					job = await fetchJob( job.id );
				}
				return record( { isRunning: false, job, error: null } );
			} catch ( err ) {
				return record( {
					isRunning: false,
					job: null,
					error: errorMessage( err ),
				} );
			}
		},
		[]
	);

	return { test, run };
}
