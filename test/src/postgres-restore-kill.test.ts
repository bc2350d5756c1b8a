// Issue 12 item 8, PostgreSQL: a RESTORE DATABASE killed with SIGKILL at any point leaves no database with
// the target's name (it is built under a temporary name and renamed into place when complete), and the
// retry succeeds, dropping the temporary the killed one left. The RESTORE runs in a CLI process, killed
// when the temporary database appears, once its tables exist, while rows are being copied and while
// indexes are built.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '@strongroom/engine';
import { openSource, temporaryDatabase } from '@strongroom/sources';
import { type PostgresCluster, pgQuery, startPostgresForTests, tableChecksums } from '@strongroom/testkit';
import { afterAll, beforeAll, describe, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'packages/cli/bin/strongroom.js');

let cluster: PostgresCluster | undefined;
let skip: string | undefined;

beforeAll(async () => {
  ({ cluster, skip } = await startPostgresForTests());
});

afterAll(async () => {
  await cluster?.stop();
});

const FIXTURE = `
CREATE TABLE big (id int PRIMARY KEY, v text, n numeric);
INSERT INTO big SELECT g, md5(g::text), g * 1.5 FROM generate_series(1, 300000) g;
CREATE INDEX big_v ON big (v);
CREATE INDEX big_n ON big (n);
CREATE TABLE small (id int PRIMARY KEY, big_id int REFERENCES big (id));
INSERT INTO small SELECT g, g FROM generate_series(1, 1000) g;
SELECT lo_from_bytea(0, convert_to(repeat('large object ', 200000), 'UTF8'));
`;

/** Polls until `ready` holds or the process exits; true when it held. */
async function waitFor(child: ChildProcess, ready: () => Promise<boolean>): Promise<boolean> {
  while (child.exitCode === null && child.signalCode === null) {
    if (await ready().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 15));
  }
  return false;
}

describe('postgres RESTORE killed with SIGKILL', () => {
  it('never leaves a half-restored database under the target name, and the retry succeeds', async (t) => {
    if (skip) return t.skip(skip);
    const pg = cluster as PostgresCluster;
    const db = 'killsrc';
    await pgQuery(pg, 'postgres', `CREATE DATABASE ${db}`);
    await pgQuery(pg, db, FIXTURE);
    const home = mkdtempSync(join(tmpdir(), 'strongroom-kill-'));
    const keyPath = join(home, 'k.key');
    writeFileSync(keyPath, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    const source = `postgres://postgres:fake-test-password@127.0.0.1:${pg.port}/${db}`;
    const engine = await openEngine({ home, source });
    await engine.execute(`BACKUP DATABASE ${db} INTO 'nodelocal://1/k' WITH kms = 'local://${keyPath}'`);
    await engine.close();

    const target = 'killdst';
    const temporary = temporaryDatabase(target);
    const restore = `RESTORE DATABASE ${db} FROM LATEST IN 'nodelocal://1/k' WITH kms = 'local://${keyPath}', new_db_name = '${target}'`;
    const run = (): { child: ChildProcess; closed: Promise<number | null> } => {
      const child = spawn(process.execPath, [bin, 'sql', '--source', source, '-e', restore], {
        cwd: root,
        env: { ...process.env, STRONGROOM_HOME: home },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      return { child, closed: new Promise((r) => child.once('close', (code) => r(code))) };
    };
    const exists = async (name: string): Promise<boolean> =>
      (await pgQuery(pg, 'postgres', `SELECT 1 FROM pg_database WHERE datname = '${name}'`)).length > 0;
    const inTemporary = async (sql: string): Promise<boolean> =>
      (await exists(temporary)) && (await pgQuery(pg, 'postgres', sql)).length > 0;
    const activity = (like: string) =>
      inTemporary(
        `SELECT 1 FROM pg_stat_activity WHERE datname = '${temporary}' AND state = 'active' AND query LIKE '${like}'`,
      );
    const points: [string, () => Promise<boolean>][] = [
      ['the temporary database exists', () => exists(temporary)],
      [
        'its tables exist',
        async () =>
          (await exists(temporary)) &&
          (await pgQuery(pg, temporary, "SELECT to_regclass('public.big')::text")).at(0)?.[0] === 'big',
      ],
      ['rows are being copied', () => activity('COPY %')],
      ['indexes are being built', () => activity('%CREATE INDEX%')],
    ];
    let midway = 0;
    for (const [what, ready] of points) {
      const { child, closed } = run();
      const hit = await waitFor(child, ready);
      child.kill('SIGKILL');
      await closed;
      if (hit) midway++;
      // Killed before the rename, there is no target; after it, the target is complete.
      if (await exists(target)) {
        assert.deepEqual(await tableChecksums(pg, target), await tableChecksums(pg, db), what);
        await pgQuery(pg, 'postgres', `DROP DATABASE ${target}`);
      }
      const dbs = await engineDatabases(home, source);
      assert.ok(!dbs.includes(temporary), `a database being restored is not listed (${what})`);
    }
    assert.ok(midway >= 3, `${midway} of ${points.length} kills landed inside the restore`);
    // The retry drops the temporary the last kill left and restores the whole database.
    assert.equal(await run().closed, 0);
    assert.ok(await exists(target));
    assert.ok(!(await exists(temporary)));
    const counts = await pgQuery(pg, target, 'SELECT count(*) FROM big');
    assert.deepEqual(counts, [['300000']]);
    assert.deepEqual(await tableChecksums(pg, target), await tableChecksums(pg, db));
  });
});

async function engineDatabases(home: string, source: string): Promise<string[]> {
  const s = await openSource(source, { home });
  try {
    return [...(await s.listDatabases())];
  } finally {
    await s.close();
  }
}
