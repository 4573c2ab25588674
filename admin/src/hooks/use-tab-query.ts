/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useState } from '@wordpress/element';

const ARG = 'tab';

function readTab(): string | null {
	return new URLSearchParams( window.location.search ).get( ARG );
}

export interface TabQuery {
	/** The `tab` query argument, or null. */
	tab: string | null;
	/** Chooses a tab and adds a history entry for it. */
	select: ( tab: string ) => void;
	/** Changes whenever Back or Forward changed the tab. */
	historyKey: number;
}

/**
 * The `tab` query argument of the page, kept in step with the address bar: choosing a tab
 * adds a history entry, and Back / Forward choose the tab again.
 */
export function useTabQuery(): TabQuery {
	const [ tab, setTab ] = useState< string | null >( readTab );
	const [ historyKey, setHistoryKey ] = useState( 0 );
	useEffect( () => {
		const onPop = () => {
			setTab( readTab() );
			setHistoryKey( ( key ) => key + 1 );
		};
		window.addEventListener( 'popstate', onPop );
		return () => window.removeEventListener( 'popstate', onPop );
	}, [] );
	const select = useCallback( ( next: string ) => {
		if ( next === readTab() ) {
			return;
		}
		const url = new URL( window.location.href );
		url.searchParams.set( ARG, next );
		window.history.pushState( null, '', url.toString() );
		setTab( next );
	}, [] );
	return { tab, select, historyKey };
}
