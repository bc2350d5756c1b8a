// End to end with the three cloud KMS on loopback emulators: moto (AWS KMS), the in-repo gRPC Cloud
// KMS and the in-repo HTTPS Key Vault, through the real engine, SQLite source and nodelocal storage.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  type GcpKmsServer,
  type KeyVaultServer,
  type Moto,
  motoInstalled,
  motoKeys,
  startGcpKmsServer,
  startKeyVaultServer,
  startMoto,
  unavailable,
} from '@strongroom/testkit';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectCode, type Fixture, fixture, snapshotFiles } from './helpers.js';

const AWS_SECRET = `fake-aws-secret-${randomBytes(6).toString('hex')}`;
const GCP_TOKEN = `fake-gcp-token-${randomBytes(6).toString('hex')}`;
const RING = 'projects/p/locations/global/keyRings/backups';

let moto: Moto | undefined;
let gcp: GcpKmsServer;
let kv: KeyVaultServer;
let skip: string | undefined;

async function demo(f: Fixture): Promise<void> {
  await f.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  await f.run("INSERT INTO t (v) VALUES ('alpha'), ('beta'), ('gamma')");
}

const awsUri = async (): Promise<string> => {
  const { keyId } = await motoKeys(moto!.endpoint).createKey();
  return `aws:///${keyId}?REGION=us-east-1&AWS_ACCESS_KEY_ID=AKIAFAKE&AWS_SECRET_ACCESS_KEY=${AWS_SECRET}&AWS_ENDPOINT=${encodeURIComponent(moto!.endpoint)}`;
};
const gsUri = (server: GcpKmsServer): string => {
  const name = server.createKey(RING, `k-${randomBytes(4).toString('hex')}`);
  return `gs:///${name}?BEARER_TOKEN=${GCP_TOKEN}&GCP_KMS_ENDPOINT=${server.endpoint}`;
};
const azureUri = (): string => {
  const name = `k-${randomBytes(4).toString('hex')}`;
  const version = kv.createKey(name);
  return (
    `azure-kms:///${name}/${version}?AZURE_VAULT_NAME=backups&AUTH=implicit` +
    `&AZURE_VAULT_URL=${encodeURIComponent(kv.vaultUrl)}&AZURE_VAULT_CA_FILE=${encodeURIComponent(kv.caFile)}`
  );
};
const list = (uris: readonly string[]) => `(${uris.map((u) => `'${u}'`).join(', ')})`;

describe('BACKUP / RESTORE with cloud KMS keys on emulators', () => {
  beforeAll(async () => {
    if (!motoInstalled()) {
      skip = unavailable('moto', 'run scripts/setup/moto.sh');
      return;
    }
    [moto, gcp, kv] = await Promise.all([startMoto(), startGcpKmsServer(), startKeyVaultServer()]);
    process.env.IDENTITY_ENDPOINT = kv.identityEndpoint;
    process.env.IDENTITY_HEADER = 'fake-identity-header';
  });
  afterAll(async () => {
    await Promise.all([moto?.stop(), gcp?.stop(), kv?.stop()]);
  });

  it('a backup under (aws, gs, azure) restores with each key alone; no secret in the jobs', async (t) => {
    if (skip) return t.skip(skip);
    const f = await fixture();
    try {
      await demo(f);
      const keys = [await awsUri(), gsUri(gcp), azureUri()];
      await f.run(`BACKUP INTO 'nodelocal://1/c' WITH kms = ${list(keys)}`);
      for (const [i, k] of keys.entries()) {
        await f.run(
          `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH kms = '${k}', new_db_name = 'r${i}'`,
        );
        assert.deepEqual(f.rows(`r${i}`, 't'), f.rows('defaultdb', 't'));
      }
      const jobs = JSON.stringify((await f.run('SHOW JOBS')).rows, (_k, v) =>
        typeof v === 'bigint' ? String(v) : v,
      );
      assert.ok(!jobs.includes(AWS_SECRET) && !jobs.includes(GCP_TOKEN), 'a secret reached the jobs store');
    } finally {
      await f.engine.close();
    }
  });

  it('with one KMS stopped, RESTORE still works with another; alone it fails retryably, named', async (t) => {
    if (skip) return t.skip(skip);
    const f = await fixture();
    const doomed = await startGcpKmsServer();
    try {
      await demo(f);
      const gs = gsUri(doomed);
      const aws = await awsUri();
      await f.run(`BACKUP INTO 'nodelocal://1/c' WITH kms = ${list([gs, aws, azureUri()])}`);
      await doomed.stop();
      await f.run(
        `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH kms = ${list([gs, aws])}, new_db_name = 'r'`,
      );
      assert.deepEqual(f.rows('r', 't'), f.rows('defaultdb', 't'));
      const err = (await expectCode(
        f.run(
          `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH kms = '${gs}', new_db_name = 'r2'`,
        ),
        'KMS_UNAVAILABLE',
      )) as Error & { retryable?: boolean };
      assert.equal(err.retryable, true);
      assert.ok(
        err.message.includes(`GCP_KMS_ENDPOINT=${doomed.endpoint}`) &&
          err.message.includes('BEARER_TOKEN=redacted'),
      );
      assert.ok(!err.message.includes(GCP_TOKEN));
    } finally {
      await doomed.stop();
      await f.engine.close();
    }
  });

  it('ALTER BACKUP adds an Azure key to an AWS backup; RESTORE with the Azure key alone', async (t) => {
    if (skip) return t.skip(skip);
    const f = await fixture();
    try {
      await demo(f);
      const aws = await awsUri();
      const azure = azureUri();
      await f.run(`BACKUP INTO 'nodelocal://1/c' WITH kms = '${aws}'`);
      await f.run("INSERT INTO t (v) VALUES ('delta')");
      await f.run(`BACKUP INTO LATEST IN 'nodelocal://1/c' WITH kms = '${aws}'`);
      await expectCode(
        f.run(
          `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH kms = '${azure}', new_db_name = 'x'`,
        ),
        'KMS_KEY_MISMATCH',
      );
      await f.run(
        `ALTER BACKUP LATEST IN 'nodelocal://1/c' ADD NEW_KMS = '${azure}' WITH OLD_KMS = '${aws}'`,
      );
      await f.run(
        `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH kms = '${azure}', new_db_name = 'r'`,
      );
      assert.deepEqual(f.rows('r', 't'), f.rows('defaultdb', 't'));
    } finally {
      await f.engine.close();
    }
  });

  it('an incremental may use a subset of the keys; a key the chain lacks fails before any write', async (t) => {
    if (skip) return t.skip(skip);
    const f = await fixture();
    try {
      await demo(f);
      const keys = [await awsUri(), gsUri(gcp), azureUri()];
      await f.run(`BACKUP INTO 'nodelocal://1/c' WITH kms = ${list(keys)}`);
      await f.run("INSERT INTO t (v) VALUES ('delta')");
      await f.run(`BACKUP INTO LATEST IN 'nodelocal://1/c' WITH kms = '${keys[1]}'`);
      await f.run("INSERT INTO t (v) VALUES ('epsilon')");
      const before = snapshotFiles(join(f.extern, 'c'));
      const stranger = azureUri();
      const err = await expectCode(
        f.run(`BACKUP INTO LATEST IN 'nodelocal://1/c' WITH kms = ${list([keys[0]!, stranger])}`),
        'KMS_KEY_MISMATCH',
      );
      assert.match(err.message, /one of the provided URIs was not used when encrypting the base BACKUP/);
      assert.deepEqual(snapshotFiles(join(f.extern, 'c')), before, 'files were written');
      await f.run(
        `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH kms = '${keys[2]}', new_db_name = 'r'`,
      );
      const restored = f.rows('r', 't');
      assert.equal(restored.length, 4);
      assert.deepEqual(restored, f.rows('defaultdb', 't').slice(0, 4));
    } finally {
      await f.engine.close();
    }
  });
});
