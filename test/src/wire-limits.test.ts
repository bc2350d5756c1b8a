// Server limits and logs (#12 item 7, #14 item 7): a flood of 1,000 idle unauthenticated sockets from one
// address does not keep a real client (TLS + SCRAM) out; the server logs connections, authentication
// failures and protocol errors, never a password.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, test } from 'vitest';
import { PASSWORD, startWireServer, USER, type WireFixture } from './wire-helpers.js';

let f: WireFixture;
const lines: string[] = [];

beforeAll(async () => {
  f = await startWireServer({ log: (line) => lines.push(line) });
});
afterAll(async () => {
  await f.server.close();
});

function client(password = PASSWORD): pg.Client {
  return new pg.Client({
    host: '127.0.0.1',
    port: f.server.port,
    user: USER,
    password,
    database: 'defaultdb',
    ssl: { ca: readFileSync(f.certPath), servername: 'localhost' },
    connectionTimeoutMillis: 5000,
  });
}

test('1,000 idle unauthenticated sockets do not lock out an authenticated client', async () => {
  const idle: Socket[] = [];
  try {
    for (let i = 0; i < 1000; i++) {
      const s = connect(f.server.port, '127.0.0.1');
      s.on('error', () => {});
      idle.push(s);
    }
    await Promise.all(idle.map((s) => new Promise((r) => (s.connecting ? s.once('connect', r) : r(null)))));
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(
      f.server.unauthenticated <= 128,
      `${f.server.unauthenticated} unauthenticated connections held`,
    );
    const t0 = Date.now();
    for (let round = 0; round < 3; round++) {
      const c = client();
      await c.connect().catch((err: unknown) => {
        throw new Error(
          `login ${round + 1} failed (${String(err)}); server log:\n${lines.slice(-20).join('\n')}`,
        );
      });
      assert.equal((await c.query("SHOW BACKUPS IN 'nodelocal://1/none'")).rowCount, 0);
      await c.end();
    }
    assert.ok(Date.now() - t0 < 5000, `three logins took ${Date.now() - t0} ms under the flood`);
  } finally {
    for (const s of idle) s.destroy();
  }
});

test('the server logs sessions, authentication failures and protocol errors, never a secret', async () => {
  lines.length = 0;
  const bad = client('fake-wrong-password');
  await assert.rejects(bad.connect(), { code: '28P01' });
  const c = client();
  await c.connect();
  await c.query('SELECT 1');
  await c.end();
  const raw = connect(f.server.port, '127.0.0.1');
  raw.on('error', () => {});
  raw.resume();
  raw.write(Buffer.from([0, 0, 0, 8, 1, 2, 3, 4]));
  await new Promise((r) => raw.once('close', r));
  await new Promise((r) => setTimeout(r, 100));
  const log = lines.join('\n');
  assert.match(log, new RegExp(`password authentication failed for user "${USER}" from 127\\.0\\.0\\.1`));
  assert.match(
    log,
    new RegExp(`connection authorized: user=${USER} database=defaultdb from 127\\.0\\.0\\.1 \\(TLS\\)`),
  );
  assert.match(log, new RegExp(`disconnection: user=${USER} from 127\\.0\\.0\\.1, session time`));
  assert.match(log, /protocol error from 127\.0\.0\.1/);
  assert.doesNotMatch(log, /fake-wrong-password|fake-wire-password/);
});

test('a pool opening 40 connections at once from one address gets all of them', async () => {
  const pool = Array.from({ length: 40 }, () => client());
  try {
    await Promise.all(pool.map((c) => c.connect()));
    const results = await Promise.all(pool.map((c) => c.query('SELECT 1 AS one')));
    assert.equal(results.filter((r) => r.rows[0]?.one === '1').length, 40);
  } finally {
    await Promise.all(pool.map((c) => c.end().catch(() => undefined)));
  }
});
