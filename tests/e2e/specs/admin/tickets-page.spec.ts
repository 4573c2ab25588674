/**
 * The wp-admin page "Email Piping" is rendered by the React bundle on the test WordPress, and a
 * ticket piped from a real email shows up in it.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

import { expect, test } from '@playwright/test';

import {
	CLI,
	loadStack,
	sendMail,
} from '../../../integration/support/stack.ts';

const stack = loadStack();

test( 'a piped email appears on the Email Piping admin page', async ( {
	page,
} ) => {
	const subject = `Browser check ${ randomUUID().slice( 0, 8 ) } <b>not bold</b>`;
	await sendMail( stack, {
		from: 'Casey <customer@example.test>',
		to: 'support@example.test',
		subject,
		text: 'Shown in wp-admin?',
	} );
	execFileSync( CLI, [ 'run', '--once', '--wp-config', stack.wp.config ] );

	const consoleErrors: string[] = [];
	page.on( 'console', ( msg ) => {
		if ( msg.type() === 'error' ) {
			consoleErrors.push( msg.text() );
		}
	} );

	await page.goto( '/wp-login.php' );
	await page.fill( '#user_login', stack.wp.adminUser );
	await page.fill( '#user_pass', stack.wp.adminPassword );
	await Promise.all( [
		page.waitForURL( '**/wp-admin/**' ),
		page.click( '#wp-submit' ),
	] );

	await page
		.getByRole( 'link', { name: 'Email Piping', exact: true } )
		.first()
		.click();
	await expect( page ).toHaveURL( /page=email-piping/ );
	// An admin lands on Connections; the Tickets tab has its own address.
	await page.getByRole( 'tab', { name: 'Tickets' } ).click();
	await expect( page ).toHaveURL( /[?&]tab=tickets/ );
	// Only the React bundle renders the "Tickets" card; the PHP placeholder says "Loading…".
	await expect(
		page.getByRole( 'heading', { name: 'Tickets' } )
	).toBeVisible();
	await expect( page.getByText( 'Loading…' ) ).toHaveCount( 0 );
	const row = page.getByRole( 'row' ).filter( { hasText: subject } );
	await expect( row ).toHaveCount( 1 );
	await expect( row ).toContainText( 'customer@example.test' );
	// Mail content is shown as text, never as markup.
	await expect( page.locator( 'b', { hasText: 'not bold' } ) ).toHaveCount(
		0
	);
	expect( consoleErrors ).toEqual( [] );
} );
