#!/usr/bin/env node
// Benchmark of the SQLite source (issue #16): a generated database (7,000,000 rows shaped like
// pgbench_accounts + 1,200,000 mixed rows of text, JSON text and blobs; ~1.1 GB), then side by side, each
// timed as a whole process with its peak RSS (GNU time), strongroom run as users run it (its CLI,
// `strongroom sql -e`, one process per statement): strongroom BACKUP (page spans, zstd-1, AES-GCM, local
// KMS) vs `sqlite3 db '.backup snap.db' && zstd -1 | openssl enc -aes-256-ctr`; strongroom RESTORE vs
// `openssl enc -d | zstd -d` to a file, and the same with the file synced (as strongroom's restore
// is). Both groups run $BENCH_WARMUP untimed rounds (default 1), then $BENCH_RUNS timed ones (default
// 3), interleaved with the order rotating, and report the median. Then incrementals after 1 % of the rows
// changed in one key range, 1 % appended and 1 % changed at random, each backed up as pages and, on a
// second chain, as rows (STRONGROOM_SPANS=rows), with the bytes each stores. Usage: npm run bench:sqlite
// (BENCH_ROWS=700000 for a quick run; BENCH_DIR keeps the generated database between runs, default
// $TMPDIR/strongroom-bench-sqlite; BENCH_KEEP=1 keeps the run's files).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROWS = Number(process.env.BENCH_ROWS ?? 7_000_000);
const MIXED = Math.round((ROWS * 1_200_000) / 7_000_000);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const WARMUP = Math.max(0, Number(process.env.BENCH_WARMUP ?? 1));
const here = new URL('.', import.meta.url).pathname;
const sh = (cmd, env = {}) =>
  execFileSync('bash', ['-c', cmd], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  }).toString();

execFileSync('bash', [join(here, '../scripts/bench-tools.sh')], { stdio: 'inherit' });

const cache = process.env.BENCH_DIR ?? join(tmpdir(), 'strongroom-bench-sqlite');
mkdirSync(cache, { recursive: true });
const pristine = join(cache, `gen-${ROWS}.db`);
if (!existsSync(pristine)) {
  console.error(`bench: generating ${ROWS} accounts + ${MIXED} mixed rows into ${pristine}`);
  const partial = `${pristine}.partial`;
  rmSync(partial, { force: true });
  execFileSync('sqlite3', [partial], {
    input: `PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -200000;
CREATE TABLE pgbench_accounts (aid INTEGER PRIMARY KEY, bid INTEGER NOT NULL, abalance INTEGER NOT NULL, filler TEXT);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${ROWS})
INSERT INTO pgbench_accounts SELECT i, (i - 1) / 100000 + 1, 0, printf('%-84s', '') FROM s;
CREATE TABLE mixed (id INTEGER PRIMARY KEY, name TEXT NOT NULL, doc TEXT, amount REAL, created_at TEXT, payload BLOB);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${MIXED})
INSERT INTO mixed SELECT i, 'customer-' || i || ' ' || lower(hex(randomblob(16))) || substr('xxxxxxxxxxxxxxxxxxxx', 1, i % 20),
  json_object('id', i, 'tags', json_array('a' || (i % 7), 'b' || (i % 11), 'c' || (i % 13)), 'active', json(iif(i % 2 = 0, 'true', 'false')),
    'score', (i * 7 % 1000) / 10.0, 'note', lower(hex(randomblob(16))),
    'addr', json_object('city', 'City' || (i % 500), 'zip', printf('%05d', i % 99999))),
  i * 12.3456, datetime('2020-01-01', '+' || i || ' seconds'),
  randomblob(48) || CAST(substr('pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp', 1, 32 + i % 32) AS BLOB)
FROM s;
`,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  renameSync(partial, pristine);
}
const dbBytes = statSync(pristine).size;

const S = mkdtempSync(join(cache, 'run-'));
const src = join(S, 'src');
mkdirSync(src);
const dbFile = join(src, 'bench.db');
copyFileSync(pristine, dbFile);
const home = join(S, 'home');
mkdirSync(join(home, 'extern'), { recursive: true });
writeFileSync(join(home, 'k.key'), `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
const kms = `local://${home}/k.key`;
const source = `sqlite://${src}/`;
// Each statement as users run it: the CLI, one process per statement.
const cli = join(here, '../packages/cli/bin/strongroom.js');
const strongroom = (stmt) => `node ${cli} sql --home ${home} --source '${source}' -e "${stmt}" >/dev/null`;
const du = (p) => Number(sh(`du -sb ${p} | cut -f1`));
const results = [];

/** Runs a shell command as a whole process; wall seconds and peak RSS (MB) of its largest process. */
function time(name, cmd, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'bash', '-c', cmd], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${name} failed:\n${r.stderr}`);
  const rssMb = Number(r.stderr.trim().split('\n').at(-1)) / 1024;
  console.error(`${name}: ${seconds.toFixed(2)} s, peak RSS ${rssMb.toFixed(0)} MB`);
  return { seconds, rssMb };
}

/** As in bench/postgres.mjs: interleaved rounds, the order rotating, warm-up rounds untimed; medians. */
function measure(commands, runs = 1, warmup = 0) {
  const samples = commands.map(() => []);
  for (let run = 0; run < warmup + runs; run++)
    for (let k = 0; k < commands.length; k++) {
      const i = (run + k) % commands.length;
      const c = commands[i];
      const r = time(`${c.name}${run < warmup ? ' (warm-up)' : ''}`, c.cmd(run));
      if (run >= warmup) samples[i].push(r);
      c.after?.(run);
    }
  return commands.map((c, i) => {
    const secs = samples[i].map((x) => x.seconds).sort((a, b) => a - b);
    const row = {
      name: c.name,
      runs,
      seconds: secs[Math.floor((secs.length - 1) / 2)] ?? 0,
      min: secs[0] ?? 0,
      max: secs.at(-1) ?? 0,
      rssMb: Math.max(...samples[i].map((x) => x.rssMb)),
    };
    results.push(row);
    return row;
  });
}

try {
  console.error(`bench: database ${(dbBytes / 1e6).toFixed(1)} MB in ${S}`);
  sh(`cat ${dbFile} > /dev/null`);
  const enc = join(S, 'bench.zst.enc');
  const [backup, pipe] = measure(
    [
      {
        name: 'strongroom BACKUP (pages, zstd-1 in worker threads, AES-GCM, local KMS)',
        cmd: (run) => strongroom(`BACKUP DATABASE bench INTO 'nodelocal://1/c${run}' WITH kms = '${kms}'`),
        // The newest collection is kept for the restores.
        after: (run) =>
          run > 0 && rmSync(join(home, 'extern', `c${run - 1}`), { recursive: true, force: true }),
      },
      {
        name: 'sqlite3 .backup && zstd -1 | openssl enc -aes-256-ctr',
        cmd: () =>
          `sqlite3 ${dbFile} '.backup ${S}/snap.db' && zstd -1 -q -c ${S}/snap.db | openssl enc -aes-256-ctr -pbkdf2 -pass pass:bench-fake > ${enc}`,
        after: () => rmSync(join(S, 'snap.db'), { force: true }),
      },
    ],
    RUNS,
    WARMUP,
  );
  const last = `c${WARMUP + RUNS - 1}`;
  const stored = du(join(home, 'extern', last));
  const pipeStored = statSync(enc).size;
  const [restore, unpipe, unpipeSynced] = measure(
    [
      {
        name: 'strongroom RESTORE (pages into a new database file)',
        cmd: (run) =>
          strongroom(
            `RESTORE DATABASE bench FROM LATEST IN 'nodelocal://1/${last}' WITH kms = '${kms}', new_db_name = 'r${run}'`,
          ),
        after: (run) => rmSync(join(src, `r${run}.db`), { force: true }),
      },
      {
        name: 'openssl enc -d | zstd -d > file',
        cmd: () =>
          `openssl enc -d -aes-256-ctr -pbkdf2 -pass pass:bench-fake < ${enc} | zstd -d -q > ${S}/restored.db`,
        after: () => rmSync(join(S, 'restored.db'), { force: true }),
      },
      {
        // strongroom syncs the restored file once before giving it its name: the same pipeline, as durable.
        name: 'openssl enc -d | zstd -d > file && sync file',
        cmd: () =>
          `openssl enc -d -aes-256-ctr -pbkdf2 -pass pass:bench-fake < ${enc} | zstd -d -q > ${S}/restored.db && sync ${S}/restored.db`,
        after: () => rmSync(join(S, 'restored.db'), { force: true }),
      },
    ],
    RUNS,
    WARMUP,
  );
  // The restored file is the database: checked once, untimed.
  sh(
    strongroom(
      `RESTORE DATABASE bench FROM LATEST IN 'nodelocal://1/${last}' WITH kms = '${kms}', new_db_name = 'check'`,
    ),
  );
  const check = sh(
    `sqlite3 ${src}/check.db 'PRAGMA quick_check' 'SELECT count(*), sum(abalance) FROM pgbench_accounts' 'SELECT count(*), sum(length(payload)) FROM mixed'`,
  ).trim();
  const orig = sh(
    `sqlite3 ${dbFile} 'SELECT count(*), sum(abalance) FROM pgbench_accounts' 'SELECT count(*), sum(length(payload)) FROM mixed'`,
  ).trim();
  if (check !== `ok\n${orig}`) throw new Error(`the restored database differs:\n${check}\nvs\n${orig}`);
  rmSync(join(src, 'check.db'), { force: true });

  // Incrementals: chain P (pages) and chain R (rows), each change backed up on both.
  const chains = { pages: {}, rows: { STRONGROOM_SPANS: 'rows' } };
  const incRows = [];
  const layerBytes = () => {
    const out = {};
    for (const chain of Object.keys(chains)) out[chain] = du(join(home, 'extern', `inc-${chain}`));
    return out;
  };
  for (const [chain, env] of Object.entries(chains))
    time(
      `full backup, ${chain}`,
      strongroom(`BACKUP DATABASE bench INTO 'nodelocal://1/inc-${chain}' WITH kms = '${kms}'`),
      env,
    );
  let before = layerBytes();
  const fullBytes = before;
  const n = Math.round(ROWS / 100);
  const changes = [
    [
      '1 % of rows changed in one key range',
      `UPDATE pgbench_accounts SET abalance = abalance + 7 WHERE aid BETWEEN ${Math.round(ROWS / 2)} AND ${Math.round(ROWS / 2) + n - 1}`,
    ],
    [
      '1 % of rows appended',
      `INSERT INTO pgbench_accounts SELECT aid + ${ROWS}, bid, 0, filler FROM pgbench_accounts WHERE aid <= ${n}`,
    ],
    [
      '1 % of rows changed at random',
      `UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid IN (SELECT abs(random()) % ${ROWS} + 1 FROM pgbench_accounts LIMIT ${n})`,
    ],
  ];
  for (const [what, sql] of changes) {
    sh(`sqlite3 ${dbFile} "${sql}"`);
    const row = { what, seconds: {} };
    for (const [chain, env] of Object.entries(chains))
      row.seconds[chain] = time(
        `incremental (${what}), ${chain}`,
        strongroom(`BACKUP DATABASE bench INTO LATEST IN 'nodelocal://1/inc-${chain}' WITH kms = '${kms}'`),
        env,
      ).seconds;
    const after = layerBytes();
    row.bytes = Object.fromEntries(Object.keys(chains).map((c) => [c, after[c] - before[c]]));
    before = after;
    incRows.push(row);
  }
  // The page chain restores exactly.
  sh(
    strongroom(
      `RESTORE DATABASE bench FROM LATEST IN 'nodelocal://1/inc-pages' WITH kms = '${kms}', new_db_name = 'inc'`,
    ),
  );
  const a = sh(`sqlite3 ${src}/inc.db 'SELECT count(*), sum(abalance) FROM pgbench_accounts'`).trim();
  const b = sh(`sqlite3 ${dbFile} 'SELECT count(*), sum(abalance) FROM pgbench_accounts'`).trim();
  if (a !== b) throw new Error(`the incremental chain restored ${a}, the source has ${b}`);

  const ratio = (x, y) => (x.seconds / y.seconds).toFixed(2);
  const mb = (x) => (x / 1e6).toFixed(1);
  const pct = (x, full) => ((100 * x) / full).toFixed(1);
  const lines = [
    `database: ${ROWS} pgbench_accounts rows + ${MIXED} mixed rows = ${mb(dbBytes)} MB; strongroom stored ${mb(stored)} MB, the pipeline ${mb(pipeStored)} MB`,
    `wall s: median of ${RUNS} timed runs, after ${WARMUP} untimed warm-up round(s), interleaved`,
    '',
    '| command | runs | wall s (median) | range s | DB MB/s | peak RSS MB |',
    '| --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.name.replaceAll('|', '\\|')} | ${r.runs} | ${r.seconds.toFixed(2)} | ${r.min.toFixed(2)}–${r.max.toFixed(2)} | ${(dbBytes / 1e6 / r.seconds).toFixed(1)} | ${r.rssMb.toFixed(0)} |`,
    ),
    '',
    `BACKUP / pipeline = ${ratio(backup, pipe)} (target ≤ 1.0)`,
    `RESTORE / decrypt-and-decompress pipeline = ${ratio(restore, unpipe)} (target ≤ 2)`,
    `RESTORE / the same pipeline with one fsync of its file = ${ratio(restore, unpipeSynced)}`,
    `strongroom peak RSS: backup ${backup.rssMb.toFixed(0)} MB, restore ${restore.rssMb.toFixed(0)} MB (target < 300)`,
    '',
    `incrementals (one run each; full: pages ${mb(fullBytes.pages)} MB, rows ${mb(fullBytes.rows)} MB)`,
    '',
    '| change | pages: stored MB | % of full | s | rows: stored MB | % of full | s |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...incRows.map(
      (r) =>
        `| ${r.what} | ${mb(r.bytes.pages)} | ${pct(r.bytes.pages, fullBytes.pages)} | ${r.seconds.pages.toFixed(2)} | ${mb(r.bytes.rows)} | ${pct(r.bytes.rows, fullBytes.rows)} | ${r.seconds.rows.toFixed(2)} |`,
    ),
    '',
    'targets: the range and append incrementals store ≤ 5 % of the full',
  ];
  console.log(lines.join('\n'));
} finally {
  if (process.env.BENCH_KEEP) console.error(`bench: kept ${S}`);
  else rmSync(S, { recursive: true, force: true });
}
