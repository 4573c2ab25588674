/**
 * AES-256-GCM secrets, byte-compatible with includes/Security/Secret_Box.php:
 * "epipe1:<key id>:<base64(nonce 12 | ciphertext | tag 16)>", additional data "epipe-secret".
 */
import {
	createCipheriv,
	createDecipheriv,
	randomBytes,
	timingSafeEqual,
} from 'node:crypto';

import { SidecarError } from '../errors.ts';
import { deriveKey, keyId, LABEL_ENCRYPT } from './keys.ts';

const PREFIX = 'epipe1';
const AAD = Buffer.from( 'epipe-secret' );

/**
 * Encrypts a secret (e.g. a rotated refresh token) so PHP can read it.
 *
 * @param master    EPIPE_SECRET_KEY.
 * @param plaintext Secret.
 */
export function seal( master: string, plaintext: string ): string {
	const nonce = randomBytes( 12 );
	const cipher = createCipheriv(
		'aes-256-gcm',
		deriveKey( master, LABEL_ENCRYPT ),
		nonce
	);
	cipher.setAAD( AAD );
	const ct = Buffer.concat( [
		cipher.update( plaintext, 'utf8' ),
		cipher.final(),
	] );
	return `${ PREFIX }:${ keyId( master ) }:${ Buffer.concat( [ nonce, ct, cipher.getAuthTag() ] ).toString( 'base64' ) }`;
}

/**
 * Decrypts a value sealed here or by PHP.
 *
 * @param master EPIPE_SECRET_KEY.
 * @param sealed Stored value.
 * @throws SidecarError secret_undecryptable, saying whether the key differs or the value is damaged.
 */
export function open( master: string, sealed: string ): string {
	const parts = sealed.split( ':' );
	if ( parts.length !== 3 || parts[ 0 ] !== PREFIX ) {
		throw new SidecarError(
			'secret_undecryptable',
			'A stored secret is not in the encrypted format: enter the password again in Email Piping › Connections.'
		);
	}
	const expected = Buffer.from( keyId( master ) );
	const given = Buffer.from( parts[ 1 ] as string );
	if (
		expected.length !== given.length ||
		! timingSafeEqual( expected, given )
	) {
		throw new SidecarError(
			'secret_undecryptable',
			'A stored secret was encrypted with a different EPIPE_SECRET_KEY: give the sidecar the same key as wp-config.php, or enter the password again.'
		);
	}
	const raw = Buffer.from( parts[ 2 ] as string, 'base64' );
	if ( raw.length < 28 ) {
		throw new SidecarError(
			'secret_undecryptable',
			'A stored secret is damaged: enter the password again in Email Piping › Connections.'
		);
	}
	try {
		const decipher = createDecipheriv(
			'aes-256-gcm',
			deriveKey( master, LABEL_ENCRYPT ),
			raw.subarray( 0, 12 )
		);
		decipher.setAAD( AAD );
		decipher.setAuthTag( raw.subarray( raw.length - 16 ) );
		return Buffer.concat( [
			decipher.update( raw.subarray( 12, raw.length - 16 ) ),
			decipher.final(),
		] ).toString( 'utf8' );
	} catch ( err ) {
		throw new SidecarError(
			'secret_undecryptable',
			'A stored secret is damaged: enter the password again in Email Piping › Connections.',
			err
		);
	}
}
