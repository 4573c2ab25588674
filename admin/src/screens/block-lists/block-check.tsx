/**
 * WordPress dependencies
 */
import {
	Button,
	Card,
	CardBody,
	CardHeader,
	Notice,
	TextControl,
} from '@wordpress/components';
import { useEffect, useRef, useState } from '@wordpress/element';
import { __, sprintf } from '@wordpress/i18n';
import type { FormEvent } from 'react';

/**
 * Internal dependencies
 */
import { errorMessage, fieldErrors } from '../../api/errors';
import type { BlockPattern } from '../../api/types';
import { fieldHelp } from '../../components/field-help';
import { useBlockCheck } from '../../hooks/use-block-check';
import { matchTypeLabel } from './pattern-values';

interface Props {
	/** The lists as they stand; a shown answer is asked again when they change. */
	patterns: BlockPattern[];
}

type Field = 'sender' | 'subject';

/**
 * The line naming the pattern that matched.
 *
 * @param pattern The pattern.
 */
function matched( pattern: BlockPattern ): string {
	return sprintf(
		/* translators: 1: the pattern, 2: match type (Exact, Wildcard, Regular expression). */
		__( '%1$s (%2$s)', 'email-piping' ),
		pattern.pattern,
		matchTypeLabel( pattern.match_type )
	);
}

/**
 * "Would this be blocked?": an address and/or a subject, answered by the server with the same
 * matching the sidecar applies to incoming mail.
 *
 * @param props          Props.
 * @param props.patterns The current block lists.
 */
export default function BlockCheckPanel( { patterns }: Props ) {
	const { answer, isChecking, check } = useBlockCheck();
	const [ sender, setSender ] = useState( '' );
	const [ subject, setSubject ] = useState( '' );
	const [ errors, setErrors ] = useState<
		Partial< Record< Field, string > >
	>( {} );
	const [ failure, setFailure ] = useState< string | null >( null );
	const asked = useRef( answer?.asked ?? null );
	asked.current = answer?.asked ?? null;

	const run = async ( values: { sender: string; subject: string } ) => {
		setFailure( null );
		try {
			await check( values.sender, values.subject );
		} catch ( err ) {
			const fields = fieldErrors( err );
			if ( fields[ 'sender' ] || fields[ 'subject' ] ) {
				setErrors( {
					...( fields[ 'sender' ]
						? { sender: fields[ 'sender' ] }
						: {} ),
					...( fields[ 'subject' ]
						? { subject: fields[ 'subject' ] }
						: {} ),
				} );
			} else {
				setFailure( errorMessage( err ) );
			}
		}
	};

	// The lists changed (a pattern added, edited or deleted): ask the shown question again.
	useEffect( () => {
		if ( asked.current !== null ) {
			void run( asked.current );
		}
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [ patterns ] );

	const onSubmit = ( event: FormEvent ) => {
		event.preventDefault();
		if ( sender.trim() === '' && subject.trim() === '' ) {
			setErrors( {
				sender: __(
					'Enter a sender address, a subject, or both.',
					'email-piping'
				),
			} );
			return;
		}
		setErrors( {} );
		void run( { sender: sender.trim(), subject } );
	};

	const field = ( name: Field, label: string, help: string ) => (
		<TextControl
			__nextHasNoMarginBottom
			__next40pxDefaultSize
			label={ label }
			value={ name === 'sender' ? sender : subject }
			onChange={ ( value: string ) => {
				( name === 'sender' ? setSender : setSubject )( value );
				setErrors( {} );
			} }
			help={ fieldHelp( help, errors[ name ] ) }
			autoComplete="off"
			spellCheck={ false }
			aria-invalid={ errors[ name ] ? true : undefined }
		/>
	);

	return (
		<Card className="epipe-block-check">
			<CardHeader>
				<h2 className="epipe-block-lists__title">
					{ __( 'Would this email be blocked?', 'email-piping' ) }
				</h2>
			</CardHeader>
			<CardBody>
				<form onSubmit={ onSubmit } noValidate>
					<div className="epipe-block-check__fields">
						{ field(
							'sender',
							__( 'Sender address', 'email-piping' ),
							__( 'e.g. no-reply@shop.example', 'email-piping' )
						) }
						{ field(
							'subject',
							__( 'Subject', 'email-piping' ),
							__( 'e.g. Automatic reply: away', 'email-piping' )
						) }
					</div>
					<Button
						variant="secondary"
						type="submit"
						isBusy={ isChecking }
						disabled={ isChecking }
					>
						{ __( 'Check', 'email-piping' ) }
					</Button>
				</form>
				{ failure !== null && (
					<Notice status="error" isDismissible={ false }>
						{ failure }
					</Notice>
				) }
				{ answer !== null && failure === null && (
					<div
						className={ `epipe-block-check__answer ${
							answer.blocked === null
								? 'is-allowed'
								: 'is-blocked'
						}` }
						aria-live="polite"
					>
						<Notice
							status={
								answer.blocked === null ? 'success' : 'warning'
							}
							isDismissible={ false }
						>
							<p className="epipe-block-check__verdict">
								{ answer.blocked === 'blocked_sender' &&
									__(
										'Blocked: this email would be skipped because of its sender.',
										'email-piping'
									) }
								{ answer.blocked === 'blocked_subject' &&
									__(
										'Blocked: this email would be skipped because of its subject.',
										'email-piping'
									) }
								{ answer.blocked === null &&
									__(
										'Not blocked: this email would be piped.',
										'email-piping'
									) }
							</p>
							{ answer.asked.sender !== '' && (
								<p className="epipe-block-check__sender">
									{ answer.sender !== null
										? sprintf(
												/* translators: 1: address, 2: pattern with its match type. */
												__(
													'Sender %1$s matches %2$s.',
													'email-piping'
												),
												answer.asked.sender,
												matched( answer.sender )
											)
										: sprintf(
												/* translators: %s: address. */
												__(
													'No sender pattern matches %s.',
													'email-piping'
												),
												answer.asked.sender
											) }
								</p>
							) }
							{ answer.asked.subject !== '' && (
								<p className="epipe-block-check__subject">
									{ answer.subject !== null
										? sprintf(
												/* translators: %s: pattern with its match type. */
												__(
													'The subject matches %s.',
													'email-piping'
												),
												matched( answer.subject )
											)
										: __(
												'No subject pattern matches the subject.',
												'email-piping'
											) }
								</p>
							) }
						</Notice>
					</div>
				) }
			</CardBody>
		</Card>
	);
}
