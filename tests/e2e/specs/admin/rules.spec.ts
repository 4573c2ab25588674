/**
 * The Rules screen in a real browser against the real stack: an admin adds two piping rules
 * (a regex the browser cannot compile is refused by the form, one that could run away by the
 * server, each under its field), moves one up with the keyboard, and the rule tester runs
 * emails (pasted, or loaded from an .eml file) through the running sidecar's real pipeline and
 * shows the rules that matched and the new ticket's fields, or why no ticket would be opened;
 * then a rule is disabled and both are deleted after a question.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

import { expect, test, type Locator, type Page } from '@playwright/test';

/**
 * Internal dependencies
 */
import {
	adminApi,
	collectConsoleErrors,
	logIn,
	restRoute,
	root,
	screenshot,
	snackbar,
	stack,
} from '../../utils/admin-page.ts';

const tag = randomUUID().slice( 0, 8 );
const INVOICES = `Invoices ${ tag }`;
const VIP = `VIP customers ${ tag }`;
const VIP_DOMAIN = `vip-${ tag }.example.test`;

let daemon: ChildProcess | null = null;

test.use( { viewport: { width: 1280, height: 1000 } } );

/**
 * Starts the sidecar daemon, which carries out the tester's jobs.
 *
 * A test_rules job reads the rules afresh (sidecar/src/jobs.ts), whenever the daemon started.
 */
function startDaemon() {
	const log = fs.openSync(
		path.join( stack.logsDir, 'e2e-rules-sidecar.log' ),
		'a'
	);
	daemon = spawn(
		path.join( root, 'sidecar', 'bin', 'email-piping' ),
		[ 'run', '--wp-config', stack.wp.config ],
		{ stdio: [ 'ignore', log, log ] }
	);
	fs.closeSync( log );
}

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
	// A failed run must not leave rules that change later specs' tickets.
	const api = await adminApi();
	const list = ( await ( await api.get( restRoute( '/rules' ) ) ).json() ) as
		Array< { id: number; name: string } > | undefined;
	for ( const rule of list ?? [] ) {
		if ( rule.name.includes( tag ) ) {
			await api.delete( restRoute( `/rules/${ rule.id }` ) );
		}
	}
	await api.dispose();
} );

function isRulesPost( url: string, method: string ): boolean {
	return (
		method === 'POST' &&
		/email-piping\/v1\/rules(?:[?&]|$)/.test( decodeURIComponent( url ) )
	);
}

/**
 * One condition of the rule form, by its place (from 1).
 *
 * @param page   Page.
 * @param number Its place.
 */
function condition( page: Page, number: number ) {
	return page.locator( `[data-condition="${ number }"]` );
}

/**
 * The names in the rules list, top to bottom.
 *
 * @param page Page.
 */
function ruleNames( page: Page ) {
	return page.locator( '.epipe-rules__table .epipe-rules__name' );
}

/**
 * Gives the tester an email, pasted or as an .eml file, and waits for the sidecar's answer.
 *
 * @param page    Page.
 * @param from    Sender address.
 * @param subject Subject.
 * @param via     Paste it (default) or load it with "Load an .eml file".
 */
async function runTester(
	page: Page,
	from: string,
	subject: string,
	via: 'paste' | 'file' = 'paste'
) {
	const tester = page.locator( '.epipe-rule-test' );
	const raw = [
		`From: Jane Doe <${ from }>`,
		'To: support@example.test',
		`Subject: ${ subject }`,
		`Message-ID: <${ randomUUID() }@customer.example.test>`,
		'Date: Mon, 30 Nov 2026 10:00:00 +0000',
		'',
		'Hello, the amount on my invoice is wrong. Can you check it?',
		'',
	].join( '\n' );
	const source = tester.getByLabel( 'Email source', { exact: true } );
	if ( via === 'file' ) {
		// The button opens the file dialog of a hidden input; Playwright fills that input.
		await tester.locator( 'input[type="file"]' ).setInputFiles( {
			name: 'email.eml',
			mimeType: 'message/rfc822',
			buffer: Buffer.from( raw ),
		} );
		await expect( source ).toHaveValue( raw );
	} else {
		await source.fill( raw );
	}
	await tester.getByRole( 'button', { name: 'Run test' } ).click();
	await expect(
		tester.getByText( 'Testing: waiting for the sidecar…' )
	).toBeHidden( { timeout: 30_000 } );
	return tester.locator( '.epipe-rule-test__result' );
}

/**
 * The value of a field in the tester's result table.
 *
 * @param result The result region.
 * @param label  The field's label.
 */
function field( result: Locator, label: string ) {
	return result
		.locator( '.epipe-rule-test__fields tr' )
		.filter( { has: result.page().getByText( label, { exact: true } ) } )
		.locator( 'td' );
}

test( 'an admin adds two rules, reorders them and sees the tester apply them', async ( {
	page,
} ) => {
	test.setTimeout( 150_000 );
	// Chrome logs the server's refusal (400) as a failed resource; nothing else may appear.
	const consoleErrors = collectConsoleErrors( page, [
		/^Failed to load resource: the server responded with a status of 400/,
	] );
	const posts: string[] = [];
	page.on( 'request', ( req ) => {
		if ( isRulesPost( req.url(), req.method() ) ) {
			posts.push( req.url() );
		}
	} );
	await logIn( page );
	await page.goto( '/wp-admin/admin.php?page=email-piping&tab=rules' );
	await expect( page.getByRole( 'tab', { name: 'Rules' } ) ).toHaveAttribute(
		'aria-selected',
		'true'
	);
	await expect(
		page.getByRole( 'heading', { name: 'Piping rules' } )
	).toBeVisible();
	await expect(
		page.getByRole( 'heading', { name: 'Rule tester' } )
	).toBeVisible();

	// The first rule. Nothing filled in: the form says what is missing and sends nothing.
	await page.getByRole( 'button', { name: 'Add rule', exact: true } ).click();
	await expect(
		page.getByRole( 'heading', { name: 'Add a rule' } )
	).toBeVisible();
	await page.getByRole( 'button', { name: 'Add rule', exact: true } ).click();
	// Notices are repeated in WordPress's hidden live regions: look inside the screen.
	const panel = page.getByRole( 'tabpanel', { name: 'Rules' } );
	await expect(
		panel.getByText( 'Correct the fields marked below.' )
	).toBeVisible();
	await expect(
		page.getByLabel( 'Rule name', { exact: true } )
	).toBeFocused();
	await expect(
		condition( page, 1 ).getByText( 'Enter what to look for.' )
	).toBeVisible();
	await expect(
		panel.getByText( 'Choose at least one thing for the rule to set.' )
	).toBeVisible();
	expect( posts ).toEqual( [] );

	await page.getByLabel( 'Rule name', { exact: true } ).fill( INVOICES );
	const first = condition( page, 1 );
	await first.getByLabel( 'Looks at' ).selectOption( 'subject' );
	await first
		.getByLabel( 'Comparison' )
		.selectOption( { label: 'contains the regular expression' } );
	const pattern = first.getByLabel( 'Pattern', { exact: true } );
	// A regex the browser cannot read: explained under the field, nothing sent.
	await pattern.fill( 'invoice|(billing' );
	await page
		.getByLabel( 'Category', { exact: true } )
		.selectOption( 'General' );
	await page
		.getByLabel( 'Additional recipients', { exact: true } )
		.fill( `billing-${ tag }@example.test` );
	await page.getByRole( 'button', { name: 'Add rule', exact: true } ).click();
	await expect(
		first.getByText(
			/^This is not a valid regular expression \(Unterminated group\)/
		)
	).toBeVisible();
	await expect( pattern ).toBeFocused();
	expect( posts ).toEqual( [] );

	// One the browser reads but that could run away on a crafted email: the server refuses it,
	// and its words appear under the same field.
	await pattern.fill( '(invoice+)+' );
	const refused = page.waitForResponse( ( res ) =>
		isRulesPost( res.url(), res.request().method() )
	);
	await page.getByRole( 'button', { name: 'Add rule', exact: true } ).click();
	expect( ( await refused ).status() ).toBe( 400 );
	await expect( pattern ).toHaveAttribute( 'aria-invalid', 'true' );
	await expect(
		first.getByText( /^The regular expression could run away/ )
	).toBeVisible();
	await screenshot( page, 'rule-form.png' );

	await pattern.fill( 'invoice|billing' );
	await expect( pattern ).not.toHaveAttribute( 'aria-invalid', 'true' );
	await page.getByRole( 'button', { name: 'Add rule', exact: true } ).click();
	const added = snackbar( page, 'Rule added at the end of the list.' );
	await expect( added ).toBeVisible();
	// A click dismisses it, so the next rule's confirmation is its own.
	await added.click();
	await expect( added ).toHaveCount( 0 );
	await expect( ruleNames( page ) ).toHaveText( [ INVOICES ] );

	// The second rule: two conditions, an assignee, and later rules may apply too.
	await page.getByRole( 'button', { name: 'Add rule', exact: true } ).click();
	await page.getByLabel( 'Rule name', { exact: true } ).fill( VIP );
	await condition( page, 1 ).getByLabel( 'Looks at' ).selectOption( 'from' );
	await condition( page, 1 )
		.getByLabel( 'Pattern', { exact: true } )
		.fill( `*@${ VIP_DOMAIN }` );
	await page.getByRole( 'button', { name: 'Add condition' } ).click();
	await condition( page, 2 ).getByLabel( 'Looks at' ).selectOption( 'body' );
	await condition( page, 2 )
		.getByLabel( 'Comparison' )
		.selectOption( { label: 'contains the regular expression' } );
	await condition( page, 2 )
		.getByLabel( 'Pattern', { exact: true } )
		.fill( '\\binvoice\\b' );
	await page
		.getByLabel( 'Priority', { exact: true } )
		.selectOption( 'urgent' );
	await page
		.getByLabel( 'Assignee', { exact: true } )
		.selectOption( { label: 'agent (agent@example.test)' } );
	await page
		.getByRole( 'checkbox', { name: 'Let later rules apply too' } )
		.check();
	await page.getByRole( 'button', { name: 'Add rule', exact: true } ).click();
	await expect(
		snackbar( page, 'Rule added at the end of the list.' )
	).toBeVisible();
	await expect( ruleNames( page ) ).toHaveText( [ INVOICES, VIP ] );

	// Move the VIP rule to the top with the keyboard; the focus stays on the rule moved.
	const moveUp = page.getByRole( 'button', { name: `Move “${ VIP }” up` } );
	await moveUp.focus();
	await page.keyboard.press( 'Enter' );
	await expect( ruleNames( page ) ).toHaveText( [ VIP, INVOICES ] );
	// At the top, "Move up" is disabled, so "Move down" of the same rule has the keyboard.
	await expect( moveUp ).toBeDisabled();
	await expect(
		page.getByRole( 'button', { name: `Move “${ VIP }” down` } )
	).toBeFocused();
	await expect(
		page
			.getByRole( 'status' )
			.filter( { hasText: `“${ VIP }” is now rule 1 of 2.` } )
	).toHaveCount( 1 );
	// The server has the new order (the list shows the server's answer).
	const api = await adminApi();
	const saved = ( await (
		await api.get( restRoute( '/rules' ) )
	).json() ) as Array< { name: string } >;
	await api.dispose();
	expect(
		saved
			.map( ( rule ) => rule.name )
			.filter( ( name ) => name.includes( tag ) )
	).toEqual( [ VIP, INVOICES ] );
	const vipRow = page
		.locator( '.epipe-rules__row' )
		.filter( { hasText: VIP } );
	await expect( vipRow ).toContainText(
		`Sender’s address matches the wildcard pattern “*@${ VIP_DOMAIN }”`
	);
	await expect( vipRow ).toContainText( 'Assignee: agent' );
	await expect( vipRow ).toContainText( 'Then later rules may apply too.' );

	// The tester, through the sidecar: a VIP's email about an invoice gets both rules, in order.
	startDaemon();
	let result = await runTester(
		page,
		`jane@${ VIP_DOMAIN }`,
		`Invoice 1042 is wrong ${ tag }`
	);
	await expect(
		result.getByText( 'This email would open a new ticket.' )
	).toBeVisible();
	await expect(
		result.getByText( `Rules applied: “${ VIP }”, then “${ INVOICES }”.` )
	).toBeVisible();
	await expect( field( result, 'Priority' ) ).toHaveText( 'Urgent' );
	await expect( field( result, 'Assignee' ) ).toHaveText( 'agent' );
	await expect( field( result, 'Category' ) ).toHaveText( 'General' );
	await expect( field( result, 'Additional recipients' ) ).toHaveText(
		`billing-${ tag }@example.test`
	);
	await expect( field( result, 'Status' ) ).toHaveText( 'Open' );
	await screenshot( page, 'rules.png' );

	// Anyone else's invoice: only the invoice rule, and the default priority.
	result = await runTester(
		page,
		'someone@customer.example.test',
		`Billing question ${ tag }`
	);
	await expect(
		result.getByText( `Rules applied: “${ INVOICES }”.` )
	).toBeVisible();
	await expect( field( result, 'Priority' ) ).toHaveText( 'Normal' );
	await expect( field( result, 'Assignee' ) ).toHaveText( 'Nobody' );

	// An email that opens no ticket (SupportCandy's default block list stops no-reply senders),
	// loaded from an .eml file: the tester says why, in the activity log's words.
	result = await runTester(
		page,
		`no-reply@${ VIP_DOMAIN }`,
		`Invoice reminder ${ tag }`,
		'file'
	);
	await expect(
		result.getByText(
			'This email would not open a ticket, so no rule ran.'
		)
	).toBeVisible();
	await expect(
		result.getByText( 'Rejected: the sender is on the block list.' )
	).toBeVisible();

	// Disable one; delete both after the question.
	const invoicesRow = page
		.locator( '.epipe-rules__row' )
		.filter( { hasText: INVOICES } );
	await invoicesRow.getByRole( 'checkbox', { name: 'Enabled' } ).click();
	await expect(
		snackbar( page, 'Rule disabled: new tickets no longer get its fields.' )
	).toBeVisible();
	await expect( invoicesRow ).toHaveClass( /is-disabled/ );
	// The running sidecar tests with the rules as they are now, not as it read them at its last
	// pass: the invoice that matched a moment ago matches nothing.
	result = await runTester(
		page,
		'someone@customer.example.test',
		`Billing question ${ tag }`
	);
	await expect(
		result.getByText(
			'No rule matched: the ticket gets the default fields.'
		)
	).toBeVisible();
	for ( const name of [ INVOICES, VIP ] ) {
		await page
			.getByRole( 'button', { name: `Delete “${ name }”` } )
			.click();
		const dialog = page.getByRole( 'dialog' );
		await expect( dialog ).toContainText( `Delete rule “${ name }”?` );
		await dialog.getByRole( 'button', { name: 'Delete rule' } ).click();
		await expect( dialog ).toHaveCount( 0 );
	}
	await expect( ruleNames( page ) ).toHaveCount( 0 );
	await expect( panel.getByText( /^No rules yet/ ) ).toBeVisible();
	expect( consoleErrors ).toEqual( [] );
} );
