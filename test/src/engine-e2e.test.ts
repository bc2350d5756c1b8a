// End to end on the embedded default: real SQLite, real files, the real parser and crypto. Each test
// takes a fresh state directory.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '@strongroom/engine';
import { describe, it } from 'vitest';
import { expectCode, fixture, snapshotFiles, walk } from './helpers.js';

const SECRET = 'correct horse battery staple';

async function demo(f: Awaited<ReturnType<typeof fixture>>): Promise<void> {
  await f.run('CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT, balance INTEGER, photo BLOB)');
  await f.run('CREATE INDEX accounts_owner ON accounts (owner)');
  await f.run('CREATE TABLE kv (k TEXT PRIMARY KEY, v REAL) WITHOUT ROWID');
  await f.run('CREATE VIEW rich AS SELECT owner FROM accounts WHERE balance > 100');
  await f.run(
    "INSERT INTO accounts (owner, balance, photo) VALUES ('zebulon-plaintext-marker', 9223372036854775807, x'00ff'), ('ada', -9223372036854775808, NULL), ('ünï', 101, x'')",
  );
  await f.run("INSERT INTO kv VALUES ('pi', 3.14159), ('neg', -0.5), ('nul', NULL)");
}

describe('BACKUP / RESTORE on the embedded SQLite source', () => {
  it('round-trips a database exactly, encrypted under a local KMS key', async () => {
    const f = await fixture();
    try {
      await demo(f);
      const k = f.key('k1');
      const res = await f.run(`BACKUP INTO 'nodelocal://1/c' WITH kms = '${k}'`);
      assert.deepEqual(
        res.columns.map((c) => c.name),
        ['job_id', 'status', 'fraction_completed', 'rows'],
      );
      assert.equal(res.rows[0]?.[1], 'succeeded');
      assert.equal(res.rows[0]?.[3], 6n);
      await f.run(
        `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH kms = '${k}', new_db_name = 'copy'`,
      );
      assert.deepEqual(f.rows('copy', 'accounts'), f.rows('defaultdb', 'accounts'));
      assert.deepEqual(f.rows('copy', 'kv'), f.rows('defaultdb', 'kv'));
      const view = await f.run('SELECT owner FROM copy.rich ORDER BY owner');
      assert.deepEqual(view.rows, [['zebulon-plaintext-marker'], ['ünï']]);
      const idx = await f.run(
        "SELECT name FROM copy.sqlite_master WHERE type = 'index' AND name = 'accounts_owner'",
      );
      assert.equal(idx.rows.length, 1);
    } finally {
      await f.engine.close();
    }
  });

  it('writes no plaintext: neither row values nor table names appear in any file', async () => {
    const f = await fixture();
    try {
      await demo(f);
      await f.run(
        `BACKUP INTO 'nodelocal://1/c' WITH kms = '${f.key('k')}', encryption_passphrase = '${SECRET}'`,
      );
      const files = walk(join(f.extern, 'c'));
      assert.ok(files.some((p) => p.endsWith('.rows')));
      for (const p of files) {
        const bytes = readFileSync(p);
        for (const needle of ['zebulon-plaintext-marker', 'accounts', 'owner', SECRET])
          assert.equal(bytes.includes(needle), false, `${needle} found in ${p}`);
      }
    } finally {
      await f.engine.close();
    }
  });

  it('detects a flipped byte in a data file, naming the file, at check_files and at RESTORE', async () => {
    const f = await fixture();
    try {
      await demo(f);
      const k = f.key('k');
      await f.run(`BACKUP INTO 'nodelocal://1/c' WITH kms = '${k}'`);
      const ok = await f.run(`SHOW BACKUP FROM LATEST IN 'nodelocal://1/c' WITH kms = '${k}', check_files`);
      assert.ok(ok.columns.some((c) => c.name === 'file_bytes'));
      const file = walk(join(f.extern, 'c')).find((p) => p.endsWith('.rows'));
      assert.ok(file);
      const bytes = readFileSync(file);
      bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 1;
      writeFileSync(file, bytes);
      const rel = file.slice(join(f.extern, 'c').length + 1);
      const e1 = await expectCode(
        f.run(`SHOW BACKUP FROM LATEST IN 'nodelocal://1/c' WITH kms = '${k}', check_files`),
        'CORRUPTED',
      );
      assert.match(e1.message, new RegExp(rel.replaceAll('.', '\\.')));
      const e2 = await expectCode(
        f.run(
          `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH kms = '${k}', new_db_name = 'x'`,
        ),
        'CORRUPTED',
      );
      assert.match(e2.message, /corrupted or has been tampered with/);
      const dbs = await f.run("SELECT name FROM pragma_database_list WHERE name = 'x'");
      assert.equal(dbs.rows.length, 0, 'a failed restore leaves no database behind');
    } finally {
      await f.engine.close();
    }
  });

  it('tells a wrong key and a wrong passphrase apart from corruption', async () => {
    const f = await fixture();
    try {
      await demo(f);
      await f.run(`BACKUP INTO 'nodelocal://1/c' WITH kms = '${f.key('a')}', encryption_passphrase = $1`, [
        SECRET,
      ]);
      await expectCode(
        f.run(`SHOW BACKUP FROM LATEST IN 'nodelocal://1/c' WITH kms = '${f.key('other')}'`),
        'KMS_KEY_MISMATCH',
      );
      await expectCode(
        f.run(`SHOW BACKUP FROM LATEST IN 'nodelocal://1/c' WITH encryption_passphrase = 'nope'`),
        'WRONG_KEY',
      );
      await expectCode(f.run(`SHOW BACKUP FROM LATEST IN 'nodelocal://1/c'`), 'ENCRYPTION_REQUIRED');
      const r = await f.run(`SHOW BACKUP FROM LATEST IN 'nodelocal://1/c' WITH encryption_passphrase = $1`, [
        SECRET,
      ]);
      assert.ok(r.rows.some((row) => row[2] === 'accounts' && row[8] === 3));
    } finally {
      await f.engine.close();
    }
  });

  it('ALTER BACKUP adds a key: RESTORE works with the new key alone and the old one, no data file rewritten', async () => {
    const f = await fixture();
    try {
      await demo(f);
      const [a, b] = [f.key('old'), f.key('new')];
      await f.run(`BACKUP INTO 'nodelocal://1/c' WITH kms = '${a}'`);
      await f.run("INSERT INTO accounts (owner, balance) VALUES ('later', 5)");
      await f.run(`BACKUP INTO LATEST IN 'nodelocal://1/c' WITH kms = '${a}'`);
      const before = snapshotFiles(join(f.extern, 'c'));
      await f.run(`ALTER BACKUP LATEST IN 'nodelocal://1/c' ADD NEW_KMS = '${b}' WITH OLD_KMS = '${a}'`);
      const after = snapshotFiles(join(f.extern, 'c'));
      for (const [p, content] of before) assert.equal(after.get(p), content, `${p} changed`);
      const added = [...after.keys()].filter((p) => !before.has(p));
      assert.equal(added.length, 1);
      assert.match(added[0] ?? '', /ENCRYPTION-INFO-2$/);
      // Idempotent: the same ALTER again (a job retried after a crash) writes nothing more.
      await f.run(`ALTER BACKUP LATEST IN 'nodelocal://1/c' ADD NEW_KMS = '${b}' WITH OLD_KMS = '${a}'`);
      assert.deepEqual([...snapshotFiles(join(f.extern, 'c')).keys()].sort(), [...after.keys()].sort());
      await f
        .run(`RESTORE TABLE accounts FROM LATEST IN 'nodelocal://1/c' WITH kms = '${b}', into_db = 'n1'`)
        .catch(async (err) => {
          if ((err as { code?: string }).code !== 'DATABASE_NOT_FOUND') throw err;
          await f.run('CREATE DATABASE n1');
          await f.run(
            `RESTORE TABLE accounts FROM LATEST IN 'nodelocal://1/c' WITH kms = '${b}', into_db = 'n1'`,
          );
        });
      assert.deepEqual(f.rows('n1', 'accounts'), f.rows('defaultdb', 'accounts'));
      await f.run(
        `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH kms = '${a}', new_db_name = 'n2'`,
      );
      assert.deepEqual(f.rows('n2', 'accounts'), f.rows('defaultdb', 'accounts'));
      await expectCode(
        f.run(
          `ALTER BACKUP LATEST IN 'nodelocal://1/c' ADD NEW_KMS = '${f.key('x')}' WITH OLD_KMS = '${f.key('y')}'`,
        ),
        'KMS_KEY_MISMATCH',
      );
    } finally {
      await f.engine.close();
    }
  });

  it('an incremental naming a key the chain lacks fails before writing anything', async () => {
    const f = await fixture();
    try {
      await demo(f);
      await f.run(`BACKUP INTO 'nodelocal://1/c' WITH kms = ('${f.key('a')}', '${f.key('b')}')`);
      const before = snapshotFiles(join(f.extern, 'c'));
      await expectCode(
        f.run(`BACKUP INTO LATEST IN 'nodelocal://1/c' WITH kms = ('${f.key('a')}', '${f.key('z')}')`),
        'KMS_KEY_MISMATCH',
      );
      assert.deepEqual(snapshotFiles(join(f.extern, 'c')), before);
      await f.run(`BACKUP INTO LATEST IN 'nodelocal://1/c' WITH kms = '${f.key('b')}'`);
    } finally {
      await f.engine.close();
    }
  });

  it('restores never overwrite an existing table or database', async () => {
    const f = await fixture();
    try {
      await demo(f);
      await f.run(`BACKUP INTO 'nodelocal://1/c'`);
      await expectCode(f.run(`RESTORE TABLE accounts FROM LATEST IN 'nodelocal://1/c'`), 'TARGET_EXISTS');
      await expectCode(f.run(`RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c'`), 'TARGET_EXISTS');
      assert.equal(f.rows('defaultdb', 'accounts').length, 3);
    } finally {
      await f.engine.close();
    }
  });

  it('EXPLAIN prints the plan and writes nothing', async () => {
    const f = await fixture();
    try {
      await demo(f);
      const r = await f.run(`EXPLAIN BACKUP INTO 'nodelocal://1/c' WITH encryption_passphrase = '${SECRET}'`);
      const text = r.rows.map((x) => x[0]).join('\n');
      assert.match(text, /table defaultdb\.accounts → locality default/);
      assert.equal(text.includes(SECRET), false);
      assert.deepEqual(walk(f.extern), []);
      // No storage or KMS request at all: an unreachable endpoint (a closed loopback port) is never tried.
      const s3 =
        's3://b/c?AWS_ACCESS_KEY_ID=fake-id&AWS_SECRET_ACCESS_KEY=fake-secret&AWS_ENDPOINT=http%3A%2F%2F127.0.0.1%3A9&AWS_USE_PATH_STYLE=true';
      const kms =
        'aws:///alias/k?REGION=us-east-1&AWS_ACCESS_KEY_ID=fake-id&AWS_SECRET_ACCESS_KEY=fake-secret&AWS_ENDPOINT=http%3A%2F%2F127.0.0.1%3A9';
      const started = Date.now();
      for (const sql of [
        `EXPLAIN BACKUP INTO '${s3}' WITH kms = '${kms}'`,
        `EXPLAIN BACKUP INTO LATEST IN '${s3}' WITH kms = '${kms}'`,
        `EXPLAIN RESTORE DATABASE defaultdb FROM LATEST IN '${s3}' WITH kms = '${kms}', new_db_name = 'x'`,
        `EXPLAIN ALTER BACKUP LATEST IN '${s3}' ADD NEW_KMS = '${kms}' WITH OLD_KMS = '${kms}'`,
      ]) {
        const out = (await f.run(sql)).rows.map((x) => x[0]).join('\n');
        assert.equal(out.includes('fake-secret'), false, out);
      }
      assert.ok(Date.now() - started < 2000, 'no request was retried against the endpoint');
    } finally {
      await f.engine.close();
    }
  });

  it('strict storage locality fails before writing; RESTORE names a missing locality', async () => {
    const cfg = join(mkdtempSync(join(tmpdir(), 'strongroom-cfg-')), 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ domicile: [{ table: 'kv', locality: 'region=eu' }] }));
    const f = await fixture({ locality: 'region=us', configPath: cfg });
    try {
      await demo(f);
      await expectCode(
        f.run(
          "BACKUP INTO ('nodelocal://1/us?COCKROACH_LOCALITY=default', 'nodelocal://1/asia?COCKROACH_LOCALITY=region%3Dasia') WITH strict storage locality",
        ),
        'STRICT_LOCALITY',
      );
      assert.deepEqual(walk(f.extern), []);
      // One plain URI serves no locality but the default: every table here has one (kv by its domicile rule,
      // the others by the node's --locality region=us), and each is refused, not sent to that one store.
      const single = await expectCode(
        f.run("BACKUP INTO 'nodelocal://1/single' WITH strict storage locality"),
        'STRICT_LOCALITY',
      );
      assert.match(single.message, /defaultdb\.kv \(region=eu\)/);
      assert.match(single.message, /\(region=us\)/);
      const explained = await f.run(
        "EXPLAIN BACKUP INTO 'nodelocal://1/single' WITH strict storage locality",
      );
      assert.match(
        explained.rows.map((r) => r[0]).join('\n'),
        /table defaultdb\.kv → locality none \(no URI matches\)/,
      );
      assert.deepEqual(walk(f.extern), []);
      await f.run(
        "BACKUP INTO ('nodelocal://1/us?COCKROACH_LOCALITY=default', 'nodelocal://1/eu?COCKROACH_LOCALITY=region%3Deu')",
      );
      const eu = walk(join(f.extern, 'eu'));
      assert.ok(
        eu.some((p) => p.endsWith('.rows')),
        'the kv span went to the eu store',
      );
      assert.ok(eu.some((p) => /BACKUP_PART_1_region=eu$/.test(p)));
      assert.ok(!eu.some((p) => p.endsWith('BACKUP_MANIFEST')), 'metadata only in the default store');
      const err = await expectCode(
        f.run(`RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/us' WITH new_db_name = 'r'`),
        'LOCALITY_MISSING',
      );
      assert.match(err.message, /region=eu/);
      await f.run(
        `RESTORE DATABASE defaultdb FROM LATEST IN ('nodelocal://1/us', 'nodelocal://1/eu') WITH new_db_name = 'r'`,
      );
      assert.deepEqual(f.rows('r', 'kv'), f.rows('defaultdb', 'kv'));
    } finally {
      await f.engine.close();
    }
  });

  it('an interrupted backup is neither listed nor restorable', async () => {
    const f = await fixture();
    try {
      await demo(f);
      await f
        .run(
          "INSERT INTO accounts (owner, balance) SELECT 'row' || value, value FROM generate_series(1, 5000)",
        )
        .catch(async () => {
          for (let i = 0; i < 50; i++)
            await f.run(`INSERT INTO accounts (owner, balance) VALUES ('r${i}', ${i})`);
        });
      const ac = new AbortController();
      const p = f.engine.execute(`BACKUP INTO 'nodelocal://1/c'`, {
        signal: ac.signal,
        onProgress: () => ac.abort(),
      });
      await expectCode(p, 'CANCELED');
      const list = await f.run(`SHOW BACKUPS IN 'nodelocal://1/c'`);
      assert.equal(list.rows.length, 0);
      await expectCode(
        f.run(`RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH new_db_name = 'r'`),
        'BACKUP_NOT_FOUND',
      );
      const jobs = await f.run('SHOW JOBS');
      assert.equal(jobs.rows[0]?.[4], 'canceled');
    } finally {
      await f.engine.close();
    }
  });

  it('detached jobs return their id at once; job records hold no secret', async () => {
    const f = await fixture();
    try {
      await demo(f);
      const k = `${f.key('k')}`;
      const r = await f.run(
        `BACKUP INTO 'nodelocal://1/c' WITH encryption_passphrase = '${SECRET}', kms = '${k}', detached`,
      );
      assert.deepEqual(
        r.columns.map((c) => c.name),
        ['job_id'],
      );
      const id = r.rows[0]?.[0];
      assert.equal(typeof id, 'bigint');
      const job = await f.run(`SHOW JOB ${id}`);
      assert.match(String(job.rows[0]?.[2]), /encryption_passphrase = '\*\*\*\*\*'/);
      await f.engine.close();
      const store = readFileSync(join(f.home, 'jobs.db'));
      assert.equal(store.includes(SECRET), false);
      const again = await openEngine({ home: f.home });
      try {
        const after = await again.execute(`SHOW JOB ${id}`);
        assert.equal(
          after.rows[0]?.[5],
          'succeeded',
          'job status survives a restart (status follows statement)',
        );
      } finally {
        await again.close();
      }
    } finally {
      await f.engine.close().catch(() => undefined);
    }
  });
});

describe('targets', () => {
  it('backs up TABLE and DATABASE targets, and restores everything into an empty source', async () => {
    const f = await fixture();
    const g = await fixture();
    try {
      await demo(f);
      await f.run('CREATE DATABASE shop');
      await f.run('CREATE TABLE shop.orders (id INTEGER PRIMARY KEY, total INTEGER)');
      await f.run('INSERT INTO shop.orders (total) VALUES (10), (20)');
      await f.run(`BACKUP TABLE accounts, shop.orders INTO 'file://${f.extern}/tables'`);
      const t = await f.run(`SHOW BACKUP FROM LATEST IN 'file://${f.extern}/tables'`);
      assert.deepEqual(
        t.rows.filter((r) => r[3] === 'table').map((r) => `${r[0]}.${r[2]}`),
        ['defaultdb.accounts', 'shop.orders'],
      );
      await f.run(`BACKUP DATABASE shop INTO 'file://${f.extern}/shop'`);
      const d = await f.run(`SHOW BACKUP FROM LATEST IN 'file://${f.extern}/shop'`);
      assert.deepEqual(
        d.rows.filter((r) => r[3] === 'table').map((r) => r[2]),
        ['orders'],
      );
      await f.run(`BACKUP INTO 'file://${f.extern}/all'`);
      // A second engine with an empty source restores the whole backup.
      await g.run(`RESTORE FROM LATEST IN 'file://${f.extern}/all'`);
      assert.deepEqual(g.rows('defaultdb', 'accounts'), f.rows('defaultdb', 'accounts'));
      assert.deepEqual(g.rows('shop', 'orders'), f.rows('shop', 'orders'));
      await expectCode(g.run(`RESTORE FROM LATEST IN 'file://${f.extern}/all'`), 'TARGET_EXISTS');
    } finally {
      await f.engine.close();
      await g.engine.close();
    }
  });
});
