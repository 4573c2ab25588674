/**
 * Every route of email-piping/v1 has a real permission check: walking the namespace index,
 * each route and method refuses an anonymous request (401) and a subscriber (403), and the
 * configuration routes refuse an agent who may only work tickets.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { loadStack, wpEval, type Stack } from './support/stack.ts';
import { api, apiUrl, userAuth, type Auth } from './support/wp.ts';

interface ArgSchema {
	type?: string | string[];
	required?: boolean;
	enum?: unknown[];
	format?: string;
	minimum?: number;
	minLength?: number;
	minItems?: number;
	items?: ArgSchema;
	properties?: Record< string, ArgSchema >;
}

interface Endpoint {
	methods: string[];
	args?: Record< string, ArgSchema > | [];
}

/**
 * A value that satisfies a schema, so WordPress's argument validation (which runs before the
 * permission check) lets the request reach the permission callback.
 *
 * @param schema Argument schema from the index.
 */
function example( schema: ArgSchema ): unknown {
	if ( schema.enum && schema.enum.length > 0 ) {
		return schema.enum[ 0 ];
	}
	const type = Array.isArray( schema.type ) ? schema.type[ 0 ] : schema.type;
	switch ( type ) {
		case 'integer':
		case 'number':
			return Math.max( 1, schema.minimum ?? 1 );
		case 'boolean':
			return true;
		case 'array':
			return Array.from( { length: schema.minItems ?? 0 }, () =>
				example( schema.items ?? { type: 'string' } )
			);
		case 'object': {
			const out: Record< string, unknown > = {};
			for ( const [ key, property ] of Object.entries(
				schema.properties ?? {}
			) ) {
				if ( property.required ) {
					out[ key ] = example( property );
				}
			}
			return out;
		}
		default:
			if ( schema.format === 'email' ) {
				return 'walk@example.test';
			}
			if ( schema.format === 'date-time' ) {
				return '2026-01-01T00:00:00Z';
			}
			return 'x'.repeat( Math.max( 1, schema.minLength ?? 1 ) );
	}
}

/**
 * A concrete path for a route pattern.
 *
 * @param route Route regex from the index.
 */
function concrete( route: string ): string {
	return route
		.replace( /\(\?P<name>[^)]*\)/g, 'customer_ticket_created' )
		.replace( /\(\?P<[a-z_]+>[^)]*\)/g, '1' );
}

describe( 'every REST route has a real permission check', () => {
	let stack: Stack;
	let subscriber: Auth;
	let agent: Auth;
	let routes: Array< { route: string; method: string; body: unknown } >;

	before( async () => {
		stack = loadStack();
		subscriber = await userAuth( stack, 'walk-subscriber', 'subscriber' );
		agent = await userAuth( stack, 'walk-agent', 'editor' );
		const index = ( await (
			await fetch( apiUrl( stack, '' ) )
		).json() ) as { routes: Record< string, { endpoints: Endpoint[] } > };
		routes = [];
		for ( const [ route, data ] of Object.entries( index.routes ) ) {
			if ( route === '/email-piping/v1' ) {
				continue; // WordPress's own namespace index.
			}
			for ( const endpoint of data.endpoints ) {
				const body: Record< string, unknown > = {};
				for ( const [ key, arg ] of Object.entries(
					Array.isArray( endpoint.args )
						? {}
						: ( endpoint.args ?? {} )
				) ) {
					if ( arg.required && ! route.includes( `<${ key }>` ) ) {
						body[ key ] = example( arg );
					}
				}
				// One method per endpoint is enough: they share one handler.
				routes.push( {
					route: concrete( route.replace( '/email-piping/v1', '' ) ),
					method: endpoint.methods[ 0 ] as string,
					body: Object.keys( body ).length > 0 ? body : undefined,
				} );
			}
		}
	} );

	it( 'finds the whole API in the index', () => {
		const paths = new Set( routes.map( ( r ) => r.route ) );
		for ( const expected of [
			'/tickets',
			'/tickets/1',
			'/tickets/1/replies',
			'/tickets/1/notes',
			'/agents',
			'/settings',
			'/rules',
			'/rules/order',
			'/rules/test',
			'/rules/1',
			'/block-patterns',
			'/block-patterns/1',
			'/connections',
			'/connections/1',
			'/connections/1/status',
			'/connections/1/test',
			'/connections/1/oauth',
			'/jobs/1',
			'/activity',
			'/quarantine',
			'/quarantine/1',
			'/quarantine/1/reprocess',
			'/templates',
			'/templates/customer_ticket_created',
			'/attachments/1',
			'/events/dispatch',
		] ) {
			assert.ok( paths.has( expected ), `${ expected } is registered` );
		}
		assert.ok( routes.length >= 40, `${ routes.length } endpoints` );
	} );

	it( 'refuses anonymous requests on every route and method', async () => {
		for ( const r of routes ) {
			const res = await api( stack, r.method, r.route, null, r.body );
			assert.equal(
				res.status,
				401,
				`${ r.method } ${ r.route } as anonymous: ${ res.text }`
			);
		}
	} );

	it( 'refuses a subscriber on every route and method', async () => {
		for ( const r of routes ) {
			const res = await api(
				stack,
				r.method,
				r.route,
				subscriber,
				r.body
			);
			// The dispatch ping knows no users at all: without its signature it is 401 for everyone.
			const expected = r.route === '/events/dispatch' ? 401 : 403;
			assert.equal(
				res.status,
				expected,
				`${ r.method } ${ r.route } as subscriber: ${ res.text }`
			);
		}
	} );

	it( 'lets an agent work tickets but not configure piping', async () => {
		for ( const r of routes ) {
			const ticketRoute =
				r.route.startsWith( '/tickets' ) ||
				r.route === '/agents' ||
				r.route.startsWith( '/attachments' );
			if ( r.route === '/events/dispatch' ) {
				continue;
			}
			// A ticket that does not exist: the agent's requests must pass the check and change nothing.
			const res = await api(
				stack,
				r.method,
				r.route.replace( /\/1(\/|$)/, '/999999$1' ),
				agent,
				r.body
			);
			if ( ticketRoute ) {
				assert.notEqual(
					res.status,
					403,
					`${ r.method } ${ r.route } as agent: ${ res.text }`
				);
				assert.notEqual( res.status, 401 );
			} else {
				assert.equal(
					res.status,
					403,
					`${ r.method } ${ r.route } as agent: ${ res.text }`
				);
			}
		}
	} );

	it( 'registers no route without a permission callback or with __return_true', async () => {
		const out = await wpEval(
			stack,
			`$bad = array();
			foreach ( rest_get_server()->get_routes( 'email-piping/v1' ) as $route => $handlers ) {
				if ( '/email-piping/v1' === $route ) { continue; }
				foreach ( $handlers as $handler ) {
					$cb = $handler['permission_callback'] ?? null;
					if ( null === $cb || '__return_true' === $cb || ! is_callable( $cb ) ) { $bad[] = $route; }
				}
			}
			echo wp_json_encode( $bad );`
		);
		assert.deepEqual( JSON.parse( out ), [] );
	} );
} );
