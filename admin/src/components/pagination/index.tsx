/**
 * WordPress dependencies
 */
import { Button } from '@wordpress/components';
import { __, _n, sprintf } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import './style.scss';

interface Props {
	page: number;
	totalPages: number;
	total: number;
	onChange: ( page: number ) => void;
	/** What the pages hold, for screen readers ("Activity pages"). */
	label: string;
}

/**
 * Previous / next paging under a list, with the number of items and the page shown.
 *
 * @param props            Props.
 * @param props.page       Current page, 1-based.
 * @param props.totalPages Number of pages.
 * @param props.total      Number of items.
 * @param props.onChange   Chooses a page.
 * @param props.label      Accessible name of the navigation.
 */
export default function Pagination( {
	page,
	totalPages,
	total,
	onChange,
	label,
}: Props ) {
	return (
		<nav className="epipe-pagination" aria-label={ label }>
			<span className="epipe-pagination__count">
				{ sprintf(
					/* translators: %d: number of items. */
					_n( '%d item', '%d items', total, 'email-piping' ),
					total
				) }
			</span>
			{ totalPages > 1 && (
				<>
					<Button
						variant="secondary"
						onClick={ () => onChange( page - 1 ) }
						disabled={ page <= 1 }
					>
						{ __( 'Previous page', 'email-piping' ) }
					</Button>
					<span className="epipe-pagination__current">
						{ sprintf(
							/* translators: 1: current page, 2: number of pages. */
							__( 'Page %1$d of %2$d', 'email-piping' ),
							page,
							totalPages
						) }
					</span>
					<Button
						variant="secondary"
						onClick={ () => onChange( page + 1 ) }
						disabled={ page >= totalPages }
					>
						{ __( 'Next page', 'email-piping' ) }
					</Button>
				</>
			) }
		</nav>
	);
}
