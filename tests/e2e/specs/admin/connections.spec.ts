/**
 * The Connections screen in a real browser against the real stack: an admin adds an IMAP
 * connection to the stack's Dovecot, tests it through the running sidecar, sees its status in
 * words (also when the password is wrong) and how the sidecar watches it (IDLE), sees an email
 * delivered to it counted as today's new ticket, disables and deletes it; bad input is refused
 * next to the field, first by the form and then by the server.
 *
 * The sidecar daemon runs for the duration of this file, as it would beside a real site: it
 * carries out "Test connection" (a job in the database) and records each connection's status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { expect, test } from '@playwright/test';
import { ImapFlow } from 'imapflow';

import { CLI, loadStack } from '../../../integration/support/stack.ts';
import {
	collectConsoleErrors,
	logIn,
	screenshot,
	snackbar,
} from '../../utils/admin-page.ts';

const stack = loadStack();
const mailbox = stack.mailboxes.customer;
const NAME = 'Customer mailbox';

let daemon: ChildProcess | null = null;

test.use( { viewport: { width: 1280, height: 1000 } } );

test.beforeAll( () => {
	const log = fs.openSync(
		path.join( stack.logsDir, 'e2e-connections-sidecar.log' ),
		'a'
	);
	daemon = spawn( CLI, [ 'run', '--wp-config', stack.wp.config ], {
		stdio: [ 'ignore', log, log ],
	} );
	fs.closeSync( log );
} );

test.afterAll( async ( { playwright } ) => {
	if ( daemon !== null && daemon.exitCode === null ) {
		const child = daemon;
		const exited = new Promise( ( resolve ) =>
			child.once( 'exit', resolve )
		);
		// Graceful shutdown releases the leases the next specs' `run --once` needs.
		child.kill( 'SIGTERM' );
		await exited;
	}
	// Whatever a failed run left behind must not be piped by later specs.
	const api = await playwright.request.newContext( {
		baseURL: stack.wp.url,
		extraHTTPHeaders: {
			Authorization: `Basic ${ Buffer.from(
				`${ stack.wp.adminUser }:${ stack.wp.appPassword }`
			).toString( 'base64' ) }`,
		},
	} );
	const list = ( await (
		await api.get( '/?rest_route=/email-piping/v1/connections' )
	).json() ) as Array< { id: number; mailbox_address: string } >;
	for ( const connection of list ) {
		if ( connection.mailbox_address === mailbox.user ) {
			await api.delete(
				`/?rest_route=/email-piping/v1/connections/${ connection.id }`
			);
		}
	}
	await api.dispose();
} );

/**
 * Delivers one email into the connection's mailbox, as a mail server would.
 *
 * @param subject Subject.
 */
async function deliver( subject: string ) {
	const client = new ImapFlow( {
		host: stack.imap.host,
		port: stack.imap.port,
		secure: false,
		tls: { ca: fs.readFileSync( stack.imap.caFile ) },
		auth: { user: mailbox.user, pass: mailbox.password },
		logger: false,
	} );
	await client.connect();
	try {
		await client.append(
			'INBOX',
			Buffer.from(
				[
					'From: Dana Reader <dana.today@example.test>',
					`To: ${ mailbox.user }`,
					`Subject: ${ subject }`,
					`Message-ID: <${ Date.now() }.today@example.test>`,
					`Date: ${ new Date().toUTCString() }`,
					'MIME-Version: 1.0',
					'Content-Type: text/plain; charset=utf-8',
					'',
					'Hello, the printer on the second floor is out of toner.',
					'',
				].join( '\r\n' )
			)
		);
	} finally {
		await client.logout();
	}
}

function isConnectionsPost( url: string, method: string ): boolean {
	return (
		method === 'POST' &&
		/email-piping\/v1\/connections(?:[?&]|$)/.test(
			decodeURIComponent( url )
		)
	);
}

test( 'an admin connects a mailbox, tests it and sees its status in words', async ( {
	page,
} ) => {
	test.setTimeout( 120_000 );
	const consoleErrors = collectConsoleErrors( page );
	await logIn( page );

	// The shell: Connections is the first tab, and each tab has its own address.
	await page.goto( '/wp-admin/admin.php?page=email-piping' );
	const connectionsTab = page.getByRole( 'tab', { name: 'Connections' } );
	await expect( connectionsTab ).toHaveAttribute( 'aria-selected', 'true' );
	await page.getByRole( 'tab', { name: 'Tickets' } ).click();
	await expect( page ).toHaveURL( /[?&]tab=tickets/ );
	await expect(
		page.getByRole( 'heading', { name: 'Tickets' } )
	).toBeVisible();
	await page.goBack();
	await expect( connectionsTab ).toHaveAttribute( 'aria-selected', 'true' );

	// The stack's demo connection is listed, and the running sidecar has reached it.
	const demo = page.getByRole( 'row' ).filter( {
		hasText: 'Demo support mailbox',
	} );
	await expect( demo ).toContainText( 'support@example.test' );
	await expect(
		demo.locator( '.epipe-connection-status__badge' )
	).toHaveText( 'Connected', { timeout: 30_000 } );
	// Dovecot offers IMAP IDLE, so the sidecar listens instead of polling.
	await expect( demo.locator( '.epipe-connection-status__mode' ) ).toHaveText(
		'Listening (IDLE)',
		{ timeout: 30_000 }
	);

	// Add a connection to the stack's Dovecot (STARTTLS with its self-signed CA).
	await page
		.getByRole( 'button', { name: 'Add connection', exact: true } )
		.click();
	await expect(
		page.getByRole( 'heading', { name: 'Add a connection' } )
	).toBeVisible();
	await expect(
		page.getByRole( 'checkbox', {
			name: 'Verify the server’s certificate',
		} )
	).toBeChecked();
	await page.getByLabel( 'Name', { exact: true } ).fill( NAME );
	await page
		.getByLabel( 'IMAP server', { exact: true } )
		.fill( stack.imap.host );
	await page
		.getByLabel( 'Encryption', { exact: true } )
		.selectOption( 'starttls' );
	await expect( page.getByLabel( 'Port', { exact: true } ) ).toHaveValue(
		'143'
	);
	await page
		.getByLabel( 'Port', { exact: true } )
		.fill( String( stack.imap.port ) );
	await page
		.getByLabel( 'CA certificate file (optional)', { exact: true } )
		.fill( stack.imap.caFile );
	await page.getByLabel( 'User name', { exact: true } ).fill( mailbox.user );
	// The user name fills in the address of the mailbox.
	await expect(
		page.getByLabel( 'Email address', { exact: true } )
	).toHaveValue( mailbox.user );
	await page
		.getByLabel( 'Password', { exact: true } )
		.fill( mailbox.password );
	await page
		.getByLabel( 'After an email is imported', { exact: true } )
		.selectOption( 'leave' );
	await expect(
		page.getByRole( 'radio', {
			name: 'Only emails that arrive from now on',
		} )
	).toBeChecked();
	const created = page.waitForResponse( ( res ) =>
		isConnectionsPost( res.url(), res.request().method() )
	);
	await page.getByRole( 'button', { name: 'Add connection' } ).click();
	const response = await created;
	expect( response.status() ).toBe( 201 );
	// The password is write-only: never echoed back.
	expect( await response.text() ).not.toContain( mailbox.password );
	await expect( snackbar( page, 'Connection added.' ) ).toBeVisible();

	// Test it: the sidecar connects, and the screen says what it found.
	const row = page.getByRole( 'row' ).filter( { hasText: NAME } );
	await expect( row ).toContainText( mailbox.user );
	await row.getByRole( 'button', { name: 'Test connection' } ).click();
	await expect(
		row.getByText( /^Connected: folder INBOX holds \d+ messages\.$/ )
	).toBeVisible( { timeout: 30_000 } );
	await expect( row.locator( '.epipe-connection-status__badge' ) ).toHaveText(
		'Connected',
		{ timeout: 30_000 }
	);
	await expect( row.locator( '.epipe-connections__checked' ) ).not.toHaveText(
		'Never'
	);
	// Once its first pass is done the sidecar listens with IDLE (its starting point is set).
	await expect( row.locator( '.epipe-connection-status__mode' ) ).toHaveText(
		'Listening (IDLE)',
		{ timeout: 30_000 }
	);

	// Today's counts: nothing yet, then the email delivered now as a new ticket (the list
	// refreshes by itself).
	const today = row.locator( '.epipe-connections__today li' );
	await expect( today ).toHaveText( [
		'0 new tickets',
		'0 replies',
		'0 skipped or blocked',
		'0 quarantined',
	] );
	await deliver( `Toner on the second floor ${ Date.now() }` );
	await expect( today ).toHaveText(
		[
			'1 new ticket',
			'0 replies',
			'0 skipped or blocked',
			'0 quarantined',
		],
		{ timeout: 30_000 }
	);
	await screenshot( page, 'connections.png' );

	// A wrong password: the test and the status say so in words, with the fix.
	await row.getByRole( 'button', { name: `Edit ${ NAME }` } ).click();
	await expect(
		page
			.getByRole( 'tabpanel', { name: 'Connections' } )
			.getByText( 'A password is stored. Leave this empty to keep it.' )
	).toBeVisible();
	await expect( page.getByLabel( 'Password', { exact: true } ) ).toHaveValue(
		''
	);
	await page
		.getByLabel( 'Password', { exact: true } )
		.fill( 'not-the-password' );
	await page.getByRole( 'button', { name: 'Save changes' } ).click();
	await expect( snackbar( page, 'Connection saved.' ) ).toBeVisible();
	await row.getByRole( 'button', { name: 'Test connection' } ).click();
	await expect(
		row
			.locator( '.epipe-test-result' )
			.getByText( 'Test failed: The mail server refused the login.' )
	).toBeVisible( { timeout: 30_000 } );
	// The sidecar's own pass records the same failure as the connection's status.
	await expect( row.locator( '.epipe-connection-status__badge' ) ).toHaveText(
		'Error',
		{ timeout: 30_000 }
	);
	const status = row.locator( '.epipe-connection-status' );
	await expect(
		status.getByText( 'The mail server refused the login.' )
	).toBeVisible();
	await expect(
		status.getByText( /^Check the user name and enter the password again/ )
	).toBeVisible();
	await status.getByText( 'Technical details' ).click();
	await expect(
		status.getByText( /rejected the username or password/ )
	).toBeVisible();
	await screenshot( page, 'connection-error.png' );

	// Disable, then delete it.
	await row.getByRole( 'checkbox', { name: 'Enabled' } ).click();
	await expect(
		snackbar( page, 'Connection disabled: its mailbox is no longer read.' )
	).toBeVisible();
	await expect( row.locator( '.epipe-connection-status__badge' ) ).toHaveText(
		'Disabled'
	);
	await row.getByRole( 'button', { name: `Delete ${ NAME }` } ).click();
	await page
		.getByRole( 'dialog' )
		.getByRole( 'button', { name: 'Delete connection' } )
		.click();
	await expect( snackbar( page, 'Connection deleted.' ) ).toBeVisible();
	await expect( row ).toHaveCount( 0 );

	expect( consoleErrors ).toEqual( [] );
} );

test( 'bad input is refused next to the field, by the form and by the server', async ( {
	page,
} ) => {
	// Chrome logs the server's refusal (400) as a failed resource; nothing else may appear.
	const consoleErrors = collectConsoleErrors( page, [
		/^Failed to load resource: the server responded with a status of 400/,
	] );
	const posts: string[] = [];
	page.on( 'request', ( req ) => {
		if ( isConnectionsPost( req.url(), req.method() ) ) {
			posts.push( req.url() );
		}
	} );
	await logIn( page );
	await page.goto( '/wp-admin/admin.php?page=email-piping&tab=connections' );
	await page
		.getByRole( 'button', { name: 'Add connection', exact: true } )
		.click();

	// Nothing filled in: the form says what is missing and sends nothing.
	await page.getByRole( 'button', { name: 'Add connection' } ).click();
	const panel = page.getByRole( 'tabpanel', { name: 'Connections' } );
	await expect(
		panel.getByText( 'Correct the fields marked below.' )
	).toBeVisible();
	// The keyboard is taken to the first field to correct.
	await expect(
		page.getByLabel( 'Email address', { exact: true } )
	).toBeFocused();
	await expect(
		page.getByText( 'Enter the email address of the piped mailbox.' )
	).toBeVisible();
	const host = page.getByLabel( 'IMAP server', { exact: true } );
	await expect( host ).toHaveAttribute( 'aria-invalid', 'true' );
	await expect(
		page.getByText(
			'Enter the host name or IP address of the IMAP server.'
		)
	).toBeVisible();
	await expect(
		page.getByText( 'Enter the user name of the mailbox.' )
	).toBeVisible();
	await expect(
		page.getByText( 'Enter the mailbox password.' )
	).toBeVisible();
	expect( posts ).toEqual( [] );

	// A URL where the host name belongs passes the form's check; the server refuses it, and
	// its error appears under the field it names.
	await host.fill( 'https://imap.example.test/' );
	await expect( host ).not.toHaveAttribute( 'aria-invalid', 'true' );
	await page
		.getByLabel( 'User name', { exact: true } )
		.fill( 'nobody@example.test' );
	await page.getByLabel( 'Password', { exact: true } ).fill( 'secret' );
	const refused = page.waitForResponse( ( res ) =>
		isConnectionsPost( res.url(), res.request().method() )
	);
	await page.getByRole( 'button', { name: 'Add connection' } ).click();
	expect( ( await refused ).status() ).toBe( 400 );
	await expect( host ).toHaveAttribute( 'aria-invalid', 'true' );
	await expect(
		page
			.locator( '.epipe-connection-form__field--host' )
			.getByText(
				'Enter the host name or IP address of the IMAP server.'
			)
	).toBeVisible();
	await expect(
		page.getByLabel( 'User name', { exact: true } )
	).not.toHaveAttribute( 'aria-invalid', 'true' );
	expect( posts ).toHaveLength( 1 );
	await screenshot( page, 'connection-form.png' );

	// Leaving the form adds nothing.
	await page.getByRole( 'button', { name: 'Cancel' } ).click();
	await expect(
		page.getByRole( 'row' ).filter( { hasText: 'nobody@example.test' } )
	).toHaveCount( 0 );

	// Forwarding addresses: checked before saving, saved, then put back as they were.
	const forwarding = page.getByLabel(
		'Addresses that forward to a piped mailbox'
	);
	const before = await forwarding.inputValue();
	await forwarding.fill( 'sales@example.test\nnot an address' );
	await page
		.getByRole( 'button', { name: 'Save forwarding addresses' } )
		.click();
	await expect( forwarding ).toHaveAttribute( 'aria-invalid', 'true' );
	await expect(
		page.getByText( '“not an address” is not an email address.' )
	).toBeVisible();
	await forwarding.fill( 'Sales@Example.test' );
	await page
		.getByRole( 'button', { name: 'Save forwarding addresses' } )
		.click();
	await expect(
		snackbar( page, 'Forwarding addresses saved.' )
	).toBeVisible();
	// The server keeps addresses in lower case.
	await expect( forwarding ).toHaveValue( 'sales@example.test' );
	await forwarding.fill( before );
	await page
		.getByRole( 'button', { name: 'Save forwarding addresses' } )
		.click();
	await expect( forwarding ).toHaveValue( before );
	expect( consoleErrors ).toEqual( [] );
} );
