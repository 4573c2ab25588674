/**
 * Structured logs: one JSON object per line on stderr (stdout belongs to command output such as
 * `parse --json`). Secrets are redacted by key name; bodies and headers are never logged.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const ORDER: Record< LogLevel, number > = {
	debug: 10,
	info: 20,
	warn: 30,
	error: 40,
	fatal: 50,
};

const REDACT = /pass(word)?|secret|token|authorization|key$/i;

export interface Logger {
	debug: ( msg: string, fields?: Record< string, unknown > ) => void;
	info: ( msg: string, fields?: Record< string, unknown > ) => void;
	warn: ( msg: string, fields?: Record< string, unknown > ) => void;
	error: ( msg: string, fields?: Record< string, unknown > ) => void;
	fatal: ( msg: string, fields?: Record< string, unknown > ) => void;
	child: ( bindings: Record< string, unknown > ) => Logger;
}

function serialise( value: unknown ): unknown {
	if ( value instanceof Error ) {
		const out: Record< string, unknown > = {
			name: value.name,
			message: value.message,
		};
		const code = ( value as { code?: unknown } ).code;
		if ( code !== undefined ) {
			out[ 'code' ] = code;
		}
		return out;
	}
	return value;
}

function redact(
	fields: Record< string, unknown >
): Record< string, unknown > {
	const out: Record< string, unknown > = {};
	for ( const [ k, v ] of Object.entries( fields ) ) {
		out[ k ] = REDACT.test( k ) ? '[redacted]' : serialise( v );
	}
	return out;
}

/**
 * Creates a logger writing at or above `level`.
 *
 * @param level    Lowest level written.
 * @param bindings Fields added to every line.
 * @param write    Sink (stderr by default).
 */
export function createLogger(
	level: LogLevel = 'info',
	bindings: Record< string, unknown > = {},
	write: ( line: string ) => void = ( line ) => process.stderr.write( line )
): Logger {
	const log =
		( lvl: LogLevel ) =>
		( msg: string, fields: Record< string, unknown > = {} ): void => {
			if ( ORDER[ lvl ] < ORDER[ level ] ) {
				return;
			}
			write(
				JSON.stringify( {
					time: new Date().toISOString(),
					level: lvl,
					msg,
					...redact( bindings ),
					...redact( fields ),
				} ) + '\n'
			);
		};
	return {
		debug: log( 'debug' ),
		info: log( 'info' ),
		warn: log( 'warn' ),
		error: log( 'error' ),
		fatal: log( 'fatal' ),
		child: ( more ) =>
			createLogger( level, { ...bindings, ...more }, write ),
	};
}
