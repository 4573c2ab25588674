/**
 * The Settings screen in a real browser against the real stack: an admin changes SupportCandy's
 * general settings and sees them kept after a reload (and in the API the sidecar's settings come
 * from); a value the form refuses never leaves it, one only the server refuses is explained under
 * its field; a notification template with an unknown macro is refused, saved when corrected, and
 * put back to its built-in text.
 */
import { expect, test, type APIRequestContext } from '@playwright/test';

import {
	adminApi,
	collectConsoleErrors,
	logIn,
	restRoute,
	screenshot,
	screenshotOf,
	snackbar,
} from '../../utils/admin-page.ts';

const TEMPLATE = 'reject_new_ticket_not_allowed';

let api: APIRequestContext;
let original: Record< string, unknown >;

test.use( { viewport: { width: 1280, height: 1000 } } );

test.beforeAll( async () => {
	api = await adminApi();
	original = ( await (
		await api.get( restRoute( '/settings' ) )
	).json() ) as Record< string, unknown >;
} );

test.afterAll( async () => {
	// Later specs pipe mail with the settings the stack started with.
	const { forwarding_addresses: _kept, ...rest } = original;
	await api.patch( restRoute( '/settings' ), { data: rest } );
	await api.delete( restRoute( `/templates/${ TEMPLATE }` ) );
	await api.dispose();
} );

function isSettingsSave( url: string, method: string ): boolean {
	return (
		( method === 'PATCH' || method === 'PUT' || method === 'POST' ) &&
		/email-piping\/v1\/settings(?:[?&]|$)/.test( decodeURIComponent( url ) )
	);
}

test( 'an admin changes the settings, sees them kept after a reload, and edits a notification', async ( {
	page,
} ) => {
	const consoleErrors = collectConsoleErrors( page, [
		/^Failed to load resource: the server responded with a status of 400/,
	] );
	const saves: string[] = [];
	page.on( 'request', ( req ) => {
		if ( isSettingsSave( req.url(), req.method() ) ) {
			saves.push( req.url() );
		}
	} );
	await logIn( page );
	await page.goto( '/wp-admin/admin.php?page=email-piping&tab=settings' );
	await expect(
		page.getByRole( 'tab', { name: 'Settings' } )
	).toHaveAttribute( 'aria-selected', 'true' );
	const form = page.locator( '.epipe-settings' );

	// The stored values (SupportCandy's defaults) are shown, each with its help.
	await expect(
		form.getByRole( 'radio', { name: 'New tickets and replies' } )
	).toBeChecked();
	await expect( form.getByRole( 'radio', { name: 'Anyone' } ) ).toBeChecked();
	await expect(
		form.getByRole( 'radio', { name: 'Plain text' } )
	).toBeChecked();
	await expect(
		form.getByRole( 'checkbox', {
			name: 'Import Cc: add the other recipients to the ticket',
		} )
	).not.toBeChecked();
	const retention = form.getByLabel( 'Keep the activity log for (days)' );
	await expect( retention ).toHaveValue( '30' );
	await expect(
		form.getByText( /^Older entries are deleted once a day\./ )
	).toBeVisible();

	// Change them.
	await form.getByRole( 'radio', { name: 'Only new tickets' } ).check();
	await form
		.getByRole( 'radio', { name: 'Only registered WordPress users' } )
		.check();
	await form.getByRole( 'radio', { name: 'HTML (sanitised)' } ).check();
	await form
		.getByRole( 'checkbox', {
			name: 'Import Cc: add the other recipients to the ticket',
		} )
		.check();
	await form
		.getByRole( 'radio', {
			name: 'Open tickets without sending a confirmation',
		} )
		.check();
	await form.getByLabel( 'Reply-above line' ).fill( '## Reply above ##' );

	// A number out of range never leaves the form.
	await retention.fill( '0' );
	await form.getByRole( 'button', { name: 'Save settings' } ).click();
	await expect(
		form.getByText( 'Correct the fields marked below.' )
	).toBeVisible();
	await expect( retention ).toHaveAttribute( 'aria-invalid', 'true' );
	await expect( retention ).toBeFocused();
	await expect(
		form.getByText( 'Enter a whole number from 1 to 3650.' )
	).toBeVisible();
	expect( saves ).toEqual( [] );

	// More extensions than the server keeps: its sentence appears under the field.
	await retention.fill( '90' );
	const extensions = form.getByLabel( 'Allowed file extensions' );
	const extensionsBefore = await extensions.inputValue();
	await extensions.fill(
		Array.from( { length: 201 }, ( _v, i ) => `x${ i }` ).join( ', ' )
	);
	const refused = page.waitForResponse( ( res ) =>
		isSettingsSave( res.url(), res.request().method() )
	);
	await form.getByRole( 'button', { name: 'Save settings' } ).click();
	expect( ( await refused ).status() ).toBe( 400 );
	await expect( extensions ).toHaveAttribute( 'aria-invalid', 'true' );
	await expect(
		form
			.locator( '.epipe-settings__field--allowed_extensions' )
			.getByText( /allowed_extensions must contain at most 200 items/ )
	).toBeVisible();
	await expect( retention ).not.toHaveAttribute( 'aria-invalid', 'true' );

	// Corrected, it saves.
	await extensions.fill( `${ extensionsBefore }, .LOG` );
	await form.getByRole( 'button', { name: 'Save settings' } ).click();
	await expect( snackbar( page, 'Settings saved.' ) ).toBeVisible();
	expect( saves ).toHaveLength( 2 );
	// The server's canonical form comes back (lower case, no dot).
	await expect( extensions ).toHaveValue( `${ extensionsBefore }, log` );

	// Kept after a reload, and stored where the sidecar reads them.
	await page.reload();
	await expect(
		form.getByRole( 'radio', { name: 'Only new tickets' } )
	).toBeChecked();
	await expect(
		form.getByRole( 'radio', { name: 'Only registered WordPress users' } )
	).toBeChecked();
	await expect(
		form.getByRole( 'radio', { name: 'HTML (sanitised)' } )
	).toBeChecked();
	await expect(
		form.getByRole( 'checkbox', {
			name: 'Import Cc: add the other recipients to the ticket',
		} )
	).toBeChecked();
	await expect(
		form.getByRole( 'radio', {
			name: 'Open tickets without sending a confirmation',
		} )
	).toBeChecked();
	await expect( retention ).toHaveValue( '90' );
	await expect( form.getByLabel( 'Reply-above line' ) ).toHaveValue(
		'## Reply above ##'
	);
	const stored = ( await (
		await api.get( restRoute( '/settings' ) )
	).json() ) as Record< string, unknown >;
	expect( stored ).toMatchObject( {
		allowed_emails: 'new',
		allowed_senders: 'registered',
		body_preference: 'html',
		import_cc: true,
		bulk_mail: 'ticket',
		log_retention_days: 90,
		reply_above_text: '## Reply above ##',
	} );
	expect( stored[ 'allowed_extensions' ] ).toContain( 'log' );
	// Settings the form did not change were not sent, so they kept their values.
	expect( stored[ 'sender_tickets_quiet' ] ).toBe(
		original[ 'sender_tickets_quiet' ]
	);
	await screenshot( page, 'settings.png' );

	// A notification template: an unknown macro is refused under the text.
	const templates = page.locator( '.epipe-templates' );
	await templates
		.getByLabel( 'Notification', { exact: true } )
		.selectOption( TEMPLATE );
	const text = templates.getByLabel( 'Text', { exact: true } );
	await expect( text ).toHaveValue(
		/^A new ticket can not be created via email/
	);
	await text.fill(
		'Hello {{customer_name}}, please use our website: {{ticket_url}}'
	);
	await templates.getByRole( 'button', { name: 'Save template' } ).click();
	await expect( text ).toHaveAttribute( 'aria-invalid', 'true' );
	await expect(
		templates.getByText(
			/^Unknown macro \{\{customer_name\}\}\. Available: /
		)
	).toBeVisible();
	await screenshotOf( templates, 'settings-template.png' );
	await text.fill(
		'Sorry, new tickets are opened on our website: {{ticket_url}}\n\n{{site_name}}'
	);
	await templates.getByRole( 'button', { name: 'Save template' } ).click();
	await expect( snackbar( page, 'Template saved.' ) ).toBeVisible();

	// Kept after a reload, marked as edited; then the built-in text is restored.
	await page.reload();
	await templates
		.getByLabel( 'Notification', { exact: true } )
		.selectOption( TEMPLATE );
	await expect(
		templates.getByRole( 'option', {
			name: 'Rejected: new tickets by email are not allowed (edited)',
		} )
	).toHaveCount( 1 );
	await expect( text ).toHaveValue(
		'Sorry, new tickets are opened on our website: {{ticket_url}}\n\n{{site_name}}'
	);
	await templates
		.getByRole( 'button', { name: 'Restore the built-in text' } )
		.click();
	await expect(
		snackbar( page, 'The built-in text is back.' )
	).toBeVisible();
	await expect( text ).toHaveValue(
		/^A new ticket can not be created via email/
	);
	expect( consoleErrors ).toEqual( [] );
} );
