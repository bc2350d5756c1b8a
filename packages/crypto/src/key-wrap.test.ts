import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { generateDataKey } from './data-key.js';
import { unwrapKey, wrapKey } from './key-wrap.js';
import { assertFails } from './test-support.js';

describe('key wrapping', () => {
  const kek = generateDataKey();
  const dataKey = generateDataKey();

  it('round trips, with a fresh nonce each time', () => {
    const a = wrapKey(kek, dataKey, 'local-kms/1');
    const b = wrapKey(kek, dataKey, 'local-kms/1');
    assert.equal(a.length, 1 + 12 + 32 + 16);
    assert.equal(a[0], 1);
    assert.ok(!a.equals(b));
    assert.ok(unwrapKey(kek, a, 'local-kms/1').equals(dataKey));
    assert.ok(unwrapKey(kek, b, 'local-kms/1').equals(dataKey));
  });

  it('reports a wrong kek, a wrong context and every altered byte as WRONG_KEY', () => {
    const wrapped = wrapKey(kek, dataKey, 'ctx');
    assertFails(() => unwrapKey(generateDataKey(), wrapped, 'ctx'), 'WRONG_KEY');
    assertFails(() => unwrapKey(kek, wrapped, 'ctx2'), 'WRONG_KEY');
    for (let i = 0; i < wrapped.length; i++) {
      const bad = Buffer.from(wrapped);
      bad[i]! ^= 0x10;
      assertFails(() => unwrapKey(kek, bad, 'ctx'), 'WRONG_KEY');
    }
    for (const cut of [0, 1, 13, 29, wrapped.length - 1]) {
      assertFails(() => unwrapKey(kek, wrapped.subarray(0, cut), 'ctx'), 'WRONG_KEY');
    }
  });

  it('never puts key bytes in its error messages', () => {
    const wrapped = wrapKey(kek, dataKey, 'ctx');
    try {
      unwrapKey(generateDataKey(), wrapped, 'ctx');
      assert.fail('expected WRONG_KEY');
    } catch (err) {
      const text = String((err as Error).message);
      for (const secret of [kek, dataKey]) {
        assert.ok(!text.includes(secret.toString('hex')) && !text.includes(secret.toString('base64')));
      }
    }
  });

  it('rejects a kek that is not 32 bytes as a programming error', () => {
    assertFails(() => wrapKey(new Uint8Array(31), dataKey, 'ctx'), 'INTERNAL');
  });
});
