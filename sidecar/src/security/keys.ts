/**
 * Keys derived from EPIPE_SECRET_KEY, exactly as includes/Security/Keys.php derives them.
 */
import { createHash, createHmac } from 'node:crypto';

export const LABEL_ENCRYPT = 'epipe-encrypt-v1';
export const LABEL_SIGN = 'epipe-sign-v1';

/**
 * HMAC-SHA256(master, label): one independent key per purpose.
 *
 * @param master EPIPE_SECRET_KEY.
 * @param label  Purpose label.
 */
export function deriveKey( master: string, label: string ): Buffer {
	return createHmac( 'sha256', master ).update( label ).digest();
}

/**
 * Public id of the master key stored beside each ciphertext (first 8 hex of its SHA-256).
 *
 * @param master EPIPE_SECRET_KEY.
 */
export function keyId( master: string ): string {
	return createHash( 'sha256' )
		.update( master )
		.digest( 'hex' )
		.slice( 0, 8 );
}
