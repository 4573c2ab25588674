/**
 * WordPress dependencies
 */
import { Button, SelectControl, TextControl } from '@wordpress/components';
import { useEffect, useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';

/**
 * Internal dependencies
 */
import type { ActivityKind, ActivityQuery } from '../../api/types';
import type { ConnectionName } from '../../hooks/use-connection-names';
import { outcomeLabels } from './outcomes';

interface Props {
	query: ActivityQuery;
	connections: ConnectionName[];
	onChange: ( change: Partial< ActivityQuery > ) => void;
}

/**
 * Filters of the activity log: outcome and connection apply at once, the search on submit.
 *
 * @param props             Props.
 * @param props.query       Current filters.
 * @param props.connections Connections to filter by.
 * @param props.onChange    Changes filters.
 */
export default function ActivityFilters( {
	query,
	connections,
	onChange,
}: Props ) {
	const [ search, setSearch ] = useState( query.search );
	useEffect( () => setSearch( query.search ), [ query.search ] );
	const outcomes = Object.entries( outcomeLabels() ).map(
		( [ value, label ] ) => ( { value, label } )
	);
	return (
		<form
			className="epipe-activity__filters"
			role="search"
			onSubmit={ ( event ) => {
				event.preventDefault();
				onChange( { search } );
			} }
		>
			<SelectControl
				__nextHasNoMarginBottom
				label={ __( 'Outcome', 'email-piping' ) }
				value={ query.outcome }
				options={ [
					{ value: '', label: __( 'All outcomes', 'email-piping' ) },
					...outcomes,
				] }
				onChange={ ( value: string ) =>
					onChange( { outcome: value as ActivityKind | '' } )
				}
			/>
			<SelectControl
				__nextHasNoMarginBottom
				label={ __( 'Connection', 'email-piping' ) }
				value={
					query.connectionId === null
						? ''
						: String( query.connectionId )
				}
				options={ [
					{
						value: '',
						label: __( 'All connections', 'email-piping' ),
					},
					...connections.map( ( c ) => ( {
						value: String( c.id ),
						label: c.name,
					} ) ),
				] }
				onChange={ ( value: string ) =>
					onChange( {
						connectionId: value === '' ? null : Number( value ),
					} )
				}
			/>
			<TextControl
				__nextHasNoMarginBottom
				type="search"
				label={ __( 'Sender or subject', 'email-piping' ) }
				value={ search }
				onChange={ setSearch }
			/>
			<Button variant="secondary" type="submit">
				{ __( 'Search', 'email-piping' ) }
			</Button>
		</form>
	);
}
