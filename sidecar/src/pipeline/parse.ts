/**
 * Raw bytes → ParsedEmail, through mailparser (or, for a common text email held in memory, the
 * lean reading of parse-lean.ts, to the same result), with the normalisation every later stage
 * relies on.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import libmime from 'libmime';
import {
	MailParser,
	type AddressObject,
	type AttachmentStream,
	type EmailAddress,
	type HeaderLines,
	type Headers,
	type MessageText,
} from 'mailparser';

import { SECTION_HEADER } from '../interfaces.ts';
import { safeFilename } from './attachments.ts';
import {
	CharsetIconv,
	createCharsetNormaliser,
	decodeBytes,
	normaliseMessageCharsets,
} from './charsets.ts';
import { readLean } from './parse-lean.ts';
import { decodeTnef, TnefError, type TnefContent } from './tnef.ts';
import type {
	Address,
	AttachmentInfo,
	ParsedEmail,
	ReportPart,
} from './types.ts';

/** Characters that must never reach a stored name or subject (controls, bidi overrides). */
const UNSAFE_CHARS =
	/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;

/** HTML above this size is not parsed into text by mailparser (event-loop safety). */
const MAX_HTML_TO_PARSE = 2 * 1024 * 1024;

/**
 * Removes control and bidi characters and folds whitespace.
 *
 * @param value Untrusted header text.
 */
export function cleanText( value: string ): string {
	return value.replace( UNSAFE_CHARS, '' ).replace( /\s+/g, ' ' ).trim();
}

/**
 * Characters that render as nothing: in an address they only serve to make two addresses look
 * alike (a soft hyphen in "comp\u00ADany.example"), so they are removed before anything compares.
 */
const INVISIBLE_CHARS =
	/[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180E\u200B-\u200F\u2060-\u2064\u206A-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]/g;

/**
 * An addr-spec as compared and stored: invisible and control characters removed, lower case.
 *
 * @param value Address from the header.
 */
export function cleanAddress( value: string ): string {
	return cleanText( value.replace( INVISIBLE_CHARS, '' ) ).toLowerCase();
}

/** local@domain, both parts present (a quoted local part may hold anything). */
const USABLE_ADDRESS = /^.+@[^@\s]+$/s;

function flatten( list: EmailAddress[] ): EmailAddress[] {
	return list.flatMap( ( a ) => ( a.group ? flatten( a.group ) : [ a ] ) );
}

function addresses(
	field: AddressObject | AddressObject[] | undefined
): Address[] {
	if ( ! field ) {
		return [];
	}
	const objects = Array.isArray( field ) ? field : [ field ];
	return objects
		.flatMap( ( o ) => flatten( o.value ) )
		.map( ( a ) => ( {
			address: cleanAddress( a.address ?? '' ),
			name: cleanText( a.name ?? '' ),
		} ) )
		.filter( ( a ) => a.address !== '' || a.name !== '' );
}

/**
 * Splits a References/In-Reply-To value into Message-IDs with brackets.
 *
 * @param value Header value(s).
 */
export function messageIds( value: string | string[] | undefined ): string[] {
	const joined = Array.isArray( value ) ? value.join( ' ' ) : ( value ?? '' );
	return [ ...joined.matchAll( /<[^<>\s]+>/g ) ].map( ( m ) => m[ 0 ] );
}

/** Recipients kept per header: enough for any real conversation, bounded for hostile mail. */
const MAX_RECIPIENTS = 100;

function capped( list: Address[] ): Address[] {
	return list.slice( 0, MAX_RECIPIENTS );
}

export interface AttachmentMeta {
	/** Safe display name (see attachments.ts). */
	readonly filename: string;
	readonly contentType: string;
	readonly inline: boolean;
	/** Content-ID without brackets, for `cid:` references in the HTML. */
	readonly contentId: string | null;
	/**
	 * In a message read part-wise, the section whose content was left out of this part (the
	 * X-Epipe-Section header the source put in front of it). Only sections the source names as
	 * left out are honoured, so a header of that name in the email itself changes nothing.
	 */
	readonly section?: string;
}

export interface AttachmentOutcome {
	readonly size: number;
	/** stored: saved as blob `blobId`; refused: kept out by policy; seen: only measured (dry runs). */
	readonly status: 'stored' | 'refused' | 'seen';
	readonly reason: string | null;
	readonly blobId: number | null;
}

/**
 * Receives each attachment while the email streams by. It must consume `content` to its end.
 */
export type AttachmentSink = (
	meta: AttachmentMeta,
	content: Readable
) => Promise< AttachmentOutcome >;

/** Attachments stored per email; the rest are listed as refused (a flood of tiny parts). */
const MAX_ATTACHMENTS = 100;

/**
 * A sink that only measures: for dry runs and tests.
 *
 * @param _meta   Unused.
 * @param content The attachment's bytes.
 */
export const measuringSink: AttachmentSink = async ( _meta, content ) => {
	let size = 0;
	for await ( const chunk of content ) {
		size += ( chunk as Buffer ).length;
	}
	return { size, status: 'seen', reason: null, blobId: null };
};

export interface ParseResult {
	readonly parsed: ParsedEmail;
	readonly rawSize: number;
	/** sha256 hex of the raw bytes, computed when first asked (most emails never need it). */
	readonly rawSha256: () => string;
}

/**
 * Wraps a failure of the attachment sink (storage) or of the input stream (source), so callers
 * can tell them from a message mailparser can't read: those are retried, not quarantined.
 */
export class PipelineIoError extends Error {
	override readonly cause: unknown;

	/**
	 * @param cause What failed.
	 */
	constructor( cause: unknown ) {
		super( cause instanceof Error ? cause.message : String( cause ) );
		this.cause = cause;
	}
}

async function tooMany( content: Readable ): Promise< AttachmentOutcome > {
	const measured = await measuringSink(
		{ filename: '', contentType: '', inline: false, contentId: null },
		content
	);
	return { ...measured, status: 'refused', reason: 'too_many_attachments' };
}

/**
 * The left-out section named by the part's first X-Epipe-Section header, if any.
 *
 * @param attachment The attachment.
 */
function sectionOf( attachment: AttachmentStream ): { section?: string } {
	const value = attachment.headers.get( SECTION_HEADER );
	const first = [ value ].flat()[ 0 ];
	return typeof first === 'string' ? { section: first.trim() } : {};
}

/**
 * Parts that carry a bounce's facts: the status report and the returned message or headers. A
 * disposition notification too: a mail filter rejects our message in that form (RFC 5429).
 */
const REPORT_TYPES = new Set( [
	'message/delivery-status',
	'message/global-delivery-status',
	'message/disposition-notification',
	'message/global-disposition-notification',
	'text/rfc822-headers',
	'message/rfc822-headers',
	'message/rfc822',
	'message/global',
	'message/global-headers',
	'message/feedback-report',
] );

/** Characters kept of each report part: headers and status fields are at the start. */
const REPORT_PART_MAX = 32 * 1024;

/** Report parts kept per email. */
const MAX_REPORT_PARTS = 4;

/**
 * Bytes read of a message attached whole: its headers and text come first, its own attachments
 * (cut off here) after them.
 */
const ATTACHED_MESSAGE_MAX = 64 * 1024;

/** Attached messages read per email. */
const MAX_ATTACHED_MESSAGES = 3;

/**
 * Passes an attachment through unchanged while keeping its first `limit` bytes.
 *
 * @param content The attachment's bytes.
 * @param limit   Bytes kept.
 * @param keep    Receives the kept start when the stream ends.
 */
function teeStart(
	content: Readable,
	limit: number,
	keep: ( start: Buffer ) => void
): Readable {
	const chunks: Buffer[] = [];
	let kept = 0;
	const tee = new Transform( {
		transform( chunk: Buffer, _enc, done ) {
			if ( kept < limit ) {
				const part = chunk.subarray( 0, limit - kept );
				chunks.push( Buffer.from( part ) );
				kept += part.length;
			}
			done( null, chunk );
		},
		flush( done ) {
			keep( Buffer.concat( chunks ) );
			done();
		},
	} );
	content.on( 'error', ( err ) => tee.destroy( err ) );
	return content.pipe( tee );
}

/** Largest winmail.dat unpacked (in memory); bigger ones are kept as they are. */
const TNEF_MAX = 30 * 1024 * 1024;

function isTnef( meta: AttachmentMeta ): boolean {
	return (
		meta.section === undefined &&
		( meta.contentType === 'application/ms-tnef' ||
			meta.contentType === 'application/vnd.ms-tnef' ||
			meta.filename.toLowerCase() === 'winmail.dat' )
	);
}

/**
 * The files and body of a winmail.dat, or null when it can't be read within the limits.
 *
 * @param data The TNEF stream.
 */
function unpackTnef( data: Buffer ): TnefContent | null {
	try {
		return decodeTnef( data, {
			maxAttachments: MAX_ATTACHMENTS,
			maxBytes: TNEF_MAX * 4,
		} );
	} catch ( err ) {
		if ( err instanceof TnefError ) {
			return null;
		}
		throw err;
	}
}

/**
 * Stores the files of a winmail.dat as the email's own attachments (safe names, the policy of
 * the sink applied to each).
 *
 * @param tnef        The unpacked TNEF.
 * @param attachments The email's attachments; the files are added.
 * @param sink        Where attachments go.
 */
async function storeTnefFiles(
	tnef: TnefContent,
	attachments: AttachmentInfo[],
	sink: AttachmentSink
): Promise< void > {
	for ( const file of tnef.attachments ) {
		const meta: AttachmentMeta = {
			filename: safeFilename( file.filename, file.contentType ),
			contentType: file.contentType.toLowerCase(),
			inline: false,
			contentId: null,
		};
		await addAttachment(
			meta,
			Readable.from( [ file.data ] ),
			attachments,
			sink
		);
	}
}

/**
 * Hands one attachment to the sink (or, past MAX_ATTACHMENTS, only measures it) and lists it.
 *
 * @param meta        Its metadata.
 * @param content     Its bytes.
 * @param attachments The email's attachments; this one is added.
 * @param sink        Where attachments go.
 * @throws PipelineIoError when the sink fails (storage, not the email).
 */
async function addAttachment(
	meta: AttachmentMeta,
	content: Readable,
	attachments: AttachmentInfo[],
	sink: AttachmentSink
): Promise< void > {
	let outcome: AttachmentOutcome;
	try {
		outcome =
			attachments.length < MAX_ATTACHMENTS
				? await sink( meta, content )
				: await tooMany( content );
	} catch ( err ) {
		throw new PipelineIoError( err );
	}
	attachments.push( { ...meta, ...outcome } );
}

/** Largest calendar body part held in memory until the end of the email. */
const CALENDAR_MAX = 1024 * 1024;

/**
 * Whether a part is the calendar *body* of an invitation (text/calendar beside the text and
 * HTML of a multipart/alternative, without a name) rather than an attached .ics file.
 *
 * @param attachment The part.
 * @param meta       Its metadata.
 */
function isCalendarAlternative(
	attachment: AttachmentStream,
	meta: AttachmentMeta
): boolean {
	return (
		meta.contentType === 'text/calendar' &&
		( attachment.filename ?? '' ) === '' &&
		attachment.contentDisposition !== 'attachment' &&
		meta.section === undefined
	);
}

/**
 * The iTIP method of an invitation's calendar part (REQUEST, REPLY, CANCEL…): from the part's
 * Content-Type, else from the calendar itself.
 *
 * @param attachment The part.
 * @param data       Its content.
 */
function calendarMethodOf(
	attachment: AttachmentStream,
	data: Buffer
): string | null {
	const header = attachment.headers.get( 'content-type' ) as
		{ params?: Record< string, string > } | undefined;
	const method =
		header?.params?.[ 'method' ] ??
		/^METHOD:([A-Za-z-]+)/m.exec( data.toString( 'utf8', 0, 4096 ) )?.[ 1 ];
	return method !== undefined ? method.toUpperCase() : null;
}

/** How much of an invitation's calendar is read for its organiser. */
const CALENDAR_ORGANIZER_BYTES = 64 * 1024;

/**
 * The address of an invitation's organiser (its calendar's ORGANIZER, "mailto:" dropped), lower
 * case, or null without one.
 *
 * @param data The calendar.
 */
function calendarOrganizerOf( data: Buffer ): string | null {
	// Long lines are folded: a line break and a space or tab continue the line above.
	const calendar = data
		.toString( 'utf8', 0, CALENDAR_ORGANIZER_BYTES )
		.replace( /\r?\n[ \t]/g, '' );
	// Parameters may quote a colon: ORGANIZER;CN="Wit, Femke: InkFest":mailto:femke@….
	const value =
		/^ORGANIZER(?:"[^"\r\n]*"|[^:"\r\n])*:(?:mailto:)?(\S+)\s*$/im.exec(
			calendar
		)?.[ 1 ];
	return value !== undefined && value.includes( '@' )
		? value.toLowerCase()
		: null;
}

/**
 * Reads the start of a stream: chunks until more than `atLeast` bytes or its end. The returned
 * content replays the stream whole, start included.
 *
 * @param content The stream.
 * @param atLeast Bytes to read before stopping.
 */
async function peekStart(
	content: Readable,
	atLeast: number
): Promise< { head: Buffer; whole: boolean; content: Readable } > {
	const iterator = content[ Symbol.asyncIterator ]();
	const chunks: Buffer[] = [];
	let size = 0;
	let whole = false;
	while ( size <= atLeast ) {
		const next = await iterator.next();
		if ( next.done === true ) {
			whole = true;
			break;
		}
		chunks.push( next.value as Buffer );
		size += ( next.value as Buffer ).length;
	}
	const replay = Readable.from(
		( async function* () {
			yield* chunks;
			while ( ! whole ) {
				const more = await iterator.next();
				if ( more.done === true ) {
					return;
				}
				yield more.value as Buffer;
			}
		} )()
	);
	return { head: Buffer.concat( chunks ), whole, content: replay };
}

/** Most of an attached message's start read for its subject. */
const ATTACHED_MESSAGE_HEAD_BYTES = 16 * 1024;

/**
 * The name of an attached message that came without one: its subject plus ".eml", as mail
 * clients show it ("Undeliverable: Order 1042.eml"), or '' without a subject. Reads the start of
 * its headers; the returned content replays the message whole.
 *
 * @param content The attached message's bytes.
 */
async function nameAttachedMessage(
	content: Readable
): Promise< { name: string; content: Readable } > {
	const start = await peekStart( content, ATTACHED_MESSAGE_HEAD_BYTES );
	const head = start.head
		.toString( 'utf8' )
		.split( /\r?\n\r?\n/, 1 )[ 0 ] as string;
	const raw =
		/^subject:[ \t]*(.*)$/im
			.exec( head.replace( /\r?\n[ \t]+/g, ' ' ) )?.[ 1 ]
			?.trim() ?? '';
	let subject = raw;
	try {
		subject = libmime.decodeWords( raw );
	} catch {
		// A malformed encoded word: the subject as written.
	}
	// No file system takes ":" in a name; "Undeliverable - Order 1042" reads better than "_".
	subject = cleanText( subject )
		.replace( /\s*:\s*/g, ' - ' )
		.slice( 0, 150 );
	return {
		name: subject === '' ? '' : `${ subject }.eml`,
		content: start.content,
	};
}

/**
 * Reads a stream into memory if it ends within `max` bytes; otherwise returns a stream of the
 * whole content (what was read, then the rest).
 *
 * @param content The stream.
 * @param max     Most bytes held.
 */
async function holdSmall(
	content: Readable,
	max: number
): Promise< Buffer | Readable > {
	const start = await peekStart( content, max );
	return start.whole ? start.head : start.content;
}

/** An invitation's calendar body, held until the end of the email. */
interface PendingCalendar {
	readonly meta: AttachmentMeta;
	readonly data: Buffer;
	/** How many attachments came before it in the MIME tree: where it is listed. */
	readonly position: number;
}

/**
 * An invitation's calendar body becomes an "invite.ics" attachment, listed where its part was,
 * not after the files that followed it (Outlook puts the calendar inside multipart/alternative,
 * before any attached file). It is kept even when the email attaches the calendar as a file too
 * (Thunderbird, Google): the ticket lists the files the email carries, as mail clients' MIME
 * views and readers of the email do.
 *
 * @param pending     The calendar body part.
 * @param attachments The email's attachments so far; the kept one is added.
 * @param sink        Where attachments go.
 */
async function keepCalendar(
	pending: PendingCalendar,
	attachments: AttachmentInfo[],
	sink: AttachmentSink
): Promise< void > {
	const meta = { ...pending.meta, filename: 'invite.ics', inline: false };
	await addAttachment(
		meta,
		Readable.from( [ pending.data ] ),
		attachments,
		sink
	);
	const kept = attachments.pop();
	if ( kept !== undefined ) {
		attachments.splice( pending.position, 0, kept );
	}
}

/** Thrown when a message grows past the size limit while streaming. */
export class MessageTooLargeError extends Error {
	readonly code = 'too_large';
}

/**
 * Counts and hashes the raw bytes on their way to the parser, and stops at the size limit.
 *
 * @param maxBytes Largest message accepted.
 */
function meter( maxBytes: number ): {
	stream: Transform;
	size: () => number;
	sha256: () => string;
	head: () => Buffer;
} {
	const hash = createHash( 'sha256' );
	let size = 0;
	const head: Buffer[] = [];
	const stream = new Transform( {
		transform( chunk: Buffer, _enc, done ) {
			if ( size < HEAD_BYTES ) {
				head.push(
					Buffer.from( chunk.subarray( 0, HEAD_BYTES - size ) )
				);
			}
			size += chunk.length;
			if ( size > maxBytes ) {
				done(
					new MessageTooLargeError(
						`message larger than ${ maxBytes } bytes`
					)
				);
				return;
			}
			hash.update( chunk );
			done( null, chunk );
		},
	} );
	return {
		stream,
		size: () => size,
		sha256: () => hash.digest( 'hex' ),
		head: () => Buffer.concat( head ),
	};
}

/** Bytes of a message kept for reading it as plain text when its MIME structure fails. */
const HEAD_BYTES = 256 * 1024;

/**
 * The body of a message whose multipart structure yields nothing (no boundary parameter, or a
 * boundary that never appears): everything after the header block, as text. Such a body is all
 * "preamble" to a MIME parser, but it is what the sender wrote.
 *
 * @param head The start of the raw message.
 */
function unstructuredBody( head: Buffer ): string {
	const blank = /\r?\n\r?\n/.exec( head.toString( 'latin1' ) );
	if ( blank === null ) {
		return '';
	}
	const body = head.subarray( blank.index + blank[ 0 ].length );
	// Undeclared: UTF-8 when it reads as UTF-8, else the likeliest single-byte charset.
	return decodeBytes( body, null ).replace( /\r\n?/g, '\n' );
}

/** How parseEmailStream() may read an email. */
export interface ParseOptions {
	/**
	 * Whether an email held in memory may be read the lean way (parse-lean.ts) when it is one
	 * that reading covers; false always reads with mailparser (tests compare the two).
	 */
	readonly lean?: boolean;
	/** Whether messages attached whole are read too (false for those messages themselves). */
	readonly attachedMessages?: boolean;
}

/**
 * Parses one email as it streams in: headers and text are collected, each attachment is handed
 * to `sink` as a stream (so big files are never held in memory), one at a time. A common
 * attachment-free email held in memory is read the lean way (parse-lean.ts) to the same result.
 *
 * @param input    The raw message.
 * @param sink     Where attachments go.
 * @param maxBytes Largest message accepted.
 * @param options  See ParseOptions.
 * @throws MessageTooLargeError, or whatever mailparser throws on input it cannot read.
 */
export async function parseEmailStream(
	input: Readable | Buffer,
	sink: AttachmentSink,
	maxBytes = Number.MAX_SAFE_INTEGER,
	options: ParseOptions = {}
): Promise< ParseResult > {
	const memory = Buffer.isBuffer( input )
		? inMemory( input, maxBytes )
		: null;
	if ( memory !== null && options.lean !== false ) {
		const lean = readLean( memory.normalised, HEADERS_READ );
		if ( lean !== null ) {
			return {
				parsed: buildParsedEmail( {
					...lean,
					attachments: [],
					reportParts: [],
					calendarMethod: null,
					calendarOrganizer: null,
					attachedMessages: [],
					head: memory.raw.head,
				} ),
				rawSize: memory.raw.size,
				rawSha256: memory.raw.sha256,
			};
		}
	}
	const parser = new MailParser( {
		// Text is derived from the sanitised HTML in the content stage instead: mailparser's own
		// conversion keeps image and javascript: URLs in the text.
		skipHtmlToText: true,
		skipImageLinks: true,
		skipTextLinks: true,
		skipTextToHtml: true,
		maxHtmlLengthToParse: MAX_HTML_TO_PARSE,
		// Text parts in a declared charset are decoded by charsets.ts: its alias map, UTF-7,
		// UTF-8 under a legacy label, never failing.
		Iconv: CharsetIconv,
	} );
	let headers: Headers = new Map();
	let headerLines: HeaderLines = [];
	let text = '';
	let html: string | null = null;
	const attachments: AttachmentInfo[] = [];
	const reportParts: ReportPart[] = [];
	const attachedStarts: Buffer[] = [];
	let pendingCalendar: PendingCalendar | null = null;
	let tnefBody: TnefContent | null = null;
	let calendarMethod: string | null = null;
	let calendarOrganizer: string | null = null;
	parser.on( 'headers', ( h: Headers ) => {
		headers = h;
	} );
	parser.on( 'headerLines', ( lines: HeaderLines ) => {
		headerLines = lines;
	} );

	const consumed = new Promise< void >( ( resolve, reject ) => {
		let reading = false;
		let ended = false;
		const read = async (): Promise< void > => {
			if ( reading ) {
				return;
			}
			reading = true;
			try {
				let data: AttachmentStream | MessageText | null;
				while (
					( data = parser.read() as
						AttachmentStream | MessageText | null ) !== null
				) {
					if ( data.type === 'text' ) {
						text = data.text ?? text;
						html = typeof data.html === 'string' ? data.html : html;
						continue;
					}
					const attachment = data as AttachmentStream;
					let content = attachment.content as Readable;
					let filename = attachment.filename ?? '';
					if (
						filename === '' &&
						attachment.contentType.toLowerCase() ===
							'message/rfc822'
					) {
						( { name: filename, content } =
							await nameAttachedMessage( content ) );
					}
					const meta: AttachmentMeta = {
						// safeFilename does its own cleaning, keeping the sender's spaces.
						filename: safeFilename(
							filename,
							attachment.contentType
						),
						contentType: attachment.contentType.toLowerCase(),
						inline:
							attachment.contentDisposition === 'inline' ||
							attachment.related === true,
						contentId: attachment.cid ?? null,
						...sectionOf( attachment ),
					};
					if ( isTnef( meta ) ) {
						const held = await holdSmall( content, TNEF_MAX );
						const unpacked = Buffer.isBuffer( held )
							? unpackTnef( held )
							: null;
						if ( unpacked !== null ) {
							await storeTnefFiles( unpacked, attachments, sink );
							tnefBody ??= unpacked;
							attachment.release?.();
							continue;
						}
						// Unreadable or too big: kept as the winmail.dat it is.
						content = Buffer.isBuffer( held )
							? Readable.from( [ held ] )
							: held;
					}
					if (
						pendingCalendar === null &&
						isCalendarAlternative( attachment, meta )
					) {
						const held = await holdSmall( content, CALENDAR_MAX );
						if ( Buffer.isBuffer( held ) ) {
							pendingCalendar = {
								meta,
								data: held,
								position: attachments.length,
							};
							calendarMethod = calendarMethodOf(
								attachment,
								held
							);
							calendarOrganizer = calendarOrganizerOf( held );
							attachment.release?.();
							continue;
						}
						content = held;
					}
					const keepReport =
						REPORT_TYPES.has( meta.contentType ) &&
						reportParts.length < MAX_REPORT_PARTS;
					// A delivery report's returned message is our own mail: it is not read.
					const keepMessage =
						options.attachedMessages !== false &&
						meta.contentType === 'message/rfc822' &&
						topTypeOf( headers ) !== 'multipart/report' &&
						attachedStarts.length < MAX_ATTACHED_MESSAGES;
					if ( keepReport || keepMessage ) {
						const limit = keepMessage
							? ATTACHED_MESSAGE_MAX
							: REPORT_PART_MAX;
						content = teeStart( content, limit, ( start ) => {
							if ( keepReport ) {
								reportParts.push( {
									contentType: meta.contentType,
									text: start
										.subarray( 0, REPORT_PART_MAX )
										.toString( 'utf8' ),
								} );
							}
							if ( keepMessage ) {
								attachedStarts.push( start );
							}
						} );
					}
					await addAttachment( meta, content, attachments, sink );
					attachment.release?.();
				}
			} catch ( err ) {
				reject( err );
				return;
			} finally {
				reading = false;
			}
			if ( ended ) {
				resolve();
			}
		};
		parser.on( 'readable', () => void read() );
		parser.on( 'end', () => {
			ended = true;
			if ( ! reading ) {
				resolve();
			}
		} );
		parser.on( 'error', reject );
	} );

	if ( memory !== null ) {
		parser.end( memory.normalised );
	}
	const [ raw ] = await Promise.all( [
		memory?.raw ?? feed( input as Readable, parser, maxBytes ),
		consumed,
	] );
	if ( pendingCalendar !== null ) {
		await keepCalendar( pendingCalendar, attachments, sink );
	}
	// Outlook may put the whole body into winmail.dat and leave the MIME text empty.
	const tnef = tnefBody as TnefContent | null;
	if ( tnef !== null && text.trim() === '' && html === null ) {
		text = tnef.text;
		html = tnef.html;
	}
	const attachedMessages: ParsedEmail[] = [];
	for ( const start of attachedStarts ) {
		const message = await readAttachedMessage( start );
		if ( message !== null ) {
			attachedMessages.push( message );
		}
	}
	const parsed = buildParsedEmail( {
		headers,
		headerLines,
		text,
		html,
		attachments,
		reportParts,
		calendarMethod,
		calendarOrganizer,
		attachedMessages,
		head: raw.head,
	} );
	return { parsed, rawSize: raw.size, rawSha256: raw.sha256 };
}

/** The root headers buildParsedEmail() reads: the lean reading decodes only these. */
const HEADERS_READ: ReadonlySet< string > = new Set( [
	'from',
	'to',
	'cc',
	'subject',
	'message-id',
	'in-reply-to',
	'references',
	'content-type',
] );

/** What an email's reading gives buildParsedEmail(), whichever way it was read. */
interface ParsedParts {
	/** mailparser's `headers` (at least the HEADERS_READ keys). */
	readonly headers: Headers;
	/** mailparser's `headerLines`. */
	readonly headerLines: HeaderLines;
	readonly text: string;
	readonly html: string | null;
	readonly attachments: AttachmentInfo[];
	readonly reportParts: ReportPart[];
	readonly calendarMethod: string | null;
	readonly calendarOrganizer: string | null;
	readonly attachedMessages: ParsedEmail[];
	/** The first HEAD_BYTES of the raw message, as received. */
	readonly head: Buffer;
}

/**
 * The ParsedEmail of a reading: text composed, an unstructured multipart's body read as text,
 * addresses, subject and Message-IDs cleaned, header lines decoded. Both readings (mailparser's
 * and the lean one) go through here, so they differ in nothing but how they read.
 *
 * @param parts What the reading gave.
 */
function buildParsedEmail( parts: ParsedParts ): ParsedEmail {
	const { headers, headerLines, attachments } = parts;
	let { text, html } = parts;
	// Some charsets (windows-1258) write accents as combining marks: stored text is composed.
	if ( /[\u0300-\u036F]/.test( text ) ) {
		text = text.normalize( 'NFC' );
	}
	if ( html !== null && /[\u0300-\u036F]/.test( html ) ) {
		html = html.normalize( 'NFC' );
	}
	const topType = topTypeOf( headers );
	if (
		text.trim() === '' &&
		html === null &&
		attachments.length === 0 &&
		topType.startsWith( 'multipart/' )
	) {
		text = unstructuredBody( parts.head );
	}

	const fromList = addresses(
		headers.get( 'from' ) as AddressObject | undefined
	);
	const headerMap = new Map< string, string[] >();
	for ( const line of headerLines ) {
		const bytes = line.line.slice( line.line.indexOf( ':' ) + 1 ).trim();
		// Header lines arrive as one character per byte; after normaliseMessageCharsets every
		// 8-bit header is UTF-8.
		const value = /[\x80-\xff]/.test( bytes )
			? Buffer.from( bytes, 'latin1' ).toString( 'utf8' )
			: bytes;
		const list = headerMap.get( line.key );
		if ( list ) {
			list.push( value );
		} else {
			headerMap.set( line.key, [ value ] );
		}
	}
	const str = ( key: string ): string | undefined => {
		const v = headers.get( key );
		return typeof v === 'string' ? v : undefined;
	};
	return {
		// A From without an address anyone could answer ("<@>", a bare name) is no sender.
		from: USABLE_ADDRESS.test( fromList[ 0 ]?.address ?? '' )
			? ( fromList[ 0 ] as Address )
			: null,
		to: capped(
			addresses(
				headers.get( 'to' ) as
					AddressObject | AddressObject[] | undefined
			)
		),
		cc: capped(
			addresses(
				headers.get( 'cc' ) as
					AddressObject | AddressObject[] | undefined
			)
		),
		subject: cleanText( str( 'subject' ) ?? '' ),
		messageId: messageIds( str( 'message-id' ) )[ 0 ] ?? null,
		inReplyTo: messageIds( str( 'in-reply-to' ) )[ 0 ] ?? null,
		references: messageIds(
			headers.get( 'references' ) as string | string[] | undefined
		),
		headers: headerMap,
		contentType:
			( headerMap.get( 'content-type' )?.[ 0 ] ?? 'text/plain' )
				.split( ';' )[ 0 ]
				?.trim()
				.toLowerCase() ?? 'text/plain',
		text,
		html,
		attachments,
		reportParts: parts.reportParts,
		calendarMethod: parts.calendarMethod,
		calendarOrganizer: parts.calendarOrganizer,
		attachedMessages: parts.attachedMessages,
	};
}

/**
 * The email's own content type (lower case), as mailparser's `headers` give it.
 *
 * @param headers mailparser's root headers.
 */
function topTypeOf( headers: Headers ): string {
	return String(
		( headers.get( 'content-type' ) as { value?: string } | undefined )
			?.value ?? ''
	).toLowerCase();
}

/**
 * Reads a message attached whole from its kept start (attachments only measured, its own
 * attached messages not read), or null when nothing in it can be read.
 *
 * @param start The attached message's first bytes.
 */
async function readAttachedMessage(
	start: Buffer
): Promise< ParsedEmail | null > {
	try {
		return (
			await parseEmailStream( start, measuringSink, start.length, {
				attachedMessages: false,
			} )
		).parsed;
	} catch {
		// A message cut inside a structure mailparser rejects is still kept as the attachment.
		return null;
	}
}

/** What is kept of the raw message as received: its size, hash and start. */
interface RawMeasure {
	readonly size: number;
	readonly sha256: () => string;
	/** The first HEAD_BYTES, for unstructuredBody(). */
	readonly head: Buffer;
}

/**
 * A message held in memory, measured, with its charsets fixed for reading (see charsets.ts):
 * size, hash and head are of the bytes as received.
 *
 * @param input    The raw message.
 * @param maxBytes Largest message accepted.
 * @throws MessageTooLargeError.
 */
function inMemory(
	input: Buffer,
	maxBytes: number
): { raw: RawMeasure; normalised: Buffer } {
	if ( input.length > maxBytes ) {
		throw new MessageTooLargeError(
			`message larger than ${ maxBytes } bytes`
		);
	}
	return {
		raw: {
			size: input.length,
			sha256: once( () =>
				createHash( 'sha256' ).update( input ).digest( 'hex' )
			),
			head: input.subarray( 0, HEAD_BYTES ),
		},
		normalised: normaliseMessageCharsets( input ),
	};
}

/**
 * Streams the raw message to the parser, counted and hashed through `meter`, its charsets
 * fixed on the way (bytes already in memory go straight in instead: a stream pipeline per
 * email costs more than small emails do).
 *
 * @param input    The raw message.
 * @param parser   The parser.
 * @param maxBytes Largest message accepted.
 */
async function feed(
	input: Readable,
	parser: MailParser,
	maxBytes: number
): Promise< RawMeasure > {
	const metered = meter( maxBytes );
	await pipeline( input, metered.stream, createCharsetNormaliser(), parser );
	return {
		size: metered.size(),
		sha256: once( metered.sha256 ),
		head: metered.head(),
	};
}

/**
 * A function that computes its value when first called, then returns it again.
 *
 * @param compute The computation.
 */
function once( compute: () => string ): () => string {
	let value: string | null = null;
	return () => ( value ??= compute() );
}

/**
 * Parses a whole message held in memory (dry runs, tests); attachments are only measured.
 *
 * @param raw The message.
 */
export async function parseEmail( raw: Buffer ): Promise< ParsedEmail > {
	return ( await parseEmailStream( raw, measuringSink ) ).parsed;
}
