/**
 * Structured logs through pino: one JSON object per line on stderr (stdout belongs to command
 * output such as `parse --json`). Secrets are redacted by path; bodies and headers are never
 * logged. The call shape stays (message, fields) so call sites read naturally.
 */
import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface Logger {
	debug: ( msg: string, fields?: Record< string, unknown > ) => void;
	info: ( msg: string, fields?: Record< string, unknown > ) => void;
	warn: ( msg: string, fields?: Record< string, unknown > ) => void;
	error: ( msg: string, fields?: Record< string, unknown > ) => void;
	fatal: ( msg: string, fields?: Record< string, unknown > ) => void;
	child: ( bindings: Record< string, unknown > ) => Logger;
}

/** Field paths whose values never reach a log line. */
const REDACT = [
	'password',
	'pass',
	'secret',
	'token',
	'accessToken',
	'refreshToken',
	'authorization',
	'secretKey',
].flatMap( ( key ) => [ key, `*.${ key }` ] );

function adapt( base: pino.Logger ): Logger {
	const at =
		( level: LogLevel ) =>
		( msg: string, fields: Record< string, unknown > = {} ): void =>
			base[ level ]( fields, msg );
	return {
		debug: at( 'debug' ),
		info: at( 'info' ),
		warn: at( 'warn' ),
		error: at( 'error' ),
		fatal: at( 'fatal' ),
		child: ( bindings ) => adapt( base.child( bindings ) ),
	};
}

/**
 * Creates a logger writing at or above `level`.
 *
 * @param level       Lowest level written.
 * @param bindings    Fields added to every line.
 * @param destination Where lines go (stderr by default; tests pass a stream).
 */
export function createLogger(
	level: LogLevel = 'info',
	bindings: Record< string, unknown > = {},
	destination: pino.DestinationStream = pino.destination( {
		fd: 2,
		sync: true,
	} )
): Logger {
	return adapt(
		pino(
			{
				level,
				base: bindings,
				redact: { paths: REDACT, censor: '[redacted]' },
				timestamp: pino.stdTimeFunctions.isoTime,
				formatters: { level: ( label ) => ( { level: label } ) },
			},
			destination
		)
	);
}
