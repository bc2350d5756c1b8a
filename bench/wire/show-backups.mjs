#!/usr/bin/env node
// Wire-server benchmark: statements per second and latency percentiles of `SHOW BACKUPS IN …` over 1 and
// 32 concurrent node-postgres connections (TLS + SCRAM, simple protocol), against an in-process server
// over a throwaway home holding one backup; each once alone and once while another connection runs a
// 10-second passthrough query (SQLite, CPU-bound; canceled at 10 s). The isolation target: p99 with the
// long query at most 2x p99 without it. Needs `npx tsc -b` first.
// Usage: node bench/wire/show-backups.mjs [seconds per run, default 5, at most 9]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '@strongroom/engine';
import { makeVerifier, startServer } from '@strongroom/server';
import { selfSignedCertificate } from '@strongroom/testkit';
import pg from 'pg';
import postgres from 'postgres';

const seconds = Math.min(9, Number(process.argv[2] ?? 5));
const dir = mkdtempSync(join(tmpdir(), 'strongroom-wire-bench-'));
const home = join(dir, 'home');
const certificate = selfSignedCertificate(dir);
const server = await startServer({
  port: 0,
  tls: { cert: certificate.cert, key: certificate.key },
  requireTls: true,
  users: new Map([['bench', makeVerifier('bench-password')]]),
  openEngine: () => openEngine({ home }),
});
const connect = async () => {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: server.port,
    user: 'bench',
    password: 'bench-password',
    ssl: { rejectUnauthorized: false },
  });
  await c.connect();
  return c;
};
const setup = await connect();
await setup.query("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a')");
await setup.query("BACKUP INTO 'nodelocal://1/bench' WITH encryption_passphrase = 'bench passphrase'");
await setup.end();

const STATEMENT = "SHOW BACKUPS IN 'nodelocal://1/bench'";
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function runWith(connections) {
  const clients = await Promise.all(Array.from({ length: connections }, connect));
  for (const c of clients) await c.query(STATEMENT); // warm-up
  const latencies = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await c.query(STATEMENT);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  await Promise.all(clients.map((c) => c.end()));
  latencies.sort((a, b) => a - b);
  return {
    connections,
    statements: latencies.length,
    perSecond: Math.round(latencies.length / seconds),
    p50: pct(latencies, 50).toFixed(2),
    p95: pct(latencies, 95).toFixed(2),
    p99: pct(latencies, 99).toFixed(2),
  };
}

const LONG =
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000000000) SELECT count(*) FROM c';

/** runWith while another connection runs a passthrough query for 10 s (then cancels it). */
async function runWithLongQuery(connections) {
  const sql = postgres({
    host: '127.0.0.1',
    port: server.port,
    user: 'bench',
    password: 'bench-password',
    ssl: { rejectUnauthorized: false },
    max: 1,
  });
  const query = sql.unsafe(LONG);
  const outcome = query.then(
    () => 'finished',
    (e) => e.code,
  );
  const started = performance.now();
  await new Promise((r) => setTimeout(r, 300));
  const row = await runWith(connections);
  await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (performance.now() - started))));
  await query.cancel();
  const ended = await outcome;
  await sql.end();
  if (ended !== '57014') throw new Error(`the long query should still have been running: ${ended}`);
  return row;
}

const rows = [];
for (const connections of [1, 32]) {
  const alone = await runWith(connections);
  const busy = await runWithLongQuery(connections);
  rows.push({ ...alone, long: 'no' }, { ...busy, long: 'yes', ratio: (busy.p99 / alone.p99).toFixed(2) });
}
await server.close();
console.log(
  `SHOW BACKUPS over the wire (TLS, SCRAM, node-postgres), ${seconds} s per run, Node ${process.version}`,
);
console.log(
  '| connections | 10 s passthrough query on another connection | statements/s | p50 ms | p95 ms | p99 ms | p99 / p99 alone |',
);
console.log('| ---: | :---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows)
  console.log(
    `| ${r.connections} | ${r.long} | ${r.perSecond} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.ratio ?? ''} |`,
  );
