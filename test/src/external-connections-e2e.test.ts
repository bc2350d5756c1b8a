// External connections end to end with the real engine, SQLite source and nodelocal storage: every statement
// kind reaches storage and KMS through `external://name[/path]`, SHOW and job records name the connection,
// the state file is private to its owner. The cloud providers are covered by external-connections-cloud.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { expectCode, fixture, walk } from './helpers.js';

const json = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));

describe('external connections', () => {
  it('BACKUP, incremental, SHOW BACKUPS, SHOW BACKUP, RESTORE and ALTER BACKUP through external://', async () => {
    const f = await fixture();
    try {
      await f.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      await f.run("INSERT INTO t (v) VALUES ('alpha'), ('beta')");
      await f.run("CREATE EXTERNAL CONNECTION store AS 'nodelocal://1/coll'");
      await f.run(`CREATE EXTERNAL CONNECTION k1 AS '${f.key('k1')}'`);
      await f.run(`CREATE EXTERNAL CONNECTION k2 AS '${f.key('k2')}'`);

      await f.run("BACKUP INTO 'external://store/nightly' WITH kms = 'external://k1'");
      assert.ok(
        walk(f.extern).some(
          (p) => p.startsWith(join(f.extern, 'coll', 'nightly')) && p.endsWith('BACKUP_MANIFEST'),
        ),
        'the subpath is appended to the stored URI',
      );
      await f.run("INSERT INTO t (v) VALUES ('gamma')");
      await f.run("BACKUP INTO LATEST IN 'external://store/nightly' WITH kms = 'external://k1'");
      const backups = await f.run("SHOW BACKUPS IN 'external://store/nightly'");
      assert.equal(backups.rows.length, 1);
      const show = await f.run(
        "SHOW BACKUP FROM LATEST IN 'external://store/nightly' WITH kms = 'external://k1'",
      );
      assert.ok(show.rows.length >= 2, 'a full and an incremental layer');
      await f.run(
        "ALTER BACKUP LATEST IN 'external://store/nightly' ADD NEW_KMS = 'external://k2' WITH OLD_KMS = 'external://k1'",
      );
      await f.run(
        "RESTORE DATABASE defaultdb FROM LATEST IN 'external://store/nightly' WITH kms = 'external://k2', new_db_name = 'r2'",
      );
      assert.deepEqual(f.rows('r2', 't'), f.rows('defaultdb', 't'));
      assert.equal(f.rows('r2', 't').length, 3);

      const jobs = json((await f.run('SHOW JOBS')).rows);
      assert.ok(jobs.includes("'external://store/nightly'"), 'jobs name the connection');
      assert.ok(!jobs.includes('coll') && !jobs.includes('.key'), 'jobs show nothing the connection holds');
      // The raw key URI and the connection are the same key (same master key id).
      await f.run(
        `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/coll/nightly' WITH kms = '${f.key('k1')}', new_db_name = 'raw'`,
      );
      assert.deepEqual(f.rows('raw', 't'), f.rows('defaultdb', 't'));
    } finally {
      await f.engine.close();
    }
  });

  it('locality lists of external URIs', async () => {
    const f = await fixture({ locality: 'region=eu' });
    try {
      await f.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      await f.run("INSERT INTO t (v) VALUES ('x')");
      await f.run("CREATE EXTERNAL CONNECTION us AS 'nodelocal://1/us'");
      await f.run("CREATE EXTERNAL CONNECTION eu AS 'nodelocal://1/eu'");
      const into =
        "('external://us/c?COCKROACH_LOCALITY=default', 'external://eu/c?COCKROACH_LOCALITY=region%3Deu')";
      await f.run(`BACKUP INTO ${into} WITH kms = '${f.key('k')}'`);
      await f.run(
        `RESTORE DATABASE defaultdb FROM LATEST IN ${into} WITH kms = '${f.key('k')}', new_db_name = 'r'`,
      );
      assert.deepEqual(f.rows('r', 't'), f.rows('defaultdb', 't'));
      assert.ok(walk(join(f.extern, 'us')).some((p) => p.endsWith('BACKUP_MANIFEST')));
    } finally {
      await f.engine.close();
    }
  });

  it('CREATE / SHOW / DROP, IF NOT EXISTS, types, errors, and a private state file', async () => {
    const f = await fixture();
    try {
      // A URI the provider does not accept is refused when the connection is created.
      await expectCode(
        f.run("CREATE EXTERNAL CONNECTION bad AS 'nodelocal://1/x?FOO=bar'"),
        'UNKNOWN_URI_PARAMETER',
      );
      await expectCode(f.run("CREATE EXTERNAL CONNECTION bad AS 'ftp://host/x'"), 'UNKNOWN_SCHEME');
      await expectCode(f.run("CREATE EXTERNAL CONNECTION bad AS 'external://other'"), 'INVALID_URI');
      await f.run("CREATE EXTERNAL CONNECTION s AS 'nodelocal://1/one'");
      await expectCode(f.run("CREATE EXTERNAL CONNECTION s AS 'nodelocal://1/two'"), 'CONNECTION_EXISTS');
      await f.run("CREATE EXTERNAL CONNECTION IF NOT EXISTS s AS 'nodelocal://1/two'");
      await f.run(`CREATE EXTERNAL CONNECTION k AS '${f.key('k')}'`);
      const all = await f.run('SHOW EXTERNAL CONNECTIONS');
      assert.deepEqual(
        all.columns.map((c) => c.name),
        ['connection_name', 'connection_uri', 'connection_type'],
      );
      assert.deepEqual(
        all.rows.map((r) => [r[0], r[2]]),
        [
          ['k', 'KMS'],
          ['s', 'STORAGE'],
        ],
      );
      assert.deepEqual((await f.run('SHOW EXTERNAL CONNECTION s')).rows, [
        ['s', 'nodelocal://1/one', 'STORAGE'],
      ]);
      await expectCode(f.run("BACKUP INTO 'external://k'"), 'INVALID_URI');
      await expectCode(f.run("BACKUP INTO 'external://s' WITH kms = 'external://s'"), 'INVALID_URI');
      await expectCode(f.run("BACKUP INTO 'external://nope'"), 'CONNECTION_NOT_FOUND');
      await expectCode(f.run("BACKUP INTO 'external://s?AUTH=implicit'"), 'INVALID_URI');
      await f.run('DROP EXTERNAL CONNECTION s');
      await expectCode(f.run('DROP EXTERNAL CONNECTION s'), 'CONNECTION_NOT_FOUND');
      await expectCode(f.run('SHOW EXTERNAL CONNECTION s'), 'CONNECTION_NOT_FOUND');
      await expectCode(f.run("BACKUP INTO 'external://s'"), 'CONNECTION_NOT_FOUND');

      const st = statSync(join(f.home, 'state.db'));
      assert.equal(st.mode & 0o777, 0o600, 'state.db is readable by its owner only');
      for (const side of ['state.db-wal', 'state.db-shm']) {
        try {
          assert.equal(statSync(join(f.home, side)).mode & 0o777, 0o600, `${side} too`);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      assert.ok(!readFileSync(join(f.home, 'jobs.db')).includes('nodelocal://1/one'));
    } finally {
      await f.engine.close();
    }
  });

  it('SHOW BACKUP CONNECTION writes, reads back and deletes', async () => {
    const f = await fixture();
    try {
      await f.run("CREATE EXTERNAL CONNECTION s AS 'nodelocal://1/check'");
      const ok = await f.run("SHOW BACKUP CONNECTION 'external://s'");
      assert.deepEqual(
        ok.columns.map((c) => c.name),
        ['node', 'locality', 'ok', 'error', 'transferred', 'read_speed', 'write_speed', 'can_delete'],
      );
      assert.equal(ok.rows[0]?.[2], true, json(ok.rows));
      assert.equal(ok.rows[0]?.[7], true);
      assert.deepEqual(walk(join(f.extern, 'check')), [], 'the test object is gone');
      const missing = await f.run("SHOW BACKUP CONNECTION 'external://nope'");
      assert.equal(missing.rows[0]?.[2], false);
      assert.match(String(missing.rows[0]?.[3]), /does not exist/);
    } finally {
      await f.engine.close();
    }
  });
});
