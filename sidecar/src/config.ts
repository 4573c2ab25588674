/**
 * Where the sidecar finds its database, table prefix, key and site: `wp-config.php` (the same
 * file WordPress reads) or environment variables, which win when both are given.
 */
import fs from 'node:fs';

import { SidecarError } from './errors.ts';

export interface DbConfig {
	readonly host: string;
	readonly port: number;
	readonly socketPath: string | null;
	readonly user: string;
	readonly password: string;
	readonly database: string;
}

export interface SidecarConfig {
	readonly db: DbConfig;
	readonly tablePrefix: string;
	/** EPIPE_SECRET_KEY; null only where no secret is needed (parse without a database). */
	readonly secretKey: string | null;
	/** Site address for the dispatch ping; null means "read it from the options table". */
	readonly siteUrl: string | null;
	/** Where the values came from, for messages. */
	readonly origin: string;
}

/** Sockets a `DB_HOST` of plain "localhost" means to PHP on common distributions. */
const DEFAULT_SOCKETS = [
	'/run/mysqld/mysqld.sock',
	'/var/run/mysqld/mysqld.sock',
	'/tmp/mysql.sock',
];

const ENV_HELP =
	'pass --wp-config /path/to/wp-config.php, or set EPIPE_DB_HOST, EPIPE_DB_NAME, EPIPE_DB_USER, EPIPE_DB_PASSWORD and EPIPE_SECRET_KEY';

/**
 * Removes PHP comments while keeping string literals intact, so a commented-out
 * `define( 'DB_NAME', … )` is never taken for the real one.
 *
 * @param php Source text.
 */
export function stripPhpComments( php: string ): string {
	let out = '';
	let i = 0;
	while ( i < php.length ) {
		const ch = php[ i ] as string;
		const next = php[ i + 1 ];
		if ( ch === "'" || ch === '"' ) {
			let j = i + 1;
			while ( j < php.length && php[ j ] !== ch ) {
				j += php[ j ] === '\\' ? 2 : 1;
			}
			out += php.slice( i, j + 1 );
			i = j + 1;
		} else if ( ch === '#' || ( ch === '/' && next === '/' ) ) {
			while ( i < php.length && php[ i ] !== '\n' ) {
				i++;
			}
		} else if ( ch === '/' && next === '*' ) {
			const end = php.indexOf( '*/', i + 2 );
			i = end === -1 ? php.length : end + 2;
		} else {
			out += ch;
			i++;
		}
	}
	return out;
}

function unquote( quote: string, body: string ): string {
	if ( quote === "'" ) {
		return body.replace( /\\(['\\])/g, '$1' );
	}
	return body
		.replace( /\\(["\\$])/g, '$1' )
		.replace( /\\n/g, '\n' )
		.replace( /\\t/g, '\t' );
}

/**
 * Literal string constants and the table prefix of a wp-config.php.
 *
 * Only literals are read: PHP is not executed. A constant whose value is an expression is
 * reported as present but unreadable, so the message can say which one to change.
 *
 * @param php Source text of wp-config.php.
 */
export function readWpConfig( php: string ): {
	constants: Map< string, string >;
	nonLiteral: Set< string >;
	tablePrefix: string | null;
} {
	const code = stripPhpComments( php );
	const constants = new Map< string, string >();
	const nonLiteral = new Set< string >();
	const defineRe = /define\s*\(\s*(['"])([A-Z0-9_]+)\1\s*,\s*([^;]*?)\)\s*;/g;
	for ( const m of code.matchAll( defineRe ) ) {
		const name = m[ 2 ] as string;
		const value = ( m[ 3 ] as string ).trim();
		const literal = /^(['"])((?:\\.|(?!\1)[^\\])*)\1$/s.exec( value );
		if ( literal ) {
			constants.set(
				name,
				unquote( literal[ 1 ] as string, literal[ 2 ] as string )
			);
			nonLiteral.delete( name );
		} else if ( ! constants.has( name ) ) {
			nonLiteral.add( name );
		}
	}
	const prefix = /\$table_prefix\s*=\s*(['"])([^'"]*)\1\s*;/.exec( code );
	return {
		constants,
		nonLiteral,
		tablePrefix: prefix ? ( prefix[ 2 ] as string ) : null,
	};
}

/**
 * Splits WordPress's DB_HOST ("host", "host:port", "host:/socket", "[::1]:port").
 *
 * @param value        DB_HOST.
 * @param socketExists Probe for default sockets (injectable for tests).
 */
export function parseDbHost(
	value: string,
	socketExists: ( p: string ) => boolean = fs.existsSync
): Pick< DbConfig, 'host' | 'port' | 'socketPath' > {
	const v = value.trim();
	const ipv6 = /^\[([^\]]+)\](?::(\d+))?$/.exec( v );
	if ( ipv6 ) {
		return {
			host: ipv6[ 1 ] as string,
			port: Number( ipv6[ 2 ] ?? 3306 ),
			socketPath: null,
		};
	}
	const colon = v.indexOf( ':' );
	const host = colon === -1 ? v : v.slice( 0, colon );
	const rest = colon === -1 ? '' : v.slice( colon + 1 );
	if ( rest.startsWith( '/' ) ) {
		return { host: host || 'localhost', port: 3306, socketPath: rest };
	}
	if ( rest !== '' && /^\d+$/.test( rest ) ) {
		return {
			host: host || 'localhost',
			port: Number( rest ),
			socketPath: null,
		};
	}
	// PHP's mysqli takes a bare "localhost" to mean the default Unix socket.
	if ( host === 'localhost' || host === '' ) {
		const socket = DEFAULT_SOCKETS.find( socketExists );
		return { host: 'localhost', port: 3306, socketPath: socket ?? null };
	}
	return { host, port: 3306, socketPath: null };
}

/**
 * Builds the configuration from the command line and the environment.
 *
 * @param wpConfigPath          Value of --wp-config (or EPIPE_WP_CONFIG), if any.
 * @param env                   Environment variables.
 * @param options               requireSecret: false for commands that never touch secrets.
 * @param options.requireSecret Whether a missing EPIPE_SECRET_KEY is an error.
 * @throws SidecarError naming exactly what to fix.
 */
export function loadConfig(
	wpConfigPath: string | undefined,
	env: NodeJS.ProcessEnv,
	options: { requireSecret: boolean } = { requireSecret: true }
): SidecarConfig {
	const fromFile = new Map< string, string >();
	let nonLiteral = new Set< string >();
	let prefix: string | null = null;
	let origin = 'environment variables';
	const path = wpConfigPath ?? env[ 'EPIPE_WP_CONFIG' ];

	if ( path !== undefined && path !== '' ) {
		let php: string;
		try {
			php = fs.readFileSync( path, 'utf8' );
		} catch ( err ) {
			const why =
				( err as NodeJS.ErrnoException ).code === 'ENOENT'
					? 'no such file'
					: 'it cannot be read';
			throw new SidecarError(
				'config_unreadable',
				`Cannot read wp-config.php at ${ path } (${ why }): pass the path of your site's wp-config.php with --wp-config.`,
				err
			);
		}
		const parsed = readWpConfig( php );
		if (
			! parsed.constants.has( 'DB_NAME' ) &&
			! parsed.nonLiteral.has( 'DB_NAME' )
		) {
			throw new SidecarError(
				'config_invalid',
				`${ path } does not define DB_NAME, so it is not a WordPress wp-config.php: pass the wp-config.php of the site where Email Piping is active.`
			);
		}
		parsed.constants.forEach( ( v, k ) => fromFile.set( k, v ) );
		nonLiteral = parsed.nonLiteral;
		prefix = parsed.tablePrefix;
		origin = path;
	}

	const pick = ( constant: string, envName: string ): string | undefined => {
		const fromEnv = env[ envName ];
		if ( fromEnv !== undefined && fromEnv !== '' ) {
			return fromEnv;
		}
		if ( nonLiteral.has( constant ) ) {
			throw new SidecarError(
				'config_invalid',
				`${ constant } in ${ origin } is not a plain quoted string, so the sidecar cannot read it: set ${ envName } in the sidecar's environment instead.`
			);
		}
		return fromFile.get( constant );
	};

	const name = pick( 'DB_NAME', 'EPIPE_DB_NAME' );
	const user = pick( 'DB_USER', 'EPIPE_DB_USER' );
	const hostValue = pick( 'DB_HOST', 'EPIPE_DB_HOST' ) ?? 'localhost';
	if ( name === undefined || user === undefined ) {
		throw new SidecarError(
			'config_missing',
			`No database is configured: ${ ENV_HELP }.`
		);
	}
	const password = pick( 'DB_PASSWORD', 'EPIPE_DB_PASSWORD' ) ?? '';
	const secretKey = pick( 'EPIPE_SECRET_KEY', 'EPIPE_SECRET_KEY' ) ?? null;
	if (
		options.requireSecret &&
		( secretKey === null || secretKey.length < 32 )
	) {
		throw new SidecarError(
			'secret_key_missing',
			`EPIPE_SECRET_KEY is ${ secretKey === null ? 'not defined' : 'shorter than 32 characters' } in ${ origin }: add the same define( 'EPIPE_SECRET_KEY', '…' ) line that WordPress uses (the plugin's admin notice shows one).`
		);
	}
	const tablePrefix = env[ 'EPIPE_TABLE_PREFIX' ] ?? prefix ?? 'wp_';
	if ( ! /^[A-Za-z0-9_]+$/.test( tablePrefix ) ) {
		throw new SidecarError(
			'config_invalid',
			`The table prefix "${ tablePrefix }" may only contain letters, digits and underscores.`
		);
	}
	const siteUrl =
		env[ 'EPIPE_SITE_URL' ] ?? fromFile.get( 'WP_HOME' ) ?? null;

	return {
		db: { ...parseDbHost( hostValue ), user, password, database: name },
		tablePrefix,
		secretKey,
		siteUrl,
		origin,
	};
}
