/**
 * Failpoints for the crash tests: EPIPE_FAILPOINT="<name>:<n>" kills the process with SIGKILL the
 * n-th time it reaches that point (n defaults to 1). Unset — as in every real deployment — each
 * call is one string comparison.
 *
 * Points: after_download, after_attachment_write, in_transaction, after_commit, during_ack.
 */

const [ NAME, NTH ] = ( process.env[ 'EPIPE_FAILPOINT' ] ?? '' ).split( ':' );
const TARGET = Number( NTH ?? '1' ) || 1;
let hits = 0;

/**
 * Marks a point where a crash must not lose or duplicate an email.
 *
 * @param name Failpoint name.
 */
export function failpoint( name: string ): void {
	if ( name === NAME && ++hits === TARGET ) {
		process.kill( process.pid, 'SIGKILL' );
	}
}
