import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { compiledEntry } from '@strongroom/errors';
import { test } from 'vitest';
import { openDatabase } from './driver.js';
import { backupDatabase, restoreRequest, tempSource } from './test-helpers.js';

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

test('a snapshot stays consistent while a writer keeps committing, and misses later commits', async () => {
  const t = await tempSource();
  const shared = new SharedArrayBuffer(8);
  const flags = new Int32Array(shared);
  let worker: Worker | undefined;
  try {
    const s = t.source;
    await s.execute('CREATE DATABASE bank');
    const file = join(t.dir, 'bank.db');
    // Filled through a connection of its own: the session connection would switch the file to WAL
    // (session.ts), and the snapshot's own switch under a busy writer is what is tested here.
    const setup = openDatabase(file);
    setup.exec(
      'CREATE TABLE acc (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);' +
        'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000) INSERT INTO acc SELECT i, 100 FROM n;' +
        'CREATE TABLE log (id INTEGER PRIMARY KEY, n INTEGER); CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0);',
    );
    setup.close();
    const probe = openDatabase(file);
    assert.equal(probe.prepare('PRAGMA journal_mode').pluck().get(), 'delete');
    probe.close();

    worker = new Worker(compiledEntry(import.meta.url, './test-writer.js'), { workerData: { file, shared } });
    const failed = new Promise<never>((_, reject) => worker!.once('error', reject));
    await Promise.race([until(() => Atomics.load(flags, 1) > 50), failed]);

    // The backup reads the spans while the writer keeps going: wait for more commits between spans.
    const beforeOpen = Atomics.load(flags, 1);
    const snapshot = await s.openSnapshot(['bank']);
    const afterOpen = Atomics.load(flags, 1);
    const schema = await snapshot.schema('bank');
    const tables = [];
    for (const table of schema.tables) {
      const chunks: Uint8Array[] = [];
      const edges = [null, ...(await snapshot.planSpans('bank', table.name)), null];
      for (let i = 0; i + 1 < edges.length; i++) {
        const before = Atomics.load(flags, 1);
        await Promise.race([until(() => Atomics.load(flags, 1) > before + 20), failed]);
        for await (const c of snapshot.readSpan('bank', table.name, { lo: edges[i]!, hi: edges[i + 1]! })) {
          chunks.push(c.data);
        }
      }
      tables.push({ table, chunks });
    }
    const liveAfterRead = Atomics.load(flags, 1);
    await snapshot.close();
    Atomics.store(flags, 0, 1);
    await new Promise((resolve) => worker!.once('exit', resolve));
    worker = undefined;

    const check = openDatabase(file, { fileMustExist: true });
    assert.equal(
      check.prepare('PRAGMA journal_mode').pluck().get(),
      'wal',
      'the snapshot switched the file to WAL',
    );
    check.close();

    await s.restore(restoreRequest({ tables, objects: schema.objects }, 'copy', true));
    const [sum, accounts] = (await s.execute('SELECT sum(balance), count(*) FROM copy.acc')).rows[0]!;
    assert.equal(sum, 3_000_000n, 'no transfer is half in the snapshot');
    assert.equal(accounts, 30_000n);
    const [logged, maxN, counter] = (
      await s.execute('SELECT count(*), max(n), (SELECT n FROM copy.counter) FROM copy.log')
    ).rows[0] as [bigint, bigint, bigint];
    assert.equal(logged, counter, 'log and counter come from the same commit');
    assert.equal(maxN, logged);
    // The snapshot holds what was committed when it began, nothing committed while it was read.
    // (The writer publishes its count just after each commit, hence the + 1.)
    assert.ok(
      Number(logged) >= beforeOpen && Number(logged) <= afterOpen + 1,
      `${beforeOpen} ${logged} ${afterOpen}`,
    );
    assert.ok(liveAfterRead > Number(logged) + 20);
    const live = (await s.execute('SELECT count(*) FROM bank.log')).rows[0]![0] as bigint;
    assert.ok(live > logged);
    // And a fresh backup sees the later commits.
    const later = await backupDatabase(s, 'bank');
    await s.restore(restoreRequest(later, 'copy2', true));
    assert.deepEqual((await s.execute('SELECT count(*) FROM copy2.log')).rows, [[live]]);
  } finally {
    Atomics.store(flags, 0, 1);
    await worker?.terminate();
    await t.dispose();
  }
});
