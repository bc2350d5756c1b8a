#!/usr/bin/env node
// The per-node rates docs/SCALE.md estimates distributed BACKUP from (issue #20 item 5): on a throwaway
// PostgreSQL cluster with `pgbench -i -s $BENCH_SCALE` (default 10), (1) one node's whole BACKUP (snapshot,
// COPY BINARY, zstd-1, AES-256-GCM, local KMS, nodelocal store) as MB of database per second; (2) the
// source side alone: k connections that each import one exported snapshot (`SET TRANSACTION SNAPSHOT`, as
// the nodes of a distributed backup would) and COPY an equal share of pgbench_accounts' rows to nowhere, for
// k = 1, 2, 4 — what the source gives several readers of one snapshot at once. Usage: npx tsc -b &&
// node bench/scale.mjs (BENCH_SCALE=30 for a bigger run).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openEngine } from '../packages/engine/dist/index.js';
import { pgQuery, startPostgres } from '../packages/testkit/dist/emulators/postgres.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 10);
const cluster = await startPostgres({ settings: { shared_buffers: '512MB', max_wal_size: '4GB' } });
const env = `PGHOST=127.0.0.1 PGPORT=${cluster.port} PGUSER=postgres`;
const sh = (cmd) => execFileSync('bash', ['-c', cmd], { stdio: ['ignore', 'pipe', 'inherit'] }).toString();
const home = mkdtempSync(join(tmpdir(), 'strongroom-scale-'));
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

try {
  sh(
    `${env} ${cluster.binDir}/createdb bench && ${env} ${cluster.binDir}/pgbench -i -s ${SCALE} -q bench 2>/dev/null`,
  );
  const dbBytes = Number(
    (await pgQuery(cluster, 'bench', 'SELECT pg_database_size(current_database())'))[0][0],
  );
  const mb = dbBytes / 1e6;
  console.log(
    `database: pgbench -s ${SCALE} = ${mb.toFixed(1)} MB; ${cpus().length} cores; load ${loadavg()[0].toFixed(1)}`,
  );

  // (1) One node's BACKUP.
  const engine = await openEngine({ home, source: cluster.uri('bench') });
  try {
    const key = join(home, 'k.key');
    sh(
      `node ${new URL('../packages/cli/bin/strongroom.js', import.meta.url).pathname} keygen ${key} >/dev/null`,
    );
    for (let run = 0; run < 2; run++) {
      const t0 = process.hrtime.bigint();
      await engine.execute(`BACKUP INTO 'nodelocal://1/c${run}' WITH kms = 'local://${key}'`);
      const s = seconds(t0);
      console.log(
        `one node BACKUP run ${run + 1}: ${s.toFixed(2)} s, ${(mb / s).toFixed(1)} MB/s of database`,
      );
    }
  } finally {
    await engine.close();
  }

  // (2) k readers of one exported snapshot, each a share of the biggest table.
  const rows = SCALE * 100_000;
  for (const k of [1, 2, 4]) {
    const exporter = new pg.Client({ connectionString: cluster.uri('bench') });
    await exporter.connect();
    await exporter.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const snapshot = (await exporter.query('SELECT pg_export_snapshot() AS s')).rows[0].s;
    const readers = await Promise.all(
      Array.from({ length: k }, async () => {
        const c = new pg.Client({ connectionString: cluster.uri('bench') });
        await c.connect();
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        await c.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
        return c;
      }),
    );
    const t0 = process.hrtime.bigint();
    let bytes = 0;
    await Promise.all(
      readers.map(async (c, i) => {
        const lo = Math.floor((rows * i) / k);
        const hi = Math.floor((rows * (i + 1)) / k);
        // Text COPY through a query keeps this bench free of a COPY-stream dependency; the rate is
        // relative (k readers against one), which is what the estimate needs.
        const r = await c.query(
          `SELECT sum(length(t::text)) AS n FROM pgbench_accounts t WHERE aid > ${lo} AND aid <= ${hi}`,
        );
        bytes += Number(r.rows[0].n);
      }),
    );
    const s = seconds(t0);
    console.log(
      `${k} reader(s) of one snapshot: ${s.toFixed(2)} s, ${(bytes / 1e6 / s).toFixed(1)} MB/s of row text in all`,
    );
    for (const c of readers) await c.end();
    await exporter.query('COMMIT');
    await exporter.end();
  }
} finally {
  await cluster.stop();
  rmSync(home, { recursive: true, force: true });
}
