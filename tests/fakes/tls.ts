/**
 * A throwaway certificate authority and a server certificate for 127.0.0.1, for the HTTPS fakes
 * of Google's and Microsoft's APIs. MSAL refuses authorities that are not https, and the real
 * client libraries must verify the fakes' certificates as they would the providers': processes
 * that talk to a fake trust the CA through NODE_EXTRA_CA_CERTS (read once, at start-up).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface FakeTls {
	/** PEM of the CA; point NODE_EXTRA_CA_CERTS at `caFile`. */
	readonly ca: string;
	readonly caFile: string;
	/** The server's key and certificate (PEM), for https.createServer. */
	readonly key: string;
	readonly cert: string;
}

/**
 * Creates (or reuses) the CA and the server certificate under `dir`.
 *
 * @param dir Directory of its own (created when missing).
 */
export function fakeTls( dir: string ): FakeTls {
	fs.mkdirSync( dir, { recursive: true } );
	const file = ( name: string ): string => path.join( dir, name );
	if ( ! fs.existsSync( file( 'server.pem' ) ) ) {
		const openssl = ( ...args: string[] ): void => {
			execFileSync( 'openssl', args, { stdio: 'pipe' } );
		};
		openssl(
			'req',
			'-x509',
			'-newkey',
			'rsa:2048',
			'-nodes',
			'-days',
			'30',
			'-subj',
			'/CN=Email Piping test CA',
			'-addext',
			'basicConstraints=critical,CA:TRUE',
			'-addext',
			'keyUsage=critical,keyCertSign,cRLSign',
			'-keyout',
			file( 'ca-key.pem' ),
			'-out',
			file( 'ca.pem' )
		);
		openssl(
			'req',
			'-newkey',
			'rsa:2048',
			'-nodes',
			'-subj',
			'/CN=127.0.0.1',
			'-keyout',
			file( 'server-key.pem' ),
			'-out',
			file( 'server.csr' )
		);
		fs.writeFileSync(
			file( 'server.ext' ),
			'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n'
		);
		openssl(
			'x509',
			'-req',
			'-in',
			file( 'server.csr' ),
			'-CA',
			file( 'ca.pem' ),
			'-CAkey',
			file( 'ca-key.pem' ),
			'-CAcreateserial',
			'-days',
			'30',
			'-extfile',
			file( 'server.ext' ),
			'-out',
			file( 'server.pem' )
		);
	}
	return {
		ca: fs.readFileSync( file( 'ca.pem' ), 'utf8' ),
		caFile: file( 'ca.pem' ),
		key: fs.readFileSync( file( 'server-key.pem' ), 'utf8' ),
		cert: fs.readFileSync( file( 'server.pem' ), 'utf8' ),
	};
}
