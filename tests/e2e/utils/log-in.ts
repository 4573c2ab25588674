/**
 * Logging a user in through wp-login.php, as a person does. When WordPress refuses the login, the
 * spec fails with WordPress's own message (wrong password, cookies blocked …) and the address it
 * stayed on, instead of timing out while waiting for wp-admin.
 */
import type { Page } from '@playwright/test';

/**
 * Logs `user` in and waits for wp-admin.
 *
 * @param page     Page.
 * @param user     Login name.
 * @param password Password.
 */
export async function logInAs(
	page: Page,
	user: string,
	password: string
): Promise< void > {
	await page.goto( '/wp-login.php' );
	await page.getByLabel( 'Username or Email Address' ).fill( user );
	await page.getByLabel( 'Password', { exact: true } ).fill( password );
	const [ response ] = await Promise.all( [
		page.waitForResponse(
			( res ) =>
				res.request().method() === 'POST' &&
				res.url().includes( '/wp-login.php' )
		),
		page.getByRole( 'button', { name: 'Log In' } ).click(),
	] );
	// A login WordPress accepts answers the form's POST with a redirect to wp-admin; one it
	// refuses answers with the form again and the reason above it.
	if ( response.status() !== 302 ) {
		await page.waitForLoadState();
		const reason = await page
			.locator( '#login_error' )
			.innerText()
			.catch( () => '(no message on the page)' );
		throw new Error(
			`WordPress refused the login of ${ user } (HTTP ${ response.status() } at ${ page.url() }): ${ reason.trim() }`
		);
	}
	await page.waitForURL( '**/wp-admin/**' );
}
