/**
 * WordPress before 6.6 has no 'react-jsx-runtime' script; bundles built by current
 * @wordpress/scripts need it. This maps the automatic JSX runtime onto the site's React.
 */
( function ( React ) {
	if ( window.ReactJSXRuntime ) {
		return;
	}
	function jsx( type, props, key ) {
		if ( key === undefined ) {
			return React.createElement( type, props );
		}
		const withKey = {};
		for ( const name in props ) {
			if ( Object.prototype.hasOwnProperty.call( props, name ) ) {
				withKey[ name ] = props[ name ];
			}
		}
		withKey.key = key;
		return React.createElement( type, withKey );
	}
	window.ReactJSXRuntime = { Fragment: React.Fragment, jsx, jsxs: jsx, jsxDEV: jsx };
} )( window.React );
