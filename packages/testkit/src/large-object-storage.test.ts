// Streams a large object of generated data to cloud emulators and checks that this process stays
// under 300 MB RSS (uploads hold at most two parts). The suite runs Azurite (2 GiB, on disk) and
// fake-gcs-server (512 MiB: it re-hashes the whole object on every chunk, so its time grows with the
// square of the size — 2 GiB takes about ten minutes there); STRONGROOM_BIG_TARGETS=s3,gs,azure
// chooses emulators by hand and STRONGROOM_BIG_BYTES sets one size for all.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { defaultStorageRegistry, type ExternalStorage } from '@strongroom/storage';
import { afterAll, describe, it } from 'vitest';
import { pseudoRandomBytes } from './bytes.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteInstalled, startAzurite } from './emulators/azurite.js';
import { fakeGcsInstalled, startFakeGcs } from './emulators/fake-gcs.js';
import { type Launched, unavailable } from './emulators/launch.js';
import { motoInstalled, startMoto } from './emulators/moto.js';

const GIB = 1024 ** 3;
const DEFAULT_BYTES: Record<string, number> = { s3: 2 * GIB, gs: GIB / 2, azure: 2 * GIB };
const bytesOf = (target: string) => Number(process.env.STRONGROOM_BIG_BYTES ?? DEFAULT_BYTES[target]);
const TARGETS = (process.env.STRONGROOM_BIG_TARGETS ?? 'azure,gs').split(',');
const LIMIT = 300 * 1024 * 1024;

/** `total` bytes: a 1 MiB random block with the block number stamped in, so no two blocks are equal. */
async function* generated(total: number, hash: ReturnType<typeof createHash>): AsyncGenerator<Uint8Array> {
  const block = pseudoRandomBytes(1024 * 1024, 'big');
  for (let at = 0, i = 0; at < total; at += block.length, i++) {
    const chunk = Buffer.from(block.subarray(0, Math.min(block.length, total - at)));
    if (chunk.length >= 8) chunk.writeDoubleBE(i, 0);
    hash.update(chunk);
    yield chunk;
  }
}

const open: Record<string, () => Promise<{ server: Launched; storage: ExternalStorage } | string>> = {
  s3: async () => {
    if (!motoInstalled()) return unavailable('moto', 'run scripts/setup/moto.sh');
    const m = await startMoto();
    await fetch(`${m.endpoint}/big`, { method: 'PUT' });
    const uri = `s3://big/x?AWS_ACCESS_KEY_ID=test&AWS_SECRET_ACCESS_KEY=test&AWS_ENDPOINT=${encodeURIComponent(m.endpoint)}&AWS_USE_PATH_STYLE=true`;
    return { server: m, storage: await defaultStorageRegistry().open(uri) };
  },
  gs: async () => {
    if (!fakeGcsInstalled()) return unavailable('fake-gcs-server', 'run scripts/setup/fake-gcs-server.sh');
    const g = await startFakeGcs('filesystem');
    await g.createBucket('big');
    const uri = `gs://big/x?GCS_ENDPOINT=${encodeURIComponent(g.endpoint)}`;
    return { server: g, storage: await defaultStorageRegistry().open(uri) };
  },
  azure: async () => {
    if (!azuriteInstalled()) return unavailable('azurite', 'npm ci installs it');
    const a = await startAzurite(true);
    await a.createContainer('big');
    const uri = `azure-blob://big/x?AZURE_ACCOUNT_NAME=${AZURITE_ACCOUNT}&AZURE_ACCOUNT_KEY=${encodeURIComponent(AZURITE_KEY)}&AZURE_BLOB_ENDPOINT=${encodeURIComponent(a.endpoint)}`;
    return { server: a, storage: await defaultStorageRegistry().open(uri) };
  },
};

describe('a large object streams up with bounded memory', () => {
  const servers: Launched[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.stop())));
  for (const target of TARGETS) {
    const bytes = bytesOf(target);
    it(`${target}: ${bytes} bytes under 300 MB RSS`, { timeout: 600_000 }, async (t) => {
      const got = await open[target]!();
      if (typeof got === 'string') return t.skip(got);
      servers.push(got.server);
      let peak = process.memoryUsage().rss;
      const timer = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 25);
      const started = Date.now();
      const hash = createHash('sha256');
      try {
        assert.equal(await got.storage.write('big.bin', generated(bytes, hash)), bytes);
      } finally {
        clearInterval(timer);
      }
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `${target}: ${bytes} bytes in ${seconds.toFixed(1)} s, peak RSS ${(peak / 1024 ** 2).toFixed(0)} MiB`,
      );
      assert.equal(await got.storage.size('big.bin'), bytes);
      // The tail, read back as a range, matches what was generated.
      const tail = Buffer.from(await got.storage.readAll('big.bin', { offset: bytes - 1024 * 1024 }));
      const expected: Buffer[] = [];
      for await (const c of generated(bytes, createHash('sha256')))
        if (expected.push(Buffer.from(c)) > 1) expected.shift();
      assert.ok(tail.equals(expected[expected.length - 1]!));
      assert.ok(peak < LIMIT, `peak RSS ${peak} bytes`);
      await got.storage.close?.();
    });
  }
});
