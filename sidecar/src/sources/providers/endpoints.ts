/**
 * Where Google's and Microsoft's services are. The defaults are the public clouds; the
 * environment moves them (a national cloud such as Microsoft's for US government, or a
 * test double), the same variables for every connection of the process.
 */

export interface ProviderEndpoints {
	/** Google's OAuth token endpoint. */
	readonly googleToken: string;
	/** Root of Google's REST APIs (the Gmail API lives under /gmail/v1/). */
	readonly gmailRoot: string;
	/** Microsoft identity platform; the authority is this plus "/<tenant>". */
	readonly microsoftLogin: string;
	/** Root of Microsoft Graph (requests go to <root>v1.0/…). */
	readonly graphRoot: string;
}

/**
 * The endpoints in force: EPIPE_GOOGLE_TOKEN_URL, EPIPE_GMAIL_API_URL,
 * EPIPE_MICROSOFT_LOGIN_URL and EPIPE_GRAPH_API_URL, each defaulting to the public cloud.
 *
 * @param env Environment.
 */
export function providerEndpoints(
	env: NodeJS.ProcessEnv = process.env
): ProviderEndpoints {
	const pick = ( name: string, fallback: string ): string =>
		( env[ name ] ?? '' ).trim() || fallback;
	const withSlash = ( url: string ): string =>
		url.endsWith( '/' ) ? url : `${ url }/`;
	return {
		googleToken: pick(
			'EPIPE_GOOGLE_TOKEN_URL',
			'https://oauth2.googleapis.com/token'
		),
		gmailRoot: withSlash(
			pick( 'EPIPE_GMAIL_API_URL', 'https://gmail.googleapis.com/' )
		),
		microsoftLogin: pick(
			'EPIPE_MICROSOFT_LOGIN_URL',
			'https://login.microsoftonline.com'
		).replace( /\/+$/, '' ),
		graphRoot: withSlash(
			pick( 'EPIPE_GRAPH_API_URL', 'https://graph.microsoft.com/' )
		),
	};
}
