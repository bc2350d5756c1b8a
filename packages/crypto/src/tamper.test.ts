import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { generateDataKey } from './data-key.js';
import { decryptBuffer, decryptStream } from './decrypt.js';
import { encryptBufferWithIv } from './encrypt.js';
import { HEADER_BYTES, TAG_BYTES } from './file-format.js';
import { assertFails, assertRejects, collect, pattern, piecewise } from './test-support.js';

const K = 64 * 1024;
const STRIDE = K + TAG_BYTES;
const key = generateDataKey();
const iv = Buffer.from('0f0e0d0c0b0a090807060504', 'hex');
const PATH = '2026/11/23-120000.00/data/42.sst';

/**
 * Both decryptors must reject `bytes` with `code`, name the path, and agree on the message (so on
 * the chunk they blame), whatever the input pieces.
 */
async function assertRejected(bytes: Buffer, code: string, path = PATH): Promise<void> {
  let message = '';
  assertFails(() => decryptBuffer(key, path, bytes), code, `file ${path} `);
  try {
    decryptBuffer(key, path, bytes);
  } catch (err) {
    message = (err as Error).message;
  }
  for (const cuts of [[1 << 20], [5, 9001], [STRIDE]]) {
    await assertRejects(collect(decryptStream(key, path, piecewise(bytes, cuts))), code, message);
  }
}

/** Expected code when byte `i` is altered: the magic says "not encrypted", anything else "corrupted". */
const codeAt = (i: number) => (i < 5 ? 'NOT_ENCRYPTED' : 'CORRUPTED');

describe('tamper detection', () => {
  it('detects a flip of every byte of a small file', () => {
    const sealed = encryptBufferWithIv(key, PATH, pattern(100), iv, K);
    for (let i = 0; i < sealed.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const bad = Buffer.from(sealed);
        bad[i]! ^= mask;
        assertFails(() => decryptBuffer(key, PATH, bad), codeAt(i), PATH);
      }
    }
  });

  it('detects flips across a multi-chunk file, at chunk edges, tags and a sample of the body', async () => {
    const sealed = encryptBufferWithIv(key, PATH, pattern(2 * K + 100), iv, K);
    const positions = new Set<number>();
    for (let i = 0; i < HEADER_BYTES; i++) positions.add(i);
    for (let c = 0; c < 3; c++) {
      const start = HEADER_BYTES + c * STRIDE;
      for (let d = 0; d < 24; d++) {
        positions.add(start + d);
        positions.add(Math.min(start + STRIDE, sealed.length) - 1 - d);
      }
    }
    for (let i = 0; i < sealed.length; i += 997) positions.add(i);
    for (const i of positions) {
      const bad = Buffer.from(sealed);
      bad[i]! ^= 0x40;
      assertFails(() => decryptBuffer(key, PATH, bad), codeAt(i), PATH);
    }
    // The stream decoder agrees on a few of them, including the chunk it names.
    const bad = Buffer.from(sealed);
    bad[HEADER_BYTES + STRIDE + 3]! ^= 1;
    await assertRejects(collect(decryptStream(key, PATH, piecewise(bad, [4096]))), 'CORRUPTED', '(chunk 1)');
  });

  it('detects truncation at every chunk boundary and in the middle of chunks', async () => {
    for (const size of [0, K, 2 * K, 2 * K + 100]) {
      const sealed = encryptBufferWithIv(key, PATH, pattern(size), iv, K);
      for (const cut of truncationPoints(sealed.length)) {
        await assertRejected(sealed.subarray(0, cut), 'CORRUPTED');
      }
    }
  });

  it('detects extension by a byte, a tag, or a whole chunk', async () => {
    for (const size of [0, 100, K, K + 100]) {
      const sealed = encryptBufferWithIv(key, PATH, pattern(size), iv, K);
      const twice = encryptBufferWithIv(key, PATH, pattern(size + K), iv, K);
      for (const extra of [Buffer.of(0), Buffer.alloc(TAG_BYTES), twice.subarray(HEADER_BYTES + STRIDE)]) {
        await assertRejected(Buffer.concat([sealed, extra]), 'CORRUPTED');
      }
      // The longer file's prefix is a different, non-final chunk sequence.
      await assertRejected(twice.subarray(0, sealed.length), 'CORRUPTED');
    }
  });

  it('detects two chunks swapped, and a chunk spliced in from another file', async () => {
    const sealed = encryptBufferWithIv(key, PATH, pattern(3 * K + 5), iv, K);
    const chunk = (b: Buffer, i: number) =>
      b.subarray(HEADER_BYTES + i * STRIDE, HEADER_BYTES + (i + 1) * STRIDE);
    const swapped = Buffer.concat([
      sealed.subarray(0, HEADER_BYTES),
      chunk(sealed, 1),
      chunk(sealed, 0),
      sealed.subarray(HEADER_BYTES + 2 * STRIDE),
    ]);
    await assertRejected(swapped, 'CORRUPTED');
    assertFails(() => decryptBuffer(key, PATH, swapped), 'CORRUPTED', '(chunk 0)');
    // Same key, same path, same plaintext, another IV: chunks do not transplant.
    const other = encryptBufferWithIv(key, PATH, pattern(3 * K + 5), Buffer.alloc(12, 9), K);
    const spliced = Buffer.concat([
      sealed.subarray(0, HEADER_BYTES + STRIDE),
      chunk(other, 1),
      sealed.subarray(HEADER_BYTES + 2 * STRIDE),
    ]);
    assertFails(() => decryptBuffer(key, PATH, spliced), 'CORRUPTED', '(chunk 1)');
  });

  it('detects two files swapped under each other’s path', async () => {
    const a = encryptBufferWithIv(key, 'data/1.sst', pattern(500), iv, K);
    const b = encryptBufferWithIv(key, 'data/2.sst', pattern(500), iv, K);
    await assertRejected(a, 'CORRUPTED', 'data/2.sst');
    await assertRejected(b, 'CORRUPTED', 'data/1.sst');
    assert.ok(decryptBuffer(key, 'data/1.sst', a).equals(pattern(500)));
  });

  it('fails with CORRUPTED naming the path under a wrong data key', () => {
    const sealed = encryptBufferWithIv(key, PATH, pattern(K + 1), iv, K);
    assertFails(() => decryptBuffer(generateDataKey(), PATH, sealed), 'CORRUPTED', `${PATH} is corrupted`);
  });

  it('reports a plaintext file as NOT_ENCRYPTED and an unknown version as CORRUPTED', async () => {
    await assertRejected(Buffer.from('CREATE TABLE t (a INT);\n'), 'NOT_ENCRYPTED');
    await assertRejected(Buffer.from('X'), 'NOT_ENCRYPTED');
    // A prefix of the magic is a truncated encrypted file, not a plaintext one.
    await assertRejected(Buffer.from('SRE'), 'CORRUPTED');
    await assertRejected(Buffer.alloc(0), 'CORRUPTED');
    const sealed = encryptBufferWithIv(key, PATH, pattern(10), iv, K);
    sealed[5] = 2;
    assertFails(() => decryptBuffer(key, PATH, sealed), 'CORRUPTED', 'version 2');
  });

  it('never yields plaintext of a chunk that fails authentication', async () => {
    const plaintext = pattern(2 * K + 100);
    const sealed = encryptBufferWithIv(key, PATH, plaintext, iv, K);
    sealed[HEADER_BYTES + STRIDE + 10]! ^= 1;
    const seen: Uint8Array[] = [];
    await assertRejects(
      (async () => {
        for await (const p of decryptStream(key, PATH, piecewise(sealed, [1 << 20]))) seen.push(p);
      })(),
      'CORRUPTED',
      '(chunk 1)',
    );
    assert.ok(Buffer.concat(seen).equals(plaintext.subarray(0, K)));
  });
});

/** Lengths to cut a sealed file of `length` bytes at: around the header, every chunk boundary and tag. */
function truncationPoints(length: number): number[] {
  const cuts = new Set([0, 1, 4, 5, 6, HEADER_BYTES - 1, HEADER_BYTES, HEADER_BYTES + 1, length - 1]);
  for (let b = HEADER_BYTES; b < length; b += STRIDE) {
    for (const d of [-TAG_BYTES - 1, -TAG_BYTES, -1, 0, 1, TAG_BYTES - 1, TAG_BYTES, STRIDE / 2])
      cuts.add(b + d);
  }
  return [...cuts].filter((cut) => cut >= 0 && cut < length);
}
