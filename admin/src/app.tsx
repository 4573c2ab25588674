/**
 * WordPress dependencies
 */
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import TicketsScreen from './screens/tickets';

/**
 * The Email Piping admin page.
 */
export default function App() {
	return (
		<div className="epipe-admin__app">
			<h1>{ __( 'Email Piping', 'email-piping' ) }</h1>
			<TicketsScreen />
		</div>
	);
}
