// Property: for any plaintext length and any way of cutting the input into pieces, streaming
// encrypt equals buffer encrypt byte for byte, and streaming decrypt returns the plaintext.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { it } from 'vitest';
import { generateDataKey } from './data-key.js';
import { decryptBuffer, decryptStream } from './decrypt.js';
import { encryptBufferWithIv, encryptStreamWithIv } from './encrypt.js';
import { collect, pattern, piecewise } from './test-support.js';

const K = 64 * 1024;
const key = generateDataKey();

it('streaming and buffer agree for arbitrary sizes and input cuts', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.integer({ min: 0, max: 4 * K + 40 }),
        fc.constantFrom(0, K - 1, K, K + 1, 2 * K, 3 * K + 16),
      ),
      fc.array(fc.integer({ min: 1, max: 2 * K + 40 }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 2 * K + 40 }), { minLength: 1, maxLength: 6 }),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      async (size, encryptCuts, decryptCuts, iv) => {
        const plaintext = pattern(size);
        const sealed = encryptBufferWithIv(key, 'p/q.sst', plaintext, iv, K);
        const streamed = await collect(
          encryptStreamWithIv(key, 'p/q.sst', piecewise(plaintext, encryptCuts), iv, K),
        );
        assert.ok(streamed.equals(sealed));
        const opened = await collect(decryptStream(key, 'p/q.sst', piecewise(sealed, decryptCuts)));
        assert.ok(opened.equals(plaintext));
        assert.ok(decryptBuffer(key, 'p/q.sst', sealed).equals(plaintext));
      },
    ),
    { numRuns: 60 },
  );
});
