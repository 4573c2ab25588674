/**
 * WordPress dependencies
 */
import {
	Button,
	Card,
	CardBody,
	CardFooter,
	CardHeader,
	Notice,
	RadioControl,
	TextControl,
	TextareaControl,
	ToggleControl,
} from '@wordpress/components';
import { useEffect, useRef, useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';
import type { FormEvent, ReactNode } from 'react';

/**
 * Internal dependencies
 */
import { errorMessage, fieldErrors } from '../../api/errors';
import type { Settings } from '../../api/types';
import { fieldHelp } from '../../components/field-help';
import { useNotices } from '../../hooks/use-notices';
import {
	changes,
	formErrors,
	validate,
	valuesFrom,
	type SettingsErrors,
	type SettingsField,
	type SettingsFormValues,
} from './settings-values';

interface Props {
	settings: Settings;
	save: ( values: Partial< Settings > ) => Promise< Settings >;
}

interface Choice {
	value: string;
	label: string;
}

/**
 * The general settings: which emails become tickets, what a ticket takes from an email, loop
 * protection and housekeeping. Checked before saving; the server's field errors appear under
 * the fields they name.
 *
 * @param props          Props.
 * @param props.settings The stored settings.
 * @param props.save     Saves the changed settings.
 */
export default function SettingsForm( { settings, save }: Props ) {
	const notices = useNotices();
	const [ values, setValues ] = useState< SettingsFormValues >( () =>
		valuesFrom( settings )
	);
	const [ errors, setErrors ] = useState< SettingsErrors >( {} );
	const [ summary, setSummary ] = useState< string | null >( null );
	const [ isSaving, setIsSaving ] = useState( false );
	const [ focusRequest, setFocusRequest ] = useState( 0 );
	const formRef = useRef< HTMLFormElement >( null );

	// After a refused save, take the keyboard to the first field to correct.
	useEffect( () => {
		if ( focusRequest > 0 ) {
			formRef.current
				?.querySelector< HTMLElement >( '[aria-invalid="true"]' )
				?.focus();
		}
	}, [ focusRequest ] );

	const change = < K extends SettingsField >(
		name: K,
		value: SettingsFormValues[ K ]
	) => {
		setValues( ( current ) => ( { ...current, [ name ]: value } ) );
		setErrors( ( current ) => {
			const { [ name ]: _gone, ...rest } = current;
			return rest;
		} );
	};

	const refuse = ( found: SettingsErrors, message: string ) => {
		setErrors( found );
		setSummary( message );
		setFocusRequest( ( n ) => n + 1 );
	};

	const onSubmit = async ( event: FormEvent ) => {
		event.preventDefault();
		const found = validate( values );
		if ( Object.keys( found ).length > 0 ) {
			refuse(
				found,
				__( 'Correct the fields marked below.', 'email-piping' )
			);
			return;
		}
		setIsSaving( true );
		setSummary( null );
		try {
			const saved = await save( changes( values, settings ) );
			setValues( valuesFrom( saved ) );
			setErrors( {} );
			notices.success(
				__(
					'Settings saved. The sidecar applies them within seconds.',
					'email-piping'
				)
			);
		} catch ( err ) {
			const { fields, other } = formErrors( fieldErrors( err ) );
			if ( Object.keys( fields ).length > 0 ) {
				refuse(
					fields,
					[
						__(
							'Correct the fields marked below.',
							'email-piping'
						),
						...other,
					].join( ' ' )
				);
			} else {
				refuse(
					{},
					other.length > 0 ? other.join( ' ' ) : errorMessage( err )
				);
			}
		} finally {
			setIsSaving( false );
		}
	};

	const radio = (
		name:
			| 'allowed_emails'
			| 'allowed_senders'
			| 'closed_ticket_replies'
			| 'bulk_mail'
			| 'body_preference',
		label: string,
		options: Choice[],
		help: ReactNode
	) => (
		<RadioControl
			className={ `epipe-settings__field epipe-settings__field--${ name }` }
			label={ label }
			selected={ values[ name ] }
			options={ options }
			onChange={ ( value: string ) =>
				change( name, value as SettingsFormValues[ typeof name ] )
			}
			help={ fieldHelp( help, errors[ name ] ) }
		/>
	);

	const toggle = (
		name: 'duplicate_filter' | 'import_cc',
		label: string,
		help: string
	) => (
		<ToggleControl
			__nextHasNoMarginBottom
			className={ `epipe-settings__field epipe-settings__field--${ name }` }
			label={ label }
			checked={ values[ name ] }
			onChange={ ( checked: boolean ) => change( name, checked ) }
			help={ fieldHelp( help, errors[ name ] ) }
		/>
	);

	const text = (
		name:
			| 'reply_above_text'
			| 'max_attachment_mb'
			| 'allowed_extensions'
			| 'sender_tickets_quiet'
			| 'sender_tickets_limit'
			| 'log_retention_days',
		label: string,
		help: string,
		type: 'text' | 'number' = 'text'
	) => (
		<TextControl
			__nextHasNoMarginBottom
			__next40pxDefaultSize
			className={ `epipe-settings__field epipe-settings__field--${ name }` }
			label={ label }
			value={ values[ name ] }
			type={ type }
			onChange={ ( value: string ) => change( name, value ) }
			help={ fieldHelp( help, errors[ name ] ) }
			autoComplete="off"
			aria-invalid={ errors[ name ] ? true : undefined }
		/>
	);

	return (
		<Card className="epipe-settings">
			<CardHeader>
				<h2 className="epipe-settings__title">
					{ __( 'Settings', 'email-piping' ) }
				</h2>
			</CardHeader>
			<form ref={ formRef } onSubmit={ onSubmit } noValidate>
				<CardBody>
					{ summary !== null && (
						<Notice
							status="error"
							isDismissible={ false }
							className="epipe-settings__summary"
						>
							{ summary }
						</Notice>
					) }
					<fieldset className="epipe-settings__section">
						<legend>
							{ __(
								'Which emails become tickets',
								'email-piping'
							) }
						</legend>
						{ radio(
							'allowed_emails',
							__( 'Allowed emails', 'email-piping' ),
							[
								{
									value: 'all',
									label: __(
										'New tickets and replies',
										'email-piping'
									),
								},
								{
									value: 'new',
									label: __(
										'Only new tickets',
										'email-piping'
									),
								},
								{
									value: 'reply',
									label: __(
										'Only replies to tickets',
										'email-piping'
									),
								},
							],
							__(
								'An email that is not allowed is skipped, and its sender gets the matching “Rejected” notice below.',
								'email-piping'
							)
						) }
						{ radio(
							'allowed_senders',
							__( 'Allowed senders', 'email-piping' ),
							[
								{
									value: 'anyone',
									label: __( 'Anyone', 'email-piping' ),
								},
								{
									value: 'registered',
									label: __(
										'Only registered WordPress users',
										'email-piping'
									),
								},
							],
							__(
								'With “Only registered”, an address without a WordPress account is refused with the “not a registered user” notice.',
								'email-piping'
							)
						) }
						{ radio(
							'closed_ticket_replies',
							__( 'A reply to a closed ticket', 'email-piping' ),
							[
								{
									value: 'reopen',
									label: __(
										'Reopens the ticket',
										'email-piping'
									),
								},
								{
									value: 'reject',
									label: __(
										'Is refused with the “ticket closed” notice',
										'email-piping'
									),
								},
							],
							__(
								'Replies to pending or resolved tickets always reopen them.',
								'email-piping'
							)
						) }
						{ radio(
							'bulk_mail',
							__( 'Mailing-list and bulk mail', 'email-piping' ),
							[
								{
									value: 'skip',
									label: __( 'Skip it', 'email-piping' ),
								},
								{
									value: 'ticket',
									label: __(
										'Open tickets without sending a confirmation',
										'email-piping'
									),
								},
							],
							__(
								'Newsletters and notifications recognised by their headers (List-Id, Precedence: bulk …). Auto-replies and bounces are always skipped.',
								'email-piping'
							)
						) }
						{ toggle(
							'duplicate_filter',
							__(
								'One ticket for an email sent to two piped addresses',
								'email-piping'
							),
							__(
								'The second copy is logged as a duplicate instead of opening another ticket. Repeats within one mailbox are always dropped.',
								'email-piping'
							)
						) }
					</fieldset>
					<fieldset className="epipe-settings__section">
						<legend>
							{ __(
								'What a ticket takes from an email',
								'email-piping'
							) }
						</legend>
						{ radio(
							'body_preference',
							__( 'Email body preference', 'email-piping' ),
							[
								{
									value: 'text',
									label: __( 'Plain text', 'email-piping' ),
								},
								{
									value: 'html',
									label: __(
										'HTML (sanitised)',
										'email-piping'
									),
								},
							],
							__(
								'Which part becomes the ticket text when an email has both; the other is used when only it exists.',
								'email-piping'
							)
						) }
						{ text(
							'reply_above_text',
							__( 'Reply-above line', 'email-piping' ),
							__(
								'Put on top of every notification; a reply is cut where it appears, so quoted history stays out of the ticket.',
								'email-piping'
							)
						) }
						{ toggle(
							'import_cc',
							__(
								'Import Cc: add the other recipients to the ticket',
								'email-piping'
							),
							__(
								'The other To and Cc addresses of a customer’s email become additional recipients and receive its notifications (never the piped mailbox or a forwarding address; at most 20).',
								'email-piping'
							)
						) }
						{ text(
							'max_attachment_mb',
							__( 'Largest attachment (MB)', 'email-piping' ),
							__(
								'Bigger files are refused and the refusal is noted on the ticket. From 1 to 100.',
								'email-piping'
							),
							'number'
						) }
						{ text(
							'allowed_extensions',
							__( 'Allowed file extensions', 'email-piping' ),
							__(
								'Separated by commas. Attachments of other types are refused and noted on the ticket; programs and scripts are always refused.',
								'email-piping'
							)
						) }
						<TextareaControl
							__nextHasNoMarginBottom
							className="epipe-settings__field epipe-settings__field--categories"
							label={ __( 'Ticket categories', 'email-piping' ) }
							value={ values.categories }
							rows={ 4 }
							onChange={ ( value: string ) =>
								change( 'categories', value )
							}
							help={ fieldHelp(
								__(
									'One per line. Agents choose from them; piping rules can set them.',
									'email-piping'
								),
								errors.categories
							) }
							aria-invalid={
								errors.categories ? true : undefined
							}
						/>
					</fieldset>
					<fieldset className="epipe-settings__section">
						<legend>
							{ __(
								'Loop protection and housekeeping',
								'email-piping'
							) }
						</legend>
						{ text(
							'sender_tickets_quiet',
							__(
								'New tickets per sender and hour before notifications stop',
								'email-piping'
							),
							__(
								'Beyond this, a sender’s new tickets are opened without notifying anyone, which breaks mail loops with other robots. 0 turns it off.',
								'email-piping'
							),
							'number'
						) }
						{ text(
							'sender_tickets_limit',
							__(
								'New tickets per sender and hour before quarantine',
								'email-piping'
							),
							__(
								'Beyond this, a sender’s emails wait in quarantine until you let them in (flood protection). 0 turns it off.',
								'email-piping'
							),
							'number'
						) }
						{ text(
							'log_retention_days',
							__(
								'Keep the activity log for (days)',
								'email-piping'
							),
							__(
								'Older entries are deleted once a day. SupportCandy offered 7, 15, 30, 90 or 180; any number from 1 to 3650 works.',
								'email-piping'
							),
							'number'
						) }
					</fieldset>
					<p className="epipe-settings__note">
						{ __(
							'Forwarding addresses are set on the Connections tab; block lists on the Block lists tab.',
							'email-piping'
						) }
					</p>
				</CardBody>
				<CardFooter className="epipe-settings__actions">
					<Button
						variant="primary"
						type="submit"
						isBusy={ isSaving }
						disabled={ isSaving }
					>
						{ __( 'Save settings', 'email-piping' ) }
					</Button>
				</CardFooter>
			</form>
		</Card>
	);
}
