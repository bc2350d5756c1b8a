// Chain-aware retention with the real engine, SQLite and nodelocal storage: EXPIRE BACKUPS and a schedule's
// keep_full remove whole chains (a full backup and its incrementals), never the newest, never one a running
// job reads; LATEST, incremental BACKUP and RESTORE work after it (the rollback anchor is not tripped); and an
// expiry SIGKILLed at every point of its deletes leaves every backup it still lists restorable.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { gatedRegistry } from './gated-storage.js';
import { expectCode, type Fixture, fixture, TS_CHILD, walk } from './helpers.js';

const CHILD = fileURLToPath(new URL('./expire-child.ts', import.meta.url));

/** Three chains of a full and two incrementals; returns the full backups' directories, oldest first. */
async function threeChains(f: Fixture, uri: string, kms: string): Promise<string[]> {
  await f.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  for (let c = 0; c < 3; c++) {
    await f.run(`INSERT INTO t (v) VALUES ('full ${c}')`);
    await f.run(`BACKUP INTO '${uri}' WITH kms = '${kms}'`);
    for (let i = 0; i < 2; i++) {
      await f.run(`INSERT INTO t (v) VALUES ('inc ${c}.${i}')`);
      await f.run(`BACKUP INTO LATEST IN '${uri}' WITH kms = '${kms}'`);
    }
  }
  return (await f.run(`SHOW BACKUPS IN '${uri}'`)).rows.map((r) => String(r[0]).slice(1));
}

function filesOf(root: string, dir: string): string[] {
  return walk(root).filter((p) => p.includes(`/${dir}/`));
}

async function restorable(
  f: Fixture,
  uri: string,
  kms: string,
  dirs: readonly string[],
  tag: string,
): Promise<void> {
  for (const [i, d] of dirs.entries()) {
    const db = `${tag}_${i}`;
    await f.run(
      `RESTORE DATABASE defaultdb FROM '/${d}' IN '${uri}' WITH kms = '${kms}', new_db_name = '${db}'`,
    );
    assert.ok(f.rows(db, 't').length > 0);
  }
}

describe('retention of whole chains', () => {
  it('keep_full removes the oldest chains whole; LATEST, incremental BACKUP and RESTORE still work', async () => {
    const f = await fixture();
    try {
      const k = f.key('k');
      const dirs = await threeChains(f, 'nodelocal://1/c', k);
      assert.equal(dirs.length, 3);
      const expired = await f.run("EXPIRE BACKUPS IN 'nodelocal://1/c' WITH OPTIONS (keep_full = 2)");
      assert.deepEqual(
        expired.rows.map((r) => [r[0], r[1]]),
        [[`/${dirs[0]}`, 3n]],
      );
      const root = join(f.extern, 'c');
      assert.deepEqual(filesOf(root, dirs[0]!), [], 'nothing of the expired chain is left');
      assert.ok(filesOf(root, dirs[1]!).length > 0 && filesOf(root, dirs[2]!).length > 0);
      assert.deepEqual(
        (await f.run("SHOW BACKUPS IN 'nodelocal://1/c'")).rows.map((r) => r[0]),
        [`/${dirs[1]}`, `/${dirs[2]}`],
      );
      await expectCode(
        f.run(
          `RESTORE DATABASE defaultdb FROM '/${dirs[0]}' IN 'nodelocal://1/c' WITH kms = '${k}', new_db_name = 'gone'`,
        ),
        'BACKUP_NOT_FOUND',
      );
      // The newest chain is whole and LATEST names it: the rollback anchor is not tripped.
      await f.run("INSERT INTO t (v) VALUES ('after expiry')");
      await f.run(`BACKUP INTO LATEST IN 'nodelocal://1/c' WITH kms = '${k}'`);
      await f.run(
        `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH kms = '${k}', new_db_name = 'r'`,
      );
      assert.deepEqual(f.rows('r', 't'), f.rows('defaultdb', 't'));
      await restorable(f, 'nodelocal://1/c', k, [dirs[1]!], 'kept');

      // keep_full = 1 leaves the newest alone; the newest is never expired, whatever the rule.
      await f.run("EXPIRE BACKUPS IN 'nodelocal://1/c' WITH OPTIONS (keep_full = 1)");
      await f.run("EXPIRE BACKUPS IN 'nodelocal://1/c' WITH OPTIONS (older_than = '2999-01-01')");
      assert.deepEqual(
        (await f.run("SHOW BACKUPS IN 'nodelocal://1/c'")).rows.map((r) => r[0]),
        [`/${dirs[2]}`],
      );
      await f.run(
        `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH kms = '${k}', new_db_name = 'r2'`,
      );
      assert.deepEqual(f.rows('r2', 't'), f.rows('defaultdb', 't'));
    } finally {
      await f.engine.close();
    }
  });

  it('older_than removes a chain only once a newer full backup ended before that time', async () => {
    const f = await fixture();
    try {
      const k = f.key('k');
      const dirs = await threeChains(f, 'nodelocal://1/c', k);
      const t = (d: string) => {
        const m = /^(\d{4})\/(\d{2})\/(\d{2})-(\d{2})(\d{2})(\d{2})\.(\d{2})$/.exec(d)!;
        return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}.${m[7]}`;
      };
      // Just before the second full ended: nothing is covered by a newer full yet.
      const before = new Date(Date.parse(`${t(dirs[1]!).replace(' ', 'T')}Z`) - 1).toISOString();
      assert.equal(
        (await f.run(`EXPIRE BACKUPS IN 'nodelocal://1/c' WITH OPTIONS (older_than = '${before}')`)).rows
          .length,
        0,
      );
      const r = await f.run(
        `EXPIRE BACKUPS IN 'nodelocal://1/c' WITH OPTIONS (older_than = '${t(dirs[1]!)}')`,
      );
      assert.deepEqual(
        r.rows.map((x) => x[0]),
        [`/${dirs[0]}`],
      );
    } finally {
      await f.engine.close();
    }
  });

  it('keeps a chain that a running RESTORE reads', async () => {
    const { registry, gate } = gatedRegistry();
    const f = await fixture({ storage: registry });
    try {
      const k = f.key('k');
      await f.run("CREATE EXTERNAL CONNECTION g AS 'gated://1/c'");
      const dirs = await threeChains(f, 'external://g', k);
      gate.close();
      // The RESTORE of the oldest chain is planned, then held reading its data.
      const r0 = await f.run(
        `RESTORE DATABASE defaultdb FROM '/${dirs[0]}' IN 'external://g' WITH kms = '${k}', new_db_name = 'r', detached`,
      );
      const id = r0.rows[0]?.[0] as bigint;
      for (let i = 0; i < 200 && gate.waiting === 0; i++) await new Promise((res) => setTimeout(res, 10));
      assert.ok(gate.waiting > 0, 'the RESTORE is reading the oldest chain');
      const r = await f.run("EXPIRE BACKUPS IN 'external://g' WITH OPTIONS (keep_full = 1)");
      assert.deepEqual(
        r.rows.map((x) => x[0]),
        [`/${dirs[1]}`],
        'the chain the RESTORE reads is kept, the other old one goes',
      );
      gate.open();
      await f.run(`SHOW JOB WHEN COMPLETE ${id}`);
      assert.equal((await f.run(`SHOW JOB ${id}`)).rows[0]?.[5], 'succeeded');
      assert.ok(f.rows('r', 't').length > 0);
      // Now nothing reads it: the next expiry removes it.
      const again = await f.run("EXPIRE BACKUPS IN 'external://g' WITH OPTIONS (keep_full = 1)");
      assert.deepEqual(
        again.rows.map((x) => x[0]),
        [`/${dirs[0]}`],
      );
    } finally {
      gate.open();
      await f.engine.close();
    }
  });

  it('an expiry SIGKILLed at each of its deletes leaves every listed backup restorable; the next expiry finishes', async () => {
    const f = await fixture();
    try {
      const k = f.key('k');
      const dirs = await threeChains(f, 'nodelocal://1/base', k);
      const statement = (c: string) => `EXPIRE BACKUPS IN 'external://${c}' WITH OPTIONS (keep_full = 1)`;
      // How many deletes a whole expiry makes.
      cpSync(join(f.extern, 'base'), join(f.extern, 'count'), { recursive: true });
      const full = spawnSync(
        process.execPath,
        [...TS_CHILD, CHILD, f.home, 'count', statement('count'), '0'],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(full.status, 0, full.stderr);
      const total = Number(full.stdout.trim());
      assert.ok(total > 10, `an expiry of two chains makes many deletes (${total})`);
      const points = [
        ...new Set([1, 2, 3, Math.floor(total / 3), Math.floor(total / 2), total - 2, total - 1, total]),
      ];
      for (const n of points) {
        const c = `kill${n}`;
        cpSync(join(f.extern, 'base'), join(f.extern, c), { recursive: true });
        const r = spawnSync(process.execPath, [...TS_CHILD, CHILD, f.home, c, statement(c), String(n)], {
          encoding: 'utf8',
        });
        assert.equal(r.signal, 'SIGKILL', `killed at delete ${n}: ${r.stderr}`);
        const listed = (await f.run(`SHOW BACKUPS IN 'nodelocal://1/${c}'`)).rows.map((x) =>
          String(x[0]).slice(1),
        );
        assert.ok(listed.includes(dirs[2]!), 'the newest chain is always there');
        await restorable(f, `nodelocal://1/${c}`, k, listed, `k${n}`);
        await f.run(
          `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/${c}' WITH kms = '${k}', new_db_name = 'l${n}'`,
        );
        assert.deepEqual(f.rows(`l${n}`, 't'), f.rows('defaultdb', 't'));
        // A second expiry removes what the killed one left.
        await f.run(`EXPIRE BACKUPS IN 'nodelocal://1/${c}' WITH OPTIONS (keep_full = 1)`);
        const root = join(f.extern, c);
        for (const d of dirs.slice(0, 2))
          assert.deepEqual(filesOf(root, d), [], `killed at ${n}: ${d} fully gone after the rerun`);
        assert.deepEqual(
          (await f.run(`SHOW BACKUPS IN 'nodelocal://1/${c}'`)).rows.map((x) => x[0]),
          [`/${dirs[2]}`],
        );
      }
      assert.ok(existsSync(join(f.extern, 'base')));
    } finally {
      await f.engine.close();
    }
  });
});
