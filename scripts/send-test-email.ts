/**
 * `npm run send-test-email [-- "subject"]`: sends an email from customer@example.test to the
 * piped mailbox of the stack that `npm start` runs, through its SMTP server.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import nodemailer from 'nodemailer';

const root = path.resolve(
	path.dirname( fileURLToPath( import.meta.url ) ),
	'..'
);
// start.sh records its stack folder in .state/demo.<pid>.path.
const stateDir = path.join( root, '.state' );
const pointer = fs.existsSync( stateDir )
	? fs.readdirSync( stateDir ).find( ( f ) => /^demo\.\d+\.path$/.test( f ) )
	: undefined;
const stackFile = pointer
	? path.join(
			fs.readFileSync( path.join( stateDir, pointer ), 'utf8' ).trim(),
			'stack.json'
		)
	: '';
if ( stackFile === '' || ! fs.existsSync( stackFile ) ) {
	console.error(
		'No running demo found: start it with `npm start` in another terminal first.'
	);
	process.exit( 1 );
}
const stack = JSON.parse( fs.readFileSync( stackFile, 'utf8' ) ) as {
	smtp: { host: string; port: number };
};
const subject =
	process.argv[ 2 ] ??
	`My printer is on fire (${ new Date().toLocaleTimeString( 'en-GB' ) })`;

const transport = nodemailer.createTransport( {
	host: stack.smtp.host,
	port: stack.smtp.port,
	secure: false,
	ignoreTLS: true,
} );
await transport.sendMail( {
	from: 'Casey Customer <customer@example.test>',
	to: 'support@example.test',
	subject,
	text: 'Hello support,\n\nmy printer is on fire. What should I do?\n\nCasey',
} );
transport.close();
console.log(
	`Sent "${ subject }" to support@example.test. Watch it appear in wp-admin › Email Piping.`
);
