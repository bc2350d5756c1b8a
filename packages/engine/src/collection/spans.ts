// Moves one span's rows between a source and a storage: row bytes → zstd frames → (encrypt) → object, and
// back (older spans are gzip; see compress.ts). The span's fingerprint is the SHA-256 of its zstd frames
// (FINGERPRINT_PREFIX in compress.ts); equal fingerprints mean unchanged.
import { decryptStream } from '@strongroom/crypto';
import { CHUNK_BUFFER_BYTES, releaseChunk, type SpanChunk, takeChunkBuffer } from '@strongroom/sources';
import type { ExternalStorage } from '@strongroom/storage';
import {
  type Compression,
  decompressOf,
  type OutputBuffers,
  SPAN_COMPRESSION,
} from '../pipeline/compress.js';
import { encodeSpan } from '../pipeline/compress-pool.js';

export interface SpanWritten {
  readonly fingerprint: string;
  readonly rows: number;
  readonly logicalBytes: number;
  readonly storedBytes: number;
  readonly compression: Compression;
}

export async function writeSpan(
  store: ExternalStorage,
  path: string,
  key: Uint8Array | undefined,
  chunks: AsyncIterable<SpanChunk>,
  onChunk: (rows: number, bytes: number) => void,
  signal?: AbortSignal,
): Promise<SpanWritten> {
  // Compressed (zstd frames), fingerprinted and encrypted on a worker thread (compress-pool.ts).
  const enc = encodeSpan(key, path, chunks, onChunk);
  const storedBytes = await store.write(path, enc.output, { signal });
  return { ...enc.result(), storedBytes, compression: SPAN_COMPRESSION };
}

/** The shared chunk arena as decoding output buffers. */
const ARENA: OutputBuffers = { bytes: CHUNK_BUFFER_BYTES, take: takeChunkBuffer, give: releaseChunk };

/**
 * The row bytes of a stored span, authenticated chunk by chunk. `compression` is the FileRef's codec;
 * when it is not given, the codec is recognised from the data. With `slots`, chunks may lie in slots of the
 * shared chunk arena, which the consumer gives back (see RestoreTable.data).
 */
export function readSpanFile(
  store: ExternalStorage,
  path: string,
  key: Uint8Array | undefined,
  signal?: AbortSignal,
  compression?: Compression,
  slots = false,
): AsyncIterable<Uint8Array> {
  const raw = store.read(path, { signal });
  return decompressOf(
    key ? decryptStream(key, path, raw) : raw,
    compression,
    path,
    slots ? ARENA : undefined,
  );
}
