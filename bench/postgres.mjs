#!/usr/bin/env node
// Benchmark of the postgres source (issue #6): a generated database (pgbench -i -s $BENCH_SCALE plus a
// table of mixed types), then side by side, each timed as a whole process with its peak RSS (GNU time):
// strongroom BACKUP (compressed, encrypted, local KMS) vs raw binary COPY of every table, pg_dump -Fc,
// pg_dump -Fc -Z0 | zstd -1 | openssl, pgbackrest full (aes-256-cbc, zst, process-max 2); strongroom
// RESTORE vs pg_restore -j 2. The close comparisons (raw COPY, BACKUP, the pg_dump pipeline; RESTORE,
// pg_restore) run $BENCH_WARMUP untimed warm-up rounds (default 1) and then $BENCH_RUNS timed ones
// (default 3), interleaved, and report the median; pg_dump -Fc and pgbackrest run once. Usage: npm run bench:postgres  (BENCH_SCALE=10 for a quick run; default 70).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pgQuery, startPostgres } from '../packages/testkit/dist/emulators/postgres.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 70);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const WARMUP = Math.max(0, Number(process.env.BENCH_WARMUP ?? 1));
const here = new URL('.', import.meta.url).pathname;
const sh = (cmd) => execFileSync('bash', ['-c', cmd], { stdio: ['ignore', 'pipe', 'inherit'] }).toString();

// Tools the comparison needs (not part of CI setup).
const need = ['pgbackrest', 'zstd', 'openssl'].filter(
  (t) => spawnSync('bash', ['-c', `command -v ${t}`]).status !== 0,
);
if (need.length > 0) {
  console.error(`bench: installing ${need.join(' ')}`);
  sh(
    `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${need.join(' ')} >/dev/null`,
  );
}

const work = mkdtempSync(join(tmpdir(), 'strongroom-bench-'));
execFileSync('chown', ['postgres:postgres', work]);
const S = work;
const cluster = await startPostgres({
  settings: {
    shared_buffers: '1GB',
    maintenance_work_mem: '512MB',
    max_wal_size: '8GB',
    checkpoint_timeout: '30min',
    wal_level: 'replica',
    archive_mode: 'on',
    // No archive_command here: a command-line setting overrides ALTER SYSTEM, so archiveCommand() below
    // could never change it (before, pushes to a stanza that did not exist yet failed all through the
    // generation and the other tools' runs, and pgBackRest's backup waited out the archiver's backoff).
    max_wal_senders: '3',
    fsync: 'on',
    synchronous_commit: 'on',
    full_page_writes: 'on',
  },
});
const port = cluster.port;
const env = `PGHOST=127.0.0.1 PGPORT=${port} PGUSER=postgres`;
const results = [];

/** Runs a shell command as a whole process; wall seconds and peak RSS (MB) of its largest process. */
function time(name, cmd, { asPostgres = false } = {}) {
  const full = asPostgres ? `runuser -u postgres -- bash -c ${JSON.stringify(cmd)}` : cmd;
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'bash', '-c', `export ${env}; ${full}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${name} failed:\n${r.stderr}`);
  const rssMb = Number(r.stderr.trim().split('\n').at(-1)) / 1024;
  console.error(`${name}: ${seconds.toFixed(2)} s, peak RSS ${rssMb.toFixed(0)} MB`);
  return { seconds, rssMb };
}

/**
 * Times each of `commands` ({name, cmd(run), after?(run), asPostgres?}) `runs` times, interleaved (so a
 * change in the machine's load hits all of them alike), after `warmup` untimed rounds (1 warm-up, then N
 * counted runs); one result row each: the median wall time, its range,
 * and the largest peak RSS of the counted runs.
 */
function measure(commands, runs = 1, warmup = 0) {
  const samples = commands.map(() => []);
  // The order rotates from round to round, so no tool always runs right after the same other one (or
  // first, after whatever ran before the group).
  for (let run = 0; run < warmup + runs; run++)
    for (let k = 0; k < commands.length; k++) {
      const i = (run + k) % commands.length;
      const c = commands[i];
      const r = time(`${c.name}${run < warmup ? ' (warm-up)' : ''}`, c.cmd(run), c);
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

async function archiveCommand(command) {
  await pgQuery(cluster, 'postgres', `ALTER SYSTEM SET archive_command = '${command}'`);
  await pgQuery(cluster, 'postgres', 'SELECT pg_reload_conf()');
}

try {
  console.error(
    `bench: generating pgbench -s ${SCALE} + mixed (${Math.round((SCALE * 1_200_000) / 70)} rows) on port ${port}`,
  );
  // Generate with archiving to a no-op (the stanza does not exist yet).
  await archiveCommand('true');
  sh(`${env} createdb bench && ${env} pgbench -i -s ${SCALE} -q bench 2>/dev/null`);
  const mixedRows = Math.round((SCALE * 1_200_000) / 70);
  await pgQuery(
    cluster,
    'bench',
    `CREATE EXTENSION pgcrypto;
     CREATE TABLE mixed (id bigint PRIMARY KEY, name text NOT NULL, doc jsonb, amount numeric(18,4),
                         created_at timestamptz, payload bytea);
     INSERT INTO mixed SELECT g, 'customer-' || g || ' ' || md5(g::text) || repeat('x', (g % 20)),
       jsonb_build_object('id', g, 'tags', jsonb_build_array('a'||(g%7),'b'||(g%11),'c'||(g%13)),
          'active', (g%2=0), 'score', (g*7 % 1000)/10.0, 'note', md5((g*3)::text),
          'addr', jsonb_build_object('city','City'||(g%500),'zip',lpad((g%99999)::text,5,'0'))),
       (g * 12.3456)::numeric(18,4), timestamptz '2020-01-01' + (g || ' seconds')::interval,
       gen_random_bytes(48) || convert_to(repeat('p', 32 + g % 32),'UTF8')
     FROM generate_series(1, ${mixedRows}) g;`,
  );
  await pgQuery(cluster, 'bench', 'VACUUM ANALYZE');
  const dbBytes = Number((await pgQuery(cluster, 'bench', "SELECT pg_database_size('bench')"))[0][0]);
  console.error(`bench: database is ${(dbBytes / 1e6).toFixed(1)} MB`);

  // pgBackRest as its users set it up: the stanza first, then WAL archiving to it, checked end to end
  // (`check` switches WAL and waits until the segment is archived); from here on, as in the reference runs.
  writeFileSync(
    `${S}/pgbackrest.conf`,
    `[global]\nrepo1-path=${S}/repo\nrepo1-retention-full=2\nrepo1-cipher-type=aes-256-cbc\nrepo1-cipher-pass=bench-fake-passphrase\nlog-path=${S}\nlock-path=${S}\nspool-path=${S}\nstart-fast=y\n\n[bench]\npg1-path=${cluster.dataDir}\npg1-port=${port}\npg1-socket-path=${dirname(cluster.dataDir)}\npg1-user=postgres\n`,
  );
  execFileSync('chown', ['-R', 'postgres:postgres', S]);
  const pgbackrest = (command) =>
    execFileSync('bash', [
      '-c',
      `runuser -u postgres -- pgbackrest --config=${S}/pgbackrest.conf --stanza=bench --log-level-console=error ${command}`,
    ]);
  let pgbackrestReady = false;
  try {
    pgbackrest('stanza-create');
    await archiveCommand(`pgbackrest --config=${S}/pgbackrest.conf --stanza=bench archive-push %p`);
    pgbackrest('check');
    pgbackrestReady = true;
  } catch (err) {
    await archiveCommand('true');
    console.error(`bench: pgbackrest skipped: ${err.message.split('\n')[0]}`);
  }

  const tables = ['pgbench_accounts', 'pgbench_branches', 'pgbench_tellers', 'pgbench_history', 'mixed'];
  const home = join(S, 'home');
  mkdirSync(join(home, 'extern'), { recursive: true });
  writeFileSync(join(home, 'k.key'), `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const source = `postgres://postgres@127.0.0.1:${port}/bench`;
  // Each statement as users run it: the CLI, one process per statement.
  const cli = join(here, '../packages/cli/bin/strongroom.js');
  const strongroom = (stmt) => `node ${cli} sql --home ${home} --source '${source}' -e "${stmt}" >/dev/null`;
  const kms = `local://${home}/k.key`;

  // Warm the cache once, like the reference runs.
  sh(
    `${env} psql -q -d bench -c "SELECT count(*) FROM pgbench_accounts" -c "SELECT count(*) FROM mixed" >/dev/null`,
  );
  const [copy, backup, dumpPipe] = measure(
    [
      {
        name: 'raw COPY binary → /dev/null',
        cmd: () =>
          `{ ${tables.map((t) => `psql -q -d bench -c 'COPY ${t} TO STDOUT (FORMAT binary)'`).join(' && ')}; } > /dev/null`,
      },
      {
        name: 'strongroom BACKUP (zstd-1 in worker threads, AES-GCM, local KMS)',
        cmd: (run) => strongroom(`BACKUP DATABASE bench INTO 'nodelocal://1/c${run}' WITH kms = '${kms}'`),
      },
      {
        name: 'pg_dump -Fc -Z0 | zstd -1 | openssl aes-256-ctr',
        cmd: () =>
          `pg_dump -Fc -Z0 -d bench | zstd -1 -q | openssl enc -aes-256-ctr -pbkdf2 -pass pass:bench-fake > ${S}/bench.zst.enc`,
      },
    ],
    RUNS,
    WARMUP,
  );
  const [dumpFc] = measure([{ name: 'pg_dump -Fc', cmd: () => `pg_dump -Fc -d bench -f ${S}/bench.dump` }]);
  let pgbr;
  try {
    if (!pgbackrestReady) throw new Error('no stanza');
    // The archiver has caught up with the WAL the runs above wrote (check waits for it), so the backup
    // waits only for its own segment, as a production pgBackRest does.
    pgbackrest('check');
    const archiver = await pgQuery(
      cluster,
      'postgres',
      'SELECT archived_count, failed_count FROM pg_stat_archiver',
    );
    console.error(`bench: pg_stat_archiver archived ${archiver[0][0]}, failed ${archiver[0][1]}`);
    [pgbr] = measure([
      {
        name: 'pgbackrest full (zst, aes-256-cbc, process-max 2)',
        cmd: () =>
          `pgbackrest --config=${S}/pgbackrest.conf --stanza=bench --type=full --process-max=2 --compress-type=zst --log-level-console=error backup`,
        asPostgres: true,
      },
    ]);
  } catch (err) {
    console.error(`bench: pgbackrest skipped: ${err.message.split('\n')[0]}`);
  }
  // Restores without WAL archiving competing for the cores; each into a new database, dropped untimed.
  await archiveCommand('true');
  const [restore, pgRestore] = measure(
    [
      {
        name: 'strongroom RESTORE (new database, 2 connections)',
        cmd: (run) =>
          strongroom(
            `RESTORE DATABASE bench FROM LATEST IN 'nodelocal://1/c0' WITH kms = '${kms}', new_db_name = 'restored_sr${run}'`,
          ),
        after: (run) => sh(`${env} dropdb restored_sr${run}`),
      },
      {
        name: 'pg_restore -j 2 (createdb + load + indexes)',
        cmd: (run) => `createdb restored_pg${run} && pg_restore -j 2 -d restored_pg${run} ${S}/bench.dump`,
        after: (run) => sh(`${env} dropdb restored_pg${run}`),
      },
    ],
    RUNS,
    WARMUP,
  );
  const stored = Number(sh(`du -sb ${home}/extern/c0 | cut -f1`));

  const ratio = (a, b) => (b ? (a.seconds / b.seconds).toFixed(2) : 'n/a');
  const lines = [
    `database: pgbench -s ${SCALE} + mixed (${mixedRows} rows) = ${(dbBytes / 1e6).toFixed(1)} MB; strongroom backup stored ${(stored / 1e6).toFixed(1)} MB`,
    `wall s: median of the timed runs, after ${WARMUP} untimed warm-up round(s) of the interleaved groups`,
    '',
    '| command | runs | wall s (median) | range s | DB MB/s | peak RSS MB |',
    '| --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.name.replaceAll('|', '\\|')} | ${r.runs} | ${r.seconds.toFixed(2)} | ${r.min.toFixed(2)}–${r.max.toFixed(2)} | ${(dbBytes / 1e6 / r.seconds).toFixed(1)} | ${r.rssMb.toFixed(0)} |`,
    ),
    '',
    `BACKUP / raw COPY = ${ratio(backup, copy)} (target ≤ 1.25)`,
    `BACKUP / pg_dump -Fc = ${ratio(backup, dumpFc)}`,
    `BACKUP / pg_dump zstd+openssl pipeline = ${ratio(backup, dumpPipe)} (target < 1)`,
    `BACKUP / pgbackrest = ${pgbr ? ratio(backup, pgbr) : 'n/a'} (target < 1)`,
    `RESTORE / pg_restore -j 2 = ${ratio(restore, pgRestore)} (target < 1)`,
    `strongroom peak RSS: backup ${backup.rssMb.toFixed(0)} MB, restore ${restore.rssMb.toFixed(0)} MB (target < 300)`,
  ];
  console.log(lines.join('\n'));
} finally {
  await cluster.stop();
  rmSync(work, { recursive: true, force: true });
}
