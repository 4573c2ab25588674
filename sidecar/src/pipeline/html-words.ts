/**
 * Reading HTML for its words without a parser, in linear time: hostile markup (thousands of
 * unclosed "<script" tags) must not make a lazy pattern rescan to the end for every one.
 */

/**
 * The markup without the named elements and their content, in one pass per name (a lazy pattern
 * would rescan to the end for every unclosed opening tag).
 *
 * @param html  Markup.
 * @param names Lower-case element names.
 */
export function withoutElements(
	html: string,
	names: readonly string[]
): string {
	let out = html;
	for ( const name of names ) {
		const lower = out.toLowerCase();
		let kept = '';
		let from = 0;
		// "<head" must not take "<header".
		const tagAt = ( tag: string, at: number ): number => {
			let i = lower.indexOf( tag, at );
			while (
				i !== -1 &&
				/[a-z0-9]/.test( lower[ i + tag.length ] ?? '' )
			) {
				i = lower.indexOf( tag, i + 1 );
			}
			return i;
		};
		for (;;) {
			const open = tagAt( `<${ name }`, from );
			if ( open === -1 ) {
				break;
			}
			const close = tagAt( `</${ name }`, open );
			const end = close === -1 ? -1 : lower.indexOf( '>', close );
			kept += out.slice( from, open ) + ' ';
			from = end === -1 ? out.length : end + 1;
		}
		out = kept + out.slice( from );
	}
	return out;
}
