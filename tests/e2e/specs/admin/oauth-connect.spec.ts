/**
 * "Connect" for Gmail and Microsoft 365 connections in the browser, against local fakes of the
 * providers' consent pages and APIs (tests/fakes/): the admin adds the connection with the app's
 * client ID and secret, clicks Connect, comes back from the provider to wp-admin, where PHP checks
 * `state` and queues the code for the sidecar (a real daemon pointed at the fakes), and the panel
 * says whose mailbox is now read; mail delivered to the fake mailbox then becomes a ticket. A
 * refused consent and a grant about to expire are explained.
 *
 * Chromium is told to accept the fakes' test certificate (the fakes stand in for Google's and
 * Microsoft's sites; the sidecar verifies them against their CA).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { expect, test, type Page } from '@playwright/test';

/**
 * Internal dependencies
 */
import { startGoogleFake, type GoogleFake } from '../../../fakes/google.ts';
import {
	startMicrosoftFake,
	type MicrosoftFake,
} from '../../../fakes/microsoft.ts';
import { fakeTls } from '../../../fakes/tls.ts';
import {
	adminApi,
	collectConsoleErrors,
	logIn,
	restRoute,
	root,
	snackbar,
	stack as baseStack,
	type Stack as BaseStack,
} from '../../utils/admin-page.ts';

interface Stack extends BaseStack {
	stateDir: string;
	wp: BaseStack[ 'wp' ] & { dir: string };
}
const stack = baseStack as Stack;

const tag = randomUUID().slice( 0, 8 );
const GMAIL = `gmail-${ tag }@example.test`;
const M365 = `m365-${ tag }@example.test`;
const GOOGLE_CLIENT = `e2e-${ tag }.apps.googleusercontent.example`;
const MICROSOFT_CLIENT = `0e2e${ tag }-0000-4000-8000-000000000000`;
const SECRET = 'app-secret-e2e';
const tlsDir = path.join( stack.stateDir, 'fake-tls' );
const originsFile = path.join(
	stack.wp.dir,
	'wp-content',
	'epipe-test-oauth-origins.json'
);

let google: GoogleFake;
let microsoft: MicrosoftFake;
let daemon: ChildProcess | null = null;

test.use( {
	viewport: { width: 1280, height: 1000 },
	ignoreHTTPSErrors: true,
} );

test.beforeAll( async () => {
	google = await startGoogleFake( { tlsDir } );
	microsoft = await startMicrosoftFake( { tlsDir } );
	google.addClient( GOOGLE_CLIENT, SECRET );
	google.addAccount( GMAIL );
	microsoft.addClient( MICROSOFT_CLIENT, SECRET );
	microsoft.addAccount( M365 );
	// WordPress sends "Connect" to the fakes' consent pages instead of Google's and Microsoft's.
	fs.writeFileSync(
		originsFile,
		JSON.stringify( {
			'https://accounts.google.com': google.url,
			'https://login.microsoftonline.com': microsoft.url,
		} )
	);
	const log = fs.openSync(
		path.join( stack.logsDir, 'e2e-oauth-sidecar.log' ),
		'a'
	);
	daemon = spawn(
		path.join( root, 'sidecar', 'bin', 'email-piping' ),
		[ 'run', '--wp-config', stack.wp.config ],
		{
			stdio: [ 'ignore', log, log ],
			env: {
				...process.env,
				NODE_EXTRA_CA_CERTS: fakeTls( tlsDir ).caFile,
				EPIPE_GOOGLE_TOKEN_URL: `${ google.url }/token`,
				EPIPE_GMAIL_API_URL: `${ google.url }/`,
				EPIPE_MICROSOFT_LOGIN_URL: microsoft.url,
				EPIPE_GRAPH_API_URL: `${ microsoft.url }/`,
			},
		}
	);
	fs.closeSync( log );
} );

test.afterAll( async () => {
	if ( daemon !== null && daemon.exitCode === null ) {
		const child = daemon;
		const exited = new Promise( ( resolve ) =>
			child.once( 'exit', resolve )
		);
		child.kill( 'SIGTERM' );
		await exited;
	}
	fs.rmSync( originsFile, { force: true } );
	const api = await adminApi();
	const connections = ( await (
		await api.get( restRoute( '/connections' ) )
	).json() ) as Array< { id: number; mailbox_address: string } >;
	for ( const connection of connections ) {
		if ( [ GMAIL, M365 ].includes( connection.mailbox_address ) ) {
			await api.delete( restRoute( `/connections/${ connection.id }` ) );
		}
	}
	await api.dispose();
	await google.close();
	await microsoft.close();
} );

/**
 * Adds a Gmail or Microsoft connection through the form.
 *
 * @param page    Page.
 * @param type    The option of "Connection type".
 * @param address Mailbox address.
 * @param client  Client ID.
 * @param tenant  Microsoft tenant, if any.
 */
async function addConnection(
	page: Page,
	type: 'gmail' | 'graph',
	address: string,
	client: string,
	tenant?: string
): Promise< void > {
	await page.goto( '/wp-admin/admin.php?page=email-piping' );
	await page
		.getByRole( 'button', { name: 'Add connection', exact: true } )
		.click();
	await page
		.getByLabel( 'Connection type', { exact: true } )
		.selectOption( type );
	// What to register with the provider, with this site's redirect URI.
	await expect(
		page.locator( '.epipe-connection-form__redirect' )
	).toHaveText( `${ stack.wp.url }/wp-admin/admin.php` );
	await expect(
		page.getByLabel( 'IMAP server', { exact: true } )
	).toHaveCount( 0 );
	await page.getByLabel( 'Email address', { exact: true } ).fill( address );
	// Checked before sending: the app's ID and secret are needed.
	await page.getByRole( 'button', { name: 'Add connection' } ).click();
	await expect(
		page.getByText(
			'Enter the client ID of the app you registered with the provider.'
		)
	).toBeVisible();
	await page.getByLabel( 'Client ID', { exact: true } ).fill( client );
	await page.getByLabel( 'Client secret', { exact: true } ).fill( SECRET );
	if ( tenant !== undefined ) {
		await page.getByLabel( 'Tenant', { exact: true } ).fill( tenant );
	}
	await page.getByRole( 'button', { name: 'Add connection' } ).click();
	await expect( snackbar( page, 'Connection added.' ) ).toBeVisible();
}

/**
 * The connection's row in the list.
 *
 * @param page    Page.
 * @param address Its mailbox address.
 */
function row( page: Page, address: string ) {
	return page.getByRole( 'row' ).filter( { hasText: address } );
}

for ( const provider of [
	{
		name: 'Gmail',
		type: 'gmail' as const,
		address: GMAIL,
		client: GOOGLE_CLIENT,
		tenant: undefined,
	},
	{
		name: 'Microsoft 365',
		type: 'graph' as const,
		address: M365,
		client: MICROSOFT_CLIENT,
		tenant: 'organizations',
	},
] ) {
	test( `an admin connects a ${ provider.name } mailbox and its mail becomes tickets`, async ( {
		page,
	} ) => {
		test.setTimeout( 120_000 );
		const consoleErrors = collectConsoleErrors( page );
		await logIn( page );
		await addConnection(
			page,
			provider.type,
			provider.address,
			provider.client,
			provider.tenant
		);

		const connection = row( page, provider.address );
		// Not authorised yet: the status says so and how to fix it.
		await expect( connection ).toContainText( 'not authorised yet', {
			ignoreCase: true,
			timeout: 30_000,
		} );
		await connection
			.getByRole( 'button', { name: 'Connect', exact: true } )
			.click();

		// Back from the provider's consent page, the sidecar finishes the authorisation.
		await page.waitForURL( /epipe_oauth=exchanging/, { timeout: 30_000 } );
		await expect(
			snackbar(
				page,
				`Authorised: the connection reads the mailbox ${ provider.address }.`
			)
		).toBeVisible( { timeout: 30_000 } );
		await expect( row( page, provider.address ) ).toContainText(
			`Authorised for ${ provider.address }`,
			{ timeout: 30_000 }
		);
		await expect(
			row( page, provider.address ).getByRole( 'button', {
				name: 'Connect again',
			} )
		).toBeVisible();

		// The daemon now reads the mailbox: new mail becomes a ticket, shown in Activity.
		const subject = `Tripod screw missing ${ provider.type } ${ tag }`;
		const raw = [
			`From: Robin Buyer <robin-${ tag }@customer.example>`,
			`To: ${ provider.address }`,
			`Subject: ${ subject }`,
			`Date: ${ new Date().toUTCString() }`,
			`Message-ID: <${ randomUUID() }@customer.example>`,
			'MIME-Version: 1.0',
			'Content-Type: text/plain; charset=utf-8',
			'',
			'The tripod arrived without its screw.',
			'',
		].join( '\r\n' );
		// Delivered once the first pass has set its starting point ("from now on").
		await expect(
			row( page, provider.address ).locator(
				'.epipe-connection-status__badge'
			)
		).toHaveText( 'Connected', { timeout: 40_000 } );
		if ( provider.type === 'gmail' ) {
			google.deliver( provider.address, raw );
		} else {
			microsoft.deliver( provider.address, raw );
		}
		await page.getByRole( 'tab', { name: 'Activity' } ).click();
		await expect( async () => {
			await page.reload();
			await expect( page.getByText( subject ) ).toBeVisible( {
				timeout: 2_000,
			} );
		} ).toPass( { timeout: 60_000 } );
		expect( consoleErrors ).toEqual( [] );
	} );
}

test( 'a refused consent and a grant about to expire are explained', async ( {
	page,
} ) => {
	test.setTimeout( 90_000 );
	await logIn( page );
	const address = `gmail-refused-${ tag }@example.test`;
	google.addAccount( address );
	await addConnection( page, 'gmail', address, GOOGLE_CLIENT );
	google.denyConsent = true;
	try {
		await row( page, address )
			.getByRole( 'button', { name: 'Connect', exact: true } )
			.click();
		await expect( page.locator( '.notice-error' ) ).toContainText(
			'The provider did not authorise the connection',
			{ timeout: 30_000 }
		);
	} finally {
		google.denyConsent = false;
	}

	// An app in Google's "Testing" status gets grants of 7 days; this one has 2 left.
	google.grantLifetimeSeconds = 2 * 24 * 3600;
	try {
		await page.goto( '/wp-admin/admin.php?page=email-piping' );
		await row( page, address )
			.getByRole( 'button', { name: 'Connect', exact: true } )
			.click();
		await page.waitForURL( /epipe_oauth=exchanging/, { timeout: 30_000 } );
		await expect(
			row( page, address ).locator(
				'.epipe-connection-status__grant-warning'
			)
		).toContainText( 'The authorisation of this connection ends on', {
			timeout: 30_000,
		} );
	} finally {
		google.grantLifetimeSeconds = null;
	}
	const api = await adminApi();
	const connections = ( await (
		await api.get( restRoute( '/connections' ) )
	).json() ) as Array< { id: number; mailbox_address: string } >;
	for ( const connection of connections.filter(
		( c ) => c.mailbox_address === address
	) ) {
		await api.delete( restRoute( `/connections/${ connection.id }` ) );
	}
	await api.dispose();
} );
