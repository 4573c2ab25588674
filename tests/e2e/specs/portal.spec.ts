/**
 * The customer portal, end to end and without an account: a customer emails support, the real
 * sidecar makes the ticket, WordPress mails the confirmation through the SMTP capture, and the
 * link in that email opens the ticket in the portal block; the customer replies there (a script
 * in the reply stays text), the agents are notified by email, and the customer closes the
 * ticket. A changed or foreign link shows only a polite sentence and mails the participant a
 * fresh link, once per quarter of an hour.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

import { expect, test, type Page } from '@playwright/test';

import {
	capturedMail,
	waitForCaptured,
	type CapturedMail,
} from '../../integration/support/wp.ts';
import { CLI, loadStack, sendMail } from '../../integration/support/stack.ts';

const stack = loadStack();

const tag = randomUUID().slice( 0, 8 );
const CUSTOMER = `robin-${ tag }@customer.example.org`;

/**
 * Emails support as the customer and lets the sidecar pipe it.
 *
 * @param subject Subject.
 * @param text    Body.
 */
async function emailSupport( subject: string, text: string ): Promise< void > {
	await sendMail( stack, {
		from: `Robin <${ CUSTOMER }>`,
		to: 'support@example.test',
		subject,
		text,
	} );
	// Delivery to the mailbox is asynchronous: pipe until the ticket's confirmation is mailed.
	await expect( async () => {
		execFileSync( CLI, [
			'run',
			'--once',
			'--wp-config',
			stack.wp.config,
		] );
		const found = ( await capturedMail( stack ) ).some(
			( m ) =>
				m.rcpt.includes( CUSTOMER ) &&
				String( m.parsed.subject ).includes( subject )
		);
		expect( found ).toBe( true );
	} ).toPass( { timeout: 60_000 } );
}

/**
 * The portal link in a mail's text.
 *
 * @param mail Mail.
 */
function linkIn( mail: CapturedMail ): string {
	const link = /https?:\/\/\S+epipe_token=[0-9a-f]+/.exec(
		mail.parsed.text ?? ''
	)?.[ 0 ];
	expect( link, 'the notification links to the ticket online' ).toBeTruthy();
	return link as string;
}

const newLinkMails = async (): Promise< CapturedMail[] > =>
	( await capturedMail( stack ) ).filter(
		( m ) =>
			m.rcpt.includes( CUSTOMER ) &&
			/Your new link/.test( String( m.parsed.subject ) )
	);

/**
 * Opens a link as a visitor (no login) and returns the page.
 *
 * @param page Page.
 * @param url  Link.
 */
async function open( page: Page, url: string ): Promise< void > {
	const response = await page.goto( url );
	// A page reached through a link is private: not cached, the link never sent on as referrer.
	expect( response?.headers()[ 'cache-control' ] ?? '' ).toMatch(
		/no-cache|no-store/
	);
	expect( response?.headers()[ 'referrer-policy' ] ).toBe( 'no-referrer' );
}

test( 'a customer follows the link from a notification, replies and closes the ticket', async ( {
	page,
} ) => {
	test.setTimeout( 150_000 );
	const subject = `Lens cap cracked ${ tag }`;
	await emailSupport(
		subject,
		'The lens cap arrived cracked. Can you send a new one?'
	);
	const confirmation = ( await capturedMail( stack ) ).find(
		( m ) =>
			m.rcpt.includes( CUSTOMER ) &&
			String( m.parsed.subject ).includes( subject )
	) as CapturedMail;
	const link = linkIn( confirmation );
	const ticketId = Number(
		new URL( link ).searchParams.get( 'epipe_ticket' )
	);

	// The link opens the ticket, on the page the plugin created, without an account.
	await open( page, link );
	const portal = page.locator( '.epipe-portal' );
	await expect(
		portal.getByRole( 'heading', { name: `#${ ticketId } ${ subject }` } )
	).toBeVisible();
	await expect( portal ).toContainText( 'The lens cap arrived cracked.' );
	await expect( portal ).toContainText( 'Status: Open' );

	// A reply with a script in it: stored and shown as text, never run.
	let dialogs = 0;
	page.on( 'dialog', ( dialog ) => {
		if ( dialog.type() === 'alert' ) {
			dialogs++;
		}
		void dialog.accept();
	} );
	const reply = `Photo attached later. <script>alert("portal-${ tag }")</script> Thanks!`;
	await page.getByLabel( 'Your reply' ).fill( reply );
	await page.getByRole( 'button', { name: 'Send reply' } ).click();
	await expect( portal ).toContainText(
		'your reply was added to the ticket'
	);
	await expect( portal ).toContainText(
		`<script>alert("portal-${ tag }")</script>`
	);
	await expect( portal.locator( 'script' ) ).toHaveCount( 0 );
	expect( dialogs ).toBe( 0 );

	// The agents hear of it by email, like of a reply by email.
	const alerts = await waitForCaptured(
		stack,
		( m ) =>
			! m.rcpt.includes( CUSTOMER ) &&
			( m.parsed.text ?? '' ).includes( `portal-${ tag }` )
	);
	expect( String( alerts[ 0 ]?.parsed.subject ) ).toContain(
		String( ticketId )
	);

	// Closing asks first, then says so.
	await page.getByRole( 'button', { name: 'Close this ticket' } ).click();
	await expect( portal ).toContainText( 'The ticket is closed.' );
	await expect( portal ).toContainText( 'Status: Closed' );
	await expect(
		portal.getByRole( 'button', { name: 'Close this ticket' } )
	).toHaveCount( 0 );
} );

test( 'a changed or foreign link shows nothing of any ticket and mails a fresh link, once', async ( {
	page,
} ) => {
	test.setTimeout( 150_000 );
	const subject = `Strap too short ${ tag }`;
	await emailSupport( subject, 'The strap is too short for the tripod.' );
	const confirmation = ( await capturedMail( stack ) ).find(
		( m ) =>
			m.rcpt.includes( CUSTOMER ) &&
			String( m.parsed.subject ).includes( subject )
	) as CapturedMail;
	const link = new URL( linkIn( confirmation ) );
	const before = ( await newLinkMails() ).length;

	const tampered = new URL( link );
	const token = tampered.searchParams.get( 'epipe_token' ) ?? '';
	tampered.searchParams.set(
		'epipe_token',
		`${ token.slice( 0, -1 ) }${ token.endsWith( '0' ) ? '1' : '0' }`
	);
	await open( page, tampered.toString() );
	const portal = page.locator( '.epipe-portal' );
	await expect( portal ).toContainText(
		'This link is no longer valid — we’ve emailed you a new one.'
	);
	await expect( portal ).not.toContainText( 'Strap too short' );
	await expect( page.getByLabel( 'Your reply' ) ).toHaveCount( 0 );
	const fresh = await waitForCaptured(
		stack,
		( m ) =>
			m.rcpt.includes( CUSTOMER ) &&
			/Your new link/.test( String( m.parsed.subject ) ),
		before + 1
	);
	const freshLink = linkIn( fresh[ fresh.length - 1 ] as CapturedMail );

	// Asking again within the quarter of an hour sends nothing more.
	await open( page, tampered.toString() );
	await expect( portal ).toContainText( 'This link is no longer valid' );
	await page.waitForTimeout( 1500 );
	expect( ( await newLinkMails() ).length ).toBe( before + 1 );

	// A link for another ticket number is refused the same way.
	const foreign = new URL( link );
	foreign.searchParams.set(
		'epipe_ticket',
		String( Number( link.searchParams.get( 'epipe_ticket' ) ) + 1000 )
	);
	await open( page, foreign.toString() );
	await expect( portal ).toContainText( 'This link is no longer valid' );
	await expect( portal ).not.toContainText( 'Strap too short' );

	// The fresh link works.
	await open( page, freshLink );
	await expect( portal ).toContainText(
		'The strap is too short for the tripod.'
	);
} );
