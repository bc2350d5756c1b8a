// A SQLite RESTORE killed with SIGKILL at many points (issue #12 item 8): the target database is either
// absent or complete, never half-written or empty; the retry succeeds (no "already exists"); the
// temporaries a killed restore leaves are removed by the next one. Page and row collections alike.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { describe, it } from 'vitest';
import { fixture } from './helpers.js';

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'packages/cli/bin/strongroom.js');

function restore(home: string, collection: string): ReturnType<typeof spawn> {
  return spawn(
    process.execPath,
    [
      bin,
      'sql',
      '--home',
      home,
      '-e',
      `RESTORE DATABASE src FROM LATEST IN 'nodelocal://1/${collection}' WITH new_db_name = 'x'`,
    ],
    { stdio: 'ignore' },
  );
}

function summary(file: string): { check: string; rows: unknown } {
  const d = new Database(file, { readonly: true });
  try {
    return {
      check: (d.prepare('PRAGMA integrity_check').pluck().all() as string[]).join('; '),
      rows: d.prepare('SELECT count(*), sum(n), sum(length(pad)) FROM t').raw().get(),
    };
  } finally {
    d.close();
  }
}

const temporaries = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('.strongroom-'));

interface KillPoint {
  readonly after: 'start' | 'writing';
  readonly ms: number;
}

/**
 * After a kill: the target is complete if it is visible; if not, a retry (not refused as "already exists")
 * completes it and removes what the killed restore left.
 */
async function assertCompleteOrRetried(
  home: string,
  dir: string,
  collection: string,
  expected: ReturnType<typeof summary>,
  where: string,
): Promise<void> {
  const target = join(dir, 'x.db');
  if (existsSync(target)) {
    assert.deepEqual(summary(target), expected, `${where}: a visible database is complete`);
    return;
  }
  const retry = restore(home, collection);
  const code = await new Promise<number | null>((resolve) => retry.once('exit', resolve));
  assert.equal(code, 0, `${where}: the retry succeeds`);
  assert.deepEqual(summary(target), expected, `${where}: the retried restore is complete`);
  assert.deepEqual(temporaries(dir), [], `${where}: stale temporaries removed`);
}

/**
 * Starts a restore of `collection` and SIGKILLs it `point.ms` after its start or after its temporary file
 * appeared in `dir`; resolves with the signal it ended by (null when it finished first) and its pid.
 */
async function restoreKilledAt(
  home: string,
  dir: string,
  collection: string,
  point: KillPoint,
): Promise<{ signal: NodeJS.Signals | null; pid: number | undefined }> {
  const child = restore(home, collection);
  let gone = false;
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => {
      gone = true;
      resolve(signal);
    }),
  );
  if (point.after === 'writing') {
    const mine = `.strongroom-restore-${child.pid}-`;
    const deadline = Date.now() + 120_000;
    while (!gone && !temporaries(dir).some((n) => n.startsWith(mine)) && Date.now() < deadline)
      await sleep(2);
  }
  await sleep(point.ms);
  child.kill('SIGKILL');
  return { signal: await exited, pid: child.pid };
}

describe('a killed SQLite RESTORE', () => {
  it('leaves the target absent or complete, and the retry succeeds', async () => {
    const f = await fixture();
    const dir = f.dataDir;
    try {
      await f.run('CREATE DATABASE src');
      await f.run('CREATE TABLE src.t (id INTEGER PRIMARY KEY, n INTEGER, pad BLOB)');
      await f.run('CREATE INDEX src.t_n ON t (n)');
      await f.run(
        'WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 150000) INSERT INTO src.t SELECT i, i % 977, randomblob(300) FROM s',
      );
      await f.run(`BACKUP DATABASE src INTO 'nodelocal://1/pages'`);
      process.env.STRONGROOM_SPANS = 'rows';
      try {
        await f.run(`BACKUP DATABASE src INTO 'nodelocal://1/rows'`);
      } finally {
        delete process.env.STRONGROOM_SPANS;
      }
    } finally {
      await f.engine.close();
    }
    const expected = summary(join(dir, 'src.db'));
    const target = join(dir, 'x.db');
    let midway = 0;
    // Kill points: shortly after the start (before any page is written, on a loaded machine), and at
    // growing delays after the restore's own temporary file appeared (while it writes).
    const points: KillPoint[] = [
      { after: 'start', ms: 100 },
      { after: 'start', ms: 400 },
      ...[0, 20, 60, 120, 250, 500, 900].map((ms) => ({ after: 'writing' as const, ms })),
    ];
    const cases = ['pages', 'rows'].flatMap((collection) => points.map((point) => ({ collection, point })));
    for (const { collection, point } of cases) {
      const { signal, pid } = await restoreKilledAt(f.home, dir, collection, point);
      const wasWriting = temporaries(dir).some((n) => n.startsWith(`.strongroom-restore-${pid}-`));
      if (signal === 'SIGKILL' && wasWriting) midway++;
      const when = point.after === 'start' ? 'the start' : 'it began writing';
      await assertCompleteOrRetried(
        f.home,
        dir,
        collection,
        expected,
        `${collection}, killed ${point.ms} ms after ${when}`,
      );
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(target + suffix, { force: true });
    }
    assert.ok(midway >= 4, `kills landed while a restore was writing (${midway})`);
    rmSync(f.home, { recursive: true, force: true });
  });
});
