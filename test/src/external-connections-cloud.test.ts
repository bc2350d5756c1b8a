// External connections on every storage and KMS provider's emulator (moto for S3 and AWS KMS,
// fake-gcs-server, Azurite, the in-repo Cloud KMS and Key Vault servers), through the real engine: each
// statement kind reaches storage and KMS through external:// only, and no credential the connections hold
// shows in SHOW output, job records, the jobs store or a schedule.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  type Azurite,
  azuriteInstalled,
  type FakeGcs,
  fakeGcsInstalled,
  type GcpKmsServer,
  type KeyVaultServer,
  type Moto,
  motoInstalled,
  motoKeys,
  startAzurite,
  startFakeGcs,
  startGcpKmsServer,
  startKeyVaultServer,
  startMoto,
  unavailable,
} from '@strongroom/testkit';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fixture } from './helpers.js';

const S3_SECRET = `fake-s3-secret-${randomBytes(6).toString('hex')}`;
const AWS_SECRET = `fake-aws-kms-secret-${randomBytes(6).toString('hex')}`;
const GCP_TOKEN = `fake-gcp-token-${randomBytes(6).toString('hex')}`;
const RING = 'projects/p/locations/global/keyRings/backups';

const json = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));

describe('external connections on the cloud emulators', () => {
  const missing = !motoInstalled()
    ? 'moto (scripts/setup/moto.sh)'
    : !fakeGcsInstalled()
      ? 'fake-gcs-server (scripts/setup/fake-gcs-server.sh)'
      : !azuriteInstalled()
        ? 'azurite (npm)'
        : undefined;
  const skip = missing ? unavailable(missing, 'not installed') : undefined;
  let moto: Moto | undefined;
  let gcs: FakeGcs | undefined;
  let azurite: Azurite | undefined;
  let gcp: GcpKmsServer | undefined;
  let kv: KeyVaultServer | undefined;

  beforeAll(async () => {
    if (skip) return;
    [moto, gcs, azurite, gcp, kv] = await Promise.all([
      startMoto(),
      startFakeGcs(),
      startAzurite(),
      startGcpKmsServer(),
      startKeyVaultServer(),
    ]);
    await fetch(`${moto.endpoint}/ext-backups`, { method: 'PUT' });
    await gcs.createBucket('ext-backups');
    await azurite.createContainer('ext-backups');
    process.env.IDENTITY_ENDPOINT = kv.identityEndpoint;
    process.env.IDENTITY_HEADER = 'fake-identity-header';
  });
  afterAll(async () => {
    await Promise.all([moto?.stop(), gcs?.stop(), azurite?.stop(), gcp?.stop(), kv?.stop()]);
  });

  it('BACKUP, incremental, SHOW, RESTORE, ALTER BACKUP, SHOW BACKUP CONNECTION and a schedule on each cloud', async (t) => {
    if (skip) return t.skip(skip);
    let now = Date.parse('2026-03-01T00:00:00Z');
    const f = await fixture({ now: () => now });
    try {
      await f.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      await f.run("INSERT INTO t (v) VALUES ('alpha'), ('beta')");
      const awsKey = (await motoKeys(moto!.endpoint).createKey()).keyId;
      const gcpKey = gcp!.createKey(RING, `k-${randomBytes(4).toString('hex')}`);
      const azName = `k-${randomBytes(4).toString('hex')}`;
      const azVersion = kv!.createKey(azName);
      const clouds = [
        {
          name: 's3',
          storage: `s3://ext-backups/c?AWS_ACCESS_KEY_ID=test&AWS_SECRET_ACCESS_KEY=${S3_SECRET}&AWS_ENDPOINT=${encodeURIComponent(moto!.endpoint)}&AWS_USE_PATH_STYLE=true&AWS_REGION=us-east-1`,
          kms: `aws:///${awsKey}?REGION=us-east-1&AWS_ACCESS_KEY_ID=AKIAFAKE&AWS_SECRET_ACCESS_KEY=${AWS_SECRET}&AWS_ENDPOINT=${encodeURIComponent(moto!.endpoint)}`,
        },
        {
          name: 'gs',
          storage: `gs://ext-backups/c?GCS_ENDPOINT=${encodeURIComponent(gcs!.endpoint)}`,
          kms: `gs:///${gcpKey}?BEARER_TOKEN=${GCP_TOKEN}&GCP_KMS_ENDPOINT=${gcp!.endpoint}`,
        },
        {
          name: 'azure',
          storage: `azure-blob://ext-backups/c?AZURE_ACCOUNT_NAME=${AZURITE_ACCOUNT}&AZURE_ACCOUNT_KEY=${encodeURIComponent(AZURITE_KEY)}&AZURE_BLOB_ENDPOINT=${encodeURIComponent(azurite!.endpoint)}`,
          kms:
            `azure-kms:///${azName}/${azVersion}?AZURE_VAULT_NAME=backups&AUTH=implicit` +
            `&AZURE_VAULT_URL=${encodeURIComponent(kv!.vaultUrl)}&AZURE_VAULT_CA_FILE=${encodeURIComponent(kv!.caFile)}`,
        },
      ];
      for (const c of clouds) {
        await f.run(`CREATE EXTERNAL CONNECTION st_${c.name} AS '${c.storage}'`);
        await f.run(`CREATE EXTERNAL CONNECTION k_${c.name} AS '${c.kms}'`);
      }
      const listed = await f.run('SHOW EXTERNAL CONNECTIONS');
      assert.deepEqual(
        listed.rows.map((r) => [r[0], r[2]]),
        [
          ['k_azure', 'KMS'],
          ['k_gs', 'KMS'],
          ['k_s3', 'KMS'],
          ['st_azure', 'STORAGE'],
          ['st_gs', 'STORAGE'],
          ['st_s3', 'STORAGE'],
        ],
      );
      for (const [i, c] of clouds.entries()) {
        const into = `'external://st_${c.name}/run'`;
        const kms = `'external://k_${c.name}'`;
        const next = `'external://k_${clouds[(i + 1) % clouds.length]!.name}'`;
        await f.run(`BACKUP INTO ${into} WITH kms = ${kms}`);
        await f.run(`INSERT INTO t (v) VALUES ('after ${c.name}')`);
        await f.run(`BACKUP INTO LATEST IN ${into} WITH kms = ${kms}`);
        assert.equal((await f.run(`SHOW BACKUPS IN ${into}`)).rows.length, 1, c.name);
        const layers = await f.run(`SHOW BACKUP FROM LATEST IN ${into} WITH kms = ${kms}`);
        assert.ok(
          layers.rows.some((r) => r[4] === 'incremental'),
          c.name,
        );
        await f.run(`ALTER BACKUP LATEST IN ${into} ADD NEW_KMS = ${next} WITH OLD_KMS = ${kms}`);
        await f.run(
          `RESTORE DATABASE defaultdb FROM LATEST IN ${into} WITH kms = ${next}, new_db_name = 'r_${c.name}'`,
        );
        assert.deepEqual(f.rows(`r_${c.name}`, 't'), f.rows('defaultdb', 't'), c.name);
        const check = await f.run(`SHOW BACKUP CONNECTION 'external://st_${c.name}'`);
        assert.equal(check.rows[0]?.[2], true, `${c.name}: ${json(check.rows)}`);

        // A schedule whose secrets are all behind connections, run by a scheduler pass.
        const s = await f.run(
          `CREATE SCHEDULE sched_${c.name} FOR BACKUP INTO 'external://st_${c.name}/sched' WITH kms = ${kms} RECURRING '@hourly' FULL BACKUP ALWAYS WITH SCHEDULE OPTIONS first_run = 'now'`,
        );
        const report = await f.engine.runDueSchedules!(now);
        assert.equal(report.started.length, 1, c.name);
        await f.run(`SHOW JOBS WHEN COMPLETE (SELECT job_id FROM [SHOW JOBS] WHERE status = 'running')`);
        const jobs = await f.run(`SHOW JOBS FOR SCHEDULE ${s.rows[0]?.[0]}`);
        assert.equal(jobs.rows[0]?.[5], 'succeeded', json(jobs.rows));
        now += 1000;
      }
      const shown =
        json((await f.run('SHOW EXTERNAL CONNECTIONS')).rows) +
        json((await f.run('SHOW JOBS')).rows) +
        json((await f.run('SHOW SCHEDULES')).rows);
      const jobsDb = readFileSync(join(f.home, 'jobs.db')).toString('latin1');
      for (const secret of [S3_SECRET, AWS_SECRET, GCP_TOKEN, AZURITE_KEY]) {
        assert.ok(!shown.includes(secret), 'no secret in SHOW output');
        assert.ok(!jobsDb.includes(secret), 'no secret in the jobs store');
      }
    } finally {
      await f.engine.close();
    }
  });
});
