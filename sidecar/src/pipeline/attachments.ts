/**
 * Attachment policy: safe display names and which files are refused. Pure functions.
 *
 * The bytes are stored in the database, never under a web-served path, so a name can't be
 * executed; the display name is still cleaned because it is shown to agents and customers.
 */

/** Extensions refused whatever the settings say: programs, scripts and server-side code. */
export const BLOCKED_EXTENSIONS: ReadonlySet< string > = new Set( [
	'ade',
	'adp',
	'app',
	'application',
	'asp',
	'aspx',
	'bat',
	'cgi',
	'chm',
	'cmd',
	'com',
	'cpl',
	'dll',
	'exe',
	'hta',
	'htaccess',
	'ins',
	'isp',
	'jar',
	'js',
	'jse',
	'jsp',
	'lnk',
	'msc',
	'msi',
	'msp',
	'mst',
	'phar',
	'php',
	'php3',
	'php4',
	'php5',
	'php7',
	'phps',
	'pht',
	'phtml',
	'pif',
	'pl',
	'ps1',
	'psm1',
	'py',
	'reg',
	'scr',
	'sct',
	'sh',
	'shb',
	'sys',
	'vb',
	'vbe',
	'vbs',
	'ws',
	'wsc',
	'wsf',
	'wsh',
] );

/** Windows device names that break a download saved under them. */
const RESERVED_NAMES = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\.|$)/i;

const UNSAFE_CHARS =
	/[\u0000-\u001F\u007F\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;

/** Longest display name kept, in UTF-8 bytes. */
const MAX_NAME_BYTES = 200;

const EXTENSION_BY_TYPE: Record< string, string > = {
	'image/png': 'png',
	'image/jpeg': 'jpg',
	'image/gif': 'gif',
	'image/webp': 'webp',
	'application/pdf': 'pdf',
	'text/plain': 'txt',
	'text/calendar': 'ics',
	'message/rfc822': 'eml',
	'message/delivery-status': 'txt',
};

/**
 * Extensions stored when the admin has not chosen (SupportCandy's list; the default of the
 * setting allowed_extensions in includes/Services/Settings_Service.php, checked by a test).
 */
export const DEFAULT_ALLOWED_EXTENSIONS: readonly string[] = [
	'jpg',
	'jpeg',
	'png',
	'gif',
	'pdf',
	'doc',
	'docx',
	'ppt',
	'pptx',
	'pps',
	'ppsx',
	'odt',
	'xls',
	'xlsx',
	'mp3',
	'm4a',
	'ogg',
	'wav',
	'mp4',
	'm4v',
	'mov',
	'wmv',
	'avi',
	'mpg',
	'ogv',
	'3gp',
	'3g2',
	'zip',
	'eml',
	'txt',
	'csv',
];

/** Largest attachment stored when the admin has not chosen (setting max_attachment_mb). */
export const DEFAULT_MAX_ATTACHMENT_MB = 20;

export interface AttachmentPolicy {
	/** Largest attachment stored, in bytes. */
	readonly maxBytes: number;
	/** Extensions accepted (lower case, no dot); empty means any that is not blocked. */
	readonly allowedExtensions: readonly string[];
}

export type RefusalReason =
	'blocked_extension' | 'extension_not_allowed' | 'too_large';

/**
 * Lower-case extension of a name, without the dot ('' when there is none).
 *
 * @param name File name.
 */
export function extensionOf( name: string ): string {
	const dot = name.lastIndexOf( '.' );
	return dot > 0 && dot < name.length - 1
		? name.slice( dot + 1 ).toLowerCase()
		: '';
}

function cutToBytes( value: string, max: number ): string {
	let out = '';
	let bytes = 0;
	for ( const ch of value ) {
		bytes += Buffer.byteLength( ch );
		if ( bytes > max ) {
			break;
		}
		out += ch;
	}
	return out;
}

/**
 * A display name that carries no path, no control or direction-override characters, none of
 * <>:"|?*, no trailing dots and no device name, and is at most 200 bytes (keeping the extension).
 *
 * @param raw         Name from the email (already MIME-decoded), possibly empty.
 * @param contentType Declared type, for a name when there is none.
 */
export function safeFilename( raw: string, contentType: string ): string {
	// Line breaks and tabs become spaces; other spaces stay as sent (macOS names its screenshots
	// with a narrow no-break space before "AM").
	let name = raw
		.replace( UNSAFE_CHARS, '' )
		.replace( /[\t\n\v\f\r ]+/g, ' ' );
	name = name.split( /[\\/]/ ).pop() ?? '';
	// Characters no file system takes in a name, and markup: "><svg onload=…>.jpg" stays inert
	// even where a name is shown without escaping. A colon that ends a word ("Re: Invoice.eml",
	// the name clients give an attached message) reads as a dash, as attached messages are named.
	name = name.replace( /\s*:\s+/g, ' - ' ).replace( /[<>:"|?*]/g, '_' );
	name = name.replace( /^[.\s]+/, '' ).replace( /[.\s]+$/, '' );
	if ( RESERVED_NAMES.test( name ) ) {
		name = '_' + name;
	}
	if ( name === '' ) {
		name = `attachment.${ EXTENSION_BY_TYPE[ contentType.toLowerCase() ] ?? 'bin' }`;
	}
	if ( Buffer.byteLength( name ) > MAX_NAME_BYTES ) {
		const ext = extensionOf( name );
		const suffix = ext !== '' && ext.length <= 16 ? '.' + ext : '';
		name =
			cutToBytes(
				name.slice( 0, name.length - suffix.length ),
				MAX_NAME_BYTES - Buffer.byteLength( suffix )
			) + suffix;
	}
	return name;
}

/**
 * Why an attachment must not be stored, judged on its final decoded name, or null.
 *
 * @param filename Safe display name.
 * @param policy   Settings.
 */
export function refusalByName(
	filename: string,
	policy: AttachmentPolicy
): RefusalReason | null {
	// Every dot-separated part counts: "invoice.pdf.exe" and "run.php.jpg" (for servers that
	// execute any .php part) are both refused.
	const parts = filename.toLowerCase().split( '.' ).slice( 1 );
	if ( parts.some( ( p ) => BLOCKED_EXTENSIONS.has( p ) ) ) {
		return 'blocked_extension';
	}
	const ext = extensionOf( filename );
	if (
		policy.allowedExtensions.length > 0 &&
		! policy.allowedExtensions.includes( ext )
	) {
		return 'extension_not_allowed';
	}
	return null;
}
