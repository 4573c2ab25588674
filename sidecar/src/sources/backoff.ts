/**
 * Reconnect delays: exponential with jitter, so many sidecars never retry in lockstep.
 */

/**
 * Delay before retry number `attempt` (0-based).
 *
 * @param attempt Failed attempts so far.
 * @param random  Source of randomness in [0, 1) (injectable for tests).
 * @param baseMs  First delay.
 * @param maxMs   Cap.
 */
export function backoffDelay(
	attempt: number,
	random: () => number = Math.random,
	baseMs = 2_000,
	maxMs = 5 * 60_000
): number {
	const ceiling = Math.min( maxMs, baseMs * 2 ** Math.max( 0, attempt ) );
	// "Equal jitter": at least half the ceiling, so a flapping server is not hammered.
	return Math.round( ceiling / 2 + ( random() * ceiling ) / 2 );
}
