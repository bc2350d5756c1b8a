#!/usr/bin/env node
// Wire-server benchmark: statements per second and latency percentiles of `SHOW BACKUPS IN …` over 1 and
// 32 concurrent node-postgres connections (TLS + SCRAM, simple protocol), against an in-process server
// over a throwaway home holding one backup. Needs `npx tsc -b` first.
// Usage: node bench/wire/show-backups.mjs [seconds per run, default 5]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '@strongroom/engine';
import { makeVerifier, startServer } from '@strongroom/server';
import { selfSignedCertificate } from '@strongroom/testkit';
import pg from 'pg';

const seconds = Number(process.argv[2] ?? 5);
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

const rows = [await runWith(1), await runWith(32)];
await server.close();
console.log(
  `SHOW BACKUPS over the wire (TLS, SCRAM, node-postgres), ${seconds} s per run, Node ${process.version}`,
);
console.log('| connections | statements/s | p50 ms | p95 ms | p99 ms |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.connections} | ${r.perSecond} | ${r.p50} | ${r.p95} | ${r.p99} |`);
