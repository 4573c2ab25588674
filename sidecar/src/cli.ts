/**
 * `email-piping` — the sidecar's command line and composition root.
 *
 *   email-piping run [--once] [--connection <id>] [--wp-config <path>]
 *   email-piping check <connection> [--wp-config <path>]
 *   email-piping parse <file.eml|dir>… --json [--connection <id>] [--wp-config <path>]
 *   email-piping quarantine list [--json] | reprocess <id>
 */
import { parseArgs } from 'node:util';

import { check } from './commands/check.ts';
import { parseCommand } from './commands/parse.ts';
import { listCommand, reprocessCommand } from './commands/quarantine.ts';
import { runDaemon } from './commands/run-daemon.ts';
import { runOnce } from './commands/run-once.ts';
import { openContext, type RuntimeContext } from './context.ts';
import { loadConnections } from './session.ts';
import { EXIT_CONFIG, SidecarError } from './errors.ts';
import { createLogger, type LogLevel } from './logger.ts';
import { writeReportIfAsked } from './metrics.ts';

const USAGE = `Usage:
  email-piping run [--once] [--connection <id>] [--wp-config <path>]
                   [--lease-seconds 90] [--stall-seconds 120] [--metrics-port <port>]
  email-piping check <connection> [--wp-config <path>]
  email-piping parse <file.eml|dir>... --json [--connection <id> | --mailbox <address>] [--wp-config <path>]
  email-piping quarantine list [--json] [--wp-config <path>]
  email-piping quarantine reprocess <id> [--wp-config <path>]

Configuration: --wp-config points at the site's wp-config.php (or set EPIPE_WP_CONFIG), or set
EPIPE_DB_HOST, EPIPE_DB_NAME, EPIPE_DB_USER, EPIPE_DB_PASSWORD, EPIPE_TABLE_PREFIX and EPIPE_SECRET_KEY.
Logs are JSON lines on stderr; --log-level debug|info|warn|error (default info).`;

const out = ( line: string ): void => {
	process.stdout.write( line + '\n' );
};

/**
 * A numeric id from the command line, or null when absent.
 *
 * @param value What was typed.
 * @param hint  Where the right number is shown.
 */
function numericId( value: string | undefined, hint: string ): number | null {
	if ( value === undefined ) {
		return null;
	}
	if ( ! /^\d+$/.test( value ) ) {
		throw new SidecarError(
			'usage',
			`"${ value }" is not an id: ${ hint }.`
		);
	}
	return Number( value );
}

/**
 * A duration option in seconds, at least `min`.
 *
 * @param value What was typed.
 * @param name  Option name, for the message.
 * @param min   Smallest sensible value.
 */
function seconds(
	value: string | undefined,
	name: string,
	min: number
): number {
	const n = Number( value );
	if ( ! Number.isInteger( n ) || n < min ) {
		throw new SidecarError(
			'usage',
			`--${ name } must be a whole number of seconds, at least ${ min }.`
		);
	}
	return n;
}

const connectionId = ( value: string | undefined ): number | null =>
	numericId(
		value,
		'use the connection number shown in Email Piping › Connections'
	);

/**
 * Whether any database setting was given, so `parse` should use the database.
 * @param wpConfig --wp-config value, if any.
 */
function hasDatabaseConfig( wpConfig: string | undefined ): boolean {
	return (
		wpConfig !== undefined ||
		[ 'EPIPE_WP_CONFIG', 'EPIPE_DB_NAME' ].some(
			( k ) => ( process.env[ k ] ?? '' ) !== ''
		)
	);
}

async function main( argv: string[] ): Promise< number > {
	const { values, positionals } = parseArgs( {
		args: argv,
		allowPositionals: true,
		options: {
			once: { type: 'boolean', default: false },
			json: { type: 'boolean', default: false },
			connection: { type: 'string' },
			mailbox: { type: 'string' },
			'wp-config': { type: 'string' },
			'log-level': { type: 'string', default: 'info' },
			'lease-seconds': { type: 'string', default: '90' },
			'stall-seconds': { type: 'string', default: '120' },
			'metrics-port': { type: 'string' },
			help: { type: 'boolean', short: 'h', default: false },
		},
	} );
	const [ command, ...args ] = positionals;
	if ( values.help || command === undefined || command === 'help' ) {
		out( USAGE );
		return command === undefined && ! values.help ? 2 : 0;
	}
	const level = values[ 'log-level' ] as LogLevel;
	const log = createLogger(
		[ 'debug', 'info', 'warn', 'error' ].includes( level ) ? level : 'info',
		{ kind: 'sidecar' }
	);
	const only = connectionId( values.connection );
	const wpConfig = values[ 'wp-config' ];

	let ctx: RuntimeContext | null = null;
	try {
		switch ( command ) {
			case 'run':
				ctx = await openContext( wpConfig, log );
				return values.once
					? await runOnce( ctx, only, out )
					: await runDaemon( ctx, only, {
							leaseSeconds: seconds(
								values[ 'lease-seconds' ],
								'lease-seconds',
								5
							),
							stallSeconds: seconds(
								values[ 'stall-seconds' ],
								'stall-seconds',
								2
							),
							metricsPort: numericId(
								values[ 'metrics-port' ],
								'give a free port number for /metrics and /healthz'
							),
						} );
			case 'check': {
				const id = connectionId( args[ 0 ] );
				if ( id === null ) {
					throw new SidecarError(
						'usage',
						'check needs a connection id, e.g. "email-piping check 1".'
					);
				}
				ctx = await openContext( wpConfig, log );
				return await check( ctx, id, out );
			}
			case 'parse': {
				if ( ! values.json ) {
					throw new SidecarError(
						'usage',
						'parse prints JSON only: add --json.'
					);
				}
				if ( args.length === 0 ) {
					throw new SidecarError(
						'usage',
						'parse needs at least one .eml file or directory.'
					);
				}
				ctx = hasDatabaseConfig( wpConfig )
					? await openContext( wpConfig, log )
					: null;
				// --mailbox: read the emails as if delivered to that address (no database needed).
				let mailboxAddress = ( values.mailbox ?? '' )
					.trim()
					.toLowerCase();
				if ( ctx !== null && only !== null ) {
					mailboxAddress =
						( await loadConnections( ctx, only ) ).connections[ 0 ]
							?.mailboxAddress ?? '';
				}
				return await parseCommand( args, { ctx, mailboxAddress }, out );
			}
			case 'quarantine': {
				const [ action, idArg ] = args;
				if ( action !== 'list' && action !== 'reprocess' ) {
					throw new SidecarError(
						'usage',
						'quarantine needs "list" or "reprocess <id>".'
					);
				}
				ctx = await openContext( wpConfig, log );
				if ( action === 'list' ) {
					return await listCommand( ctx, values.json, out );
				}
				const id = connectionId( idArg );
				if ( id === null ) {
					throw new SidecarError(
						'usage',
						'quarantine reprocess needs the entry id shown by "quarantine list".'
					);
				}
				return await reprocessCommand( ctx, id, out );
			}
			default:
				throw new SidecarError(
					'usage',
					`Unknown command "${ command }".\n${ USAGE }`
				);
		}
	} finally {
		await ctx?.pool.end().catch( () => undefined );
		writeReportIfAsked();
	}
}

main( process.argv.slice( 2 ) ).then(
	( code ) => {
		process.exitCode = code;
	},
	( err: unknown ) => {
		if ( err instanceof SidecarError ) {
			process.stderr.write( `email-piping: ${ err.message }\n` );
			process.exitCode = err.code === 'usage' ? 2 : EXIT_CONFIG;
			return;
		}
		if (
			err instanceof TypeError &&
			( err as { code?: string } ).code?.startsWith( 'ERR_PARSE_ARGS' )
		) {
			process.stderr.write(
				`email-piping: ${ err.message }\n${ USAGE }\n`
			);
			process.exitCode = 2;
			return;
		}
		// A real bug: say so loudly and let the supervisor restart us.
		process.stderr.write(
			`email-piping: unexpected error: ${ err instanceof Error ? ( err.stack ?? err.message ) : String( err ) }\n`
		);
		process.exitCode = 1;
	}
);
