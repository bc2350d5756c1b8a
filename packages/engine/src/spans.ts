// Moves one span's rows between a source and a storage: row bytes → gzip → (encrypt) → object, and
// back. The SHA-256 of the row bytes is the span's fingerprint; equal fingerprints mean unchanged.
import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { decryptStream, encryptStream } from '@strongroom/crypto';
import type { SpanChunk } from '@strongroom/sources';
import type { ExternalStorage } from '@strongroom/storage';

export interface SpanWritten {
  readonly fingerprint: string;
  readonly rows: number;
  readonly logicalBytes: number;
  readonly storedBytes: number;
}

// pipeline() owns the error handling of both streams: a failure on either side (the source throwing,
// the consumer stopping early) destroys both and surfaces once, to whoever iterates the output.
const ignore = (): void => undefined;

function gzipOf(src: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  return pipeline(Readable.from(src, { objectMode: false }), createGzip({ level: 1 }), ignore);
}

function gunzipOf(src: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  return pipeline(Readable.from(src, { objectMode: false }), createGunzip(), ignore);
}

/** Hashes a span without writing it (first pass of an incremental). */
export async function fingerprintSpan(
  chunks: AsyncIterable<SpanChunk>,
): Promise<{ fingerprint: string; rows: number }> {
  const h = createHash('sha256');
  let rows = 0;
  for await (const c of chunks) {
    h.update(c.data);
    rows += c.rows;
  }
  return { fingerprint: h.digest('hex'), rows };
}

export async function writeSpan(
  store: ExternalStorage,
  path: string,
  key: Uint8Array | undefined,
  chunks: AsyncIterable<SpanChunk>,
  onChunk: (rows: number, bytes: number) => void,
  signal?: AbortSignal,
): Promise<SpanWritten> {
  const h = createHash('sha256');
  let rows = 0;
  let logicalBytes = 0;
  async function* plain(): AsyncGenerator<Uint8Array> {
    for await (const c of chunks) {
      h.update(c.data);
      rows += c.rows;
      logicalBytes += c.data.length;
      onChunk(c.rows, c.data.length);
      yield c.data;
    }
  }
  const compressed = gzipOf(plain());
  const body = key ? encryptStream(key, path, compressed) : compressed;
  const storedBytes = await store.write(path, body, signal ? { signal } : {});
  return { fingerprint: h.digest('hex'), rows, logicalBytes, storedBytes };
}

/** The row bytes of a stored span, authenticated chunk by chunk. */
export function readSpanFile(
  store: ExternalStorage,
  path: string,
  key: Uint8Array | undefined,
  signal?: AbortSignal,
): AsyncIterable<Uint8Array> {
  const raw = store.read(path, signal ? { signal } : {});
  return gunzipOf(key ? decryptStream(key, path, raw) : raw);
}
