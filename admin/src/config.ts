/**
 * What the PHP page tells the panel about the current user (window.epipeAdmin, printed before
 * the bundle by includes/Admin/Admin_Page.php). The REST API checks every request again.
 */
export interface PanelConfig {
	canManage: boolean;
	canWorkTickets: boolean;
}

declare global {
	interface Window {
		epipeAdmin?: Partial< PanelConfig >;
	}
}

/**
 * Reads the page configuration, failing loudly when the PHP side did not print it.
 */
export function readConfig(): PanelConfig {
	const raw = window.epipeAdmin;
	if ( ! raw || typeof raw.canManage !== 'boolean' ) {
		throw new Error(
			'Email Piping: window.epipeAdmin is missing; the admin page must be loaded through Admin_Page.'
		);
	}
	return {
		canManage: raw.canManage,
		canWorkTickets: raw.canWorkTickets === true,
	};
}
