/**
 * One lint setup for the whole repository: the WordPress rules (with wp-prettier formatting)
 * everywhere, Node globals for the sidecar and the tests.
 */
const globals = require( 'globals' );
const wordpress = require( '@wordpress/scripts/config/eslint.config.cjs' );

module.exports = [
	{ ignores: [ 'admin/build/**', 'admin/compat/**', '.state/**', 'test-results/**' ] },
	...wordpress,
	{
		files: [ '**/*.ts', '**/*.tsx' ],
		rules: {
			// TypeScript's noPropertyAccessFromIndexSignature asks for obj[ 'key' ] on index signatures.
			'dot-notation': 'off',
		},
	},
	{
		files: [ 'sidecar/**/*.ts', 'tests/**/*.ts', 'scripts/**/*.ts' ],
		languageOptions: { globals: { ...globals.node } },
		rules: {
			// The sidecar is a Node program: stderr/stdout are its interface.
			'no-console': 'off',
			// Imports carry explicit .ts extensions for Node's type stripping.
			'import/extensions': 'off',
			'import/no-extraneous-dependencies': 'off',
			'@typescript-eslint/no-unused-vars': [ 'error', { argsIgnorePattern: '^_', ignoreRestSiblings: true } ],
		},
	},
	{
		// Generators of the email corpus: one-off scripts that build binary formats (TNEF, ZIP,
		// DER, PNG) byte by byte and report what they wrote.
		files: [ 'tests/fixtures/**/*.mjs' ],
		rules: {
			'no-bitwise': 'off',
			'no-console': 'off',
			// Generators write real mail: exotic spaces inside its text are content.
			'no-irregular-whitespace': 'off',
			'no-nested-ternary': 'off',
			camelcase: 'off',
			'jsdoc/require-param-type': 'off',
			'import/no-extraneous-dependencies': 'off',
			// Encoders nest helpers that name their bytes alike; declaring values ahead of the
			// message text they build reads better in a generator.
			'no-shadow': 'off',
			'@wordpress/no-unused-vars-before-return': 'off',
		},
	},
];
