// Helpers shared by this package's tests (not exported from the package).
import assert from 'node:assert/strict';

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of source) parts.push(p);
  return Buffer.concat(parts);
}

/** Yields `bytes` cut at the given piece sizes, cycling through them. */
export async function* piecewise(bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let off = 0;
  for (let i = 0; off < bytes.length || i === 0; i++) {
    const n = sizes[i % sizes.length]!;
    yield bytes.subarray(off, off + n);
    off += n;
  }
}

/** Deterministic plaintext: byte i = i mod 251 (a prime, so chunks differ from each other). */
export function pattern(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = i % 251;
  return out;
}

export function assertFails(fn: () => unknown, code: string, mention?: string): void {
  assert.throws(fn, (err: unknown) => {
    const e = err as { code?: unknown; message?: unknown };
    assert.equal(e.code, code, `expected ${code}, got ${String(e.code)}: ${String(e.message)}`);
    if (mention !== undefined) assert.ok(String(e.message).includes(mention), String(e.message));
    return true;
  });
}

export async function assertRejects(p: Promise<unknown>, code: string, mention?: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    const e = err as { code?: unknown; message?: unknown };
    assert.equal(e.code, code, `expected ${code}, got ${String(e.code)}: ${String(e.message)}`);
    if (mention !== undefined) assert.ok(String(e.message).includes(mention), String(e.message));
    return true;
  });
}
