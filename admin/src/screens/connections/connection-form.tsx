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
	SelectControl,
	TextControl,
	ToggleControl,
} from '@wordpress/components';
import { useEffect, useRef, useState } from '@wordpress/element';
import { __, sprintf } from '@wordpress/i18n';
import type { FormEvent, ReactNode } from 'react';

/**
 * Internal dependencies
 */
import { errorMessage, fieldErrors } from '../../api/errors';
import type {
	AfterImport,
	Connection,
	ConnectionInput,
	ConnectionKind,
	ImapSecurity,
	StartFrom,
} from '../../api/types';
import { fieldHelp } from '../../components/field-help';
import {
	DEFAULT_PORTS,
	emptyValues,
	formErrors,
	toInput,
	validate,
	valuesFrom,
	type ConnectionFormValues,
	type FieldErrors,
	type FieldName,
} from './form-values';

interface Props {
	/** The connection to edit, or null to add one. */
	connection: Connection | null;
	save: (
		id: number | null,
		input: ConnectionInput
	) => Promise< Connection >;
	onSaved: ( connection: Connection, isNew: boolean ) => void;
	onCancel: () => void;
}

/** Where the provider sends the admin back: this wp-admin's admin.php (see OAuth_Service). */
function redirectUri(): string {
	return `${ window.location.origin }${ window.location.pathname }`;
}

/**
 * Add or edit a connection: IMAP with a password, or Gmail / Microsoft 365 through an OAuth app
 * (authorised afterwards with "Connect"). Checks the fields before sending, and shows the
 * server's field errors next to the fields they belong to.
 *
 * @param props            Props.
 * @param props.connection The connection to edit, or null.
 * @param props.save       Saves (creates when the id is null).
 * @param props.onSaved    Called with the saved connection.
 * @param props.onCancel   Called when the admin leaves the form.
 */
export default function ConnectionForm( {
	connection,
	save,
	onSaved,
	onCancel,
}: Props ) {
	const isNew = connection === null;
	const [ values, setValues ] = useState< ConnectionFormValues >( () =>
		connection === null ? emptyValues() : valuesFrom( connection )
	);
	const isProvider = values.kind !== 'imap';
	// A password for IMAP, the app's client secret for Gmail and Microsoft.
	const needsSecret =
		isNew ||
		( isProvider
			? connection.client_secret !== 'set'
			: connection.secret !== 'set' );
	const [ errors, setErrors ] = useState< FieldErrors >( {} );
	const [ summary, setSummary ] = useState< string | null >( null );
	const [ isSaving, setIsSaving ] = useState( false );
	const [ focusRequest, setFocusRequest ] = useState( 0 );
	const formRef = useRef< HTMLFormElement >( null );

	// After a refused submit, take the keyboard to the first field to correct.
	useEffect( () => {
		if ( focusRequest > 0 ) {
			formRef.current
				?.querySelector< HTMLElement >( '[aria-invalid="true"]' )
				?.focus();
		}
	}, [ focusRequest ] );

	const change = < K extends FieldName >(
		name: K,
		value: ConnectionFormValues[ K ]
	) => {
		setValues( ( current ) => {
			if ( name === 'kind' ) {
				// Another kind: its own fields and defaults, keeping what all kinds share.
				return {
					...emptyValues( value as ConnectionKind ),
					name: current.name,
					mailbox_address: current.mailbox_address,
					after_import: current.after_import,
					move_folder: current.move_folder,
					start_from: current.start_from,
					enabled: current.enabled,
				};
			}
			const next = { ...current, [ name ]: value };
			if ( name === 'security' ) {
				// Follow the TLS mode's usual port unless a port of its own was entered.
				const wasDefault = Object.values( DEFAULT_PORTS ).includes(
					current.port
				);
				if ( wasDefault || current.port === '' ) {
					next.port = DEFAULT_PORTS[ value as ImapSecurity ];
				}
			}
			if (
				name === 'username' &&
				String( value ).includes( '@' ) &&
				( current.mailbox_address === '' ||
					current.mailbox_address === current.username )
			) {
				// The user name is usually the mailbox's address.
				next.mailbox_address = String( value );
			}
			return next;
		} );
		setErrors( ( current ) => {
			const { [ name ]: _gone, ...rest } = current;
			return rest;
		} );
	};

	const refuse = ( found: FieldErrors, message: string ) => {
		setErrors( found );
		setSummary( message );
		setFocusRequest( ( n ) => n + 1 );
	};

	const onSubmit = async ( event: FormEvent ) => {
		event.preventDefault();
		const found = validate( values, needsSecret );
		if ( Object.keys( found ).length > 0 ) {
			refuse(
				found,
				__( 'Correct the fields marked below.', 'email-piping' )
			);
			return;
		}
		setIsSaving( true );
		setSummary( null );
		let saved: Connection;
		try {
			saved = await save(
				connection?.id ?? null,
				toInput( values, isNew )
			);
		} catch ( err ) {
			const { fields, other } = formErrors( fieldErrors( err ) );
			setIsSaving( false );
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
			return;
		}
		onSaved( saved, isNew );
	};

	const text = (
		name:
			| 'name'
			| 'mailbox_address'
			| 'host'
			| 'port'
			| 'ca_file'
			| 'username'
			| 'password'
			| 'client_id'
			| 'client_secret'
			| 'tenant'
			| 'folder'
			| 'move_folder',
		label: string,
		options: {
			help?: ReactNode;
			type?: 'text' | 'email' | 'number' | 'password';
			autoComplete?: string;
			placeholder?: string;
			required?: boolean;
		} = {}
	) => (
		<TextControl
			__nextHasNoMarginBottom
			__next40pxDefaultSize
			className={ `epipe-connection-form__field epipe-connection-form__field--${ name }` }
			label={ label }
			value={ values[ name ] }
			onChange={ ( value: string ) => change( name, value ) }
			help={ fieldHelp( options.help, errors[ name ] ) }
			type={ options.type ?? 'text' }
			autoComplete={ options.autoComplete ?? 'off' }
			placeholder={ options.placeholder }
			required={ options.required }
			aria-invalid={ errors[ name ] ? true : undefined }
		/>
	);

	const passwordHelp = () => {
		if ( isNew ) {
			return __(
				'Stored encrypted and never shown again.',
				'email-piping'
			);
		}
		if ( isProvider ) {
			return connection.client_secret === 'set'
				? __(
						'A client secret is stored. Leave this empty to keep it.',
						'email-piping'
					)
				: __( 'No client secret is stored: enter it.', 'email-piping' );
		}
		if ( connection.secret === 'set' ) {
			return __(
				'A password is stored. Leave this empty to keep it.',
				'email-piping'
			);
		}
		return (
			connection.secret_message ??
			__( 'No password is stored: enter it.', 'email-piping' )
		);
	};

	return (
		<Card className="epipe-connection-form">
			<CardHeader>
				<h2 className="epipe-connection-form__title">
					{ isNew
						? __( 'Add a connection', 'email-piping' )
						: sprintf(
								/* translators: %s: connection name. */
								__( 'Edit “%s”', 'email-piping' ),
								connection.name
							) }
				</h2>
			</CardHeader>
			<form ref={ formRef } onSubmit={ onSubmit } noValidate>
				<CardBody>
					{ summary !== null && (
						<Notice
							status="error"
							isDismissible={ false }
							className="epipe-connection-form__summary"
						>
							{ summary }
						</Notice>
					) }
					{ isNew && (
						<SelectControl
							__nextHasNoMarginBottom
							__next40pxDefaultSize
							className="epipe-connection-form__field epipe-connection-form__field--kind"
							label={ __( 'Connection type', 'email-piping' ) }
							value={ values.kind }
							options={ [
								{
									value: 'imap',
									label: __(
										'IMAP (any mail server, with a password)',
										'email-piping'
									),
								},
								{
									value: 'gmail',
									label: __(
										'Gmail or Google Workspace (sign in with Google)',
										'email-piping'
									),
								},
								{
									value: 'graph',
									label: __(
										'Microsoft 365 or Outlook.com (sign in with Microsoft)',
										'email-piping'
									),
								},
							] }
							onChange={ ( value: string ) =>
								change( 'kind', value as ConnectionKind )
							}
						/>
					) }
					<fieldset className="epipe-connection-form__section">
						<legend>{ __( 'Mailbox', 'email-piping' ) }</legend>
						{ text( 'name', __( 'Name', 'email-piping' ), {
							help: __(
								'How this connection is listed; the email address if left empty.',
								'email-piping'
							),
						} ) }
						{ text(
							'mailbox_address',
							__( 'Email address', 'email-piping' ),
							{
								help: __(
									'The support address whose mail becomes tickets, e.g. support@example.com.',
									'email-piping'
								),
								type: 'email',
								required: true,
							}
						) }
					</fieldset>
					{ isProvider && (
						<ProviderApp
							kind={ values.kind }
							text={ text }
							secretHelp={ passwordHelp() }
							needsSecret={ needsSecret }
						/>
					) }
					{ ! isProvider && (
						<>
							<fieldset className="epipe-connection-form__section">
								<legend>
									{ __( 'Server', 'email-piping' ) }
								</legend>
								{ text(
									'host',
									__( 'IMAP server', 'email-piping' ),
									{
										help: __(
											'Host name of your provider’s IMAP server, e.g. imap.example.com.',
											'email-piping'
										),
										required: true,
									}
								) }
								<SelectControl
									__nextHasNoMarginBottom
									__next40pxDefaultSize
									className="epipe-connection-form__field"
									label={ __( 'Encryption', 'email-piping' ) }
									value={ values.security }
									options={ [
										{
											value: 'tls',
											label: __(
												'TLS (usually port 993)',
												'email-piping'
											),
										},
										{
											value: 'starttls',
											label: __(
												'STARTTLS (usually port 143)',
												'email-piping'
											),
										},
										{
											value: 'none',
											label: __(
												'None (only for a server on a trusted network)',
												'email-piping'
											),
										},
									] }
									onChange={ ( value: string ) =>
										change(
											'security',
											value as ImapSecurity
										)
									}
									help={ fieldHelp(
										undefined,
										errors.security
									) }
								/>
								{ text( 'port', __( 'Port', 'email-piping' ), {
									type: 'number',
									required: true,
								} ) }
								{ values.security !== 'none' && (
									<ToggleControl
										__nextHasNoMarginBottom
										className="epipe-connection-form__field"
										label={ __(
											'Verify the server’s certificate',
											'email-piping'
										) }
										checked={ values.verify_tls }
										onChange={ ( checked: boolean ) =>
											change( 'verify_tls', checked )
										}
										help={ __(
											'Keep this on: it stops anyone between this site and the server from reading the password.',
											'email-piping'
										) }
									/>
								) }
								{ values.security !== 'none' &&
									! values.verify_tls && (
										<Notice
											status="warning"
											isDismissible={ false }
										>
											{ __(
												'Without verification the password can be intercepted. Prefer giving the CA file of a self-signed certificate.',
												'email-piping'
											) }
										</Notice>
									) }
								{ values.security === 'none' && (
									<Notice
										status="warning"
										isDismissible={ false }
									>
										{ __(
											'The password and every email travel unencrypted. Use this only for a server on the same machine or a trusted network.',
											'email-piping'
										) }
									</Notice>
								) }
								{ values.security !== 'none' &&
									text(
										'ca_file',
										__(
											'CA certificate file (optional)',
											'email-piping'
										),
										{
											help: __(
												'For a server with a self-signed certificate: the path of its CA file (PEM) on the machine the sidecar runs on.',
												'email-piping'
											),
											placeholder:
												'/etc/ssl/certs/my-mail-ca.pem',
										}
									) }
							</fieldset>
							<fieldset className="epipe-connection-form__section">
								<legend>
									{ __( 'Sign-in', 'email-piping' ) }
								</legend>
								{ text(
									'username',
									__( 'User name', 'email-piping' ),
									{
										help: __(
											'Usually the full email address.',
											'email-piping'
										),
										required: true,
									}
								) }
								{ text(
									'password',
									__( 'Password', 'email-piping' ),
									{
										help: passwordHelp(),
										type: 'password',
										autoComplete: 'new-password',
										required: needsSecret,
									}
								) }
							</fieldset>
						</>
					) }
					<fieldset className="epipe-connection-form__section">
						<legend>{ __( 'Processing', 'email-piping' ) }</legend>
						{ text(
							'folder',
							values.kind === 'gmail'
								? __( 'Label', 'email-piping' )
								: __( 'Folder', 'email-piping' ),
							{
								help:
									values.kind === 'gmail'
										? __(
												'The label whose emails become tickets: INBOX for the inbox, or a label’s name.',
												'email-piping'
											)
										: __(
												'The folder whose emails become tickets.',
												'email-piping'
											),
								required: true,
							}
						) }
						<SelectControl
							__nextHasNoMarginBottom
							__next40pxDefaultSize
							className="epipe-connection-form__field"
							label={ __(
								'After an email is imported',
								'email-piping'
							) }
							value={ values.after_import }
							options={ [
								{
									value: 'mark_read',
									label: __(
										'Mark it as read',
										'email-piping'
									),
								},
								{
									value: 'move',
									label: __(
										'Move it to a folder',
										'email-piping'
									),
								},
								{
									value: 'leave',
									label: __(
										'Leave it as it is',
										'email-piping'
									),
								},
								{
									value: 'delete',
									label: __(
										'Delete it from the mailbox',
										'email-piping'
									),
								},
							] }
							onChange={ ( value: string ) =>
								change( 'after_import', value as AfterImport )
							}
							help={ fieldHelp(
								__(
									'Done only after the ticket is safely stored.',
									'email-piping'
								),
								errors.after_import
							) }
						/>
						{ values.after_import === 'move' &&
							text(
								'move_folder',
								__( 'Move to folder', 'email-piping' ),
								{
									help: __(
										'Created if it does not exist.',
										'email-piping'
									),
									required: true,
								}
							) }
						{ isNew && (
							<RadioControl
								className="epipe-connection-form__field"
								label={ __(
									'Emails to import',
									'email-piping'
								) }
								selected={ values.start_from }
								options={ [
									{
										value: 'now',
										label: __(
											'Only emails that arrive from now on',
											'email-piping'
										),
									},
									{
										value: 'all',
										label: __(
											'Also the emails already in the folder',
											'email-piping'
										),
									},
								] }
								onChange={ ( value: string ) =>
									change( 'start_from', value as StartFrom )
								}
								help={ fieldHelp(
									undefined,
									errors.start_from
								) }
							/>
						) }
						<ToggleControl
							__nextHasNoMarginBottom
							className="epipe-connection-form__field"
							label={ __( 'Enabled', 'email-piping' ) }
							checked={ values.enabled }
							onChange={ ( checked: boolean ) =>
								change( 'enabled', checked )
							}
							help={ __(
								'The sidecar picks up changes within seconds.',
								'email-piping'
							) }
						/>
					</fieldset>
				</CardBody>
				<CardFooter className="epipe-connection-form__actions">
					<Button
						variant="primary"
						type="submit"
						isBusy={ isSaving }
						disabled={ isSaving }
					>
						{ isNew
							? __( 'Add connection', 'email-piping' )
							: __( 'Save changes', 'email-piping' ) }
					</Button>
					<Button
						variant="tertiary"
						onClick={ onCancel }
						disabled={ isSaving }
					>
						{ __( 'Cancel', 'email-piping' ) }
					</Button>
				</CardFooter>
			</form>
		</Card>
	);
}

interface ProviderAppProps {
	kind: ConnectionKind;
	text: (
		name: 'client_id' | 'client_secret' | 'tenant',
		label: string,
		options?: {
			help?: ReactNode;
			type?: 'text' | 'password';
			autoComplete?: string;
			required?: boolean;
		}
	) => ReactNode;
	secretHelp: ReactNode;
	needsSecret: boolean;
}

/**
 * The OAuth app of a Gmail or Microsoft connection: what to register with the provider, and
 * its client ID and secret (and Microsoft's tenant).
 *
 * @param props             Props.
 * @param props.kind        gmail | graph.
 * @param props.text        Renders a text field of the form.
 * @param props.secretHelp  Help of the client secret field.
 * @param props.needsSecret Whether the secret must be entered.
 */
function ProviderApp( {
	kind,
	text,
	secretHelp,
	needsSecret,
}: ProviderAppProps ) {
	const isGoogle = kind === 'gmail';
	return (
		<fieldset className="epipe-connection-form__section">
			<legend>{ __( 'App registration', 'email-piping' ) }</legend>
			<p className="epipe-connection-form__explain">
				{ isGoogle
					? __(
							'Create an OAuth client of type “Web application” in the Google Cloud console, enable the Gmail API, and add this redirect URI:',
							'email-piping'
						)
					: __(
							'Register an app in Microsoft Entra (App registrations) with the delegated permissions Mail.ReadWrite, User.Read and offline_access, a client secret, and this redirect URI (platform “Web”):',
							'email-piping'
						) }{ ' ' }
				<code className="epipe-connection-form__redirect">
					{ redirectUri() }
				</code>
			</p>
			{ text( 'client_id', __( 'Client ID', 'email-piping' ), {
				help: isGoogle
					? __(
							'Ends in .apps.googleusercontent.com.',
							'email-piping'
						)
					: __( 'The application (client) ID.', 'email-piping' ),
				required: true,
			} ) }
			{ text( 'client_secret', __( 'Client secret', 'email-piping' ), {
				help: secretHelp,
				type: 'password',
				autoComplete: 'new-password',
				required: needsSecret,
			} ) }
			{ ! isGoogle &&
				text( 'tenant', __( 'Tenant', 'email-piping' ), {
					help: __(
						'Your directory (tenant) ID for a work or school mailbox; “consumers” for Outlook.com; “common” for both.',
						'email-piping'
					),
				} ) }
			<Notice status="info" isDismissible={ false }>
				{ isGoogle
					? __(
							'After saving, click “Connect” and sign in with Google as the mailbox’s account to allow access.',
							'email-piping'
						)
					: __(
							'After saving, click “Connect” and sign in with Microsoft as the mailbox’s account to allow access.',
							'email-piping'
						) }
			</Notice>
		</fieldset>
	);
}
