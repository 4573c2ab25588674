/**
 * The Block lists screen in a real browser against the real stack: SupportCandy's default
 * patterns are there, the "would this email be blocked?" check answers with the server's (the
 * sidecar's) matching, and an admin adds, edits and deletes a pattern; a regex the browser
 * cannot compile is refused by the form, one that could run away by the server, each under the
 * field.
 */
import { randomUUID } from 'node:crypto';

import { expect, test, type Page } from '@playwright/test';

import {
	adminApi,
	collectConsoleErrors,
	logIn,
	restRoute,
	screenshot,
	snackbar,
} from '../../utils/admin-page.ts';

const tag = randomUUID().slice( 0, 8 );
const DOMAIN = `bulk-${ tag }.example`;
const SENDER = `deals@${ DOMAIN }`;

test.use( { viewport: { width: 1280, height: 1000 } } );

test.afterAll( async () => {
	// A failed run must not leave a pattern that blocks later specs' mail.
	const api = await adminApi();
	const list = ( await (
		await api.get( restRoute( '/block-patterns' ) )
	).json() ) as Array< { id: number; pattern: string } >;
	for ( const pattern of list ) {
		if ( pattern.pattern.includes( tag ) ) {
			await api.delete( restRoute( `/block-patterns/${ pattern.id }` ) );
		}
	}
	await api.dispose();
} );

function isPatternsPost( url: string, method: string ): boolean {
	return (
		method === 'POST' &&
		/email-piping\/v1\/block-patterns(?:[?&]|$)/.test(
			decodeURIComponent( url )
		)
	);
}

/**
 * Asks the check on the page.
 *
 * @param page    Page.
 * @param sender  Sender address.
 * @param subject Subject.
 */
async function ask( page: Page, sender: string, subject: string ) {
	const panel = page.locator( '.epipe-block-check' );
	await panel.getByLabel( 'Sender address', { exact: true } ).fill( sender );
	await panel.getByLabel( 'Subject', { exact: true } ).fill( subject );
	await panel.getByRole( 'button', { name: 'Check' } ).click();
	return panel.locator( '.epipe-block-check__answer' );
}

test( 'an admin checks an email against the block lists and adds, edits and deletes a pattern', async ( {
	page,
} ) => {
	// Chrome logs the server's refusal (400) as a failed resource; nothing else may appear.
	const consoleErrors = collectConsoleErrors( page, [
		/^Failed to load resource: the server responded with a status of 400/,
	] );
	const posts: string[] = [];
	page.on( 'request', ( req ) => {
		if ( isPatternsPost( req.url(), req.method() ) ) {
			posts.push( req.url() );
		}
	} );
	await logIn( page );
	await page.goto( '/wp-admin/admin.php?page=email-piping&tab=block-lists' );
	await expect(
		page.getByRole( 'tab', { name: 'Block lists' } )
	).toHaveAttribute( 'aria-selected', 'true' );

	// SupportCandy's defaults are pre-filled, each in its list.
	const senders = page.locator( '.epipe-block-lists__list.is-sender' );
	const subjects = page.locator( '.epipe-block-lists__list.is-subject' );
	await expect(
		senders.getByRole( 'row' ).filter( { hasText: 'no(t)?[-_]?reply@' } )
	).toContainText( 'Regular expression' );
	await expect(
		senders.getByRole( 'row' ).filter( { hasText: 'mail(er)?[-_]daemon@' } )
	).toHaveCount( 1 );
	await expect(
		subjects.getByRole( 'row' ).filter( { hasText: '^out of office' } )
	).toHaveCount( 1 );
	await expect(
		subjects.getByRole( 'row' ).filter( {
			hasText: '*undelivered mail returned to sender*',
		} )
	).toContainText( 'Wildcard' );

	// The check: nothing typed is refused by the form.
	await page
		.locator( '.epipe-block-check' )
		.getByRole( 'button', { name: 'Check' } )
		.click();
	await expect(
		page.getByText( 'Enter a sender address, a subject, or both.' )
	).toBeVisible();

	// A no-reply sender is blocked by the default pattern, in any case.
	let answer = await ask( page, 'No-Reply@Shop.example', '' );
	await expect( answer ).toHaveClass( /is-blocked/ );
	await expect( answer ).toContainText(
		'Blocked: this email would be skipped because of its sender.'
	);
	await expect( answer ).toContainText(
		'Sender No-Reply@Shop.example matches no(t)?[-_]?reply@ (Regular expression).'
	);
	// An out-of-office subject is blocked by its subject.
	answer = await ask(
		page,
		'casey@example.test',
		'Out of Office: back Monday'
	);
	await expect( answer ).toContainText(
		'Blocked: this email would be skipped because of its subject.'
	);
	await expect( answer ).toContainText(
		'No sender pattern matches casey@example.test.'
	);
	await expect( answer ).toContainText(
		'The subject matches ^out of office (Regular expression).'
	);
	// A newsletter sender is not blocked (yet).
	answer = await ask( page, SENDER, 'Weekly deals' );
	await expect( answer ).toHaveClass( /is-allowed/ );
	await expect( answer ).toContainText(
		'Not blocked: this email would be piped.'
	);

	// Add a sender pattern. A regex the browser cannot compile never leaves the form.
	await senders.getByRole( 'button', { name: 'Add sender pattern' } ).click();
	const dialog = page.getByRole( 'dialog' );
	await expect( dialog.getByLabel( 'Block by' ) ).toHaveValue( 'sender' );
	await dialog.getByRole( 'radio', { name: 'Regular expression' } ).check();
	const field = dialog.getByLabel( 'Pattern', { exact: true } );
	await field.fill( `(deals@${ DOMAIN }` );
	await dialog.getByRole( 'button', { name: 'Add pattern' } ).click();
	await expect( field ).toHaveAttribute( 'aria-invalid', 'true' );
	await expect(
		dialog.getByText( /^The regular expression does not compile: / )
	).toBeVisible();
	expect( posts ).toEqual( [] );

	// One that compiles but could run away on a crafted email is explained by the server.
	await field.fill( `(\\w+\\.?)+@${ DOMAIN }$` );
	await expect( field ).not.toHaveAttribute( 'aria-invalid', 'true' );
	const refused = page.waitForResponse( ( res ) =>
		isPatternsPost( res.url(), res.request().method() )
	);
	await dialog.getByRole( 'button', { name: 'Add pattern' } ).click();
	expect( ( await refused ).status() ).toBe( 400 );
	await expect( field ).toHaveAttribute( 'aria-invalid', 'true' );
	await expect(
		dialog
			.locator( '.epipe-pattern-form__pattern' )
			.getByText( /^The regular expression could run away/ )
	).toBeVisible();
	await screenshot( page, 'block-pattern-form.png', false );

	// A wildcard for the whole domain is saved.
	await dialog.getByRole( 'radio', { name: 'Wildcard' } ).check();
	await field.fill( `*@${ DOMAIN }` );
	await dialog.getByRole( 'button', { name: 'Add pattern' } ).click();
	await expect( snackbar( page, 'Block pattern added.' ) ).toBeVisible();
	await expect( dialog ).toHaveCount( 0 );
	const row = senders
		.getByRole( 'row' )
		.filter( { hasText: `*@${ DOMAIN }` } );
	await expect( row ).toContainText( 'Wildcard' );

	// The answer on screen is asked again: the newsletter is now blocked by the new pattern.
	answer = page.locator( '.epipe-block-check__answer' );
	await expect( answer ).toHaveClass( /is-blocked/ );
	await expect( answer ).toContainText(
		`Sender ${ SENDER } matches *@${ DOMAIN } (Wildcard).`
	);
	await screenshot( page, 'block-lists.png' );

	// Narrowed to one address (exact): other senders at the domain pass again.
	await row.getByRole( 'button', { name: `Edit *@${ DOMAIN }` } ).click();
	await expect( field ).toHaveValue( `*@${ DOMAIN }` );
	await dialog.getByRole( 'radio', { name: 'Exact' } ).check();
	await field.fill( `Promo@${ DOMAIN }` );
	await dialog.getByRole( 'button', { name: 'Save pattern' } ).click();
	await expect( snackbar( page, 'Block pattern saved.' ) ).toBeVisible();
	await expect( answer ).toHaveClass( /is-allowed/ );
	answer = await ask( page, `promo@${ DOMAIN.toUpperCase() }`, '' );
	await expect( answer ).toContainText(
		`matches Promo@${ DOMAIN } (Exact).`
	);

	// Deleted after a confirmation; the list and the answer follow.
	const edited = senders
		.getByRole( 'row' )
		.filter( { hasText: `Promo@${ DOMAIN }` } );
	await edited
		.getByRole( 'button', { name: `Delete Promo@${ DOMAIN }` } )
		.click();
	await page
		.getByRole( 'dialog' )
		.getByRole( 'button', { name: 'Delete pattern' } )
		.click();
	await expect( snackbar( page, 'Block pattern deleted.' ) ).toBeVisible();
	await expect( edited ).toHaveCount( 0 );
	await expect( answer ).toHaveClass( /is-allowed/ );

	// What the page showed is what is stored.
	await page.reload();
	await expect(
		senders.getByRole( 'row' ).filter( { hasText: DOMAIN } )
	).toHaveCount( 0 );
	await expect(
		senders.getByRole( 'row' ).filter( { hasText: 'no(t)?[-_]?reply@' } )
	).toHaveCount( 1 );
	expect( posts ).toHaveLength( 2 );
	expect( consoleErrors ).toEqual( [] );
} );
