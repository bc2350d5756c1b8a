#!/usr/bin/env node
// What leasing a BACKUP's units one at a time costs the single-node path (issue #20 item 5): a job's plan
// of N units written to job_units, then each unit claimed and its result recorded, one at a time and in
// batches of 8 as runBackup does — on a SQLite jobs.db and on a PostgreSQL state store (a throwaway cluster
// on loopback).
// Compare with a span's own time: a 4 MB page window or a 4–64 MB key range at 100–300 MB/s is 13–600 ms.
// Usage: npx tsc -b && node bench/units.mjs (BENCH_UNITS=2000 for more units).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobsStore, PostgresBackend, SqliteBackend } from '../packages/engine/dist/index.js';
import { pgQuery, startPostgres } from '../packages/testkit/dist/emulators/postgres.js';

const N = Number(process.env.BENCH_UNITS ?? 500);
/** The batch runBackup claims and records units in (CLAIM_BATCH, RESULT_BATCH). */
const BATCH = 8;
const RESULT = JSON.stringify({
  lo: '000123',
  hi: '000124',
  fingerprint: `zstd:${'ab'.repeat(32)}`,
  rows: 41234,
  file: {
    path: '2026/12/04-221300.00/data/000123.rows',
    locality: 'default',
    logicalBytes: 4194304,
    storedBytes: 2100000,
    rows: 41234,
    compression: 'zstd',
  },
});
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

async function measure(name, backend) {
  const store = await JobsStore.open(backend, 'sqlite:///bench/', {});
  const id = await store.create({
    type: 'BACKUP',
    description: 'bench',
    userName: 'root',
    payload: 'bench',
    status: 'running',
  });
  const specs = Array.from({ length: N }, (_, i) => ({
    spec: JSON.stringify({ database: 'db', table: 't', lo: String(i), hi: String(i + 1) }),
  }));
  let t0 = process.hrtime.bigint();
  await store.units.replace(id, 1, specs);
  const plan = ms(t0);
  t0 = process.hrtime.bigint();
  for (let u = 0; u < N; u++) {
    const now = store.now();
    const [got] = await store.units.claim(id, 1, [u], store.nodeId, now + store.leaseMs, now);
    if (!got) throw new Error('lost');
    if ((await store.units.complete(id, 1, store.nodeId, [{ ...got, result: RESULT }])) !== 1)
      throw new Error('lost');
  }
  const each = ms(t0) / N;
  await store.units.replace(id, 1, specs);
  t0 = process.hrtime.bigint();
  for (let u = 0; u < N; u += BATCH) {
    const now = store.now();
    const batch = Array.from({ length: Math.min(BATCH, N - u) }, (_, i) => u + i);
    const got = await store.units.claim(id, 1, batch, store.nodeId, now + store.leaseMs, now);
    const results = got.map((g) => ({ ...g, result: RESULT }));
    if ((await store.units.complete(id, 1, store.nodeId, results)) !== batch.length) throw new Error('lost');
  }
  const batched = ms(t0) / N;
  console.log(
    `${name}: plan of ${N} units ${plan.toFixed(1)} ms; claim + result per unit ${each.toFixed(3)} ms one at a time, ${batched.toFixed(3)} ms in batches of ${BATCH}`,
  );
  await store.close();
}

const home = mkdtempSync(join(tmpdir(), 'strongroom-units-'));
const cluster = await startPostgres({});
try {
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  await measure('SQLite jobs.db', new SqliteBackend(join(home, 'jobs.db')));
  await pgQuery(cluster, 'postgres', 'CREATE DATABASE units');
  const uri = cluster.uri('units');
  await measure('PostgreSQL state store (loopback)', await PostgresBackend.open(uri, uri));
} finally {
  await cluster.stop();
  rmSync(home, { recursive: true, force: true });
}
