/**
 * Shared steps of the admin-panel specs: the stack's facts, logging in, console errors, the
 * snackbars, README screenshots, and a REST client as the stack's administrator (for set-up
 * and clean-up only; what a spec tests goes through the page).
 */
import fs from 'node:fs';
import path from 'node:path';

import {
	expect,
	request,
	type APIRequestContext,
	type Locator,
	type Page,
} from '@playwright/test';

import {
	loadStack,
	ROOT,
	type Stack as TestStack,
} from '../../integration/support/stack.ts';

import { logInAs } from './log-in.ts';

/** The facts every admin spec uses; a spec that needs more widens it (see first-run.spec.ts). */
export type Stack = Pick< TestStack, 'logsDir' | 'wp' | 'smtp' >;

export const stack: Stack = loadStack();

/** The checkout's root. */
export const root = ROOT;

/** README's screenshots are refreshed only on request, so a test run leaves the checkout clean. */
const screenshotDir =
	process.env[ 'EPIPE_UPDATE_SCREENSHOTS' ] === '1'
		? path.join( root, 'docs', 'screenshots' )
		: path.join( stack.logsDir, 'screenshots' );

/**
 * Logs the stack's administrator in through wp-login.php.
 *
 * @param page Page.
 */
export async function logIn( page: Page ): Promise< void > {
	await logInAs( page, stack.wp.adminUser, stack.wp.adminPassword );
}

/**
 * Console errors of the page, except those a test expects, and any dialog a page opened (the
 * admin screens open none of their own: one would come from mail content run as script).
 *
 * @param page     Page.
 * @param expected Messages that are part of the test (e.g. the browser logging a 400).
 */
export function collectConsoleErrors(
	page: Page,
	expected: RegExp[] = []
): string[] {
	const errors: string[] = [];
	const note = ( text: string ) => {
		if ( ! expected.some( ( pattern ) => pattern.test( text ) ) ) {
			errors.push( text );
		}
	};
	page.on( 'console', ( msg ) => {
		if ( msg.type() === 'error' ) {
			note( msg.text() );
		}
	} );
	page.on( 'pageerror', ( err ) => note( err.message ) );
	page.on( 'dialog', ( dialog ) => {
		note( `dialog: ${ dialog.message() }` );
		void dialog.dismiss();
	} );
	return errors;
}

/**
 * A confirmation in the corner (Notice also repeats it in WordPress's hidden live region).
 *
 * @param page Page.
 * @param text Its text, from the start.
 */
export function snackbar( page: Page, text: string ) {
	return page
		.locator( '.epipe-admin__snackbars' )
		.getByText( text, { exact: false } );
}

/**
 * Saves a screenshot of the page for the README, without the passing confirmations.
 *
 * @param page         Page.
 * @param name         File name.
 * @param fullPage     Whole page (default), or only the window (a dialog's overlay covers only that).
 * @param options      How to take it.
 * @param options.blur Blur the element last clicked first, so its focus ring stays out of the shot.
 */
export async function screenshot(
	page: Page,
	name: string,
	fullPage = true,
	{ blur = false }: { blur?: boolean } = {}
): Promise< void > {
	const snackbars = page.locator(
		'.epipe-admin__snackbars .components-snackbar'
	);
	for ( let left = await snackbars.count(); left > 0; left-- ) {
		// A click dismisses a snackbar.
		await snackbars.first().click();
		await expect( snackbars ).toHaveCount( left - 1 );
	}
	// Fixed elements (the admin bar) follow the scroll position into a full-page shot.
	await page.evaluate( () => window.scrollTo( 0, 0 ) );
	if ( blur ) {
		await page.locator( 'body' ).evaluate( ( body ) => {
			const focused = body.ownerDocument
				.activeElement as HTMLElement | null;
			focused?.blur();
		} );
	}
	await page.mouse.move( 700, 60 );
	fs.mkdirSync( screenshotDir, { recursive: true } );
	await page.screenshot( {
		path: path.join( screenshotDir, name ),
		fullPage,
	} );
}

/**
 * Saves a screenshot of one part of the page for the README.
 *
 * @param part The part, e.g. a card.
 * @param name File name.
 */
export async function screenshotOf(
	part: Locator,
	name: string
): Promise< void > {
	fs.mkdirSync( screenshotDir, { recursive: true } );
	await part.screenshot( { path: path.join( screenshotDir, name ) } );
}

/**
 * A REST client of email-piping/v1 as the stack's administrator (application password).
 */
export function adminApi(): Promise< APIRequestContext > {
	return request.newContext( {
		baseURL: stack.wp.url,
		extraHTTPHeaders: {
			Authorization: `Basic ${ Buffer.from(
				`${ stack.wp.adminUser }:${ stack.wp.appPassword }`
			).toString( 'base64' ) }`,
		},
	} );
}

/**
 * The URL of a route of email-piping/v1 (plain permalinks).
 *
 * @param name Route with a leading slash.
 */
export function restRoute( name: string ): string {
	return `/?rest_route=/email-piping/v1${ name }`;
}
