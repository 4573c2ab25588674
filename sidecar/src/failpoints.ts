/**
 * Failpoints for the crash tests. EPIPE_FAILPOINT="<name>:<n>" kills the process with SIGKILL the
 * n-th time it reaches that point (n defaults to 1); "<name>:<n>:pause=<ms>" freezes it there
 * instead, holding whatever is open (a transaction, a download) so a test can break it from
 * outside (EPIPE_FAILPOINT_MARKER names a file written when the pause starts). Unset — as in every real deployment — each call is one string comparison.
 *
 * Points: download_started, after_download, after_attachment_write, in_transaction,
 * after_commit, during_ack.
 */

import fs from 'node:fs';

const [ NAME, NTH, MODE ] = ( process.env[ 'EPIPE_FAILPOINT' ] ?? '' ).split(
	':'
);
const TARGET = Number( NTH ?? '1' ) || 1;
const PAUSE_MS = MODE?.startsWith( 'pause=' ) ? Number( MODE.slice( 6 ) ) : 0;
let hits = 0;

/**
 * Marks a point where a crash must not lose or duplicate an email.
 *
 * @param name Failpoint name.
 */
export function failpoint( name: string ): void {
	if ( name !== NAME || ++hits !== TARGET ) {
		return;
	}
	if ( PAUSE_MS > 0 ) {
		// Tell the waiting test the moment has come, then sleep synchronously: nothing of this process moves while the test does its damage.
		const marker = process.env[ 'EPIPE_FAILPOINT_MARKER' ];
		if ( marker ) {
			fs.writeFileSync( marker, String( process.pid ) );
		}
		Atomics.wait(
			new Int32Array( new SharedArrayBuffer( 4 ) ),
			0,
			0,
			PAUSE_MS
		);
		return;
	}
	process.kill( process.pid, 'SIGKILL' );
}
