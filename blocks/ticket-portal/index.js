/**
 * The ticket portal in the editor: a placeholder (the block is rendered on the server, from the
 * link a customer follows).
 *
 * @param {Object} wp WordPress's script globals.
 */
( function ( wp ) {
	const { registerBlockType } = wp.blocks;
	const { createElement: el } = wp.element;
	const { __ } = wp.i18n;
	const { useBlockProps } = wp.blockEditor;

	registerBlockType( 'email-piping/ticket-portal', {
		edit: function Edit() {
			return el(
				'div',
				useBlockProps( { className: 'epipe-portal is-placeholder' } ),
				el(
					'strong',
					null,
					__( 'Support ticket portal', 'email-piping' )
				),
				el(
					'p',
					null,
					__(
						'Customers who follow the link in our emails see their ticket here, and can reply or close it. Logged-in customers see their tickets.',
						'email-piping'
					)
				)
			);
		},
		save() {
			return null;
		},
	} );
} )( window.wp );
