// Jobs while they run: SHOW JOB sees fraction_completed move, PAUSE/RESUME/CANCEL JOB act on a
// detached backup, and a canceled backup leaves nothing that SHOW BACKUPS lists.
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { type Fixture, fixture } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function bigTable(f: Fixture): Promise<void> {
  await f.run('CREATE TABLE big (id INTEGER PRIMARY KEY, v BLOB)');
  await f.run(
    'WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300000) INSERT INTO big SELECT i, randomblob(120) FROM s',
  );
}

async function waitFor(f: Fixture, id: unknown, pred: (status: string) => boolean): Promise<unknown[][]> {
  const seen: unknown[][] = [];
  for (let i = 0; i < 3000; i++) {
    const j = await f.run(`SHOW JOB ${id}`);
    const row = j.rows[0] as unknown[];
    seen.push(row);
    if (pred(String(row[5]))) return seen; // SHOW JOB: description, statement, user_name, status
    await sleep(10);
  }
  throw new Error(
    `job ${id} never reached the expected state; last: ${JSON.stringify(seen.at(-1), (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`,
  );
}

describe('jobs', () => {
  it('SHOW JOB shows fraction_completed moving while a detached backup runs', async () => {
    const f = await fixture();
    try {
      await bigTable(f);
      const r = await f.run(`BACKUP INTO 'nodelocal://1/c' WITH encryption_passphrase = 'p', detached`);
      const id = r.rows[0]?.[0];
      const seen = await waitFor(f, id, (s) => s === 'succeeded' || s === 'failed');
      const fractions = seen.map((row) => row[11] as number);
      assert.equal(seen.at(-1)?.[5], 'succeeded');
      assert.equal(fractions.at(-1), 1);
      assert.ok(
        fractions.some((x) => x > 0 && x < 1),
        `an intermediate fraction was seen: ${fractions.join(',')}`,
      );
      for (let i = 1; i < fractions.length; i++) assert.ok((fractions[i] ?? 0) >= (fractions[i - 1] ?? 0));
    } finally {
      await f.engine.close();
    }
  });

  it('PAUSE, RESUME and CANCEL JOB act on a running backup', async () => {
    const f = await fixture();
    try {
      await bigTable(f);
      const a = (await f.run(`BACKUP INTO 'nodelocal://1/a' WITH detached`)).rows[0]?.[0];
      await f.run(`PAUSE JOB ${a}`);
      await waitFor(f, a, (s) => s === 'paused');
      await sleep(100);
      assert.equal((await f.run(`SHOW JOB ${a}`)).rows[0]?.[5], 'paused');
      await f.run(`RESUME JOB ${a}`);
      await waitFor(f, a, (s) => s === 'succeeded');
      assert.equal((await f.run(`SHOW BACKUPS IN 'nodelocal://1/a'`)).rows.length, 1);

      const b = (await f.run(`BACKUP INTO 'nodelocal://1/b' WITH detached`)).rows[0]?.[0];
      await f.run(`CANCEL JOB ${b}`);
      await waitFor(f, b, (s) => s === 'canceled');
      assert.equal((await f.run(`SHOW BACKUPS IN 'nodelocal://1/b'`)).rows.length, 0);
      await assert.rejects(f.run(`PAUSE JOB ${b}`), /canceled/);
    } finally {
      await f.engine.close();
    }
  });
});
