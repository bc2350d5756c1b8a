// Durable jobs (issue #20) with real processes: a detached job submitted by `strongroom sql -e` runs in the
// `strongroom serve` daemon and outlives its client (and without a daemon the client says what happens);
// on a PostgreSQL state store, `kill -9` of the node running a RESTORE at random points → another node (or
// the restarted one) adopts it and the result equals an uninterrupted restore; three serve nodes with jobs
// submitted to each over the wire and one killed mid-job → every job ends once, correctly; PAUSE through one
// node, RESUME through another; a BACKUP (full, incremental) whose node is killed after some spans resumes on a
// restarted node, reusing the span files that did not change and writing the changed ones anew. Leases are short (STRONGROOM_JOB_LEASE_MS) so nothing waits for minutes.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, type Stats, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Engine, openEngine } from '@strongroom/engine';
import { type PostgresCluster, pgQuery, startPostgresForTests } from '@strongroom/testkit';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(root, 'packages/cli/bin/strongroom.js');
const LEASE_MS = 1500;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const TERMINAL = ['succeeded', 'failed', 'canceled'];
const USER = 'app';
const PASSWORD = 'fake-durable-password';

function nodeEnv(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    STRONGROOM_HOME: home,
    STRONGROOM_JOB_LEASE_MS: String(LEASE_MS),
    STRONGROOM_JOB_POLL_MS: '100',
  };
}

interface Node {
  readonly child: ChildProcess;
  stderr: string;
  port?: number;
}

/** A `strongroom serve` node: a job daemon only, or listening on a free port (wire sessions). */
async function startNode(
  home: string,
  state: string | undefined,
  listen: boolean,
  env: NodeJS.ProcessEnv = {},
): Promise<Node> {
  const args = [BIN, 'serve', '--home', home, ...(state ? ['--state', state] : [])];
  args.push(...(listen ? ['--listen', '127.0.0.1:0', '--no-scheduler'] : ['--scheduler-only']));
  const child = spawn(process.execPath, args, {
    env: { ...nodeEnv(home), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const n: Node = { child, stderr: '' };
  child.stderr!.on('data', (b: Buffer) => {
    n.stderr += b.toString();
  });
  for (let i = 0; i < 400; i++) {
    const m = /listening on [^:]+:(\d+)/.exec(n.stderr);
    if (m) {
      n.port = Number(m[1]);
      return n;
    }
    if (!listen && n.stderr.includes('not listening')) return n;
    if (child.exitCode !== null) throw new Error(`serve exited: ${n.stderr}`);
    await sleep(25);
  }
  throw new Error(`serve did not start: ${n.stderr}`);
}

async function stopNode(n: Node): Promise<void> {
  if (n.child.exitCode !== null || n.child.signalCode !== null) return;
  const done = new Promise((r) => n.child.once('exit', r));
  n.child.kill('SIGTERM');
  await done;
}

async function kill9(n: Node): Promise<void> {
  if (n.child.exitCode !== null || n.child.signalCode !== null) return;
  const done = new Promise((r) => n.child.once('exit', r));
  n.child.kill('SIGKILL');
  await done;
}

/** `strongroom sql -e …` as a process: exit code, output, and when it exited. */
function sqlClient(
  home: string,
  state: string | undefined,
  statement: string,
): Promise<{ code: number | null; stdout: string; stderr: string; exitedAt: number }> {
  const args = [BIN, 'sql', '--home', home, ...(state ? ['--state', state] : []), '-e', statement];
  const child = spawn(process.execPath, args, { env: nodeEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  return new Promise((res) =>
    child.once('exit', (code) => res({ code, stdout, stderr, exitedAt: Date.now() })),
  );
}

/** Where the jobs are: a home's jobs.db, or a database of the PostgreSQL cluster. */
interface Where {
  readonly home?: string;
  readonly pg?: PostgresCluster;
  readonly db?: string;
}

interface JobRow {
  readonly status: string;
  readonly coordinator: number;
  readonly claims: number;
  readonly finished: string | null;
  readonly error: string | null;
  readonly fraction: number;
}

/** A job's record, read straight from the store (SQLite file or PostgreSQL). */
async function jobRow(where: Where, id: string): Promise<JobRow> {
  const sql =
    'SELECT status, coordinator_id, claims, finished, error, fraction_completed FROM jobs WHERE id = ' +
    (where.pg ? '$1' : '?');
  let r: unknown[] | undefined;
  if (where.pg) r = (await pgQuery(where.pg, where.db ?? 'state', sql, [id]))[0];
  else {
    const db = new Database(join(where.home!, 'jobs.db'), { readonly: true });
    try {
      r = db.prepare(sql).raw().get(BigInt(id)) as unknown[] | undefined;
    } finally {
      db.close();
    }
  }
  if (r === undefined) throw new Error(`no job ${id}`);
  return {
    status: String(r[0]),
    coordinator: Number(r[1]),
    claims: Number(r[2]),
    finished: r[3] === null ? null : String(r[3]),
    error: r[4] === null ? null : String(r[4]),
    fraction: Number(r[5]),
  };
}

async function waitJob(
  where: Where,
  id: string,
  pred: (j: JobRow) => boolean,
  what: string,
  ms = 60_000,
): Promise<JobRow> {
  const until = Date.now() + ms;
  let last: JobRow | undefined;
  while (Date.now() < until) {
    last = await jobRow(where, id);
    if (pred(last)) return last;
    await sleep(50);
  }
  throw new Error(`job ${id} never ${what}; last ${JSON.stringify(last)}`);
}

/** The pid of a node, from the `nodes` table. */
async function nodePid(where: Where, node: number): Promise<number> {
  if (where.pg)
    return Number(
      (await pgQuery(where.pg, where.db ?? 'state', 'SELECT pid FROM nodes WHERE id = $1', [node]))[0]?.[0],
    );
  const db = new Database(join(where.home!, 'jobs.db'), { readonly: true });
  try {
    return Number(db.prepare('SELECT pid FROM nodes WHERE id = ?').pluck().get(node));
  } finally {
    db.close();
  }
}

interface UnitRow {
  readonly state: string;
  readonly spec: { readonly database: string; readonly table: string };
  readonly result: { readonly file: { readonly path: string } | null } | null;
}

/** A job's units, straight from the PostgreSQL state store. */
async function unitRows(pgc: PostgresCluster, db: string, id: string): Promise<UnitRow[]> {
  const rows = await pgQuery(
    pgc,
    db,
    'SELECT state, spec, result FROM job_units WHERE job_id = $1 ORDER BY unit',
    [id],
  );
  return rows.map((r) => ({
    state: String(r[0]),
    spec: JSON.parse(String(r[1])) as UnitRow['spec'],
    result: r[2] === null ? null : (JSON.parse(String(r[2])) as UnitRow['result']),
  }));
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Every table of a SQLite database file: name → sha256 of its rows in rowid order. */
function contents(file: string): Record<string, string> {
  const db = new Database(file, { readonly: true });
  try {
    const out: Record<string, string> = {};
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all() as string[];
    for (const t of tables) {
      const h = createHash('sha256');
      for (const row of db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).raw().iterate() as Iterable<
        unknown[]
      >)
        h.update(
          JSON.stringify(row, (_k, v) =>
            v instanceof Buffer ? v.toString('hex') : typeof v === 'bigint' ? String(v) : v,
          ),
        );
      out[t] = h.digest('hex');
    }
    return out;
  } finally {
    db.close();
  }
}

/** A source with a database `shop` of three tables, big enough that a backup or restore takes a while. */
async function makeShop(engine: Engine, rows: number): Promise<void> {
  await engine.execute('CREATE DATABASE shop');
  for (const t of ['a', 'b', 'c']) {
    await engine.execute(`CREATE TABLE shop.${t} (id INTEGER PRIMARY KEY, v BLOB, n INTEGER)`);
    await engine.execute(
      `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${rows}) INSERT INTO shop.${t} SELECT i, randomblob(100), i * 7 FROM s`,
    );
  }
}

/** A wire client of a serve node, as the test user. */
async function wireClient(port: number): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'defaultdb' });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

/** The node of the first of `ids` seen running (polled for up to about a minute). */
async function firstCoordinator(where: Where, ids: readonly string[]): Promise<number> {
  for (let n = 0; n < 2000; n++) {
    for (const id of ids) {
      const job = await jobRow(where, id);
      if (job.status === 'running' && job.coordinator > 0) return job.coordinator;
    }
    await sleep(20);
  }
  return 0;
}

/** Collections j0…j(n-1) hold exactly one backup each; j0's is restored as database j0. */
async function assertOneBackupEach(home: string, state: string, n: number): Promise<void> {
  const check = await openEngine({ home, state });
  try {
    for (let k = 0; k < n; k++) {
      const b = await check.execute(`SHOW BACKUPS IN 'nodelocal://1/j${k}'`);
      assert.equal(b.rows.length, 1, `collection j${k} holds one backup`);
    }
    await check.execute("RESTORE DATABASE shop FROM LATEST IN 'nodelocal://1/j0' WITH new_db_name = 'j0'");
  } finally {
    await check.close();
  }
}

/** Every span of shop done, and a span of big that wrote a file, and not all spans yet. */
function shopDoneAndSomeOfBig(units: readonly UnitRow[]): boolean {
  const done = units.filter((u) => u.state === 'done');
  const shop = units.filter((u) => u.spec.database === 'shop');
  // (A table's first page span is empty, without a file: a span of big that wrote one.)
  const bigWritten = done.some((u) => u.spec.database === 'big' && u.result?.file);
  return shop.length > 0 && shop.every((u) => u.state === 'done') && bigWritten && done.length < units.length;
}

/** Polls the job's units until `ready` holds (a minute at most). */
async function untilUnits(
  pgc: PostgresCluster,
  db: string,
  id: string,
  ready: (units: readonly UnitRow[]) => boolean,
): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until && !ready(await unitRows(pgc, db, id))) await sleep(10);
}

/**
 * Of the files `before` names (path under `root` → its stat then), how many are still the same file (same
 * inode and mtime: asserted for each that exists) and how many are gone.
 */
function keptFiles(root: string, before: ReadonlyMap<string, Stats>): { reused: number; replaced: number } {
  let reused = 0;
  let replaced = 0;
  for (const [path, st] of before) {
    const now = statOrUndefined(join(root, path));
    if (now === undefined) {
      replaced++;
      continue;
    }
    assert.equal(now.ino, st.ino, `${path} was not rewritten`);
    assert.equal(now.mtimeMs, st.mtimeMs, `${path} was not rewritten`);
    reused++;
  }
  return { reused, replaced };
}

/** A new PostgreSQL state database `db` and a new home directory for one test. */
async function freshStateStore(
  pgc: PostgresCluster,
  db: string,
  name: string,
): Promise<{ state: string; where: Where; home: string }> {
  await pgQuery(pgc, 'postgres', `CREATE DATABASE ${db}`);
  return {
    state: pgc.uri(db),
    where: { pg: pgc, db },
    home: mkdtempSync(join(tmpdir(), `strongroom-durable-${name}-`)),
  };
}

/**
 * A BACKUP (full, or incremental on a full backup) whose node is killed after some spans: a restarted node
 * adopts it and resumes in the same layer directory.
 */
async function backUpKilledAndResumed(pgc: PostgresCluster, variant: 'full' | 'incremental'): Promise<void> {
  const db = `state_${variant}`;
  const { state, where, home } = await freshStateStore(pgc, db, 'resume');
  // A KMS key the job's statement can name (a file path is no secret): a daemon can run it, and the resumed
  // full backup must unwrap its first attempt's data key from ENCRYPTION-INFO to reuse its files.
  const keyPath = join(home, 'k.key');
  writeFileSync(keyPath, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const kms = `local://${keyPath}`;
  const setup = await openEngine({ home, state });
  try {
    await makeShop(setup, 20_000);
    await setup.execute('CREATE DATABASE big');
    await setup.execute('CREATE TABLE big.t (id INTEGER PRIMARY KEY, v BLOB)');
    await setup.execute(
      'WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 600000) INSERT INTO big.t SELECT i, randomblob(100) FROM s',
    );
    if (variant === 'incremental') {
      // The full backup, then a change to every row: the incremental writes every span in its own layer.
      await setup.execute(`BACKUP DATABASE shop, big INTO 'nodelocal://1/resume' WITH kms = '${kms}'`);
      await setup.execute('UPDATE big.t SET v = randomblob(100)');
      for (const t of ['a', 'b', 'c']) await setup.execute(`UPDATE shop.${t} SET v = randomblob(100)`);
    }
  } finally {
    await setup.close();
  }
  // One span at a time, so the kill lands between units.
  const slow = { STRONGROOM_SPAN_CONCURRENCY: '1' };
  const first = await startNode(home, state, false, slow);
  let second: Node | undefined;
  try {
    const r = await sqlClient(
      home,
      state,
      `BACKUP DATABASE shop, big INTO ${variant === 'full' ? '' : 'LATEST IN '}'nodelocal://1/resume' WITH kms = '${kms}', detached`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /job \d+ is queued for the strongroom serve daemon/);
    const id = r.stdout.trim().split('\n').at(-1)!;
    // Kill the node once every span of shop and some of big are done, and not all.
    await untilUnits(pgc, db, id, shopDoneAndSomeOfBig);
    const fractionAtKill = (await jobRow(where, id)).fraction;
    await kill9(first);
    const units = await unitRows(pgc, db, id);
    const doneBefore = units.filter((u) => u.state === 'done' && u.result?.file);
    assert.ok(
      doneBefore.some((u) => u.spec.database === 'big'),
      JSON.stringify(
        units.map((u) => [u.spec.database, u.spec.table, u.state, u.result?.file?.path ?? null]),
      ),
    );
    assert.ok(doneBefore.length < units.length, 'the kill came before the last span');
    const ckpt = JSON.parse(
      String((await pgQuery(pgc, db, 'SELECT checkpoint FROM jobs WHERE id = $1', [id]))[0]?.[0]),
    ) as { dir: string };
    const layer = join(home, 'extern', 'resume', ckpt.dir);
    const before = new Map(
      doneBefore.map((u) => [
        u.result!.file!.path,
        statSync(join(home, 'extern', 'resume', u.result!.file!.path)),
      ]),
    );

    // Between the kill and the adoption, shop changes: its spans that hold the change must be written anew.
    const shopDb = new Database(join(home, 'data', 'shop.db'));
    shopDb.exec('UPDATE a SET n = -n WHERE id <= 500');
    shopDb.close();
    const reference = {
      shop: contents(join(home, 'data', 'shop.db')),
      big: contents(join(home, 'data', 'big.db')),
    };

    second = await startNode(home, state, false);
    // While the adopter runs, fraction_completed never goes below what the first attempt had reached.
    let lowest = Number.POSITIVE_INFINITY;
    const end = await waitJob(
      where,
      id,
      (j) => {
        if (!TERMINAL.includes(j.status)) lowest = Math.min(lowest, j.fraction);
        return TERMINAL.includes(j.status);
      },
      'ended',
      120_000,
    );
    assert.equal(end.status, 'succeeded', end.error ?? '');
    assert.ok(end.claims >= 2, 'the job was adopted');
    assert.ok(fractionAtKill > 0, 'the first attempt had made progress');
    assert.ok(lowest >= fractionAtKill, `fraction_completed went back from ${fractionAtKill} to ${lowest}`);

    // Files of the first attempt the second one reused are untouched (same inode, same mtime); a file of
    // the first attempt that the manifest does not name is gone.
    const { reused, replaced } = keptFiles(join(home, 'extern', 'resume'), before);
    const bigBefore = doneBefore.filter((u) => u.spec.database === 'big').length;
    const shopBefore = doneBefore.filter((u) => u.spec.database === 'shop');
    assert.ok(
      reused >= bigBefore,
      `every span of big done before the kill was reused (${reused} of ${before.size})`,
    );
    assert.ok(replaced >= 1, 'the changed span of shop was not reused');
    assert.ok(
      shopBefore.some(
        (u) => statOrUndefined(join(home, 'extern', 'resume', u.result!.file!.path)) === undefined,
      ),
      'a span of shop written before the change was replaced',
    );
    const files = readdirSync(join(layer, 'data'));
    const fresh = files.filter((f) => !before.has(`${ckpt.dir}/data/${f}`));
    const written = fresh.length;
    // Numbered above every file the first attempt could write (its plan's units), so none could meet one.
    assert.ok(
      fresh.every((f) => Number.parseInt(f, 10) > units.length),
      `new files ${fresh.join(', ')} above ${units.length}`,
    );
    assert.ok(
      written >= 1 && written < units.length,
      `the second attempt wrote ${written} files for ${units.length} spans`,
    );
    process.stdout.write(
      `resume: ${before.size} span files before the kill, ${reused} reused, ${replaced} replaced; the adopter wrote ${written} of ${units.length} spans\n`,
    );

    // The backup restores to the source as it was at the second attempt's snapshot.
    await stopNode(second);
    const check = await openEngine({ home, state });
    try {
      await check.execute('DROP DATABASE shop');
      await check.execute('DROP DATABASE big');
      await check.execute(
        `RESTORE DATABASE shop, big FROM LATEST IN 'nodelocal://1/resume' WITH kms = '${kms}'`,
      );
    } finally {
      await check.close();
    }
    assert.deepEqual(contents(join(home, 'data', 'shop.db')), reference.shop);
    assert.deepEqual(contents(join(home, 'data', 'big.db')), reference.big);
    const left = await pgQuery(pgc, db, 'SELECT count(*) FROM job_units WHERE job_id = $1', [id]);
    assert.equal(Number(left[0]?.[0]), 0, "an ended job's units are removed");
  } finally {
    await kill9(first);
    if (second) await stopNode(second);
  }
}

describe('durable jobs on the embedded state store', () => {
  it('a detached job submitted by sql -e runs in the daemon and outlives its client; without a daemon the client says so', async () => {
    const home = mkdtempSync(join(tmpdir(), 'strongroom-durable-'));
    const setup = await openEngine({ home });
    try {
      await makeShop(setup, 150_000);
    } finally {
      await setup.close();
    }
    // No daemon: sql -e runs the job attached and says so (it would otherwise die with the process).
    const alone = await sqlClient(
      home,
      undefined,
      "BACKUP DATABASE shop INTO 'nodelocal://1/alone' WITH detached",
    );
    assert.equal(alone.code, 0, alone.stderr);
    assert.match(
      alone.stderr,
      /no strongroom serve daemon runs jobs of this state store and source, so it runs attached/,
    );
    assert.match(alone.stdout, /\tsucceeded\t/);

    const daemon = await startNode(home, undefined, false);
    try {
      const r = await sqlClient(home, undefined, "BACKUP DATABASE shop INTO 'nodelocal://1/c' WITH detached");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /job \d+ is queued for the strongroom serve daemon/);
      const id = r.stdout.trim().split('\n').at(-1)!;
      assert.match(id, /^\d+$/);
      const end = await waitJob({ home }, id, (j) => TERMINAL.includes(j.status), 'ended');
      assert.equal(end.status, 'succeeded', end.error ?? '');
      assert.ok(Date.parse(end.finished!) > r.exitedAt, 'the job ended after its client had exited');
      assert.equal(await nodePid({ home }, end.coordinator), daemon.child.pid, 'the daemon ran it');

      // A statement with a secret cannot be handed over (no record holds a secret): the client says so.
      const secret = await sqlClient(
        home,
        undefined,
        "BACKUP DATABASE shop INTO 'nodelocal://1/s' WITH encryption_passphrase = 'fake pass', detached",
      );
      assert.equal(secret.code, 0, secret.stderr);
      assert.match(secret.stderr, /names a secret .* so the daemon cannot run it: it runs attached/);
      assert.match(secret.stdout, /\tsucceeded\t/);
      assert.doesNotMatch(secret.stderr + secret.stdout, /fake pass/);
    } finally {
      await stopNode(daemon);
    }
  });
});

/**
 * A BACKUP stored as row spans (STRONGROOM_SPANS=rows): its RESTORE takes seconds (rows inserted), where a
 * page restore of these test databases is over in ~0.1 s, so a kill -9 at some point of the restore lands
 * inside it. Page restores under kill -9: sqlite-restore-kill.test.ts.
 */
async function backUpAsRows(engine: Engine, statement: string): Promise<void> {
  process.env.STRONGROOM_SPANS = 'rows';
  try {
    await engine.execute(statement);
  } finally {
    delete process.env.STRONGROOM_SPANS;
  }
}

describe('durable jobs on a PostgreSQL state store', () => {
  let cluster: PostgresCluster | undefined;
  let skip: string | undefined;
  beforeAll(async () => {
    ({ cluster, skip } = await startPostgresForTests());
    if (cluster) await pgQuery(cluster, 'postgres', 'CREATE DATABASE state');
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('kill -9 of the node running a RESTORE at random points: another node adopts it, and the result equals an uninterrupted restore', async (t) => {
    if (!cluster) return t.skip(skip);
    const pgc = cluster;
    const state = pgc.uri('state');
    const home = mkdtempSync(join(tmpdir(), 'strongroom-durable-pg-'));
    const setup = await openEngine({ home, state });
    let uninterruptedMs = 0;
    try {
      await makeShop(setup, 250_000);
      await backUpAsRows(setup, "BACKUP DATABASE shop INTO 'nodelocal://1/base'");
      const t0 = Date.now();
      await setup.execute(
        "RESTORE DATABASE shop FROM LATEST IN 'nodelocal://1/base' WITH new_db_name = 'ref'",
      );
      uninterruptedMs = Date.now() - t0;
    } finally {
      await setup.close();
    }
    const reference = contents(join(home, 'data', 'ref.db'));
    assert.deepEqual(
      reference,
      contents(join(home, 'data', 'shop.db')),
      'the reference restore equals the source',
    );
    const nodes = [await startNode(home, state, false), await startNode(home, state, false)];
    let adopted = 0;
    try {
      for (let round = 1; round <= 3; round++) {
        const r = await sqlClient(
          home,
          state,
          `RESTORE DATABASE shop FROM LATEST IN 'nodelocal://1/base' WITH new_db_name = 'r${round}', detached`,
        );
        assert.equal(r.code, 0, r.stderr);
        const id = r.stdout.trim().split('\n').at(-1)!;
        // A random point of its run: a random share of what the uninterrupted restore took, from its start.
        const running = await waitJob({ pg: pgc }, id, (j) => j.coordinator > 0, 'ran');
        const point = Math.random() * 0.6;
        await sleep(point * uninterruptedMs);
        const pid = await nodePid({ pg: pgc }, running.coordinator);
        const victim = nodes.findIndex((n) => n.child.pid === pid);
        assert.ok(victim >= 0, `the coordinator is one of the nodes (pid ${pid})`);
        const killedAt = Date.now();
        await kill9(nodes[victim]!);
        nodes[victim] = await startNode(home, state, false);
        const end = await waitJob({ pg: pgc }, id, (j) => TERMINAL.includes(j.status), 'ended');
        assert.equal(end.status, 'succeeded', end.error ?? '');
        if (end.claims >= 2) adopted++;
        process.stderr.write(
          `round ${round}: killed node ${running.coordinator} at ${(point * 100).toFixed(0)} % of ${uninterruptedMs} ms, ended ${Date.now() - killedAt} ms later; claims ${end.claims}\n`,
        );
        assert.deepEqual(contents(join(home, 'data', `r${round}.db`)), reference, `round ${round}`);
      }
      assert.ok(adopted >= 1, 'at least one restore was killed mid-way and adopted');
    } finally {
      await Promise.all(nodes.map(stopNode));
    }
  });

  it('an adopted RESTORE resumes after the databases its checkpoint names: they are not loaded again, and SHOW JOBS shows the checkpoint', async (t) => {
    if (!cluster) return t.skip(skip);
    const pgc = cluster;
    const { state, where, home } = await freshStateStore(pgc, 'state2', 'ckpt');
    const setup = await openEngine({ home, state });
    let reference: Record<string, Record<string, string>>;
    try {
      await makeShop(setup, 20_000);
      await setup.execute('CREATE DATABASE big');
      await setup.execute('CREATE TABLE big.t (id INTEGER PRIMARY KEY, v BLOB)');
      await setup.execute(
        'WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 600000) INSERT INTO big.t SELECT i, randomblob(100) FROM s',
      );
      // Row spans: big then takes seconds to restore, so the coordinator is killed while it restores big.
      await backUpAsRows(setup, "BACKUP DATABASE shop, big INTO 'nodelocal://1/two'");
      reference = {
        shop: contents(join(home, 'data', 'shop.db')),
        big: contents(join(home, 'data', 'big.db')),
      };
      await setup.execute('DROP DATABASE shop');
      await setup.execute('DROP DATABASE big');
    } finally {
      await setup.close();
    }
    const nodes = [await startNode(home, state, false), await startNode(home, state, false)];
    try {
      const r = await sqlClient(
        home,
        state,
        "RESTORE DATABASE shop, big FROM LATEST IN 'nodelocal://1/two' WITH detached",
      );
      assert.equal(r.code, 0, r.stderr);
      const id = r.stdout.trim().split('\n').at(-1)!;
      // Wait for the checkpoint that names shop restored while big is being restored.
      const until = Date.now() + 60_000;
      let ckpt: { restored: string[]; current?: string } | undefined;
      let coordinator = 0;
      while (Date.now() < until) {
        const row = (
          await pgQuery(
            pgc,
            'state2',
            'SELECT checkpoint, coordinator_id, running_status FROM jobs WHERE id = $1',
            [id],
          )
        )[0];
        if (row?.[0]) {
          ckpt = JSON.parse(row[0]) as typeof ckpt;
          coordinator = Number(row[1]);
          if (ckpt?.restored.includes('shop') && ckpt.current === 'big') {
            assert.match(String(row[2]), /^checkpoint .*: 1 database\(s\) restored, restoring big$/);
            break;
          }
        }
        await sleep(20);
      }
      assert.deepEqual(ckpt, { ...ckpt, restored: ['shop'], current: 'big' }, JSON.stringify(ckpt));
      const shopFile = join(home, 'data', 'shop.db');
      const before = statSync(shopFile);
      const pid = await nodePid(where, coordinator);
      const victim = nodes.findIndex((n) => n.child.pid === pid);
      assert.ok(victim >= 0);
      const fractionAtKill = (await jobRow(where, id)).fraction;
      await kill9(nodes[victim]!);
      const end = await waitJob(where, id, (j) => TERMINAL.includes(j.status), 'ended');
      assert.equal(end.status, 'succeeded', end.error ?? '');
      assert.ok(end.claims >= 2, 'the job was adopted');
      const afterStat = statSync(shopFile);
      assert.equal(afterStat.ino, before.ino, 'shop was not restored again');
      assert.equal(afterStat.mtimeMs, before.mtimeMs, 'shop was not written again');
      assert.ok(fractionAtKill > 0, 'the job had made progress');
      assert.deepEqual(contents(shopFile), reference.shop);
      assert.deepEqual(contents(join(home, 'data', 'big.db')), reference.big);
    } finally {
      await Promise.all(nodes.map(stopNode));
    }
  });

  for (const variant of ['full', 'incremental'] as const)
    it(`kill -9 of the node running a ${variant} BACKUP: a restarted node adopts it, reuses the span files whose fingerprint did not change, writes the changed span anew, and the backup restores to the source`, async (t) => {
      if (!cluster) return t.skip(skip);
      await backUpKilledAndResumed(cluster, variant);
    });

  it('three serve nodes, jobs submitted to each, one killed mid-job: every job ends once, correctly; PAUSE through one node, RESUME through another', async (t) => {
    if (!cluster) return t.skip(skip);
    const pgc = cluster;
    const { state, where, home } = await freshStateStore(pgc, 'state3', '3');
    const setup = await openEngine({ home, state });
    try {
      await makeShop(setup, 150_000);
    } finally {
      await setup.close();
    }
    const add = spawn(process.execPath, [BIN, 'serve', '--home', home, '--add-user', USER], {
      env: nodeEnv(home),
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    add.stdin!.end(`${PASSWORD}\n`);
    await new Promise((r) => add.once('exit', r));
    const nodes = [
      await startNode(home, state, true),
      await startNode(home, state, true),
      await startNode(home, state, true),
    ];
    const clients: pg.Client[] = [];
    try {
      for (const n of nodes) clients.push(await wireClient(n.port!));
      // PAUSE through node 2, RESUME through node 3, of a job submitted through node 1.
      const p = await clients[0]!.query("BACKUP DATABASE shop INTO 'nodelocal://1/paused' WITH detached");
      const pausedId = String(p.rows[0].job_id);
      await waitJob(where, pausedId, (j) => j.status === 'running' && j.coordinator > 0, 'ran');
      await clients[1]!.query(`PAUSE JOB ${pausedId}`);
      const paused = await waitJob(where, pausedId, (j) => j.status === 'paused', 'paused');
      await sleep(400);
      const still = await jobRow(where, pausedId);
      assert.equal(still.status, 'paused');
      assert.equal(still.fraction, paused.fraction, 'a paused job makes no progress');
      await clients[2]!.query(`RESUME JOB ${pausedId}`);
      const resumed = await waitJob(where, pausedId, (j) => TERMINAL.includes(j.status), 'ended');
      assert.equal(resumed.status, 'succeeded', resumed.error ?? '');

      // Three jobs through each node; a node is killed while it runs one.
      const ids: string[] = [];
      for (let k = 0; k < 9; k++) {
        const c = clients[k % 3]!;
        const r = await c.query(`BACKUP DATABASE shop INTO 'nodelocal://1/j${k}' WITH detached`);
        ids.push(String(r.rows[0].job_id));
      }
      // The node of the first job seen running is killed at once.
      const pid = await nodePid(where, await firstCoordinator(where, ids));
      const victim = nodes.find((n) => n.child.pid === pid);
      assert.ok(victim, 'the coordinator is one of the nodes');
      await kill9(victim);
      for (const id of ids) {
        const end = await waitJob(where, id, (j) => TERMINAL.includes(j.status), 'ended', 120_000);
        assert.equal(end.status, 'succeeded', `job ${id}: ${end.error ?? ''}`);
      }
      // Exactly once: each collection holds one complete backup, and restores to the source's rows.
      await assertOneBackupEach(home, state, 9);
      assert.deepEqual(contents(join(home, 'data', 'j0.db')), contents(join(home, 'data', 'shop.db')));
      const ends = await Promise.all(ids.map((id) => jobRow(where, id)));
      assert.ok(
        ends.some((e) => e.claims >= 2),
        `a job of the killed node was adopted by another: ${JSON.stringify(ends)}`,
      );
    } finally {
      for (const c of clients) await c.end().catch(() => undefined);
      await Promise.all(nodes.map(stopNode));
    }
  });
});
