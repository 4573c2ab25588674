/**
 * Internal dependencies
 */
import { fetchPage, query } from './collection';
import type { ActivityEntry, ActivityQuery, Page } from './types';

/** Rows per page of the Activity screen. */
export const ACTIVITY_PER_PAGE = 20;

/**
 * A page of the activity log, newest first.
 *
 * @param filters Filters and page.
 */
export function fetchActivity(
	filters: ActivityQuery
): Promise< Page< ActivityEntry > > {
	const args: Record< string, string | number > = {
		page: filters.page,
		per_page: ACTIVITY_PER_PAGE,
	};
	if ( filters.outcome !== '' ) {
		args[ 'outcome' ] = filters.outcome;
	}
	if ( filters.connectionId !== null ) {
		args[ 'connection_id' ] = filters.connectionId;
	}
	if ( filters.search.trim() !== '' ) {
		args[ 'search' ] = filters.search.trim();
	}
	return fetchPage< ActivityEntry >(
		`/email-piping/v1/activity?${ query( args ) }`
	);
}
