import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { generateDataKey } from './data-key.js';
import { unwrapWithPassphrase, wrapWithPassphrase } from './passphrase.js';
import { assertRejects } from './test-support.js';

describe('passphrase recipient', () => {
  const dataKey = generateDataKey();
  const iterations = 1000;

  it('round trips with a fresh 16-byte salt', async () => {
    const r = await wrapWithPassphrase(dataKey, 'correct horse', { iterations });
    assert.equal(r.kdf, 'pbkdf2-sha256');
    assert.equal(r.iterations, iterations);
    assert.equal(r.salt.length, 16);
    assert.ok((await unwrapWithPassphrase(r, 'correct horse')).equals(dataKey));
    const again = await wrapWithPassphrase(dataKey, 'correct horse', { iterations });
    assert.ok(!Buffer.from(again.salt).equals(Buffer.from(r.salt)));
  });

  it('defaults to 600 000 iterations', async () => {
    const r = await wrapWithPassphrase(dataKey, 'pw');
    assert.equal(r.iterations, 600_000);
  });

  it('reports a wrong passphrase, or altered parameters, as WRONG_KEY', async () => {
    const r = await wrapWithPassphrase(dataKey, 'correct horse', { iterations });
    await assertRejects(unwrapWithPassphrase(r, 'correct horsE'), 'WRONG_KEY', 'wrong encryption passphrase');
    await assertRejects(unwrapWithPassphrase(r, ''), 'WRONG_KEY');
    await assertRejects(unwrapWithPassphrase({ ...r, iterations: 999 }, 'correct horse'), 'WRONG_KEY');
    const salt = Buffer.from(r.salt);
    salt[0]! ^= 1;
    await assertRejects(unwrapWithPassphrase({ ...r, salt }, 'correct horse'), 'WRONG_KEY');
  });

  it('normalises the passphrase to NFC', async () => {
    const r = await wrapWithPassphrase(dataKey, 'caf\u00e9', { iterations });
    assert.ok((await unwrapWithPassphrase(r, 'cafe\u0301')).equals(dataKey));
  });

  it('rejects an empty passphrase and bad iteration counts', async () => {
    await assertRejects(wrapWithPassphrase(dataKey, ''), 'INVALID_PARAMETER');
    await assertRejects(wrapWithPassphrase(dataKey, 'pw', { iterations: 0 }), 'INVALID_PARAMETER');
    await assertRejects(wrapWithPassphrase(dataKey, 'pw', { iterations: 1e9 }), 'INVALID_PARAMETER');
  });
});
