/**
 * Binary content in the database: a blob row and its chunks, written as the bytes stream in, so
 * a 25 MB attachment never sits in memory whole, and committed (or rolled back) with the email.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

import type { ResultSetHeader } from 'mysql2/promise';

import { streamed } from '../memory.ts';
import type { PoolConnection } from './pool.ts';
import type { Tables } from './tables.ts';

/** Bytes per chunk row: well under max_allowed_packet (16 MB by default) and small in memory. */
export const CHUNK_BYTES = 512 * 1024;

export type BlobResult =
	| {
			readonly stored: true;
			readonly blobId: number;
			readonly size: number;
			readonly sha256: string;
	  }
	| { readonly stored: false; readonly size: number };

/**
 * Inserts one chunk row of a blob.
 *
 * @param c      Connection in a transaction.
 * @param t      Table names.
 * @param blobId Blob.
 * @param seq    Position of the chunk, from 0.
 * @param data   Its bytes.
 */
async function insertChunk(
	c: PoolConnection,
	t: Tables,
	blobId: number,
	seq: number,
	data: Buffer
): Promise< void > {
	await c.execute(
		`INSERT INTO ${ t.blob_chunks } (blob_id, seq, data) VALUES (?, ?, ?)`,
		[ blobId, seq, data ]
	);
}

/**
 * Streams content into a new blob inside the caller's transaction. Past `maxBytes` the chunks
 * written so far are removed and the rest is only counted.
 *
 * @param c        Connection in a transaction.
 * @param t        Table names.
 * @param content  The bytes.
 * @param maxBytes Largest size stored.
 */
export async function writeBlob(
	c: PoolConnection,
	t: Tables,
	content: Readable,
	maxBytes: number
): Promise< BlobResult > {
	const [ res ] = await c.execute< ResultSetHeader >(
		`INSERT INTO ${ t.blobs } (sha256, size_bytes, chunk_count, created_at) VALUES ('', 0, 0, UTC_TIMESTAMP())`
	);
	const blobId = res.insertId;
	const hash = createHash( 'sha256' );
	let size = 0;
	let seq = 0;
	let pending: Buffer[] = [];
	let pendingBytes = 0;
	let overflow = false;

	const flush = async (): Promise< void > => {
		if ( pendingBytes === 0 ) {
			return;
		}
		const data =
			pending.length === 1
				? ( pending[ 0 ] as Buffer )
				: Buffer.concat( pending, pendingBytes );
		pending = [];
		pendingBytes = 0;
		await insertChunk( c, t, blobId, seq++, data );
		streamed( data.length );
	};

	for await ( const chunk of content ) {
		const buf = chunk as Buffer;
		size += buf.length;
		if ( overflow ) {
			continue; // Drain: the parser waits for this stream to end.
		}
		if ( size > maxBytes ) {
			overflow = true;
			pending = [];
			pendingBytes = 0;
			await c.execute(
				`DELETE FROM ${ t.blob_chunks } WHERE blob_id = ?`,
				[ blobId ]
			);
			await c.execute( `DELETE FROM ${ t.blobs } WHERE id = ?`, [
				blobId,
			] );
			continue;
		}
		hash.update( buf );
		pending.push( buf );
		pendingBytes += buf.length;
		if ( pendingBytes >= CHUNK_BYTES ) {
			await flush();
		}
	}
	if ( overflow ) {
		return { stored: false, size };
	}
	await flush();
	const sha256 = hash.digest( 'hex' );
	await c.execute(
		`UPDATE ${ t.blobs } SET sha256 = ?, size_bytes = ?, chunk_count = ? WHERE id = ?`,
		[ sha256, size, seq, blobId ]
	);
	return { stored: true, blobId, size, sha256 };
}

/**
 * Writes content already in memory (an attachment of a small email) as a new blob inside the
 * caller's transaction: its hash and size are known up front, so one statement per chunk row
 * and one for the blob.
 *
 * @param c     Connection in a transaction.
 * @param t     Table names.
 * @param parts The bytes, in order.
 */
export async function writeBlobBytes(
	c: PoolConnection,
	t: Tables,
	parts: readonly Buffer[]
): Promise< { blobId: number; size: number; sha256: string } > {
	const data = Buffer.concat( parts );
	const sha256 = createHash( 'sha256' ).update( data ).digest( 'hex' );
	const chunks = Math.ceil( data.length / CHUNK_BYTES );
	const [ res ] = await c.execute< ResultSetHeader >(
		`INSERT INTO ${ t.blobs } (sha256, size_bytes, chunk_count, created_at) VALUES (?, ?, ?, UTC_TIMESTAMP())`,
		[ sha256, data.length, chunks ]
	);
	for ( let seq = 0; seq < chunks; seq++ ) {
		await insertChunk(
			c,
			t,
			res.insertId,
			seq,
			data.subarray( seq * CHUNK_BYTES, ( seq + 1 ) * CHUNK_BYTES )
		);
	}
	return { blobId: res.insertId, size: data.length, sha256 };
}

/**
 * Reads a blob back as a stream of its chunks, one row at a time.
 *
 * @param c      Connection.
 * @param t      Table names.
 * @param blobId Blob.
 */
export async function* readBlob(
	c: PoolConnection,
	t: Tables,
	blobId: number
): AsyncGenerator< Buffer > {
	const [ rows ] = await c.execute(
		`SELECT chunk_count FROM ${ t.blobs } WHERE id = ?`,
		[ blobId ]
	);
	const count = Number(
		( rows as Array< { chunk_count: number } > )[ 0 ]?.chunk_count ?? 0
	);
	for ( let seq = 0; seq < count; seq++ ) {
		const [ chunk ] = await c.execute(
			`SELECT data FROM ${ t.blob_chunks } WHERE blob_id = ? AND seq = ?`,
			[ blobId, seq ]
		);
		const data = ( chunk as Array< { data: Buffer } > )[ 0 ]?.data;
		if ( data === undefined ) {
			throw new Error( `blob ${ blobId } is missing chunk ${ seq }` );
		}
		yield data;
	}
}
