/**
 * The agents' ticket screens in a real browser: an agent finds a piped ticket by status and
 * search, reads it — hostile mail content stays inert — answers it and changes its status,
 * all with role and label locators (the screens are usable without a mouse or JavaScript).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

import { expect, test } from '@playwright/test';

import {
	CLI,
	loadStack,
	sendMail,
} from '../../../integration/support/stack.ts';

import { logInAs } from '../../utils/log-in.ts';

const stack = loadStack();

test( 'an agent finds, reads and answers a piped ticket in wp-admin', async ( {
	page,
} ) => {
	const tag = randomUUID().slice( 0, 8 );
	const subject = `Agent screen ${ tag } <img src=x onerror=alert(1)>`;
	await sendMail( stack, {
		from: '"<script>alert(2)</script>" <customer@example.test>',
		to: 'support@example.test',
		subject,
		text: `My screen stays blank ${ tag }. <script>alert(3)</script>`,
		html: `<p>My screen stays blank ${ tag }.</p><script>alert(4)</script><img src="x" onerror="alert(5)">`,
	} );
	execFileSync( CLI, [ 'run', '--once', '--wp-config', stack.wp.config ] );

	const dialogs: string[] = [];
	page.on( 'dialog', async ( dialog ) => {
		dialogs.push( dialog.message() );
		await dialog.dismiss();
	} );
	const consoleErrors: string[] = [];
	page.on( 'console', ( msg ) => {
		if ( msg.type() === 'error' ) {
			consoleErrors.push( msg.text() );
		}
	} );

	await logInAs( page, stack.wp.agentUser, stack.wp.agentPassword );

	await page.goto( '/wp-admin/admin.php?page=email-piping-tickets' );
	await expect(
		page.getByRole( 'heading', { name: 'Tickets', level: 1 } )
	).toBeVisible();
	await page.getByRole( 'link', { name: /^Open/ } ).click();
	await expect( page ).toHaveURL( /status=open/ );
	await page
		.getByRole( 'searchbox', { name: 'Search tickets:' } )
		.fill( tag );
	await page.getByRole( 'button', { name: 'Search tickets' } ).click();
	const row = page.getByRole( 'row' ).filter( { hasText: tag } );
	await expect( row ).toHaveCount( 1 );
	// The subject is text: its markup shows as characters and creates no image.
	await expect( row ).toContainText( '<img src=x onerror=alert(1)>' );
	await row
		.getByRole( 'link', { name: new RegExp( `Agent screen ${ tag }` ) } )
		.click();

	await expect( page.getByRole( 'heading', { level: 1 } ) ).toContainText(
		`Agent screen ${ tag }`
	);
	const conversation = page.locator( '.epipe-ticket__thread' );
	await expect( conversation ).toContainText(
		`My screen stays blank ${ tag }.`
	);
	await expect(
		conversation.locator( 'script, img[onerror], iframe' )
	).toHaveCount( 0 );

	await page
		.getByLabel( 'Your reply to the customer (sent by email)' )
		.fill( `Try another cable (${ tag }).` );
	await page.getByLabel( 'Status after the reply' ).selectOption( 'pending' );
	await page.getByRole( 'button', { name: 'Send reply' } ).click();
	await expect(
		page.getByRole( 'status' ).filter( { hasText: 'Reply sent.' } )
	).toBeVisible();
	await expect( conversation ).toContainText(
		`Try another cable (${ tag }).`
	);
	await expect( page.getByLabel( 'Status', { exact: true } ) ).toHaveValue(
		'pending'
	);

	await page.getByLabel( 'Priority' ).selectOption( 'high' );
	await page.getByRole( 'button', { name: 'Update ticket' } ).click();
	await expect(
		page.getByRole( 'status' ).filter( { hasText: 'Ticket updated.' } )
	).toBeVisible();
	await expect( page.getByLabel( 'Priority' ) ).toHaveValue( 'high' );

	expect( dialogs ).toEqual( [] );
	expect( consoleErrors ).toEqual( [] );
} );
