// Test data helpers shared by the conformance suites: deterministic pseudo-random bytes and
// streams that yield them in uneven chunks, so providers see realistic chunk boundaries.
import { createHash } from 'node:crypto';

/** `n` deterministic bytes derived from `seed` (SHA-256 in counter mode). */
export function pseudoRandomBytes(n: number, seed = 'strongroom'): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0, block = 0; i < n; block++) {
    const h = createHash('sha256').update(`${seed}:${block}`).digest();
    i += h.copy(out, i);
  }
  return out;
}

/** Yields `data` in chunks of varying size; waits `pauseMs` between chunks if given. */
export async function* chunked(
  data: Uint8Array,
  chunkSize = 64 * 1024 + 7,
  pauseMs = 0,
): AsyncGenerator<Uint8Array> {
  for (let i = 0, k = 0; i < data.length; k++) {
    const size = k % 2 === 0 ? chunkSize : Math.max(1, chunkSize >> 3);
    yield data.subarray(i, i + size);
    i += size;
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
}

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

export async function collectNames(names: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const n of names) out.push(n);
  return out;
}
