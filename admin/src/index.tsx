/**
 * WordPress dependencies
 */
import * as element from '@wordpress/element';

/**
 * Internal dependencies
 */
import App from './app';
import { readConfig } from './config';
import './style.scss';

type LegacyElement = typeof element & {
	render?: ( node: unknown, root: HTMLElement ) => void;
};

const root = document.getElementById( 'epipe-admin-root' );
if ( root ) {
	const app = <App config={ readConfig() } />;
	// WordPress 6.2+ has createRoot (React 18); 6.1 ships React 17 with render() only.
	const wpElement = element as LegacyElement;
	if ( typeof wpElement.createRoot === 'function' ) {
		wpElement.createRoot( root ).render( app );
	} else if ( wpElement.render ) {
		wpElement.render( app, root );
	}
}
