/**
 * The Activity and Quarantine screens in a real browser against the real stack: emails are
 * appended to the piped mailbox in the stack's Dovecot, the running sidecar daemon reads them,
 * and the admin sees what became of each (a ticket, a block, a quarantine) and why; a held
 * email is inspected as text, reprocessed through the sidecar, or discarded after a question.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { expect, test, type APIRequestContext } from '@playwright/test';
import { ImapFlow } from 'imapflow';

import { CLI, loadStack } from '../../../integration/support/stack.ts';
import {
	collectConsoleErrors,
	logIn,
	screenshot,
	snackbar,
} from '../../utils/admin-page.ts';

interface ActivityRow {
	id: number;
	kind: string;
	reason: string;
	subject: string;
	ticket_id: number | null;
}

const stack = loadStack();
const support = stack.mailboxes.support;

const tag = randomUUID().slice( 0, 8 );
const TICKET_SUBJECT = `Printer offline ${ tag }`;
const NO_SENDER_SUBJECT = `Invoice question ${ tag }`;
const COLLISION_SUBJECT = `Second printer ${ tag }`;
const BLOCKED_SUBJECT = `Cheap offer ${ tag }`;
const BLOCKED_SENDER = `offers-${ tag }@example.test`;
const MESSAGE_ID = `<printer-${ tag }@customer.example.test>`;

let daemon: ChildProcess | null = null;
let api: APIRequestContext;
let patternId: number | null = null;

test.use( { viewport: { width: 1280, height: 1000 } } );

/**
 * An email as the mail server would store it.
 *
 * @param headers Header lines.
 * @param body    Body (CRLF line ends are added).
 */
function email( headers: string[], body: string ): Buffer {
	return Buffer.from(
		[ ...headers, 'MIME-Version: 1.0', '', body ]
			.join( '\r\n' )
			.replace( /(?<!\r)\n/g, '\r\n' )
	);
}

/**
 * Appends emails to the piped mailbox's INBOX, as a delivery would.
 *
 * @param messages Raw emails.
 */
async function deliver( messages: Buffer[] ) {
	const client = new ImapFlow( {
		host: stack.imap.host,
		port: stack.imap.port,
		secure: false,
		tls: { ca: fs.readFileSync( stack.imap.caFile ) },
		auth: { user: support.user, pass: support.password },
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
 * The activity rows of this test's emails.
 */
async function activity(): Promise< ActivityRow[] > {
	const res = await api.get(
		`/?rest_route=/email-piping/v1/activity&search=${ tag }&per_page=100`
	);
	expect( res.status() ).toBe( 200 );
	return ( await res.json() ) as ActivityRow[];
}

test.beforeAll( async ( { playwright } ) => {
	api = await playwright.request.newContext( {
		baseURL: stack.wp.url,
		extraHTTPHeaders: {
			Authorization: `Basic ${ Buffer.from(
				`${ stack.wp.adminUser }:${ stack.wp.appPassword }`
			).toString( 'base64' ) }`,
		},
	} );
	// A block pattern for one sender, so one email is blocked.
	const created = await api.post(
		'/?rest_route=/email-piping/v1/block-patterns',
		{
			data: {
				kind: 'sender',
				pattern: BLOCKED_SENDER,
				match_type: 'exact',
			},
		}
	);
	expect( created.status() ).toBe( 201 );
	patternId = ( ( await created.json() ) as { id: number } ).id;

	const log = fs.openSync(
		path.join( stack.logsDir, 'e2e-activity-sidecar.log' ),
		'a'
	);
	daemon = spawn( CLI, [ 'run', '--wp-config', stack.wp.config ], {
		stdio: [ 'ignore', log, log ],
	} );
	fs.closeSync( log );
} );

test.afterAll( async () => {
	if ( daemon !== null && daemon.exitCode === null ) {
		const child = daemon;
		const exited = new Promise( ( resolve ) =>
			child.once( 'exit', resolve )
		);
		// Graceful shutdown releases the leases the next specs' `run --once` needs.
		child.kill( 'SIGTERM' );
		await exited;
	}
	if ( patternId !== null ) {
		await api.delete(
			`/?rest_route=/email-piping/v1/block-patterns/${ patternId }`
		);
	}
	await api.dispose();
} );

test( 'an admin sees what became of each email, and handles the quarantined ones', async ( {
	page,
} ) => {
	test.setTimeout( 150_000 );
	// The block pattern was added before the daemon started, so it holds from its first pass.
	const errors = collectConsoleErrors( page );

	const date = new Date().toUTCString();
	await deliver( [
		email(
			[
				'From: Dana Fischer <dana@customer.example.test>',
				`To: ${ support.user }`,
				`Subject: ${ TICKET_SUBJECT }`,
				`Date: ${ date }`,
				`Message-ID: ${ MESSAGE_ID }`,
				'Content-Type: text/plain; charset=utf-8',
			],
			'Hello,\n\nour office printer shows "offline" since this morning. Could you have a look?\n\nDana'
		),
		// No From header: there is nobody to answer, so it is held.
		email(
			[
				`To: ${ support.user }`,
				`Subject: ${ NO_SENDER_SUBJECT }`,
				`Date: ${ date }`,
				`Message-ID: <invoice-${ tag }@customer.example.test>`,
				'Content-Type: text/html; charset=utf-8',
			],
			'<p>Hello, why was invoice 4711 charged twice?</p><script>alert("script ran")</script><img src="https://tracker.example.test/x.png" onerror="alert(\'image ran\')"><p>Thanks, Lee</p>'
		),
		// The Message-ID of the first email with other content: a forgery or a reused ID.
		email(
			[
				'From: Dana Fischer <dana@customer.example.test>',
				`To: ${ support.user }`,
				`Subject: ${ COLLISION_SUBJECT }`,
				`Date: ${ date }`,
				`Message-ID: ${ MESSAGE_ID }`,
				'Content-Type: text/plain; charset=utf-8',
			],
			'Hello again,\n\nthe printer on the second floor has the same problem. Can you check it too?\n\nDana'
		),
		email(
			[
				`From: Offers <${ BLOCKED_SENDER }>`,
				`To: ${ support.user }`,
				`Subject: ${ BLOCKED_SUBJECT }`,
				`Date: ${ date }`,
				`Message-ID: <offer-${ tag }@example.test>`,
				'Content-Type: text/plain; charset=utf-8',
			],
			'Would you like to buy printer toner at half price? Reply to order.'
		),
	] );

	// The daemon picks them up through IDLE.
	await expect
		.poll(
			async () =>
				( await activity() )
					.map( ( row ) => `${ row.subject }: ${ row.kind }` )
					.sort(),
			{ timeout: 60_000 }
		)
		.toEqual(
			[
				`${ BLOCKED_SUBJECT }: blocked`,
				`${ COLLISION_SUBJECT }: quarantined`,
				`${ NO_SENDER_SUBJECT }: quarantined`,
				`${ TICKET_SUBJECT }: ticket`,
			].sort()
		);
	const ticketId = ( await activity() ).find(
		( row ) => row.subject === TICKET_SUBJECT
	)?.ticket_id;
	expect( ticketId ).toEqual( expect.any( Number ) );

	await logIn( page );
	await page.goto( '/wp-admin/admin.php?page=email-piping&tab=activity' );
	await expect(
		page.getByRole( 'tab', { name: 'Activity' } )
	).toHaveAttribute( 'aria-selected', 'true' );

	// Search by subject: the four emails, each with its outcome and reason in words.
	const search = page.getByLabel( 'Sender or subject' );
	await search.fill( tag );
	await page.getByRole( 'button', { name: 'Search', exact: true } ).click();
	const rows = page.locator( '.epipe-activity__row' );
	await expect( rows ).toHaveCount( 4 );
	const ticketRow = rows.filter( { hasText: TICKET_SUBJECT } );
	await expect( ticketRow.locator( '.epipe-outcome' ) ).toHaveText(
		'New ticket'
	);
	await expect( ticketRow ).toContainText( 'A new ticket was created.' );
	await expect( ticketRow ).toContainText( 'dana@customer.example.test' );
	await expect( ticketRow ).toContainText( 'Demo support mailbox' );
	await expect(
		ticketRow.getByRole( 'link', { name: `Ticket #${ ticketId }` } )
	).toHaveAttribute(
		'href',
		`admin.php?page=email-piping-tickets&ticket=${ ticketId }`
	);
	const blockedRow = rows.filter( { hasText: BLOCKED_SUBJECT } );
	await expect( blockedRow.locator( '.epipe-outcome' ) ).toHaveText(
		'Blocked'
	);
	await expect( blockedRow ).toContainText(
		'Rejected: the sender is on the block list.'
	);
	await expect(
		rows
			.filter( { hasText: NO_SENDER_SUBJECT } )
			.locator( '.epipe-activity__from' )
	).toHaveText( '(no sender)' );
	await expect( page.getByText( '4 items' ) ).toBeVisible();
	await screenshot( page, 'activity.png', true, { blur: true } );

	// Filters: by outcome, then by connection; a sender search; nothing matching says so.
	await page.getByLabel( 'Outcome' ).selectOption( 'quarantined' );
	await expect( rows ).toHaveCount( 2 );
	await expect( rows.filter( { hasText: NO_SENDER_SUBJECT } ) ).toContainText(
		'Quarantined: the email has no usable sender address.'
	);
	await expect( rows.filter( { hasText: COLLISION_SUBJECT } ) ).toContainText(
		'Quarantined: it has the Message-ID'
	);
	await page.getByLabel( 'Outcome' ).selectOption( 'blocked' );
	await expect( rows ).toHaveCount( 1 );
	await expect( rows ).toContainText( BLOCKED_SUBJECT );
	await page.getByLabel( 'Outcome' ).selectOption( '' );
	await page
		.getByLabel( 'Connection' )
		.selectOption( { label: 'Demo support mailbox' } );
	await expect( rows ).toHaveCount( 4 );
	await search.fill( BLOCKED_SENDER );
	await search.press( 'Enter' );
	await expect( rows ).toHaveCount( 1 );
	await search.fill( `nothing-${ tag }` );
	await search.press( 'Enter' );
	await expect(
		page.getByText( 'No email matches these filters.' )
	).toBeVisible();

	// Quarantine: both held emails, with their reasons.
	await page.getByRole( 'tab', { name: 'Quarantine' } ).click();
	await expect( page ).toHaveURL( /[?&]tab=quarantine/ );
	const held = page.locator( '.epipe-quarantine__row' );
	const noSender = held.filter( { hasText: NO_SENDER_SUBJECT } );
	const collision = held.filter( { hasText: COLLISION_SUBJECT } );
	await expect( noSender ).toContainText(
		'Quarantined: the email has no usable sender address.'
	);
	await expect( noSender ).toContainText( '(no sender)' );
	await expect( collision ).toContainText(
		'Quarantined: it has the Message-ID of an email already piped'
	);
	await screenshot( page, 'quarantine.png', true, { blur: true } );

	// Inspect: headers and the HTML reduced to text; nothing of the email runs or loads.
	const trackerRequests: string[] = [];
	page.on( 'request', ( req ) => {
		if ( req.url().includes( 'tracker.example.test' ) ) {
			trackerRequests.push( req.url() );
		}
	} );
	await noSender
		.getByRole( 'button', { name: `Inspect “${ NO_SENDER_SUBJECT }”` } )
		.click();
	const dialog = page.getByRole( 'dialog', { name: NO_SENDER_SUBJECT } );
	await expect( dialog ).toBeVisible();
	const headers = dialog.locator( '.epipe-quarantine-detail__headers' );
	await expect(
		headers.getByRole( 'row', { name: /^Subject/ } )
	).toContainText( NO_SENDER_SUBJECT );
	await expect( headers.getByRole( 'row', { name: /^To/ } ) ).toContainText(
		support.user
	);
	await expect( headers ).not.toContainText( 'From' );
	await expect(
		dialog.getByText( 'This email has no plain-text part' )
	).toBeVisible();
	const text = dialog.locator( '.epipe-quarantine-detail__text' );
	await expect( text ).toContainText(
		'Hello, why was invoice 4711 charged twice?'
	);
	await expect( text ).toContainText( 'Thanks, Lee' );
	await expect( text ).not.toContainText( 'script ran' );
	// The source is there as text, markup and all, and creates no element.
	await dialog.getByText( 'Source', { exact: true } ).click();
	await expect(
		dialog.locator( '.epipe-quarantine-detail__source pre' )
	).toContainText( '<script>alert("script ran")</script>' );
	await expect( dialog.locator( 'img, script' ) ).toHaveCount( 0 );
	await screenshot( page, 'quarantine-email.png', false );
	await dialog.getByRole( 'button', { name: 'Close' } ).click();

	// Discard asks first; cancelling keeps it.
	await noSender
		.getByRole( 'button', { name: `Discard “${ NO_SENDER_SUBJECT }”` } )
		.click();
	const confirm = page.getByRole( 'dialog', {
		name: 'Discard this email?',
	} );
	await expect( confirm ).toContainText( 'This cannot be undone.' );
	await confirm.getByRole( 'button', { name: 'Cancel' } ).click();
	await expect( noSender ).toHaveCount( 1 );
	await noSender
		.getByRole( 'button', { name: `Discard “${ NO_SENDER_SUBJECT }”` } )
		.click();
	await confirm.getByRole( 'button', { name: 'Discard email' } ).click();
	await expect( snackbar( page, 'Email discarded.' ) ).toBeVisible();
	await expect( noSender ).toHaveCount( 0 );

	// Reprocess: the sidecar takes the email in as one of its own, and the screen says so.
	await collision
		.getByRole( 'button', { name: `Reprocess “${ COLLISION_SUBJECT }”` } )
		.click();
	await expect(
		collision.getByText( 'Reprocessed. A new ticket was created.' )
	).toBeVisible( { timeout: 30_000 } );
	const reprocessed = ( await activity() ).find(
		( row ) => row.subject === COLLISION_SUBJECT && row.kind === 'ticket'
	);
	expect( reprocessed?.ticket_id ).toEqual( expect.any( Number ) );
	expect( reprocessed?.ticket_id ).not.toBe( ticketId );
	await expect(
		collision.getByRole( 'link', {
			name: `Open ticket #${ reprocessed?.ticket_id }`,
		} )
	).toBeVisible();
	await expect( snackbar( page, 'The email was reprocessed' ) ).toBeVisible();
	await expect(
		collision.getByRole( 'button', { name: /^Reprocess/ } )
	).toBeDisabled();
	// Refreshed, the list no longer holds it.
	await page.getByRole( 'button', { name: 'Refresh' } ).click();
	await expect( collision ).toHaveCount( 0 );

	// Back in Activity, the reprocessed email appears as the ticket it became.
	await page.getByRole( 'tab', { name: 'Activity' } ).click();
	await page.getByLabel( 'Sender or subject' ).fill( COLLISION_SUBJECT );
	await page.getByRole( 'button', { name: 'Search', exact: true } ).click();
	await expect(
		rows.filter( { hasText: 'New ticket' } ).getByRole( 'link', {
			name: `Ticket #${ reprocessed?.ticket_id }`,
		} )
	).toBeVisible();

	// The first page shows a new email by itself, without Refresh.
	const lateSubject = `Scanner jammed ${ tag }`;
	await page.getByLabel( 'Sender or subject' ).fill( tag );
	await page.getByRole( 'button', { name: 'Search', exact: true } ).click();
	await expect( rows.first() ).toBeVisible();
	await deliver( [
		email(
			[
				'From: Dana Fischer <dana@customer.example.test>',
				`To: ${ support.user }`,
				`Subject: ${ lateSubject }`,
				`Date: ${ new Date().toUTCString() }`,
				`Message-ID: <scanner-${ tag }@customer.example.test>`,
				'Content-Type: text/plain; charset=utf-8',
			],
			'Hello,\n\nthe scanner on the first floor jams on every page. Could someone come by?\n\nDana'
		),
	] );
	await expect(
		rows.filter( { hasText: lateSubject } ).locator( '.epipe-outcome' )
	).toHaveText( 'New ticket', { timeout: 30_000 } );

	expect( trackerRequests ).toEqual( [] );
	expect( errors ).toEqual( [] );
} );
