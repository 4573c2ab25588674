/**
 * Keeps the memory of streamed bytes bounded. Every chunk of a big attachment passes through a
 * few short-lived Buffers (the server's answer, a concatenation, the database packet); V8 frees
 * their memory only when it collects their small wrappers, and it collects for outside memory only
 * after about 64 MB more of it. Streaming a 25 MB attachment would thus hold up to 64 MB of
 * garbage. A young-generation collection (about a millisecond) every few megabytes streamed keeps
 * that to a few megabytes. Without `--expose-gc` (the CLI passes it) this does nothing.
 */

/** Bytes streamed between two collections. */
const COLLECT_EVERY_BYTES = 8 * 1024 * 1024;

let sinceLast = 0;

const collect = (
	globalThis as {
		gc?: ( options: { type: 'minor'; execution: 'sync' } ) => void;
	}
 ).gc;

/**
 * Notes that `bytes` of a stream were handed on; collects the garbage now and then.
 *
 * @param bytes Bytes just passed on.
 */
export function streamed( bytes: number ): void {
	sinceLast += bytes;
	if ( sinceLast >= COLLECT_EVERY_BYTES && collect !== undefined ) {
		sinceLast = 0;
		collect( { type: 'minor', execution: 'sync' } );
	}
}
