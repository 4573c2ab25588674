/**
 * WordPress dependencies
 */
import {
	Button,
	Card,
	CardBody,
	CardHeader,
	Notice,
	SelectControl,
	Spinner,
	TextControl,
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
import type { NotificationTemplate } from '../../api/types';
import { fieldHelp } from '../../components/field-help';
import { useNotices } from '../../hooks/use-notices';
import { useTemplates } from '../../hooks/use-templates';

type Field = 'subject' | 'body';

/**
 * The label of a template in the chooser, saying when it is off or edited.
 *
 * @param template Template.
 */
function optionLabel( template: NotificationTemplate ): string {
	if ( ! template.enabled ) {
		return sprintf(
			/* translators: %s: template name. */
			__( '%s (off)', 'email-piping' ),
			template.label
		);
	}
	return template.edited
		? sprintf(
				/* translators: %s: template name. */
				__( '%s (edited)', 'email-piping' ),
				template.label
			)
		: template.label;
}

/**
 * The notification templates: each one's subject and text with macros, whether it is sent,
 * and a way back to the built-in text.
 */
export default function TemplatesPanel() {
	const { templates, isLoading, error, save, reset } = useTemplates();
	const notices = useNotices();
	const [ name, setName ] = useState< string | null >( null );
	const [ enabled, setEnabled ] = useState( true );
	const [ subject, setSubject ] = useState( '' );
	const [ body, setBody ] = useState( '' );
	const [ errors, setErrors ] = useState<
		Partial< Record< Field, string > >
	>( {} );
	const [ isBusy, setIsBusy ] = useState( false );

	const current =
		templates.find( ( template ) => template.name === name ) ??
		templates[ 0 ];

	// Show the chosen template's stored text (again after it was saved or reset).
	useEffect( () => {
		if ( current ) {
			setEnabled( current.enabled );
			setSubject( current.subject );
			setBody( current.body );
			setErrors( {} );
		}
	}, [ current ] );

	const run = async ( action: () => Promise< NotificationTemplate > ) => {
		setIsBusy( true );
		try {
			await action();
			return true;
		} catch ( err ) {
			const fields = fieldErrors( err );
			if ( fields[ 'subject' ] || fields[ 'body' ] ) {
				setErrors( {
					...( fields[ 'subject' ]
						? { subject: fields[ 'subject' ] }
						: {} ),
					...( fields[ 'body' ] ? { body: fields[ 'body' ] } : {} ),
				} );
			} else {
				notices.error( errorMessage( err ) );
			}
			return false;
		} finally {
			setIsBusy( false );
		}
	};

	const onSubmit = async ( event: FormEvent ) => {
		event.preventDefault();
		if ( ! current ) {
			return;
		}
		const found: Partial< Record< Field, string > > = {};
		if ( subject.trim() === '' || subject.includes( '\n' ) ) {
			found.subject = __(
				'Enter a subject of one line, up to 255 characters.',
				'email-piping'
			);
		}
		if ( body.trim() === '' ) {
			found.body = __( 'Enter the text of the email.', 'email-piping' );
		}
		if ( Object.keys( found ).length > 0 ) {
			setErrors( found );
			return;
		}
		if (
			await run( () => save( current.name, { enabled, subject, body } ) )
		) {
			notices.success( __( 'Template saved.', 'email-piping' ) );
		}
	};

	return (
		<Card className="epipe-templates">
			<CardHeader>
				<h2 className="epipe-settings__title">
					{ __( 'Notification templates', 'email-piping' ) }
				</h2>
			</CardHeader>
			<CardBody>
				{ isLoading && <Spinner /> }
				{ error !== null && (
					<Notice status="error" isDismissible={ false }>
						{ error }
					</Notice>
				) }
				{ current && (
					<form onSubmit={ onSubmit } noValidate>
						<SelectControl
							__nextHasNoMarginBottom
							__next40pxDefaultSize
							label={ __( 'Notification', 'email-piping' ) }
							value={ current.name }
							options={ templates.map( ( template ) => ( {
								value: template.name,
								label: optionLabel( template ),
							} ) ) }
							onChange={ ( value: string ) => setName( value ) }
						/>
						<ToggleControl
							__nextHasNoMarginBottom
							label={ __(
								'Send this notification',
								'email-piping'
							) }
							checked={ enabled }
							onChange={ setEnabled }
						/>
						<TextControl
							__nextHasNoMarginBottom
							__next40pxDefaultSize
							label={ __( 'Subject', 'email-piping' ) }
							value={ subject }
							onChange={ ( value: string ) => {
								setSubject( value );
								setErrors(
									( { subject: _gone, ...rest } ) => rest
								);
							} }
							help={ fieldHelp(
								current.audience === 'sender'
									? undefined
									: __(
											'“[Ticket #N]” is put in front when it is missing: replies find their ticket by it.',
											'email-piping'
										),
								errors.subject
							) }
							aria-invalid={ errors.subject ? true : undefined }
						/>
						<TextareaControl
							__nextHasNoMarginBottom
							label={ __( 'Text', 'email-piping' ) }
							value={ body }
							rows={ 10 }
							onChange={ ( value: string ) => {
								setBody( value );
								setErrors(
									( { body: _gone, ...rest } ) => rest
								);
							} }
							help={ fieldHelp(
								__(
									'Plain text. The reply-above line is put on top of notifications that can be answered.',
									'email-piping'
								),
								errors.body
							) }
							aria-invalid={ errors.body ? true : undefined }
						/>
						<p className="epipe-templates__macros">
							{ __( 'Macros:', 'email-piping' ) }{ ' ' }
							{ current.macros.map( ( macro ) => (
								<code key={ macro }>{ `{{${ macro }}}` }</code>
							) ) }
						</p>
						<div className="epipe-templates__actions">
							<Button
								variant="secondary"
								type="submit"
								isBusy={ isBusy }
								disabled={ isBusy }
							>
								{ __( 'Save template', 'email-piping' ) }
							</Button>
							{ current.edited && (
								<Button
									variant="tertiary"
									disabled={ isBusy }
									onClick={ async () => {
										if (
											await run( () =>
												reset( current.name )
											)
										) {
											notices.success(
												__(
													'The built-in text is back.',
													'email-piping'
												)
											);
										}
									} }
								>
									{ __(
										'Restore the built-in text',
										'email-piping'
									) }
								</Button>
							) }
						</div>
					</form>
				) }
			</CardBody>
		</Card>
	);
}
