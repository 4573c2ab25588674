/**
 * WordPress dependencies
 */
import {
	Button,
	Card,
	CardBody,
	CardHeader,
	Notice,
	Spinner,
	TextareaControl,
	ToggleControl,
} from '@wordpress/components';
import { useEffect, useState } from '@wordpress/element';
import { __, sprintf } from '@wordpress/i18n';
import type { FormEvent } from 'react';

/**
 * Internal dependencies
 */
import { errorMessage, fieldErrors } from '../../api/errors';
import { fieldHelp } from '../../components/field-help';
import { useForwardingSettings } from '../../hooks/use-forwarding-settings';
import { useNotices } from '../../hooks/use-notices';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The customer-facing addresses that forward into a piped mailbox: rules can match them, and
 * notifications of their tickets can go out from them.
 */
export default function ForwardingAddresses() {
	const { settings, isLoading, error, save } = useForwardingSettings();
	const notices = useNotices();
	const [ text, setText ] = useState( '' );
	const [ asFrom, setAsFrom ] = useState( false );
	const [ fieldError, setFieldError ] = useState< string | undefined >();
	const [ isSaving, setIsSaving ] = useState( false );

	useEffect( () => {
		if ( settings ) {
			setText( settings.forwarding_addresses.join( '\n' ) );
			setAsFrom( settings.forwarding_as_from );
		}
	}, [ settings ] );

	const onSubmit = async ( event: FormEvent ) => {
		event.preventDefault();
		const addresses = text
			.split( /[\n,;]+/ )
			.map( ( address ) => address.trim() )
			.filter( ( address ) => address !== '' );
		const bad = addresses.find( ( address ) => ! EMAIL.test( address ) );
		if ( bad !== undefined ) {
			setFieldError(
				sprintf(
					/* translators: %s: what was entered. */
					__( '“%s” is not an email address.', 'email-piping' ),
					bad
				)
			);
			return;
		}
		setIsSaving( true );
		try {
			const saved = await save( {
				forwarding_addresses: addresses,
				forwarding_as_from: asFrom,
			} );
			setText( saved.forwarding_addresses.join( '\n' ) );
			setFieldError( undefined );
			notices.success(
				__( 'Forwarding addresses saved.', 'email-piping' )
			);
		} catch ( err ) {
			const fields = fieldErrors( err );
			const message =
				fields[ 'forwarding_addresses' ] ??
				fields[ 'forwarding_as_from' ];
			if ( message !== undefined ) {
				setFieldError( message );
			} else {
				notices.error( errorMessage( err ) );
			}
		} finally {
			setIsSaving( false );
		}
	};

	return (
		<Card className="epipe-forwarding">
			<CardHeader>
				<h2 className="epipe-forwarding__title">
					{ __( 'Forwarding addresses', 'email-piping' ) }
				</h2>
			</CardHeader>
			<CardBody>
				{ isLoading && <Spinner /> }
				{ error !== null && (
					<Notice status="error" isDismissible={ false }>
						{ error }
					</Notice>
				) }
				{ settings && (
					<form onSubmit={ onSubmit } noValidate>
						<TextareaControl
							__nextHasNoMarginBottom
							label={ __(
								'Addresses that forward to a piped mailbox',
								'email-piping'
							) }
							value={ text }
							onChange={ ( value: string ) => {
								setText( value );
								setFieldError( undefined );
							} }
							rows={ 4 }
							help={ fieldHelp(
								__(
									'One per line, e.g. sales@example.com if it forwards to support@example.com. Piping rules can match them, and each ticket remembers the address it came through.',
									'email-piping'
								),
								fieldError
							) }
							aria-invalid={ fieldError ? true : undefined }
						/>
						<ToggleControl
							__nextHasNoMarginBottom
							label={ __(
								'Send notifications from the forwarding address',
								'email-piping'
							) }
							checked={ asFrom }
							onChange={ setAsFrom }
							help={ __(
								'Customers then see replies come from the address they wrote to. Your mail server must be allowed to send as it.',
								'email-piping'
							) }
						/>
						<Button
							variant="secondary"
							type="submit"
							isBusy={ isSaving }
							disabled={ isSaving }
						>
							{ __(
								'Save forwarding addresses',
								'email-piping'
							) }
						</Button>
					</form>
				) }
			</CardBody>
		</Card>
	);
}
