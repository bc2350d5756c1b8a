// Regression tests of issue #18 (CockroachDB fidelity): a foreign key to a table that is not restored is
// refused unless skip_missing_foreign_keys, a cluster restore needs an empty home, the job statements that
// `check` accepts run, and job control on a job already in the requested state does nothing.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkStatement } from '@strongroom/engine';
import { parseStatement } from '@strongroom/sql';
import { describe, it } from 'vitest';
import { expectCode, fixture, walk } from './helpers.js';

describe('issue #18', () => {
  it('RESTORE TABLE without its referenced table is refused; skip_missing_foreign_keys drops the key', async () => {
    const f = await fixture();
    try {
      await f.run('CREATE DATABASE fk');
      await f.run('CREATE TABLE fk.parent (id INTEGER PRIMARY KEY)');
      await f.run(
        'CREATE TABLE fk.child (id INTEGER PRIMARY KEY, p INTEGER REFERENCES parent(id) ON DELETE CASCADE, q INTEGER, CONSTRAINT c2 FOREIGN KEY (q) REFERENCES "parent" (id))',
      );
      await f.run('INSERT INTO fk.parent VALUES (1)');
      await f.run('INSERT INTO fk.child VALUES (1, 1, 1)');
      await f.run(`BACKUP DATABASE fk INTO 'nodelocal://1/fk'`);
      await f.run('CREATE DATABASE fk2');
      const err = await expectCode(
        f.run(`RESTORE TABLE fk.child FROM LATEST IN 'nodelocal://1/fk' WITH into_db = 'fk2'`),
        'TARGET_NOT_FOUND',
      );
      assert.equal(
        err.message,
        'cannot restore table "child" without referenced table "parent" (or "skip_missing_foreign_keys" option)',
      );
      assert.deepEqual((await f.run('SHOW TABLES FROM fk2')).rows, []);

      await f.run(
        `RESTORE TABLE fk.child FROM LATEST IN 'nodelocal://1/fk' WITH into_db = 'fk2', skip_missing_foreign_keys`,
      );
      assert.deepEqual(f.rows('fk2', 'child'), [[1n, 1n, 1n]]);
      const ddl = await f.run(`SELECT sql FROM fk2.sqlite_schema WHERE name = 'child'`);
      assert.doesNotMatch(String(ddl.rows[0]?.[0]), /REFERENCES/i);

      // Restored together (or into a database that has the parent), the key stays.
      await f.run('CREATE DATABASE fk3');
      await f.run(`RESTORE TABLE fk.parent, fk.child FROM LATEST IN 'nodelocal://1/fk' WITH into_db = 'fk3'`);
      const kept = await f.run(`SELECT sql FROM fk3.sqlite_schema WHERE name = 'child'`);
      assert.match(String(kept.rows[0]?.[0]), /REFERENCES parent\(id\) ON DELETE CASCADE/);
    } finally {
      await f.engine.close();
    }
  });

  it('a full cluster RESTORE needs a home without tables', async () => {
    const f = await fixture();
    const g = await fixture();
    try {
      await f.run('CREATE TABLE accounts (id INTEGER PRIMARY KEY)');
      await f.run(`BACKUP INTO 'file://${f.extern}/all'`);
      await g.run('CREATE TABLE other (id INTEGER)');
      const err = await expectCode(g.run(`RESTORE FROM LATEST IN 'file://${f.extern}/all'`), 'TARGET_EXISTS');
      assert.match(
        err.message,
        /^full cluster restore can only be run on a cluster with no tables or databases but found 1 tables: defaultdb\.other/,
      );
      await g.run('DROP TABLE other');
      await g.run(`RESTORE FROM LATEST IN 'file://${f.extern}/all'`);
      assert.deepEqual((await g.run('SHOW TABLES')).rows, [['defaultdb', 'accounts']]);
    } finally {
      await f.engine.close();
      await g.engine.close();
    }
  });

  it('job statements check accepts run; PAUSE/RESUME/CANCEL in the same state are no-ops', async () => {
    const f = await fixture();
    try {
      await f.run('CREATE TABLE t (a INTEGER)');
      const id = (await f.run(`BACKUP INTO 'nodelocal://1/c'`)).rows[0]?.[0] as bigint;
      for (const sql of [
        'PAUSE ALL BACKUP JOBS',
        `PAUSE JOBS (SELECT job_id FROM [SHOW JOBS] WHERE status = 'running')`,
        `CANCEL JOBS (SELECT job_id FROM [SHOW JOBS] WHERE status = 'paused')`,
        `RESUME JOBS SELECT job_id FROM [SHOW JOBS] WHERE status = 'paused'`,
        "PAUSE JOB 1 WITH REASON = 'maintenance'",
      ]) {
        checkStatement(parseStatement(sql));
        if (sql.startsWith('PAUSE JOB 1')) await expectCode(f.run(sql), 'JOB_NOT_FOUND');
        else await f.run(sql);
      }
      // The backup succeeded: canceling it again is refused, but nothing else changes.
      await expectCode(f.run(`PAUSE JOB ${id}`), 'JOB_STATE');
      const listed = await f.run(`SELECT job_id, status FROM [SHOW JOBS] WHERE job_type = 'BACKUP'`);
      assert.deepEqual(listed.rows, [[id, 'succeeded']]);
      const cte = await f.run(
        `WITH j AS (SELECT * FROM [SHOW JOBS]) SELECT job_id FROM j WHERE status = 'succeeded'`,
      );
      assert.deepEqual(cte.rows, [[id]]);
      const full = await f.run(`SHOW JOB ${id}`);
      assert.deepEqual(
        full.columns.map((c) => c.name),
        [
          'job_id',
          'job_type',
          'description',
          'statement',
          'user_name',
          'status',
          'running_status',
          'created',
          'started',
          'finished',
          'modified',
          'fraction_completed',
          'error',
          'coordinator_id',
          'trace_id',
          'execution_errors',
        ],
      );
      assert.deepEqual((await f.run('SHOW JOB 999')).rows, []);
      assert.equal((await f.run(`SHOW JOB WHEN COMPLETE ${id}`)).rows[0]?.[5], 'succeeded');
      const when = await f.run(`SHOW JOBS WHEN COMPLETE (SELECT job_id FROM [SHOW JOBS])`);
      assert.deepEqual(
        when.rows.map((r) => r[0]),
        [id],
      );
      // A schedule's jobs (none here), by id or by a query over [SHOW SCHEDULES] (#19).
      checkStatement(parseStatement('SHOW JOBS FOR SCHEDULE 1'));
      assert.deepEqual((await f.run('SHOW JOBS FOR SCHEDULE 1')).rows, []);
      const sql = 'PAUSE JOBS FOR SCHEDULES SELECT id FROM [SHOW SCHEDULES]';
      checkStatement(parseStatement(sql));
      assert.equal((await f.run(sql)).tag, 'PAUSE JOBS 0');
      await expectCode(f.run('PAUSE JOBS FOR SCHEDULES SELECT nope FROM [SHOW SCHEDULES]'), 'SYNTAX_ERROR');
    } finally {
      await f.engine.close();
    }
  });

  it('job control on a job already in the requested state does nothing', async () => {
    const f = await fixture();
    try {
      await f.run('CREATE TABLE big (id INTEGER PRIMARY KEY, v BLOB)');
      await f.run(
        'WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 200000) INSERT INTO big SELECT i, randomblob(120) FROM s',
      );
      const id = (await f.run(`BACKUP INTO 'nodelocal://1/a' WITH detached`)).rows[0]?.[0];
      await f.run(`PAUSE JOB ${id} WITH REASON = 'disk check'`);
      await f.run(`PAUSE JOB ${id}`);
      await f.run(`RESUME JOB ${id}`);
      await f.run(`RESUME JOB ${id}`);
      await f.run(`CANCEL JOB ${id}`);
      await f.run(`CANCEL JOB ${id}`);
      const r = await f.run(`SHOW JOB WHEN COMPLETE ${id}`);
      assert.ok(['canceled', 'succeeded'].includes(String(r.rows[0]?.[5])), String(r.rows[0]?.[5]));
    } finally {
      await f.engine.close();
    }
  });

  it('ALTER BACKUP writes ENCRYPTION-INFO-2 and still reads an older ENCRYPTION-INFO-0002; LATEST holds /<subdir>', async () => {
    const f = await fixture();
    try {
      await f.run('CREATE TABLE t (a INTEGER)');
      const [a, b] = [f.key('a'), f.key('b')];
      await f.run(`BACKUP INTO 'nodelocal://1/c' WITH kms = '${a}'`);
      const dir = String((await f.run(`SHOW BACKUPS IN 'nodelocal://1/c'`)).rows[0]?.[0]);
      const markers = walk(join(f.extern, 'c', 'metadata', 'latest'));
      assert.equal(markers.length, 1);
      assert.equal(readFileSync(markers[0]!, 'utf8'), dir);
      await f.run(`ALTER BACKUP LATEST IN 'nodelocal://1/c' ADD NEW_KMS = '${b}' WITH OLD_KMS = '${a}'`);
      const full = join(f.extern, 'c', dir);
      assert.deepEqual(
        walk(full)
          .filter((p) => p.includes('ENCRYPTION-INFO'))
          .map((p) => p.slice(full.length + 1)),
        ['ENCRYPTION-INFO', 'ENCRYPTION-INFO-2'],
      );
      // A collection altered before the names matched CockroachDB's.
      renameSync(join(full, 'ENCRYPTION-INFO-2'), join(full, 'ENCRYPTION-INFO-0002'));
      const shown = await f.run(`SHOW BACKUP FROM LATEST IN 'nodelocal://1/c' WITH kms = '${b}'`);
      assert.ok(shown.rows.some((r) => r[2] === 't'));
      const [c] = [f.key('c')];
      await f.run(`ALTER BACKUP LATEST IN 'nodelocal://1/c' ADD NEW_KMS = '${c}' WITH OLD_KMS = '${b}'`);
      assert.ok(existsSync(join(full, 'ENCRYPTION-INFO-3')));
      await f.run(`SHOW BACKUP FROM LATEST IN 'nodelocal://1/c' WITH kms = '${c}'`);
    } finally {
      await f.engine.close();
    }
  });

  it("CockroachDB's messages: encrypted without a key, appending tables to a cluster backup, missing files", async () => {
    const f = await fixture();
    try {
      await f.run('CREATE TABLE t (a INTEGER)');
      await f.run('INSERT INTO t VALUES (1)');
      const k = f.key('k');
      await f.run(`BACKUP INTO 'nodelocal://1/c' WITH kms = '${k}'`);
      const enc = await expectCode(
        f.run(`SHOW BACKUP FROM LATEST IN 'nodelocal://1/c'`),
        'ENCRYPTION_REQUIRED',
      );
      assert.equal(
        enc.message,
        'file appears encrypted -- try specifying one of "encryption_passphrase" or "kms"',
      );
      const app = await expectCode(
        f.run(`BACKUP TABLE t INTO LATEST IN 'nodelocal://1/c' WITH kms = '${k}'`),
        'INCOMPATIBLE_CHAIN',
      );
      assert.equal(app.message, 'cannot append a backup of specific tables or databases to a cluster backup');
      const data = walk(join(f.extern, 'c')).filter((p) => p.endsWith('.rows'));
      assert.ok(data.length > 0);
      for (const p of data) rmSync(p);
      const miss = await expectCode(
        f.run(`SHOW BACKUP FROM LATEST IN 'nodelocal://1/c' WITH kms = '${k}', check_files`),
        'CORRUPTED',
      );
      assert.match(
        miss.message,
        /^The following files are missing from the backup:\n\tnodelocal:\/\/1\/c\/\S+\.rows/,
      );
    } finally {
      await f.engine.close();
    }
  });

  it('SHOW BACKUP: skip size shows 0 sizes and rows, RANGES has start_key/end_key, times are TIMESTAMP', async () => {
    const f = await fixture();
    try {
      await f.run('CREATE TABLE t (a INTEGER)');
      await f.run('INSERT INTO t VALUES (1), (2)');
      await f.run(`BACKUP INTO 'nodelocal://1/c'`);
      const full = await f.run(`SHOW BACKUP FROM LATEST IN 'nodelocal://1/c'`);
      const t = full.rows.find((r) => r[2] === 't')!;
      assert.equal(t[8], 2);
      assert.ok(Number(t[7]) > 0);
      assert.deepEqual(
        full.columns.filter((c) => c.name.endsWith('_time')).map((c) => c.type),
        ['timestamp', 'timestamp'],
      );
      const skipped = await f.run(`SHOW BACKUP FROM LATEST IN 'nodelocal://1/c' WITH skip size`);
      const s = skipped.rows.find((r) => r[2] === 't')!;
      assert.deepEqual([s[7], s[8]], [0, 0]);
      const ranges = await f.run(`SHOW BACKUP RANGES FROM LATEST IN 'nodelocal://1/c'`);
      assert.deepEqual(
        ranges.columns.map((c) => c.name),
        ['start_pretty', 'end_pretty', 'start_key', 'end_key'],
      );
      const r = ranges.rows.find((x) => String(x[0]).startsWith('/defaultdb/t/'))!;
      assert.equal(Buffer.from(r[2] as Uint8Array).toString(), r[0]);
    } finally {
      await f.engine.close();
    }
  });

  it('job descriptions name the full backup LATEST resolved to and show KMS URIs as redacted', async () => {
    const f = await fixture();
    try {
      await f.run('CREATE TABLE t (a INTEGER)');
      const k = f.key('k');
      await f.run(`BACKUP INTO 'nodelocal://1/c' WITH kms = '${k}'`);
      const dir = String((await f.run(`SHOW BACKUPS IN 'nodelocal://1/c'`)).rows[0]?.[0]);
      const id = (await f.run(`BACKUP INTO LATEST IN 'nodelocal://1/c' WITH kms = '${k}'`)).rows[0]?.[0];
      const job = await f.run(`SHOW JOB ${id}`);
      assert.equal(job.rows[0]?.[2], `BACKUP INTO '${dir}' IN 'nodelocal://1/c' WITH kms = 'redacted'`);
      assert.ok(
        !JSON.stringify((await f.run('SHOW JOBS')).rows, (_k, v) =>
          typeof v === 'bigint' ? String(v) : v,
        ).includes(k),
      );
    } finally {
      await f.engine.close();
    }
  });
});
