/**
 * The plugin in German: with the site language set to de_DE (the WPLANG option), wp-admin
 * shows Email Piping's own strings in German, both those PHP renders (from
 * languages/email-piping-de_DE.mo) and those of the React panel (from the JSON file
 * wp_set_script_translations() loads for admin/build/index.js). WordPress's own German files
 * are not installed, so core's words stay English; only ours are checked.
 *
 * The site is switched back to its previous language after the file, also when a test fails,
 * so the other specs see English. Further German checks (the customer portal block, the
 * notifications) belong in this file's describe block, which does the switching.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

import { expect, test, type Page } from '@playwright/test';

import {
	CLI,
	loadStack,
	sendMail,
	wpEval,
} from '../../../integration/support/stack.ts';
import { capturedMail } from '../../../integration/support/wp.ts';
import { collectConsoleErrors, logIn } from '../../utils/admin-page.ts';

const stack = loadStack();

/**
 * Sets the site language (the WPLANG option; '' is English). WordPress keeps the option to
 * installed languages (sanitize_option() falls back to the old value otherwise) and core's
 * German files are not installed here, so the snippet lets the value through: our strings
 * come from the plugin's own languages/ folder, which is what is tested.
 *
 * @param locale Locale, e.g. 'de_DE', or '' for English.
 * @return The language the site had before.
 */
async function setSiteLanguage( locale: string ): Promise< string > {
	const previous = await wpEval(
		stack,
		`$previous = (string) get_option( 'WPLANG', '' );
		add_filter( 'sanitize_option_WPLANG', static fn( $value, $option, $original ) => $original, 10, 3 );
		update_option( 'WPLANG', ${ JSON.stringify( locale ) } );
		echo $previous;`
	);
	const now = await wpEval( stack, `echo get_locale();` );
	expect( now ).toBe( locale === '' ? 'en_US' : locale );
	return previous;
}

/**
 * Opens the Email Piping panel on one of its tabs and waits for the React bundle to render it.
 *
 * @param page Page.
 * @param tab  The tab's name in the address (tab=...).
 */
async function openPanel( page: Page, tab: string ): Promise< void > {
	await page.goto( `/wp-admin/admin.php?page=email-piping&tab=${ tab }` );
	// The PHP placeholder ("Loading…", in German "Wird geladen …") is replaced by the panel.
	await expect( page.locator( '.epipe-admin__loading' ) ).toHaveCount( 0 );
}

test.describe( 'in German (de_DE)', () => {
	let previousLanguage = '';

	test.beforeAll( async () => {
		previousLanguage = await setSiteLanguage( 'de_DE' );
	} );

	test.afterAll( async () => {
		await setSiteLanguage( previousLanguage );
	} );

	test( 'the React admin panel shows its strings in German', async ( {
		page,
	} ) => {
		const consoleErrors = collectConsoleErrors( page );
		await logIn( page );
		await openPanel( page, 'settings' );

		// The tabs, from admin/src/app.tsx.
		const tabs = page.getByRole( 'tablist' ).first();
		for ( const name of [
			'Verbindungen',
			'Regeln',
			'Sperrlisten',
			'Einstellungen',
			'Aktivität',
			'Quarantäne',
		] ) {
			await expect(
				tabs.getByRole( 'tab', { name, exact: true } )
			).toBeVisible();
		}
		await expect(
			page.getByRole( 'tab', { name: 'Connections', exact: true } )
		).toHaveCount( 0 );

		// The settings form, including a radio label and a button.
		await expect(
			page.getByRole( 'button', {
				name: 'Einstellungen speichern',
				exact: true,
			} )
		).toBeVisible();
		await expect(
			page.getByRole( 'radio', {
				name: 'Neue Tickets und Antworten',
				exact: true,
			} )
		).toBeVisible();
		await expect(
			page.getByRole( 'button', { name: 'Save settings' } )
		).toHaveCount( 0 );

		// Another screen.
		await openPanel( page, 'block-lists' );
		await expect(
			page.getByRole( 'heading', { name: 'Gesperrte Absender' } )
		).toBeVisible();
		await expect(
			page.getByRole( 'button', { name: 'Absendermuster hinzufügen' } )
		).toBeVisible();

		expect( consoleErrors ).toEqual( [] );
	} );

	test( 'the PHP-rendered Tickets screen is in German', async ( {
		page,
	} ) => {
		await logIn( page );
		// A search that finds nothing: the list shows its search box and its empty message.
		await page.goto(
			'/wp-admin/admin.php?page=email-piping-tickets&s=no-such-ticket-xyz'
		);

		// Column headings and the search button of the tickets list (Tickets_List_Table).
		const table = page.locator( 'table.wp-list-table' );
		for ( const name of [
			'Kunde',
			'Priorität',
			'Kategorie',
			'Bearbeiter',
		] ) {
			await expect(
				table.locator( 'thead' ).getByText( name, { exact: true } )
			).toBeVisible();
		}
		await expect(
			table.locator( 'thead' ).getByText( 'Letzte Aktivität' )
		).toBeVisible();
		await expect(
			page.getByRole( 'button', { name: 'Tickets durchsuchen' } )
		).toBeVisible();
		await expect(
			table.getByText( 'Keine Tickets gefunden.' )
		).toBeVisible();
		await expect(
			table.locator( 'thead' ).getByText( 'Customer', { exact: true } )
		).toHaveCount( 0 );

		// A string of the no-JS placeholder the panel's PHP prints before React replaces it.
		const placeholder = await (
			await page.request.get( '/wp-admin/admin.php?page=email-piping' )
		).text();
		expect( placeholder ).toContain( 'Wird geladen …' );
		expect( placeholder ).not.toContain( 'Loading…' );
	} );

	test( 'the confirmation a customer gets and the ticket portal speak German', async ( {
		page,
	} ) => {
		test.setTimeout( 120_000 );
		const tag = randomUUID().slice( 0, 8 );
		const customer = `kim-${ tag }@customer.example.org`;
		const subject = `Objektiv beschlagen ${ tag }`;
		await sendMail( stack, {
			from: `Kim <${ customer }>`,
			to: 'support@example.test',
			subject,
			text: 'Das Objektiv beschlägt innen.',
		} );
		// The sidecar pipes it; WordPress, now in German, mails the confirmation.
		let body = '';
		await expect( async () => {
			execFileSync( CLI, [
				'run',
				'--once',
				'--wp-config',
				stack.wp.config,
			] );
			const mail = ( await capturedMail( stack ) ).find(
				( m ) =>
					m.rcpt.includes( customer ) &&
					String( m.parsed.subject ).includes( subject )
			);
			body = mail?.parsed.text ?? '';
			expect( body ).not.toBe( '' );
		} ).toPass( { timeout: 60_000 } );
		expect( body ).toContain( 'wir haben Ihre Anfrage erhalten' );
		expect( body ).not.toContain( 'We have received your request' );

		// Its link opens the portal block, in German too.
		const link =
			/https?:\/\/\S+epipe_token=[0-9a-f]+/.exec( body )?.[ 0 ] ?? '';
		expect( link ).not.toBe( '' );
		await page.goto( link );
		const portal = page.locator( '.epipe-portal' );
		await expect( portal ).toContainText( 'Status: Offen' );
		await expect(
			portal.getByRole( 'button', { name: 'Antwort senden' } )
		).toBeVisible();
		await expect( portal.getByLabel( 'Ihre Antwort' ) ).toBeVisible();
		await expect( portal ).not.toContainText( 'Send reply' );
	} );
} );
