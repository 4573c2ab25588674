/**
 * `email-piping parse <file.eml|dir>… --json`: what the pipeline would do with each email, one
 * JSON object per line, changing nothing. One broken file yields its own line; the rest go on.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

import type { RuntimeContext } from '../context.ts';
import { DEFAULT_REPLY_MARKER } from '../context.ts';
import { analyse } from '../pipeline/index.ts';
import { resolveTicket, ticketRowOf } from '../pipeline/store.ts';
import type { Action, Analysis, Reason } from '../pipeline/types.ts';

export interface ParseOptions {
	/** Database context for thread lookups and settings, or null for defaults. */
	readonly ctx: RuntimeContext | null;
	/** The piped address, when known (from --connection). */
	readonly mailboxAddress: string;
}

/**
 * Expands directories into their .eml files (sorted), keeping files as given.
 *
 * @param inputs Paths from the command line.
 */
export async function expandInputs( inputs: string[] ): Promise< string[] > {
	const files: string[] = [];
	for ( const input of inputs ) {
		const stat = await fs.stat( input ).catch( () => null );
		if ( stat?.isDirectory() ) {
			const names = ( await fs.readdir( input ) )
				.filter( ( n ) => n.toLowerCase().endsWith( '.eml' ) )
				.sort();
			files.push( ...names.map( ( n ) => path.join( input, n ) ) );
		} else {
			files.push( input );
		}
	}
	return files;
}

async function decide(
	analysis: Analysis,
	options: ParseOptions
): Promise< { action: Action; reason: Reason; ticketId: number | null } > {
	if ( analysis.verdict !== null ) {
		return {
			action: analysis.verdict.action,
			reason: analysis.verdict.reason,
			ticketId: null,
		};
	}
	const from = analysis.parsed?.from?.address ?? '';
	if ( options.ctx !== null ) {
		const c = await options.ctx.pool.getConnection();
		try {
			const found = await resolveTicket(
				c,
				options.ctx.tables,
				analysis.hints,
				from,
				false
			);
			if ( found !== null ) {
				return {
					action: 'add_reply',
					reason: found.reason,
					ticketId: found.ticketId,
				};
			}
		} finally {
			c.release();
		}
	} else if ( analysis.hints.replyAddressTicketId !== null ) {
		return {
			action: 'add_reply',
			reason: 'reply_address',
			ticketId: analysis.hints.replyAddressTicketId,
		};
	} else if ( analysis.hints.signedTicketId !== null ) {
		return {
			action: 'add_reply',
			reason: 'reply_signed_reference',
			ticketId: analysis.hints.signedTicketId,
		};
	}
	return { action: 'create_ticket', reason: 'new_ticket', ticketId: null };
}

/**
 * The new ticket's fields after the piping rules (and which rules applied), or the ticket a
 * reply joins.
 *
 * @param action   Decided action.
 * @param analysis The email's analysis.
 * @param ticketId Ticket of a reply.
 */
function ticketFields(
	action: Action,
	analysis: Analysis,
	ticketId: number | null
): Record< string, unknown > | null {
	if ( action === 'create_ticket' ) {
		const row = ticketRowOf( analysis, 0, 0 );
		return {
			subject: row.subject,
			status: row.status,
			priority: row.priority,
			category: row.category,
			assignee_id: row.assigneeId,
			forwarded_from: row.forwardedFrom,
			add_recipients: analysis.rules.addRecipients,
			rules: analysis.rules.applied,
		};
	}
	return action === 'add_reply' ? { id: ticketId } : null;
}

/**
 * The JSON line for one file.
 *
 * @param file    Path.
 * @param options Settings.
 */
export async function describeFile(
	file: string,
	options: ParseOptions
): Promise< Record< string, unknown > > {
	let raw: Buffer;
	try {
		raw = await fs.readFile( file );
	} catch ( err ) {
		return {
			file,
			action: 'quarantine',
			reason: 'unreadable',
			error: ( err as NodeJS.ErrnoException ).code ?? String( err ),
		};
	}
	return { file, ...( await describeRaw( raw, options ) ) };
}

/**
 * What the pipeline would do with one raw email (the rule tester's job uses this too).
 *
 * @param raw     The email.
 * @param options Settings.
 */
export async function describeRaw(
	raw: Buffer,
	options: ParseOptions
): Promise< Record< string, unknown > > {
	const analysis = await analyse( raw, {
		mailboxAddress: options.mailboxAddress,
		secretKey: options.ctx?.secretKey ?? null,
		replyMarker: options.ctx?.settings.replyMarker ?? DEFAULT_REPLY_MARKER,
		blockPatterns: options.ctx?.settings.blockPatterns ?? [],
		rules: options.ctx?.settings.pipingRules ?? [],
		forwardingAddresses: options.ctx?.settings.forwardingAddresses ?? [],
		...options.ctx?.settings.contentOptions,
	} );
	const { action, reason, ticketId } = await decide( analysis, options );
	const p = analysis.parsed;
	return {
		action,
		reason,
		...( analysis.verdict?.detail !== undefined
			? { error: analysis.verdict.detail }
			: {} ),
		from: p?.from ?? null,
		to: p?.to ?? [],
		cc: p?.cc ?? [],
		subject: analysis.subject,
		message_id: p?.messageId ?? null,
		in_reply_to: p?.inReplyTo ?? null,
		references: p?.references ?? [],
		auto_generated: analysis.autoGenerated !== null,
		auto_generated_kind: analysis.autoGenerated,
		body_text: analysis.content?.bodyText ?? '',
		body_html: analysis.content?.bodyHtml ?? null,
		reply_text: analysis.content?.replyText ?? '',
		attachments: ( p?.attachments ?? [] ).map( ( a ) => ( {
			filename: a.filename,
			content_type: a.contentType,
			size: a.size,
			inline: a.inline,
		} ) ),
		ticket: ticketFields( action, analysis, ticketId ),
	};
}

/**
 * Writes one line per email.
 *
 * @param inputs  Files and directories.
 * @param options Settings.
 * @param out     Output.
 */
export async function parseCommand(
	inputs: string[],
	options: ParseOptions,
	out: ( line: string ) => void
): Promise< number > {
	for ( const file of await expandInputs( inputs ) ) {
		out( JSON.stringify( await describeFile( file, options ) ) );
	}
	return 0;
}
