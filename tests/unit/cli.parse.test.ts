import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = path.resolve(
	path.dirname( fileURLToPath( import.meta.url ) ),
	'..',
	'..'
);
const CLI = path.join( ROOT, 'sidecar', 'bin', 'email-piping' );
const FIXTURES = path.join( ROOT, 'tests', 'fixtures', 'eml' );
const run = promisify( execFile );

// No database settings: parse must work on defaults alone.
const ENV = { PATH: process.env[ 'PATH' ] ?? '' };

describe( 'email-piping parse --json', () => {
	it( 'prints one JSON object per email, and a broken file does not stop the rest', async () => {
		const { stdout } = await run(
			CLI,
			[
				'parse',
				FIXTURES,
				path.join( FIXTURES, 'missing.eml' ),
				'--json',
			],
			{ env: ENV }
		);
		const lines = stdout
			.trim()
			.split( '\n' )
			.map( ( l ) => JSON.parse( l ) as Record< string, unknown > );
		const byFile = new Map(
			lines.map( ( l ) => [ path.basename( String( l[ 'file' ] ) ), l ] )
		);
		assert.equal(
			byFile.get( 'new-ticket-plain.eml' )?.[ 'action' ],
			'create_ticket'
		);
		assert.deepEqual( byFile.get( 'new-ticket-plain.eml' )?.[ 'ticket' ], {
			subject: 'Cannot log in to my account',
			status: 'open',
			priority: 'normal',
			category: '',
			assignee_id: null,
			forwarded_from: null,
			add_recipients: [],
			rules: [],
		} );
		assert.equal( byFile.get( 'out-of-office.eml' )?.[ 'action' ], 'skip' );
		assert.equal(
			byFile.get( 'out-of-office.eml' )?.[ 'auto_generated' ],
			true
		);
		assert.equal( byFile.get( 'bounce.eml' )?.[ 'reason' ], 'bounce' );
		assert.equal(
			byFile.get( 'no-sender.eml' )?.[ 'action' ],
			'quarantine'
		);
		assert.equal( byFile.get( 'missing.eml' )?.[ 'action' ], 'quarantine' );
		assert.equal( byFile.get( 'missing.eml' )?.[ 'reason' ], 'unreadable' );
		assert.ok( lines.length >= 9 );
		for ( const line of lines.filter(
			( l ) => l[ 'reason' ] !== 'unreadable'
		) ) {
			for ( const field of [
				'from',
				'to',
				'cc',
				'subject',
				'message_id',
				'in_reply_to',
				'references',
				'auto_generated',
				'body_text',
				'body_html',
				'reply_text',
				'attachments',
			] ) {
				assert.ok(
					field in line,
					`${ field } in ${ String( line[ 'file' ] ) }`
				);
			}
		}
	} );

	it( 'refuses to run without --json, with exit code 2', async () => {
		await assert.rejects(
			run( CLI, [ 'parse', FIXTURES ], { env: ENV } ),
			( err: { code?: number; stderr?: string } ) => {
				assert.equal( err.code, 2 );
				assert.match( err.stderr ?? '', /add --json/ );
				return true;
			}
		);
	} );
} );
