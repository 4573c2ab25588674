/**
 * The part of gettext-parser (which ships no types) that scripts/i18n.ts uses.
 */
declare module 'gettext-parser' {
	interface Catalogue {
		parse: (
			input: Buffer | string,
			options?: Record< string, unknown >
		) => unknown;
		compile: (
			table: unknown,
			options?: Record< string, unknown >
		) => Buffer;
	}
	export const po: Catalogue;
	export const mo: Catalogue;
}
