/**
 * WordPress dependencies
 */
import { NoticeList, SnackbarList } from '@wordpress/components';

/**
 * Internal dependencies
 */
import { useNotices } from '../hooks/use-notices';

/**
 * The notices of the panel: lasting ones on top, confirmations as snackbars.
 */
export default function AdminNotices() {
	const { notices, snackbars, remove } = useNotices();
	return (
		<>
			<NoticeList
				className="epipe-admin__notices"
				notices={ notices }
				onRemove={ remove }
			/>
			<SnackbarList
				className="epipe-admin__snackbars"
				notices={ snackbars }
				onRemove={ remove }
			/>
		</>
	);
}
