/**
 * WordPress dependencies
 */
import { useDispatch, useSelect } from '@wordpress/data';
import { store as noticesStore } from '@wordpress/notices';

export interface PanelNotice {
	id: string;
	status: 'success' | 'info' | 'warning' | 'error';
	content: string;
	isDismissible: boolean;
	type: string;
}

export interface Notices {
	/** Notices shown at the top of the panel (errors that need a decision). */
	notices: PanelNotice[];
	/** Short confirmations shown in the corner. */
	snackbars: PanelNotice[];
	remove: ( id: string ) => void;
	success: ( message: string ) => void;
	error: ( message: string ) => void;
}

/**
 * The panel's notices, held in the @wordpress/notices store (context "global").
 */
export function useNotices(): Notices {
	const all = useSelect(
		( select ) =>
			select( noticesStore ).getNotices() as unknown as PanelNotice[],
		[]
	);
	const { createSuccessNotice, createErrorNotice, removeNotice } =
		useDispatch( noticesStore );
	return {
		notices: all.filter( ( notice ) => notice.type !== 'snackbar' ),
		snackbars: all.filter( ( notice ) => notice.type === 'snackbar' ),
		remove: ( id ) => void removeNotice( id ),
		success: ( message ) =>
			void createSuccessNotice( message, { type: 'snackbar' } ),
		error: ( message ) =>
			void createErrorNotice( message, { isDismissible: true } ),
	};
}
