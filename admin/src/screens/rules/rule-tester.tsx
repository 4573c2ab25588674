/**
 * WordPress dependencies
 */
import {
	Button,
	Card,
	CardBody,
	CardHeader,
	FormFileUpload,
	Notice,
	SelectControl,
	Spinner,
	TextareaControl,
} from '@wordpress/components';
import { useEffect, useState } from '@wordpress/element';
import { __, sprintf } from '@wordpress/i18n';
import type { ChangeEvent, FormEvent } from 'react';

/**
 * Internal dependencies
 */
import type { Agent, Connection } from '../../api/types';
import { fieldHelp } from '../../components/field-help';
import { useRuleTest } from '../../hooks/use-rule-test';
import RuleTestResultView from './rule-test-result';

interface Props {
	agents: Agent[];
	connections: Connection[];
}

/** Largest email the API takes, in bytes. */
const MAX_BYTES = 2 * 1024 * 1024;

/**
 * What is wrong with the pasted text before it is sent, or undefined.
 *
 * @param raw The pasted email.
 */
function rawProblem( raw: string ): string | undefined {
	if ( raw.trim() === '' ) {
		return __( 'Paste an email first, headers included.', 'email-piping' );
	}
	if ( new Blob( [ raw ] ).size > MAX_BYTES ) {
		return __(
			'The email is larger than 2 MB; the tester takes emails up to 2 MB.',
			'email-piping'
		);
	}
	if ( ! /^[\x21-\x39\x3b-\x7e]+:/.test( raw.trimStart() ) ) {
		return __(
			'This does not look like the source of an email: it starts with headers such as “From:” and “Subject:”, then an empty line and the text. In most mail clients, “Show original” or “View source” shows it.',
			'email-piping'
		);
	}
	return undefined;
}

/**
 * The rule tester: a pasted email goes through the sidecar's real pipeline, which says which
 * rules matched and what the new ticket would be, storing nothing and mailing nobody. The
 * sidecar reads the rules afresh for each test, so a change just saved is tested.
 *
 * @param props             Props.
 * @param props.agents      Agents, for the assignee's name.
 * @param props.connections Connections the email can be received by.
 */
export default function RuleTester( { agents, connections }: Props ) {
	const { test, run } = useRuleTest();
	const [ raw, setRaw ] = useState( '' );
	const [ rawError, setRawError ] = useState< string | undefined >();
	const [ connectionId, setConnectionId ] = useState( '' );

	// The first enabled connection, once they are known: its address is the piped one.
	useEffect( () => {
		if ( connectionId === '' && connections.length > 0 ) {
			const first =
				connections.find( ( item ) => item.enabled ) ??
				connections[ 0 ];
			if ( first ) {
				setConnectionId( String( first.id ) );
			}
		}
	}, [ connections, connectionId ] );

	const onSubmit = ( event: FormEvent ) => {
		event.preventDefault();
		const problem = rawProblem( raw );
		setRawError( problem );
		if ( problem !== undefined ) {
			document
				.querySelector< HTMLTextAreaElement >(
					'.epipe-rule-test__raw textarea'
				)
				?.focus();
			return;
		}
		void run(
			raw,
			connectionId === '' || connectionId === 'none'
				? null
				: Number( connectionId )
		);
	};

	const load = async ( event: ChangeEvent< HTMLInputElement > ) => {
		const file = event.target.files?.[ 0 ];
		if ( file ) {
			setRaw( await file.text() );
			setRawError( undefined );
		}
	};

	return (
		<Card className="epipe-rule-test">
			<CardHeader>
				<h2 className="epipe-rule-test__title">
					{ __( 'Rule tester', 'email-piping' ) }
				</h2>
			</CardHeader>
			<CardBody>
				<p className="epipe-rule-test__intro">
					{ __(
						'Paste an email as your mail client shows its source, headers included. The sidecar runs it through its real pipeline — screening, block lists, threading and these rules — and shows what would happen. Nothing is stored and nobody is mailed.',
						'email-piping'
					) }
				</p>
				<form onSubmit={ onSubmit } noValidate>
					{ connections.length > 0 && (
						<div className="epipe-rule-test__connection">
							<SelectControl
								__nextHasNoMarginBottom
								__next40pxDefaultSize
								label={ __( 'Received by', 'email-piping' ) }
								value={ connectionId }
								options={ [
									...connections.map( ( connection ) => ( {
										value: String( connection.id ),
										label: sprintf(
											/* translators: 1: connection name, 2: its email address. */
											__( '%1$s (%2$s)', 'email-piping' ),
											connection.name,
											connection.mailbox_address
										),
									} ) ),
									{
										value: 'none',
										label: __(
											'No particular mailbox',
											'email-piping'
										),
									},
								] }
								onChange={ setConnectionId }
								help={ __(
									'The mailbox the email arrives in: its address tells forwarded mail and our own mail apart.',
									'email-piping'
								) }
							/>
						</div>
					) }
					<TextareaControl
						__nextHasNoMarginBottom
						className="epipe-rule-test__raw"
						label={ __( 'Email source', 'email-piping' ) }
						value={ raw }
						onChange={ ( value: string ) => {
							setRaw( value );
							setRawError( undefined );
						} }
						rows={ 12 }
						placeholder={
							'From: Jane Doe <jane@example.com>\nTo: support@example.com\nSubject: Invoice 1042 is wrong\n\nHello, …'
						}
						help={ fieldHelp( undefined, rawError ) }
						aria-invalid={ rawError ? true : undefined }
						spellCheck={ false }
					/>
					<div className="epipe-rule-test__buttons">
						<Button
							variant="primary"
							type="submit"
							isBusy={ test.isRunning }
							disabled={ test.isRunning }
						>
							{ __( 'Run test', 'email-piping' ) }
						</Button>
						<FormFileUpload
							accept=".eml,message/rfc822,text/plain"
							onChange={ ( event ) => void load( event ) }
							render={ ( { openFileDialog } ) => (
								<Button
									variant="secondary"
									onClick={ openFileDialog }
								>
									{ __(
										'Load an .eml file',
										'email-piping'
									) }
								</Button>
							) }
						/>
					</div>
				</form>
				<div
					className="epipe-rule-test__result"
					role="status"
					aria-live="polite"
				>
					{ test.isRunning && (
						<p className="epipe-rule-test__running">
							<Spinner />
							{ __(
								'Testing: waiting for the sidecar…',
								'email-piping'
							) }
						</p>
					) }
					{ ! test.isRunning && test.error !== null && (
						<Notice status="error" isDismissible={ false }>
							{ test.error }
						</Notice>
					) }
					{ ! test.isRunning && test.job !== null && (
						<RuleTestResultView
							job={ test.job }
							agents={ agents }
						/>
					) }
				</div>
			</CardBody>
		</Card>
	);
}
