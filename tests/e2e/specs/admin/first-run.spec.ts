/**
 * A new admin's first run, in one flow and only through the screens, against the real stack
 * (issue 6, "Real components"): log in, open Email Piping, add an IMAP connection to the stack's
 * Dovecot, test it and see it connected, add a piping rule and a block pattern; three emails
 * are then appended to the mailbox (one the rule applies to, one from the blocked sender, one
 * ordinary), and Activity shows each outcome with its reason; the rule's ticket is opened from
 * its link. At the end the admin deletes what was created, again through the screens.
 *
 * The mailbox (firstrun@example.test) is used by no other test, so its connection sees only
 * these emails. How long the screens took is printed and kept as an annotation; only outcomes
 * are asserted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { expect, test, type Page } from '@playwright/test';
import { ImapFlow } from 'imapflow';

/**
 * Internal dependencies
 */
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
	imap: { host: string; port: number; caFile: string };
	mailboxes: Record< string, { user: string; password: string } >;
}

const stack = baseStack as Stack;
const mailbox = stack.mailboxes[ 'firstrun' ] as {
	user: string;
	password: string;
};

const tag = randomUUID().slice( 0, 8 );
const CONNECTION = `First mailbox ${ tag }`;
const RULE = `Invoices first ${ tag }`;
const BLOCKED_SENDER = `promotions-${ tag }@offers.example.test`;
const RULE_SUBJECT = `Invoice 7781 looks wrong ${ tag }`;
const BLOCKED_SUBJECT = `Spring sale ${ tag }`;
const ORDINARY_SUBJECT = `Cannot log in to my account ${ tag }`;
/** The sidecar reads rules and block patterns again at most every 5 s (sidecar/src/context.ts). */
const SETTINGS_MAX_AGE_MS = 5_000;

let daemon: ChildProcess | null = null;

test.use( { viewport: { width: 1280, height: 1000 } } );

test.beforeAll( () => {
	// The sidecar runs beside the site, as it would after installation.
	const log = fs.openSync(
		path.join( stack.logsDir, 'e2e-first-run-sidecar.log' ),
		'a'
	);
	daemon = spawn(
		path.join( root, 'sidecar', 'bin', 'email-piping' ),
		[ 'run', '--wp-config', stack.wp.config ],
		{ stdio: [ 'ignore', log, log ] }
	);
	fs.closeSync( log );
} );

test.afterAll( async () => {
	if ( daemon !== null && daemon.exitCode === null ) {
		const child = daemon;
		const exited = new Promise( ( resolve ) =>
			child.once( 'exit', resolve )
		);
		// Graceful shutdown releases the leases the next specs' daemons need.
		child.kill( 'SIGTERM' );
		await exited;
	}
	// The flow deletes what it created; after a failure this does, so later specs are unaffected.
	const api = await adminApi();
	const connections = ( await (
		await api.get( restRoute( '/connections' ) )
	).json() ) as Array< { id: number; mailbox_address: string } >;
	for ( const connection of connections ) {
		if ( connection.mailbox_address === mailbox.user ) {
			await api.delete( restRoute( `/connections/${ connection.id }` ) );
		}
	}
	const rules = ( await (
		await api.get( restRoute( '/rules' ) )
	).json() ) as Array< { id: number; name: string } > | undefined;
	for ( const rule of rules ?? [] ) {
		if ( rule.name.includes( tag ) ) {
			await api.delete( restRoute( `/rules/${ rule.id }` ) );
		}
	}
	const patterns = ( await (
		await api.get( restRoute( '/block-patterns' ) )
	).json() ) as Array< { id: number; pattern: string } >;
	for ( const pattern of patterns ) {
		if ( pattern.pattern.includes( tag ) ) {
			await api.delete( restRoute( `/block-patterns/${ pattern.id }` ) );
		}
	}
	await api.dispose();
} );

/**
 * An email as a customer's mail program would send it.
 *
 * @param from    From header.
 * @param subject Subject.
 * @param body    Text (CRLF line ends are added).
 */
function email( from: string, subject: string, body: string ): Buffer {
	return Buffer.from(
		[
			`From: ${ from }`,
			`To: ${ mailbox.user }`,
			`Subject: ${ subject }`,
			`Date: ${ new Date().toUTCString() }`,
			`Message-ID: <${ randomUUID() }@customer.example.test>`,
			'MIME-Version: 1.0',
			'Content-Type: text/plain; charset=utf-8',
			'',
			body,
		]
			.join( '\r\n' )
			.replace( /(?<!\r)\n/g, '\r\n' )
	);
}

/**
 * Appends emails to the mailbox's INBOX over IMAP, as a delivery would.
 *
 * @param messages Raw emails.
 */
async function deliver( messages: Buffer[] ) {
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
		for ( const message of messages ) {
			await client.append( 'INBOX', message );
		}
	} finally {
		await client.logout();
	}
}

/**
 * Seconds since `start`, to one decimal.
 *
 * @param start performance.now() at the start.
 * @param end   performance.now() at the end.
 */
function seconds( start: number, end: number ): string {
	return ( ( end - start ) / 1000 ).toFixed( 1 );
}

/**
 * Opens a tab of the Email Piping page by clicking it, as an admin would.
 *
 * @param page Page.
 * @param name Tab name.
 */
async function openTab( page: Page, name: string ) {
	const tab = page.getByRole( 'tab', { name } );
	await tab.click();
	await expect( tab ).toHaveAttribute( 'aria-selected', 'true' );
}

test( 'a new admin pipes a first mailbox through the screens and sees what became of each email', async ( {
	page,
} ) => {
	test.setTimeout( 180_000 );
	const consoleErrors = collectConsoleErrors( page );
	const t0 = performance.now();

	// Log in and find Email Piping in the admin menu.
	await logIn( page );
	await page
		.getByRole( 'link', { name: 'Email Piping', exact: true } )
		.first()
		.click();
	await expect( page ).toHaveURL( /page=email-piping/ );
	await expect(
		page.getByRole( 'tab', { name: 'Connections' } )
	).toHaveAttribute( 'aria-selected', 'true' );

	// Add the IMAP connection (STARTTLS, certificate verified against the stack's CA).
	await page
		.getByRole( 'button', { name: 'Add connection', exact: true } )
		.click();
	await expect(
		page.getByRole( 'heading', { name: 'Add a connection' } )
	).toBeVisible();
	await page.getByLabel( 'Name', { exact: true } ).fill( CONNECTION );
	await page
		.getByLabel( 'IMAP server', { exact: true } )
		.fill( stack.imap.host );
	await page
		.getByLabel( 'Encryption', { exact: true } )
		.selectOption( 'starttls' );
	await page
		.getByLabel( 'Port', { exact: true } )
		.fill( String( stack.imap.port ) );
	await page
		.getByLabel( 'CA certificate file (optional)', { exact: true } )
		.fill( stack.imap.caFile );
	await page.getByLabel( 'User name', { exact: true } ).fill( mailbox.user );
	await expect(
		page.getByLabel( 'Email address', { exact: true } )
	).toHaveValue( mailbox.user );
	await page
		.getByLabel( 'Password', { exact: true } )
		.fill( mailbox.password );
	await page.getByRole( 'button', { name: 'Add connection' } ).click();
	await expect( snackbar( page, 'Connection added.' ) ).toBeVisible();

	// Test it, and see it connected: the test's answer, then the running sidecar's status.
	const connection = page
		.getByRole( 'row' )
		.filter( { hasText: CONNECTION } );
	await expect( connection ).toContainText( mailbox.user );
	await connection.getByRole( 'button', { name: 'Test connection' } ).click();
	await expect(
		connection.getByText( /^Connected: folder INBOX holds \d+ messages\.$/ )
	).toBeVisible( { timeout: 30_000 } );
	// "Connected" is recorded once the sidecar's worker has the mailbox open and its starting
	// point set, so mail appended from now on is piped.
	await expect(
		connection.locator( '.epipe-connection-status__badge' )
	).toHaveText( 'Connected', { timeout: 30_000 } );
	const connected = performance.now();

	// A piping rule: a subject with "invoice" gets high priority and the General category.
	await openTab( page, 'Rules' );
	await page.getByRole( 'button', { name: 'Add rule', exact: true } ).click();
	await expect(
		page.getByRole( 'heading', { name: 'Add a rule' } )
	).toBeVisible();
	await page.getByLabel( 'Rule name', { exact: true } ).fill( RULE );
	const condition = page.locator( '[data-condition="1"]' );
	await condition.getByLabel( 'Looks at' ).selectOption( 'subject' );
	await condition
		.getByLabel( 'Comparison' )
		.selectOption( { label: 'contains the regular expression' } );
	await condition.getByLabel( 'Pattern', { exact: true } ).fill( 'invoice' );
	await page.getByLabel( 'Priority', { exact: true } ).selectOption( 'high' );
	await page
		.getByLabel( 'Category', { exact: true } )
		.selectOption( 'General' );
	await page.getByRole( 'button', { name: 'Add rule', exact: true } ).click();
	await expect(
		snackbar( page, 'Rule added at the end of the list.' )
	).toBeVisible();
	await expect(
		page.locator( '.epipe-rules__row' ).filter( { hasText: RULE } )
	).toHaveCount( 1 );

	// A block pattern for one sender; the screen's check confirms it would be blocked.
	await openTab( page, 'Block lists' );
	const senders = page.locator( '.epipe-block-lists__list.is-sender' );
	await senders.getByRole( 'button', { name: 'Add sender pattern' } ).click();
	const dialog = page.getByRole( 'dialog' );
	await dialog.getByRole( 'radio', { name: 'Exact' } ).check();
	await dialog
		.getByLabel( 'Pattern', { exact: true } )
		.fill( BLOCKED_SENDER );
	await dialog.getByRole( 'button', { name: 'Add pattern' } ).click();
	await expect( snackbar( page, 'Block pattern added.' ) ).toBeVisible();
	const saved = performance.now();
	await expect( dialog ).toHaveCount( 0 );
	await expect(
		senders.getByRole( 'row' ).filter( { hasText: BLOCKED_SENDER } )
	).toContainText( 'Exact' );
	const check = page.locator( '.epipe-block-check' );
	await check
		.getByLabel( 'Sender address', { exact: true } )
		.fill( BLOCKED_SENDER );
	await check.getByRole( 'button', { name: 'Check' } ).click();
	await expect( check.locator( '.epipe-block-check__answer' ) ).toContainText(
		'Blocked: this email would be skipped because of its sender.'
	);
	const configured = performance.now();

	// The mail arrives. The sidecar reads the rules and block lists again at most every five
	// seconds, so the emails are delivered once what was just saved is certainly read.
	const pause = Math.max(
		0,
		SETTINGS_MAX_AGE_MS + 1_000 - ( performance.now() - saved )
	);
	await page.waitForTimeout( pause );
	const delivered = performance.now();
	await deliver( [
		email(
			`Robin Meyer <robin-${ tag }@customer.example.test>`,
			RULE_SUBJECT,
			'Hello,\n\nthe amount on invoice 7781 is twice what we agreed. Could you check it and send a corrected one?\n\nThanks,\nRobin'
		),
		email(
			`Spring Offers <${ BLOCKED_SENDER }>`,
			BLOCKED_SUBJECT,
			'Hello,\n\nwould you like 30% off office chairs this week? Tell us how many you need.\n\nKind regards'
		),
		email(
			`Sam Ortiz <sam-${ tag }@customer.example.test>`,
			ORDINARY_SUBJECT,
			'Hi,\n\nsince this morning the login page says my password is wrong, although I did not change it. Can you help?\n\nSam'
		),
	] );

	// Activity: search for this run's emails; the first page shows them as the sidecar reads
	// them, without Refresh.
	await openTab( page, 'Activity' );
	await page.getByLabel( 'Sender or subject' ).fill( tag );
	await page.getByRole( 'button', { name: 'Search', exact: true } ).click();
	const rows = page.locator( '.epipe-activity__row' );
	await expect( rows ).toHaveCount( 3, { timeout: 60_000 } );
	const seen = performance.now();

	const ruleRow = rows.filter( { hasText: RULE_SUBJECT } );
	await expect( ruleRow.locator( '.epipe-outcome' ) ).toHaveText(
		'New ticket'
	);
	await expect( ruleRow ).toContainText( 'A new ticket was created.' );
	await expect( ruleRow.locator( '.epipe-activity__rules' ) ).toHaveText(
		`Rules applied: ${ RULE }`
	);
	await expect( ruleRow ).toContainText( CONNECTION );

	const blockedRow = rows.filter( { hasText: BLOCKED_SUBJECT } );
	await expect( blockedRow.locator( '.epipe-outcome' ) ).toHaveText(
		'Blocked'
	);
	await expect( blockedRow ).toContainText(
		'Rejected: the sender is on the block list.'
	);
	await expect( blockedRow.getByRole( 'link' ) ).toHaveCount( 0 );

	const ordinaryRow = rows.filter( { hasText: ORDINARY_SUBJECT } );
	await expect( ordinaryRow.locator( '.epipe-outcome' ) ).toHaveText(
		'New ticket'
	);
	await expect( ordinaryRow ).toContainText( 'A new ticket was created.' );
	await expect( ordinaryRow.locator( '.epipe-activity__rules' ) ).toHaveCount(
		0
	);
	await expect(
		ordinaryRow.getByRole( 'link', { name: /^Ticket #\d+$/ } )
	).toBeVisible();

	// Follow the rule's ticket: it has the fields the rule set.
	const ticketLink = ruleRow.getByRole( 'link', { name: /^Ticket #\d+$/ } );
	const ticketId = ( await ticketLink.textContent() )?.replace( /\D/g, '' );
	await ticketLink.click();
	await expect( page.getByRole( 'heading', { level: 1 } ) ).toHaveText(
		`Ticket #${ ticketId }: ${ RULE_SUBJECT }`
	);
	await expect( page.getByLabel( 'Priority', { exact: true } ) ).toHaveValue(
		'high'
	);
	await expect( page.getByLabel( 'Category', { exact: true } ) ).toHaveValue(
		'General'
	);
	await expect( page.locator( '.epipe-ticket__thread' ) ).toContainText(
		'the amount on invoice 7781 is twice what we agreed'
	);
	const done = performance.now();

	const timing =
		`whole flow ${ seconds( t0, done ) } s: login to connected ${ seconds(
			t0,
			connected
		) } s, ` +
		`rule and block pattern ${ seconds( connected, configured ) } s, ` +
		`pause for the sidecar's settings cache ${ seconds(
			configured,
			delivered
		) } s, ` +
		`mail appended to all three outcomes in Activity ${ seconds(
			delivered,
			seen
		) } s, ` +
		`following the ticket link ${ seconds( seen, done ) } s`;
	test.info().annotations.push( {
		type: 'first-run UI time',
		description: timing,
	} );

	console.log( `[first-run] ${ timing }` );

	// Clean up through the screens: the block pattern, the rule, the connection.
	await page.goBack();
	await openTab( page, 'Block lists' );
	await senders
		.getByRole( 'button', { name: `Delete ${ BLOCKED_SENDER }` } )
		.click();
	await page
		.getByRole( 'dialog' )
		.getByRole( 'button', { name: 'Delete pattern' } )
		.click();
	await expect( snackbar( page, 'Block pattern deleted.' ) ).toBeVisible();
	await expect(
		senders.getByRole( 'row' ).filter( { hasText: BLOCKED_SENDER } )
	).toHaveCount( 0 );

	await openTab( page, 'Rules' );
	await page.getByRole( 'button', { name: `Delete “${ RULE }”` } ).click();
	await page
		.getByRole( 'dialog' )
		.getByRole( 'button', { name: 'Delete rule' } )
		.click();
	await expect(
		page.locator( '.epipe-rules__row' ).filter( { hasText: RULE } )
	).toHaveCount( 0 );

	await openTab( page, 'Connections' );
	await connection
		.getByRole( 'button', { name: `Delete ${ CONNECTION }` } )
		.click();
	await page
		.getByRole( 'dialog' )
		.getByRole( 'button', { name: 'Delete connection' } )
		.click();
	await expect( snackbar( page, 'Connection deleted.' ) ).toBeVisible();
	await expect( connection ).toHaveCount( 0 );

	expect( consoleErrors ).toEqual( [] );
} );
