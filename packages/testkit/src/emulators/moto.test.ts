import assert from 'node:assert/strict';
import { it } from 'vitest';
import { unavailable } from './launch.js';
import { motoInstalled, startMoto } from './moto.js';

it('starts moto on a loopback port and stops it', async (t) => {
  if (!motoInstalled()) return t.skip(unavailable('moto', 'run scripts/setup/moto.sh'));
  const moto = await startMoto();
  try {
    const res = await fetch(`${moto.endpoint}/moto-api/`);
    assert.ok(res.status < 500);
  } finally {
    await moto.stop();
  }
  await assert.rejects(fetch(`${moto.endpoint}/moto-api/`));
});
