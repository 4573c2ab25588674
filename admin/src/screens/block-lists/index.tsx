/**
 * WordPress dependencies
 */
import { Notice, Spinner } from '@wordpress/components';
import { useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import { errorMessage } from '../../api/errors';
import type { BlockPattern, PatternKind } from '../../api/types';
import { useBlockPatterns } from '../../hooks/use-block-patterns';
import { useNotices } from '../../hooks/use-notices';
import BlockCheckPanel from './block-check';
import DeletePatternModal from './delete-pattern-modal';
import PatternFormModal from './pattern-form-modal';
import PatternList from './pattern-list';
import './style.scss';

type Editing = { pattern: BlockPattern | null; kind: PatternKind } | null;

/**
 * Block lists: senders and subjects whose emails are skipped (SupportCandy's defaults are
 * there from the start), and a check of what a given email would meet.
 */
export default function BlockListsScreen() {
	const { patterns, isLoading, error, save, remove } = useBlockPatterns();
	const notices = useNotices();
	const [ editing, setEditing ] = useState< Editing >( null );
	const [ deleting, setDeleting ] = useState< BlockPattern | null >( null );

	if ( isLoading ) {
		return <Spinner />;
	}
	if ( error !== null ) {
		return (
			<Notice status="error" isDismissible={ false }>
				{ error }
			</Notice>
		);
	}

	const list = ( kind: PatternKind ) => (
		<PatternList
			kind={ kind }
			patterns={ patterns.filter( ( p ) => p.kind === kind ) }
			onAdd={ () => setEditing( { pattern: null, kind } ) }
			onEdit={ ( pattern ) =>
				setEditing( { pattern, kind: pattern.kind } )
			}
			onDelete={ setDeleting }
		/>
	);

	return (
		<>
			<BlockCheckPanel patterns={ patterns } />
			{ list( 'sender' ) }
			{ list( 'subject' ) }
			{ editing !== null && (
				<PatternFormModal
					pattern={ editing.pattern }
					kind={ editing.kind }
					save={ save }
					onClose={ () => setEditing( null ) }
					onSaved={ ( _saved, isNew ) => {
						setEditing( null );
						notices.success(
							isNew
								? __(
										'Block pattern added. The sidecar applies it within seconds.',
										'email-piping'
									)
								: __( 'Block pattern saved.', 'email-piping' )
						);
					} }
				/>
			) }
			{ deleting !== null && (
				<DeletePatternModal
					pattern={ deleting }
					onClose={ () => setDeleting( null ) }
					onConfirm={ async () => {
						try {
							await remove( deleting.id );
							setDeleting( null );
							notices.success(
								__( 'Block pattern deleted.', 'email-piping' )
							);
						} catch ( err ) {
							notices.error( errorMessage( err ) );
						}
					} }
				/>
			) }
		</>
	);
}
