/**
 * Tells WordPress that outbox events are waiting, so notifications go out in seconds rather
 * than at the next WP-Cron tick. Best effort: WP-Cron sends them anyway if this fails.
 */
import type { Logger } from './logger.ts';
import { pingHeaders } from './security/signer.ts';

/**
 * How long the sidecar waits for WordPress: long enough to see a refusal, short enough that a
 * large batch of notifications never holds up ingestion (WordPress keeps sending after we
 * hang up).
 */
const PING_TIMEOUT_MS = 3_000;

/**
 * Sends the signed dispatch ping.
 *
 * @param siteUrl   WordPress home URL.
 * @param secretKey EPIPE_SECRET_KEY.
 * @param log       Logger.
 * @return Whether WordPress accepted it.
 */
export async function pingWordPress(
	siteUrl: string,
	secretKey: string,
	log: Logger
): Promise< boolean > {
	const url = `${ siteUrl.replace( /\/+$/, '' ) }/?rest_route=/email-piping/v1/events/dispatch`;
	try {
		const res = await fetch( url, {
			method: 'POST',
			headers: pingHeaders( secretKey ),
			signal: AbortSignal.timeout( PING_TIMEOUT_MS ),
		} );
		if ( ! res.ok ) {
			log.warn(
				'WordPress refused the dispatch ping; notifications will go out with WP-Cron',
				{ status: res.status, url }
			);
			return false;
		}
		return true;
	} catch ( err ) {
		if ( ( err as { name?: string } ).name === 'TimeoutError' ) {
			// No answer yet: WordPress is busy sending (it keeps going after we hang up), or is
			// unreachable; WP-Cron covers both.
			log.debug( 'WordPress is still sending notifications', { url } );
			return true;
		}
		log.warn(
			'WordPress could not be reached for the dispatch ping; notifications will go out with WP-Cron',
			{ err, url }
		);
		return false;
	}
}
