// The wire server's guarantees with node-postgres and raw sockets: wrong password and unknown user look
// the same (28P01); --require-tls refuses plaintext; garbage, oversized messages and silent clients
// (slowloris) are disconnected while other sessions keep working; sessions are isolated and concurrent;
// CancelRequest aborts a running BACKUP (57014).
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, test } from 'vitest';
import { PASSPHRASE, PASSWORD, startWireServer, USER, type WireFixture } from './wire-helpers.js';

let f: WireFixture;

beforeAll(async () => {
  f = await startWireServer({ requireTls: false, startupTimeoutMs: 1500, maxMessageBytes: 64 * 1024 });
});
afterAll(async () => {
  await f.server.close();
});

function client(extra: Partial<pg.ClientConfig> = {}): pg.Client {
  return new pg.Client({
    host: '127.0.0.1',
    port: f.server.port,
    user: USER,
    password: PASSWORD,
    ssl: { rejectUnauthorized: false },
    ...extra,
  });
}

/** Opens a raw socket, writes `data`, and resolves with what the server sent once it closed the socket. */
function rawExchange(data: Buffer | undefined, timeoutMs = 5000): Promise<{ bytes: Buffer; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const s: Socket = connect(f.server.port, '127.0.0.1');
    const got: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('server did not close the connection'));
    }, timeoutMs);
    s.on('connect', () => {
      if (data) s.write(data);
    });
    s.on('data', (d) => got.push(d));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ bytes: Buffer.concat(got), ms: Date.now() - started });
    });
  });
}

async function stillServes(): Promise<void> {
  const c = client();
  await c.connect();
  assert.equal((await c.query("SHOW BACKUPS IN 'nodelocal://1/none'")).rowCount, 0);
  await c.end();
}

test('a wrong password and an unknown user both get 28P01 with the same words', async () => {
  const errors = [];
  for (const cfg of [{ password: 'wrong' }, { user: 'nobody', password: 'wrong' }]) {
    const c = client(cfg);
    errors.push(
      await c.connect().then(
        () => undefined,
        (e: { code: string; message: string }) => e,
      ),
    );
    await c.end().catch(() => {});
  }
  assert.equal(errors[0]?.code, '28P01');
  assert.equal(errors[1]?.code, '28P01');
  assert.equal(errors[0]?.message, `password authentication failed for user "${USER}"`);
  assert.equal(errors[1]?.message, 'password authentication failed for user "nobody"');
});

test('--require-tls refuses a plaintext startup', async () => {
  const strict = await startWireServer();
  try {
    const c = new pg.Client({ host: '127.0.0.1', port: strict.server.port, user: USER, password: PASSWORD });
    await assert.rejects(c.connect(), { code: '28000' });
  } finally {
    await strict.server.close();
  }
});

test('garbage, oversized messages and silent clients are disconnected; others are unaffected', async () => {
  const busy = client();
  await busy.connect();
  const http = await rawExchange(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  assert.ok(http.bytes.length < 512);
  const huge = Buffer.alloc(8);
  huge.writeInt32BE(0x7fffffff, 0);
  await rawExchange(huge);
  const silent = await rawExchange(undefined);
  assert.ok(silent.ms >= 400 && silent.ms < 3000, `closed after ${silent.ms} ms`);
  const partial = Buffer.alloc(6);
  partial.writeInt32BE(100, 0);
  const slow = await rawExchange(partial);
  assert.ok(slow.ms < 3000);
  // An authenticated client that sends a message over the limit gets 08P01 and is cut off.
  const big = client();
  await big.connect();
  big.on('error', () => {});
  await assert.rejects(big.query(`SELECT '${'x'.repeat(100_000)}'`), { code: '08P01' });
  await big.end().catch(() => {});
  assert.equal((await busy.query('SELECT 2 AS two')).rows[0].two, '2');
  await busy.end();
  await stillServes();
});

test('sessions are isolated and run concurrently', async () => {
  const [a, b] = [client(), client()];
  await Promise.all([a.connect(), b.connect()]);
  await a.query('CREATE TEMP TABLE only_a (x INTEGER)');
  await assert.rejects(b.query('SELECT * FROM only_a'));
  await a.query('SELECT * FROM only_a');
  await Promise.all([a.end(), b.end()]);
  const many = Array.from({ length: 16 }, () => client());
  await Promise.all(many.map((c) => c.connect()));
  const results = await Promise.all(many.map((c) => c.query("SHOW BACKUPS IN 'nodelocal://1/none'")));
  assert.ok(results.every((r) => r.rowCount === 0));
  await Promise.all(many.map((c) => c.end()));
});

test('CancelRequest aborts a running BACKUP with 57014', async () => {
  const c = client();
  await c.connect();
  await c.query(
    'CREATE TABLE big (id INTEGER PRIMARY KEY, b BLOB); ' +
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) ' +
      'INSERT INTO big SELECT i, randomblob(300) FROM n',
  );
  const running = c.query("BACKUP TABLE big INTO 'nodelocal://1/cancel' WITH encryption_passphrase = $1", [
    PASSPHRASE,
  ]);
  await new Promise((r) => c.once('notice', r));
  const internals = c as unknown as { processID: number; secretKey: number };
  const cancel = Buffer.alloc(16);
  cancel.writeInt32BE(16, 0);
  cancel.writeInt32BE(80877102, 4);
  cancel.writeInt32BE(internals.processID, 8);
  cancel.writeInt32BE(internals.secretKey, 12);
  await rawExchange(cancel);
  await assert.rejects(running, { code: '57014' });
  const jobs = await c.query('SHOW JOBS');
  assert.ok(jobs.rows.some((r) => r.status === 'canceled'));
  await c.end();
});
