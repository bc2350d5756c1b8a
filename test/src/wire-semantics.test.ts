// The wire protocol's semantics, message by message (raw protocol client): Describe before Execute,
// typed ParameterDescription, implicit transactions until Sync, BEGIN/COMMIT/ROLLBACK and the
// ReadyForQuery status, BACKUP inside a transaction, Bind with the wrong parameter count, no session
// stalling another, CancelRequest of a passthrough query, and rows streamed with bounded memory.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { PASSWORD, startWireServer, USER, type WireFixture } from './wire-helpers.js';
import { type Message, RawClient, serialize } from './wire-raw.js';

let f: WireFixture;
const clients: RawClient[] = [];

beforeAll(async () => {
  f = await startWireServer({ requireTls: false });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await f.server.close();
});

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(f.server.port, USER, PASSWORD);
  clients.push(c);
  return c;
}

const names = (ms: readonly Message[]): string[] => ms.map((m) => m.name);
const status = (ms: readonly Message[]): unknown => ms.at(-1)?.status;
const fieldsOf = (m: Message | undefined): [string, number][] =>
  ((m?.fields ?? []) as { name: string; dataTypeID: number }[]).map((x) => [x.name, x.dataTypeID]);
const errorOf = (ms: readonly Message[]): Message | undefined => ms.find((m) => m.name === 'error');

async function count(c: RawClient, table: string): Promise<string> {
  const r = await c.query(`SELECT count(*) FROM ${table}`);
  const row = r.find((m) => m.name === 'dataRow');
  assert.ok(row, `no row: ${String(errorOf(r)?.message)}`);
  return String((row.fields as string[])[0]);
}

test('Describe of a prepared statement gives its columns and parameter types before it runs', async () => {
  const c = await client();
  await c.query('CREATE TABLE d (id INTEGER PRIMARY KEY, v TEXT, f REAL, b BOOLEAN, raw BLOB, at TIMESTAMP)');
  const describe = async (text: string): Promise<{ params: unknown; fields: [string, number][] }> => {
    c.send(
      serialize.parse({ name: 's', text }),
      serialize.describe({ type: 'S', name: 's' }),
      serialize.close({ type: 'S', name: 's' }),
      serialize.sync(),
    );
    const ms = await c.until();
    assert.equal(errorOf(ms), undefined, String(errorOf(ms)?.message));
    return {
      params: ms.find((m) => m.name === 'parameterDescription')?.dataTypeIDs,
      fields: fieldsOf(ms.find((m) => m.name === 'rowDescription')),
    };
  };
  assert.deepEqual(await describe('SELECT id, v, f, b, raw, at FROM d WHERE id = $1 AND v = $2'), {
    params: [20, 25],
    fields: [
      ['id', 20],
      ['v', 25],
      ['f', 701],
      ['b', 16],
      ['raw', 17],
      ['at', 1184],
    ],
  });
  assert.deepEqual(await describe('INSERT INTO d VALUES ($1, $2, $3, $4, $5, $6)'), {
    params: [20, 25, 701, 16, 17, 1184],
    fields: [],
  });
  const show = await describe('SHOW BACKUP FROM LATEST IN $1 WITH encryption_passphrase = $2');
  assert.deepEqual(show.params, [25, 25]);
  assert.equal(show.fields.length, 11);
  assert.deepEqual(show.fields[0], ['database_name', 25]);
  assert.deepEqual((await describe('SHOW BACKUPS IN $1')).fields, [['path', 25]]);
  assert.deepEqual((await describe('BACKUP INTO $1 WITH detached, encryption_passphrase = $2')).fields, [
    ['job_id', 20],
  ]);
  assert.equal((await describe('BACKUP INTO $1 WITH encryption_passphrase = $2')).fields.length, 4);
  const job = await describe('SHOW JOB $1');
  assert.deepEqual(job.params, [20]);
  assert.deepEqual(
    job.fields.find(([name]) => name === 'user_name'),
    ['user_name', 25],
  );
  assert.deepEqual((await describe('PAUSE JOB $1')).fields, []);
});

test('a batch runs in an implicit transaction until Sync: an error halfway commits nothing', async () => {
  const c = await client();
  await c.query('CREATE TABLE batch (id INTEGER PRIMARY KEY)');
  const insert = (id: string): Buffer[] => [
    serialize.bind({ statement: 'ins', values: [id] }),
    serialize.execute({}),
  ];
  c.send(
    serialize.parse({ name: 'ins', text: 'INSERT INTO batch VALUES ($1)' }),
    ...insert('1'),
    ...insert('2'),
    serialize.sync(),
  );
  assert.equal(status(await c.until()), 'I');
  assert.equal(await count(c, 'batch'), '2');
  c.send(...insert('3'), ...insert('4'), ...insert('1'), ...insert('5'), serialize.sync());
  const failed = await c.until();
  assert.equal(errorOf(failed)?.code, '23505');
  assert.equal(status(failed), 'I');
  assert.equal(await count(c, 'batch'), '2');
  // A Bind with too many parameters is a protocol error, and nothing runs.
  c.send(serialize.bind({ statement: 'ins', values: ['7', '8'] }), serialize.execute({}), serialize.sync());
  const wrong = await c.until();
  assert.equal(errorOf(wrong)?.code, '08P01');
  assert.deepEqual(names(wrong), ['error', 'readyForQuery']);
  c.send(serialize.bind({ statement: 'ins', values: [] }), serialize.execute({}), serialize.sync());
  assert.equal(errorOf(await c.until())?.code, '08P01');
  assert.equal(await count(c, 'batch'), '2');
});

test('BEGIN, COMMIT and ROLLBACK: ReadyForQuery tells I/T/E, BACKUP needs DETACHED inside', async () => {
  const c = await client();
  await c.query('CREATE TABLE txt (id INTEGER PRIMARY KEY)');
  assert.equal(status(await c.query('BEGIN')), 'T');
  assert.equal(status(await c.query('INSERT INTO txt VALUES (1)')), 'T');
  const backup = await c.query("BACKUP INTO 'nodelocal://1/tx' WITH encryption_passphrase = 'fake pass'");
  assert.equal(errorOf(backup)?.code, '25001');
  assert.equal(status(backup), 'E');
  const ignored = await c.query('SELECT 1');
  assert.equal(errorOf(ignored)?.code, '25P02');
  assert.deepEqual(names(await c.query('ROLLBACK')).slice(-2), ['commandComplete', 'readyForQuery']);
  assert.equal(await count(c, 'txt'), '0');
  await c.query('BEGIN');
  await c.query('INSERT INTO txt VALUES (2)');
  const detached = await c.query(
    "BACKUP INTO 'nodelocal://1/tx' WITH detached, encryption_passphrase = 'fake pass'",
  );
  assert.equal(errorOf(detached), undefined);
  assert.equal(status(await c.query('COMMIT')), 'I');
  assert.equal(await count(c, 'txt'), '1');
  // A multi-statement query is one implicit transaction too.
  const multi = await c.query('INSERT INTO txt VALUES (3); INSERT INTO txt VALUES (2)');
  assert.equal(errorOf(multi)?.code, '23505');
  assert.equal(await count(c, 'txt'), '1');
});

const LONG =
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000000000) SELECT count(*) FROM c';

test('a long passthrough query stalls no other session, and CancelRequest stops it within a second', async () => {
  const busy = await client();
  const other = await client();
  await other.query("SHOW BACKUPS IN 'nodelocal://1/none'");
  busy.send(serialize.query(LONG));
  await new Promise((r) => setTimeout(r, 200));
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const r = await other.query("SHOW BACKUPS IN 'nodelocal://1/none'");
    times.push(performance.now() - t0);
    assert.equal(errorOf(r), undefined);
  }
  times.sort((a, b) => a - b);
  assert.ok(times[18]! < 200, `SHOW BACKUPS took ${times.join(', ')} ms while another session worked`);
  const t0 = Date.now();
  await busy.cancel(f.server.port);
  const canceled = await busy.until();
  assert.equal(errorOf(canceled)?.code, '57014');
  assert.ok(Date.now() - t0 < 1000, `cancel took ${Date.now() - t0} ms`);
  assert.equal(status(canceled), 'I');
  assert.equal(errorOf(await busy.query('SELECT 1')), undefined);
});

test('a large SELECT streams: the server holds a bounded number of rows', async () => {
  const c = await client();
  const rows = 200_000;
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  c.send(
    serialize.query(
      `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT ${rows}) SELECT x, printf('%01000d', x) FROM c`,
    ),
  );
  let got = 0;
  for (;;) {
    const ms = await c.until('dataRow').catch(() => []);
    if (ms.at(-1)?.name !== 'dataRow') break;
    got++;
    if (got === rows) break;
  }
  const end = await c.until();
  clearInterval(sampler);
  assert.equal(got, rows);
  assert.equal(end.find((m) => m.name === 'commandComplete')?.text, `SELECT ${rows}`);
  // ~200 MB of rows went through; buffered they would cost far more than this.
  assert.ok(peak - before < 150 * 1024 * 1024, `RSS grew by ${Math.round((peak - before) / 1048576)} MB`);
});
