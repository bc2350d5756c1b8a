import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { generateDataKey } from './data-key.js';
import { decryptBuffer, decryptStream } from './decrypt.js';
import { encryptBuffer, encryptBufferWithIv, encryptStream, encryptStreamWithIv } from './encrypt.js';
import { appearsEncrypted, encryptedSize, HEADER_BYTES, plaintextSize } from './file-format.js';
import { assertFails, collect, pattern, piecewise } from './test-support.js';

const K = 64 * 1024;
const key = generateDataKey();
const iv = Buffer.from('00112233445566778899aabb', 'hex');
const sizes = [0, 1, K - 1, K, K + 1, 3 * K, 3 * K + 17];
const chunkings = [[1], [1 << 20], [7, 1000, 65537], [K], [K + 16], [K - 1, K + 33], [0, 5, 0, 300000]];

describe('chunked file format round trips', () => {
  for (const size of sizes) {
    it(`size ${size}: buffer and stream agree byte for byte and decrypt back`, async () => {
      const plaintext = pattern(size);
      const sealed = encryptBufferWithIv(key, 'data/1.sst', plaintext, iv, K);
      assert.equal(sealed.length, encryptedSize(size, K));
      assert.equal(plaintextSize(sealed.length, K), size);
      assert.ok(appearsEncrypted(sealed));
      // Byte-at-a-time input is slow in JS, so only the small sizes get it.
      for (const cuts of size <= K + 1 ? chunkings : chunkings.slice(2)) {
        const streamed = await collect(
          encryptStreamWithIv(key, 'data/1.sst', piecewise(plaintext, cuts), iv, K),
        );
        assert.ok(streamed.equals(sealed), `encrypt stream with pieces ${cuts}`);
        const opened = await collect(decryptStream(key, 'data/1.sst', piecewise(sealed, cuts)));
        assert.ok(opened.equals(plaintext), `decrypt stream with pieces ${cuts}`);
      }
      assert.ok(decryptBuffer(key, 'data/1.sst', sealed).equals(plaintext));
    });
  }

  it('uses a fresh random IV per file and the default chunk size', async () => {
    const a = encryptBuffer(key, 'p', pattern(300000));
    const b = await collect(encryptStream(key, 'p', piecewise(pattern(300000), [4096])));
    assert.equal(a.length, encryptedSize(300000));
    assert.equal(a.readUInt32BE(6), 256 * 1024);
    assert.ok(!a.subarray(0, HEADER_BYTES).equals(b.subarray(0, HEADER_BYTES)));
    assert.ok(decryptBuffer(key, 'p', a).equals(decryptBuffer(key, 'p', b)));
  });

  it('round trips every allowed chunk size and rejects others', () => {
    for (const chunkSize of [K, 2 * K, 4 * K, 8 * K, 16 * K]) {
      const plaintext = pattern(2 * chunkSize + 3);
      const sealed = encryptBuffer(key, 'x', plaintext, { chunkSize });
      assert.equal(sealed.length, encryptedSize(plaintext.length, chunkSize));
      assert.ok(decryptBuffer(key, 'x', sealed).equals(plaintext));
    }
    for (const chunkSize of [0, K - 1, K + 1, 3 * K, 32 * K, 1.5]) {
      assertFails(() => encryptBuffer(key, 'x', pattern(1), { chunkSize }), 'INVALID_PARAMETER');
      assert.throws(() => encryptStream(key, 'x', piecewise(pattern(1), [1]), { chunkSize }));
    }
  });

  it('accepts plain Uint8Array views (not Buffers) for keys and input pieces', async () => {
    const plainKey = new Uint8Array(key);
    const plaintext = pattern(K + 9);
    async function* views(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
      const backing = new Uint8Array(bytes.length + 8);
      backing.set(bytes, 3);
      const view = new Uint8Array(backing.buffer, 3, bytes.length);
      for (let off = 0; off < view.length; off += 5000) yield view.subarray(off, off + 5000);
    }
    const sealed = await collect(encryptStream(plainKey, 'v', views(plaintext), { chunkSize: K }));
    assert.ok((await collect(decryptStream(plainKey, 'v', views(sealed)))).equals(plaintext));
    assert.ok(decryptBuffer(plainKey, 'v', new Uint8Array(sealed)).equals(plaintext));
  });

  it('rejects keys that are not 32 bytes', () => {
    assertFails(() => encryptBuffer(new Uint8Array(16), 'x', pattern(1)), 'INTERNAL');
  });

  it('does not emit plaintext: a repeated pattern leaves no trace in the ciphertext', () => {
    const marker = Buffer.from('SECRET-ROW-VALUE-1234567890');
    const plaintext = Buffer.concat(Array.from({ length: 5000 }, () => marker));
    const sealed = encryptBuffer(key, 'x', plaintext);
    assert.equal(sealed.indexOf(marker), -1);
  });
});
