// Locality-aware backups across three clouds, end to end with the real engine: the default locality
// on S3 (moto), region=eu-west on GCS (fake-gcs-server) and region=asia on Azure Blob (Azurite), each
// emulator on a loopback port. Domicile rules place each table; metadata stays in the default.
// (The emulator launchers are imported from testkit's dist until testkit's index exports them.)
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultStorageRegistry } from '@strongroom/storage';
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  type Azurite,
  azuriteInstalled,
  collectNames,
  type FakeGcs,
  fakeGcsInstalled,
  type Moto,
  motoInstalled,
  startAzurite,
  startFakeGcs,
  startMoto,
  unavailable,
} from '@strongroom/testkit';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectCode, type Fixture, fixture } from './helpers.js';

const registry = defaultStorageRegistry();
const S3_SECRET = 'fake-s3-secret-for-tests';

async function demo(f: Fixture): Promise<void> {
  await f.run('CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT, balance INTEGER)');
  await f.run('CREATE TABLE kv (k TEXT PRIMARY KEY, v REAL) WITHOUT ROWID');
  await f.run("INSERT INTO accounts (owner, balance) VALUES ('ada', 1), ('bob', 2), ('cy', 3)");
  await f.run("INSERT INTO kv VALUES ('pi', 3.14159), ('e', 2.71828)");
}

describe('locality-aware BACKUP across S3, GCS and Azure Blob', () => {
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
  let n = 0;
  /** URIs of a fresh collection in each cloud (without COCKROACH_LOCALITY). */
  const uris = () => {
    const c = `c${++n}`;
    return {
      s3: `s3://us-backups/${c}?AWS_ACCESS_KEY_ID=test&AWS_SECRET_ACCESS_KEY=${S3_SECRET}&AWS_ENDPOINT=${encodeURIComponent(moto!.endpoint)}&AWS_USE_PATH_STYLE=true&AWS_REGION=us-east-1`,
      gs: `gs://eu/${c}?GCS_ENDPOINT=${encodeURIComponent(gcs!.endpoint)}`,
      az: `azure-blob://asia/${c}?AZURE_ACCOUNT_NAME=${AZURITE_ACCOUNT}&AZURE_ACCOUNT_KEY=${encodeURIComponent(AZURITE_KEY)}&AZURE_BLOB_ENDPOINT=${encodeURIComponent(azurite!.endpoint)}`,
    };
  };
  const names = async (uri: string) => collectNames((await registry.open(uri)).list(''));
  const cfg = join(mkdtempSync(join(tmpdir(), 'strongroom-cfg-')), 'cfg.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      domicile: [
        { table: 'kv', locality: 'region=eu-west' },
        { table: 'accounts', locality: 'region=asia' },
      ],
    }),
  );

  beforeAll(async () => {
    if (skip) return;
    [moto, gcs, azurite] = await Promise.all([startMoto(), startFakeGcs(), startAzurite()]);
    await fetch(`${moto.endpoint}/us-backups`, { method: 'PUT' });
    await gcs.createBucket('eu');
    await azurite.createContainer('asia');
  });
  afterAll(async () => {
    await Promise.all([moto?.stop(), gcs?.stop(), azurite?.stop()]);
  });

  it('puts each table where its locality says, metadata in the default; RESTORE and SHOW need every locality', async (t) => {
    if (skip) return t.skip(skip);
    const f = await fixture({ locality: 'region=us', configPath: cfg });
    try {
      await demo(f);
      const k = f.key('k');
      const u = uris();
      const into = `('${u.s3}&COCKROACH_LOCALITY=default', '${u.gs}&COCKROACH_LOCALITY=region%3Deu-west', '${u.az}&COCKROACH_LOCALITY=region%3Dasia')`;
      const res = await f.run(`BACKUP INTO ${into} WITH kms = '${k}', strict storage locality`);
      assert.equal(res.rows[0]?.[1], 'succeeded');

      const [s3, gs, az] = await Promise.all([names(u.s3), names(u.gs), names(u.az)]);
      assert.ok(
        s3.some((p) => p.endsWith('/BACKUP_MANIFEST')),
        'manifest in the default (S3)',
      );
      assert.ok(
        s3.some((p) => p.startsWith('metadata/latest/LATEST-')),
        'LATEST in the default (S3)',
      );
      for (const [store, loc] of [
        [gs, 'region=eu-west'],
        [az, 'region=asia'],
      ] as const) {
        assert.ok(
          store.some((p) => p.endsWith('.rows')),
          `data of ${loc} in its own store`,
        );
        assert.ok(
          store.some((p) => p.includes(`BACKUP_PART_`) && p.endsWith(loc)),
          `partition descriptor of ${loc}`,
        );
        assert.ok(
          !store.some((p) => /BACKUP_MANIFEST|LATEST|ENCRYPTION-INFO/.test(p)),
          `no metadata in ${loc}`,
        );
      }
      // The default store holds no span of a domiciled table: at most the database's own pages (its schema
      // and free pages, which belong to no table), named with an empty table name in SHOW BACKUP FILES.
      const files = await f.run(
        `SHOW BACKUP FILES FROM LATEST IN ('${u.s3}', '${u.gs}', '${u.az}') WITH kms = '${k}'`,
      );
      const inDefault = files.rows.filter((r) => r[8] === 'default').map((r) => String(r[2]));
      for (const span of inDefault)
        assert.match(span, /^\/defaultdb\/\//, `a table's span in the default: ${span}`);
      assert.equal(
        s3.filter((p) => p.endsWith('.rows')).length,
        inDefault.length,
        'the default store holds exactly the files SHOW BACKUP FILES places there',
      );

      const missingAsia = await expectCode(
        f.run(
          `RESTORE DATABASE defaultdb FROM LATEST IN ('${u.s3}', '${u.gs}') WITH kms = '${k}', new_db_name = 'r'`,
        ),
        'LOCALITY_MISSING',
      );
      assert.match(missingAsia.message, /region=asia/);
      assert.equal(missingAsia.message.includes(S3_SECRET), false);
      const missingEu = await expectCode(
        f.run(`SHOW BACKUP FROM LATEST IN ('${u.s3}', '${u.az}') WITH kms = '${k}', check_files`),
        'LOCALITY_MISSING',
      );
      assert.match(missingEu.message, /region=eu-west/);

      const show = await f.run(
        `SHOW BACKUP FROM LATEST IN ('${u.s3}', '${u.gs}', '${u.az}') WITH kms = '${k}'`,
      );
      assert.ok(show.rows.length >= 2);
      const list = await f.run(`SHOW BACKUPS IN '${u.s3}'`);
      assert.equal(list.rows.length, 1);
      await f.run(
        `RESTORE DATABASE defaultdb FROM LATEST IN ('${u.s3}', '${u.gs}', '${u.az}') WITH kms = '${k}', new_db_name = 'r'`,
      );
      assert.deepEqual(f.rows('r', 'accounts'), f.rows('defaultdb', 'accounts'));
      assert.deepEqual(f.rows('r', 'kv'), f.rows('defaultdb', 'kv'));
    } finally {
      await f.engine.close();
    }
  });

  it('strict storage locality fails before writing anything to any cloud', async (t) => {
    if (skip) return t.skip(skip);
    const f = await fixture({ locality: 'region=us', configPath: cfg });
    try {
      await demo(f);
      const u = uris();
      await expectCode(
        f.run(
          `BACKUP INTO ('${u.s3}&COCKROACH_LOCALITY=default', '${u.gs}&COCKROACH_LOCALITY=region%3Deu-west') WITH strict storage locality`,
        ),
        'STRICT_LOCALITY',
      );
      assert.deepEqual(await names(u.s3), []);
      assert.deepEqual(await names(u.gs), []);
    } finally {
      await f.engine.close();
    }
  });
});
