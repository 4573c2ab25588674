/**
 * The ticket portal on the page: a reply is sent once (the button waits), and closing asks
 * first.
 */
( function () {
	document
		.querySelectorAll( '.epipe-portal form' )
		.forEach( function ( form ) {
			form.addEventListener( 'submit', function ( event ) {
				const confirmText = form.getAttribute( 'data-confirm' );
				// A plain confirmation: the page has no other script to build a dialog with.
				// eslint-disable-next-line no-alert
				if ( confirmText && ! window.confirm( confirmText ) ) {
					event.preventDefault();
					return;
				}
				const button = form.querySelector( 'button[type="submit"]' );
				if ( button ) {
					// A second click would send the reply twice.
					window.setTimeout( function () {
						button.disabled = true;
					}, 0 );
					button.setAttribute( 'aria-busy', 'true' );
				}
			} );
		} );
} )();
