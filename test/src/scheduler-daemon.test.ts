// `strongroom serve --scheduler-only` as real processes on one state directory, on a clock the test moves
// (STRONGROOM_TEST_CLOCK_FILE): two daemons run each occurrence exactly once, and a daemon stopped while
// occurrences came due runs the missed ones once when it is back.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEngine } from '@strongroom/engine';
import Database from 'better-sqlite3';
import { describe, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'packages/cli/bin/strongroom.js');
const T0 = Date.parse('2026-03-01T00:00:00Z');
const MIN = 60_000;

interface Daemon {
  readonly child: ChildProcess;
  stderr: string;
}

function startDaemon(home: string, clock: string): Daemon {
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--scheduler-only', '--home', home, '--schedule-interval', '0.05'],
    {
      env: { ...process.env, STRONGROOM_TEST_CLOCK_FILE: clock, STRONGROOM_HOME: home },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const d: Daemon = { child, stderr: '' };
  child.stderr!.on('data', (b: Buffer) => {
    d.stderr += b.toString();
  });
  return d;
}

/** Waits (bounded) until the daemon logged a finished pass at `now`. */
async function passedAt(d: Daemon, now: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (d.stderr.includes(`scheduler pass at ${now}\n`)) return;
    if (d.child.exitCode !== null) throw new Error(`daemon exited: ${d.stderr}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no pass at ${now}: ${d.stderr}`);
}

async function stop(d: Daemon): Promise<number | null> {
  if (d.child.exitCode !== null) return d.child.exitCode;
  const done = new Promise<number | null>((r) => d.child.once('exit', (code) => r(code)));
  d.child.kill('SIGTERM');
  return done;
}

function runs(home: string): { scheduledFor: number; jobId: bigint | null; claimedBy: number }[] {
  const db = new Database(join(home, 'state.db'), { readonly: true });
  try {
    db.defaultSafeIntegers(true);
    return (
      db.prepare('SELECT * FROM schedule_runs ORDER BY scheduled_for').all() as {
        scheduled_for: bigint;
        job_id: bigint | null;
        claimed_by: bigint;
      }[]
    ).map((r) => ({
      scheduledFor: Number(r.scheduled_for),
      jobId: r.job_id,
      claimedBy: Number(r.claimed_by),
    }));
  } finally {
    db.close();
  }
}

/** The process id of a node (claims name nodes: rows of the jobs store's `nodes` table). */
function nodePid(home: string, node: number): number | undefined {
  const db = new Database(join(home, 'jobs.db'), { readonly: true });
  try {
    const r = db.prepare('SELECT pid FROM nodes WHERE id = ?').get(node) as { pid: number } | undefined;
    return r?.pid;
  } finally {
    db.close();
  }
}

function jobStatuses(home: string): string[] {
  const db = new Database(join(home, 'jobs.db'), { readonly: true });
  try {
    return (db.prepare('SELECT status FROM jobs ORDER BY id').all() as { status: string }[]).map(
      (r) => r.status,
    );
  } finally {
    db.close();
  }
}

async function jobsDone(home: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (jobStatuses(home).every((s) => ['succeeded', 'failed', 'canceled'].includes(s))) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('jobs did not end');
}

describe('strongroom serve --scheduler-only', () => {
  it('two daemons on one state directory run each occurrence once; a restarted daemon runs missed ones once', async () => {
    const home = mkdtempSync(join(tmpdir(), 'strongroom-sched-'));
    const clock = join(home, 'clock');
    writeFileSync(clock, String(T0));
    const setup = await openEngine({ home, now: () => T0 });
    let scheduleId: bigint;
    try {
      await setup.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      await setup.execute("INSERT INTO t (v) VALUES ('x')");
      await setup.execute("CREATE EXTERNAL CONNECTION store AS 'nodelocal://1/coll'");
      const r = await setup.execute(
        "CREATE SCHEDULE FOR BACKUP INTO 'external://store' RECURRING '*/10 * * * *' FULL BACKUP ALWAYS",
      );
      scheduleId = r.rows[0]?.[0] as bigint;
    } finally {
      await setup.close();
    }
    let a = startDaemon(home, clock);
    const b = startDaemon(home, clock);
    try {
      await Promise.all([passedAt(a, T0), passedAt(b, T0)]);
      assert.deepEqual(runs(home), [], 'nothing is due at T0');
      for (let i = 1; i <= 4; i++) {
        const now = T0 + i * 10 * MIN;
        writeFileSync(clock, String(now));
        await Promise.all([passedAt(a, now), passedAt(b, now)]);
        await jobsDone(home);
      }
      const r1 = runs(home);
      assert.deepEqual(
        r1.map((r) => r.scheduledFor),
        [1, 2, 3, 4].map((i) => T0 + i * 10 * MIN),
        'one run per occurrence',
      );
      assert.ok(r1.every((r) => r.jobId !== null));
      assert.equal(new Set(r1.map((r) => r.jobId)).size, 4);
      assert.deepEqual(jobStatuses(home), ['succeeded', 'succeeded', 'succeeded', 'succeeded']);
      assert.ok(
        r1.every((r) => [a.child.pid, b.child.pid].includes(nodePid(home, r.claimedBy))),
        'claimed by the daemons',
      );

      // Stop one daemon, then the other; 35 minutes pass (three occurrences) before one comes back.
      assert.equal(await stop(a), 0);
      assert.equal(await stop(b), 0);
      const back = T0 + 75 * MIN;
      writeFileSync(clock, String(back));
      a = startDaemon(home, clock);
      await passedAt(a, back);
      await jobsDone(home);
      const r2 = runs(home);
      assert.deepEqual(
        r2.slice(4).map((r) => r.scheduledFor),
        [T0 + 50 * MIN],
        'the missed occurrences ran once',
      );
      assert.equal(nodePid(home, r2[4]?.claimedBy ?? 0), a.child.pid);
      writeFileSync(clock, String(back + 1));
      await passedAt(a, back + 1);
      assert.equal(runs(home).length, 5);
      const check = await openEngine({ home, now: () => back });
      try {
        const s = await check.execute(`SHOW SCHEDULE ${scheduleId}`);
        assert.equal((s.rows[0]![3] as Date).getTime(), T0 + 80 * MIN);
        assert.equal((await check.execute("SHOW BACKUPS IN 'external://store'")).rows.length, 5);
      } finally {
        await check.close();
      }
    } finally {
      await Promise.all([stop(a), stop(b)]);
    }
  });
});
