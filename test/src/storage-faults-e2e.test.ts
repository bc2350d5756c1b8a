// Faults between strongroom and real cloud storage. Storage level: withFaults around the real
// providers (a connection dropped mid-upload, failing reads). End to end: the engine opens storage
// through its own registry, so faults are injected by an HTTP proxy between the S3 client and moto
// (503 SlowDown, connections dropped mid-request, slow responses). A backup either completes
// correctly after retries or fails naming the object, and then nothing is listed or restorable.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isStrongroomError } from '@strongroom/errors';
import { defaultStorageRegistry, withFaults, withRetries } from '@strongroom/storage';
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  type Azurite,
  azuriteInstalled,
  chunked,
  collectNames,
  type FakeGcs,
  fakeGcsInstalled,
  type Moto,
  motoInstalled,
  pseudoRandomBytes,
  startAzurite,
  startFakeGcs,
  startMoto,
  unavailable,
} from '@strongroom/testkit';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectCode, type Fixture, fixture } from './helpers.js';

const SECRET = 'fake-secret-never-shown';
type Fault = 'pass' | 'slow' | '503' | 'drop';

/** A loopback HTTP proxy to `target` that asks `decide` what to do with each request. */
async function faultProxy(
  target: string,
  decide: (method: string, url: string, n: number) => Fault,
): Promise<{ endpoint: string; server: Server; injected: () => number }> {
  const t = new URL(target);
  let n = 0;
  let injected = 0;
  const server = createServer((req, res) => {
    const fault = decide(req.method ?? 'GET', req.url ?? '/', ++n);
    if (fault === '503') {
      injected++;
      req.resume();
      req.on('end', () => {
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>injected</Message></Error>');
      });
      return;
    }
    if (fault === 'drop') {
      injected++;
      // Read a little of the body, then cut the connection: a dropped connection mid-upload.
      req.once('data', () => req.socket.destroy());
      req.once('end', () => req.socket.destroy());
      return;
    }
    const forward = () => {
      const up = request(
        { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (fault === 'slow') setTimeout(forward, 150);
    else forward();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { endpoint: `http://127.0.0.1:${port}`, server, injected: () => injected };
}

async function demo(f: Fixture): Promise<void> {
  await f.run('CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT, balance INTEGER)');
  await f.run(
    "WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 2000) INSERT INTO accounts (owner, balance) SELECT 'owner-' || v, v FROM s",
  );
}

describe('storage faults', () => {
  const skip = motoInstalled() ? undefined : unavailable('moto', 'run scripts/setup/moto.sh');
  let moto: Moto | undefined;
  let gcs: FakeGcs | undefined;
  let azurite: Azurite | undefined;
  let n = 0;
  const s3Uri = (endpoint: string) =>
    `s3://faults/c${++n}?AWS_ACCESS_KEY_ID=test&AWS_SECRET_ACCESS_KEY=${SECRET}&AWS_ENDPOINT=${encodeURIComponent(endpoint)}&AWS_USE_PATH_STYLE=true&AWS_REGION=us-east-1`;

  beforeAll(async () => {
    if (skip) return;
    moto = await startMoto();
    await fetch(`${moto.endpoint}/faults`, { method: 'PUT' });
    if (fakeGcsInstalled()) {
      gcs = await startFakeGcs();
      await gcs.createBucket('faults');
    }
    if (azuriteInstalled()) {
      azurite = await startAzurite();
      await azurite.createContainer('faults');
    }
  });
  afterAll(async () => {
    await Promise.all([moto?.stop(), gcs?.stop(), azurite?.stop()]);
  });

  it('a connection dropped mid-upload leaves nothing; failed reads are retried (withFaults on each provider)', async (t) => {
    if (skip) return t.skip(skip);
    const uris = [s3Uri(moto!.endpoint)];
    if (gcs) uris.push(`gs://faults/w${++n}?GCS_ENDPOINT=${encodeURIComponent(gcs.endpoint)}`);
    else unavailable('fake-gcs-server', 'run scripts/setup/fake-gcs-server.sh');
    if (azurite) {
      uris.push(
        `azure-blob://faults/w${++n}?AZURE_ACCOUNT_NAME=${AZURITE_ACCOUNT}&AZURE_ACCOUNT_KEY=${encodeURIComponent(AZURITE_KEY)}&AZURE_BLOB_ENDPOINT=${encodeURIComponent(azurite.endpoint)}`,
      );
    }
    const ctx = { partSize: 5 * 1024 * 1024 };
    const data = pseudoRandomBytes(12 * 1024 * 1024, 'faults');
    for (const uri of uris) {
      const real = await defaultStorageRegistry().open(uri, ctx);
      const faulty = withFaults(real, { failWrite: { nth: 1, afterBytes: 7 * 1024 * 1024 } });
      await assert.rejects(faulty.write('big', chunked(data, 256 * 1024)), (e: unknown) =>
        isStrongroomError(e, 'STORAGE_UNAVAILABLE'),
      );
      assert.deepEqual(await collectNames(real.list('')), [], uri.split('?')[0]);
      await faulty.write('big', chunked(data, 256 * 1024));
      const retried = withRetries(withFaults(real, { failRead: { count: 2, afterBytes: 3_000_000 } }), {
        baseDelayMs: 5,
      });
      assert.ok(Buffer.from(await retried.readAll('big')).equals(data));
      await real.close?.();
    }
  });

  it('a backup completes correctly through 503s, dropped connections and slow responses', async (t) => {
    if (skip) return t.skip(skip);
    let puts = 0;
    const proxy = await faultProxy(moto!.endpoint, (method) => {
      if (method !== 'PUT' && method !== 'POST') return method === 'GET' ? 'slow' : 'pass';
      puts++;
      return puts % 3 === 0 ? '503' : puts % 5 === 0 ? 'drop' : 'pass';
    });
    const f = await fixture();
    try {
      await demo(f);
      const uri = s3Uri(proxy.endpoint);
      await f.run(`BACKUP INTO '${uri}' WITH kms = '${f.key('k')}'`);
      assert.ok(proxy.injected() >= 2, `faults injected: ${proxy.injected()}`);
      await f.run(
        `RESTORE DATABASE defaultdb FROM LATEST IN '${uri}' WITH kms = '${f.key('k')}', new_db_name = 'r'`,
      );
      assert.deepEqual(f.rows('r', 'accounts'), f.rows('defaultdb', 'accounts'));
    } finally {
      await f.engine.close();
      proxy.server.close();
    }
  });

  it('a backup whose data cannot be written fails naming the object and leaves nothing usable', async (t) => {
    if (skip) return t.skip(skip);
    const proxy = await faultProxy(moto!.endpoint, (method, url) =>
      method === 'PUT' && url.includes('.rows') ? '503' : 'pass',
    );
    const f = await fixture();
    try {
      await demo(f);
      const uri = s3Uri(proxy.endpoint);
      const err = await expectCode(
        f.run(`BACKUP INTO '${uri}' WITH kms = '${f.key('k')}'`),
        'STORAGE_UNAVAILABLE',
      );
      assert.match(err.message, /\.rows/);
      assert.match(err.message, /failed after 5 attempts/);
      assert.match(err.message, /503/);
      assert.equal(err.message.includes(SECRET), false);
      const list = await f.run(`SHOW BACKUPS IN '${uri}'`);
      assert.equal(list.rows.length, 0);
      await assert.rejects(
        f.run(
          `RESTORE DATABASE defaultdb FROM LATEST IN '${uri}' WITH kms = '${f.key('k')}', new_db_name = 'r'`,
        ),
      );
    } finally {
      await f.engine.close();
      proxy.server.close();
    }
  });
});
