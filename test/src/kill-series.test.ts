// Kill series (issue: "nothing half-done"): BACKUP, incremental BACKUP and RESTORE processes killed with
// SIGKILL at random points. After every kill: nothing half-done is visible (SHOW BACKUPS lists only
// complete backups, no restored database exists unless complete), RESTORE … FROM LATEST gives exactly the
// last completed backup, and a later BACKUP removes what the killed ones left behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, it } from 'vitest';
import { walk } from './helpers.js';

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'packages/cli/bin/strongroom.js');
const C = 'nodelocal://1/c';
const PASS = 'kill-series-fake-passphrase';

/** Runs the CLI; with `killAfterMs`, SIGKILLs it after that long (if still running). */
function run(
  home: string,
  sql: string,
  killAfterMs?: number,
): Promise<{ code: number | null; killed: boolean; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'sql', '--home', home, '-e', sql], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    let killed = false;
    const timer =
      killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, killAfterMs);
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, killed: killed && code === null, out });
    });
  });
}

/** A small deterministic PRNG, so a failing series can be replayed from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function rows(file: string): unknown[][] {
  const d = new Database(file, { readonly: true });
  try {
    return d.prepare('SELECT id, v FROM t ORDER BY id').raw().all() as unknown[][];
  } finally {
    d.close();
  }
}

function incompleteLayers(collection: string): string[] {
  if (!existsSync(collection)) return [];
  const dirs = new Set<string>();
  for (const f of walk(collection)) {
    const rel = f.slice(collection.length + 1);
    const m = /^(\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}|incrementals\/.+?\/\d{8}\/[^/]+)\//.exec(rel);
    if (m?.[1]) dirs.add(m[1]);
  }
  return [...dirs].filter((d) => !existsSync(join(collection, d, 'BACKUP_MANIFEST')));
}

function temporaries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) visit(join(d, e.name));
      else if (e.name.startsWith('.strongroom-tmp-')) out.push(join(d, e.name));
    }
  };
  visit(dir);
  return out;
}

/** One step of the series: where it runs, and when (ms after its start) its process is killed. */
interface Step {
  readonly home: string;
  readonly data: string;
  readonly collection: string;
  readonly withKey: string;
  readonly ctx: string;
  readonly at: number;
}

/**
 * A RESTORE into `target` killed at `step.at`: afterwards there is no database of that name or a complete
 * one, never an empty or partial one, and a retry under the same name succeeds. Resolves with whether the
 * process was killed.
 */
async function killedRestore(step: Step, target: string, completed: unknown[][]): Promise<boolean> {
  const { home, data, withKey, ctx } = step;
  const statement = `RESTORE DATABASE defaultdb FROM LATEST IN '${C}' ${withKey}, new_db_name = '${target}'`;
  const r = await run(home, statement, step.at);
  const file = join(data, `${target}.db`);
  if (existsSync(file)) {
    assert.ok(statSync(file).size > 0, `${ctx}: an empty ${target}.db is visible`);
    assert.deepEqual(rows(file), completed, `${ctx}: ${target} is visible but not complete`);
    return r.killed;
  }
  assert.ok(r.killed, `${ctx}: the restore neither finished nor was killed: ${r.out}`);
  const again = await run(home, statement);
  assert.equal(again.code, 0, `${ctx}: retry failed: ${again.out}`);
  assert.deepEqual(rows(file), completed, ctx);
  return r.killed;
}

/**
 * A full or incremental BACKUP killed at `step.at`. What LATEST restores (into `check`) is exactly the last
 * completed backup: the new one if it completed before the kill, the previous one otherwise; SHOW BACKUPS
 * lists no incomplete layer. Resolves with whether it was killed and the rows the last completed backup holds.
 */
async function killedBackup(
  step: Step,
  kind: 'full' | 'incremental',
  check: string,
  completed: unknown[][],
): Promise<{ killed: boolean; completed: unknown[][] }> {
  const { home, data, withKey, ctx } = step;
  const now = rows(join(data, 'defaultdb.db'));
  const sql = kind === 'full' ? `BACKUP INTO '${C}' ${withKey}` : `BACKUP INTO LATEST IN '${C}' ${withKey}`;
  const r = await run(home, sql, step.at);
  if (!r.killed) assert.equal(r.code, 0, `${ctx}: ${r.out}`);
  const restored = await run(
    home,
    `RESTORE DATABASE defaultdb FROM LATEST IN '${C}' ${withKey}, new_db_name = '${check}'`,
  );
  assert.equal(restored.code, 0, `${ctx}: ${restored.out}`);
  const got = rows(join(data, `${check}.db`));
  const newOne = JSON.stringify(got) === JSON.stringify(now);
  if (!newOne)
    assert.deepEqual(
      got,
      completed,
      `${ctx}: LATEST restored neither the last completed backup nor the new one`,
    );
  const shown = await run(home, `SHOW BACKUPS IN '${C}'`);
  assert.equal(shown.code, 0, shown.out);
  for (const dir of incompleteLayers(step.collection))
    assert.ok(!shown.out.includes(dir), `${ctx}: SHOW BACKUPS lists the incomplete ${dir}`);
  return { killed: r.killed, completed: newOne ? now : completed };
}

describe('kill series', () => {
  // Some forty processes start, run and die: allowed more than the runner's default per-test time.
  it('BACKUP, incremental BACKUP and RESTORE killed at random points never leave anything half-done', {
    timeout: 900_000,
  }, async () => {
    const seed = Number(process.env.KILL_SERIES_SEED ?? Date.now() % 100000);
    const rand = prng(seed);
    const home = mkdtempSync(join(tmpdir(), 'strongroom-kill-'));
    const data = join(home, 'data');
    mkdirSync(data, { recursive: true });
    const src = new Database(join(data, 'defaultdb.db'));
    src.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const insert = src.prepare('INSERT INTO t (v) VALUES (?)');
    const fill = src.transaction((n: number, tag: string) => {
      for (let i = 0; i < n; i++) insert.run(`${tag}-${i}-${'x'.repeat(60 + (i % 50))}`);
    });
    fill(80_000, 'base');
    const collection = join(home, 'extern', 'c');
    const withKey = `WITH encryption_passphrase = '${PASS}'`;

    // How long each uninterrupted operation takes (process start included): kills land anywhere within it.
    const timed = async (sql: string): Promise<number> => {
      const t0 = Date.now();
      const r = await run(home, sql);
      assert.equal(r.code, 0, r.out);
      return Date.now() - t0;
    };
    const span = {
      full: await timed(`BACKUP INTO '${C}' ${withKey}`),
      incremental: 0,
      restore: 0,
    };
    fill(3000, 'warm');
    span.incremental = await timed(`BACKUP INTO LATEST IN '${C}' ${withKey}`);
    span.restore = await timed(
      `RESTORE DATABASE defaultdb FROM LATEST IN '${C}' ${withKey}, new_db_name = 'warm'`,
    );
    let completed = rows(join(data, 'defaultdb.db'));
    assert.deepEqual(rows(join(data, 'warm.db')), completed);

    let kills = 0;
    const kinds = ['full', 'incremental', 'restore'] as const;
    for (let i = 0; i < 42; i++) {
      const kind = kinds[i % 3] as (typeof kinds)[number];
      const at = Math.floor(rand() * span[kind] * 0.95);
      const ctx = `seed ${seed}, step ${i} (${kind}, kill at ${at} ms of ~${span[kind]} ms)`;
      const step: Step = { home, data, collection, withKey, ctx, at };
      if (kind === 'restore') {
        if (await killedRestore(step, `r${i}`, completed)) kills++;
        continue;
      }
      // Change the data, then back it up and kill the backup somewhere.
      fill(2000 + Math.floor(rand() * 3000), `s${i}`);
      src.prepare('UPDATE t SET v = ? WHERE id % 97 = ?').run(`u${i}`, i % 97);
      const r = await killedBackup(step, kind, `k${i}`, completed);
      if (r.killed) kills++;
      completed = r.completed;
    }
    // Kill times are drawn within each operation's measured time; on a loaded machine some finish first.
    assert.ok(kills >= 24, `only ${kills} of 42 processes were killed mid-way (seed ${seed})`);
    src.close();

    // One more completed backup cleans up what every killed one left behind.
    const last = await run(home, `BACKUP INTO '${C}' ${withKey}`);
    assert.equal(last.code, 0, last.out);
    assert.deepEqual(incompleteLayers(collection), [], `seed ${seed}: incomplete layers remain`);
    assert.deepEqual(temporaries(collection), [], `seed ${seed}: temporary files remain`);
    assert.deepEqual(temporaries(data), [], `seed ${seed}: temporary database files remain`);
  });
});
