// The postgres source's COPY paths against a real, throwaway cluster (with CI=true a missing server
// fails): tables of built-in types travel as COPY BINARY and round-trip exactly (edge values of every
// binary-safe type), other tables as COPY text; readSpan yields chunks of whole rows with exact row
// counts and the same bytes for the same rows; a canceled span leaves the snapshot usable.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHUNK_BUFFER_BYTES,
  freeChunkSlots,
  openSource,
  type RestoreTable,
  releaseChunk,
  type SpanChunk,
  takeChunkBuffer,
} from '@strongroom/sources';
import { type PostgresCluster, pgQuery, startPostgresForTests, tableChecksums } from '@strongroom/testkit';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fixture } from './helpers.js';

const FIXTURE = `
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE allbin (
  id bigint PRIMARY KEY, i2 smallint, i4 integer, b bool, t text, vc varchar(10), ch char(5), by bytea,
  n numeric, n2 numeric(40,20), f4 real, f8 double precision, d date, tm time, ttz timetz, ts timestamp,
  tstz timestamptz, iv interval, u uuid, j json, jb jsonb, ai int[], at text[], an numeric[], atz timestamptz[],
  ab bytea[], ajb jsonb[], gen bigint GENERATED ALWAYS AS (id * 2) STORED
);
INSERT INTO allbin (id, i2, i4, b, t, vc, ch, by, n, n2, f4, f8, d, tm, ttz, ts, tstz, iv, u, j, jb, ai, at, an,
                    atz, ab, ajb) VALUES
 (1, -32768, 2147483647, true, E'tab\\there\\nnew\\\\line é 😀', 'short', 'ab', '\\x000aff0d5c',
  123456789012345678901234567890.123456789012345678901234567890, -12345678901234567890.12345678901234567890,
  3.4028235e38, 0.1, '4713-01-01 BC', '24:00:00', '23:59:59.999999+14:59', '294276-12-31 23:59:59.999999',
  '2024-01-02 03:04:05.123456+05:30', '-178000000 years 3 mons -4 days 05:06:07.000001',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a":1,"a":2,  "z": [1, 2]}', '{"b":1,"a":[true,null,1.50]}',
  '[0:1][1:2]={{1,2},{3,NULL}}', '{a,"b c",NULL,"{}",""}', '{NaN,Infinity,-1.0e-30}',
  '{"2024-01-01 00:00:00+00",infinity}', '{"\\\\x00",NULL}', ARRAY['{"k":"v"}'::jsonb, 'null']),
 (2, 0, 0, false, '', '', '', '', 'NaN', 0, 'NaN', '-0', 'infinity', '00:00', '00:00+00', '-infinity',
  'infinity', '0', '00000000-0000-0000-0000-000000000000', 'null', 'null', '{}', '{}', '{}', '{}', '{}', '{}'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '-Infinity', NULL, '-Infinity', 'Infinity', '-infinity', NULL,
  NULL, 'infinity', '-infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 1, 1, true, repeat('wide-', 300000), 'x', 'y', decode(repeat('ab', 700000), 'hex'), 1e-1000, NULL,
  1.17549435e-38, 5e-324, '2000-02-29', '12:34:56.789', '12:00-08', '2000-01-01', '1970-01-01 00:00:00+00',
  '1 day', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '[]', '{}', '{-2147483648}', '{"\\\\"}', '{0.000}',
  '{NULL}', '{"\\\\xff"}', '{"[]"}');
INSERT INTO allbin (id, i4, t, n, tstz, jb, by)
  SELECT g, g, 'row ' || g || repeat('r', g % 50), g * 1.25, timestamptz '2020-01-01' + g * interval '1 second',
         jsonb_build_object('g', g), decode(md5(g::text), 'hex')
    FROM generate_series(10, 200000) g;
CREATE TABLE withenum (id int PRIMARY KEY, m mood, note text);
INSERT INTO withenum SELECT g, CASE WHEN g % 2 = 0 THEN 'sad'::mood ELSE 'happy'::mood END, 'n' || g
  FROM generate_series(1, 5000) g;
CREATE TABLE nokey (a int, b text);
INSERT INTO nokey SELECT g, repeat('z', g % 2000) FROM generate_series(1, 3000) g;
ANALYZE;
`;

let cluster: PostgresCluster | undefined;
let skip: string | undefined;

beforeAll(async () => {
  // TLS on, so one test can read and restore over it (the others connect without).
  ({ cluster, skip } = await startPostgresForTests({ tls: true }));
  if (cluster === undefined) return;
  await pgQuery(cluster, 'postgres', 'CREATE DATABASE copysrc');
  await pgQuery(cluster, 'copysrc', FIXTURE);
});

afterAll(async () => {
  await cluster?.stop();
});

/** Rows in a chunk of header-less COPY BINARY rows; fails unless the chunk ends exactly on a row end. */
function binaryRows(data: Uint8Array, columns: number): number {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let i = 0;
  let rows = 0;
  while (i < b.length) {
    assert.equal(b.readInt16BE(i), columns, `field count at ${i}`);
    i += 2;
    for (let f = 0; f < columns; f++) {
      const len = b.readInt32BE(i);
      i += 4 + Math.max(len, 0);
    }
    rows++;
  }
  assert.equal(i, b.length, 'the chunk ends on a row boundary');
  return rows;
}

/** The rows of COPY BINARY chunks of `columns` columns, each chunk's count checked against its rows. */
function checkedRows(chunks: readonly SpanChunk[], columns: number): number {
  let total = 0;
  for (const c of chunks) {
    assert.equal(binaryRows(c.data, columns), c.rows);
    total += c.rows;
  }
  return total;
}

function digest(chunks: readonly SpanChunk[]): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c.data);
  return h.digest('hex');
}

describe('postgres COPY paths', () => {
  it('reads built-in-type tables as whole-row COPY BINARY chunks, others as COPY text', async (t) => {
    if (skip) return t.skip(skip);
    const pg = cluster as PostgresCluster;
    const home = mkdtempSync(join(tmpdir(), 'strongroom-pgcopy-'));
    const source = await openSource(pg.uri('copysrc'), { home });
    try {
      const snapshot = await source.openSnapshot(['copysrc']);
      const schema = await snapshot.schema('copysrc');
      const attrs = (name: string) => schema.tables.find((x) => x.name === name)?.attributes ?? {};
      assert.equal(attrs('allbin').copyFormat, 'binary');
      assert.equal(attrs('withenum').copyFormat, undefined);
      assert.equal(attrs('nokey').copyFormat, 'binary');

      const read = async (table: string, lo: string | null, hi: string | null) => {
        const chunks: SpanChunk[] = [];
        // Copied out of their arena slots, which go back (as the engine does once a chunk is encoded).
        for await (const c of snapshot.readSpan('copysrc', table, { lo, hi })) {
          chunks.push({ ...c, data: Buffer.from(c.data) });
          releaseChunk(c.data);
        }
        return chunks;
      };
      // allbin spans several spans; the generated column is not read (27 columns of 28).
      const bounds = await snapshot.planSpans('copysrc', 'allbin');
      assert.ok(bounds.length >= 1, 'allbin has several spans');
      let total = 0;
      const edges = [null, ...bounds, null];
      for (let s = 0; s + 1 < edges.length; s++) {
        const chunks = await read('allbin', edges[s] ?? null, edges[s + 1] ?? null);
        total += checkedRows(chunks, 27);
        if (s === 0) {
          // The 1.4 MB row makes a chunk larger than the usual 512 KiB; the others stay near it.
          assert.ok(chunks.length > 2);
          assert.ok(chunks.some((c) => c.data.length > 1_000_000));
          // The same rows give the same bytes.
          assert.equal(digest(await read('allbin', null, edges[1] ?? null)), digest(chunks));
        }
      }
      assert.equal(total, 4 + 199991);
      // PostgreSQL 14+: spans are heap-page ranges (a TID range scan each); their boundaries are marked.
      assert.ok(
        bounds.every((b) => /^\u0000page [0-9]+$/.test(b)),
        `page boundaries: ${JSON.stringify(bounds)}`,
      );
      // A chain begun with primary-key spans keeps reading them: [lo, hi) of the key, in key order.
      const [[inRange]] = (await pgQuery(
        pg,
        'copysrc',
        'SELECT count(*) FROM allbin WHERE id >= 1000 AND id < 2500',
      )) as [[string]];
      const keySpan = await read('allbin', '1000', '2500');
      assert.equal(
        keySpan.reduce((n, c) => n + c.rows, 0),
        Number(inRange),
      );
      const firstId = (keySpan[0] as SpanChunk).data;
      // The first row's first field is the bigint id (2-byte field count, 4-byte length, 8-byte value).
      assert.equal(Buffer.from(firstId.buffer, firstId.byteOffset + 6, 8).readBigInt64BE(), 1000n);

      const text = await read('withenum', null, null);
      let textRows = 0;
      for (const c of text) {
        assert.equal(c.data[c.data.length - 1], 0x0a);
        assert.equal(Buffer.from(c.data).toString('utf8').split('\n').length - 1, c.rows);
        textRows += c.rows;
      }
      assert.equal(textRows, 5000);
      const nokey = await read('nokey', null, null);
      assert.equal(
        nokey.reduce((n, c) => n + binaryRows(c.data, 2), 0),
        3000,
      );

      // A span abandoned midway (cancel) fails with CANCELED; the snapshot still reads afterwards.
      const ac = new AbortController();
      await assert.rejects(
        (async () => {
          for await (const c of snapshot.readSpan('copysrc', 'allbin', { lo: null, hi: null }, ac.signal)) {
            releaseChunk(c.data);
            ac.abort();
          }
        })(),
        (err: { code?: string }) => err.code === 'CANCELED',
      );
      const after = await read('withenum', null, null);
      assert.equal(
        after.reduce((n, c) => n + c.rows, 0),
        5000,
      );
      await snapshot.close();
    } finally {
      await source.close();
    }
  });

  it('restores COPY BINARY and text tables exactly, new and existing databases', async (t) => {
    if (skip) return t.skip(skip);
    const pg = cluster as PostgresCluster;
    const { engine, key } = await fixture({ source: pg.uri('copysrc') });
    const kms = key('k');
    try {
      await engine.execute(`BACKUP DATABASE copysrc INTO 'nodelocal://1/b' WITH kms = '${kms}'`);
      const freeBefore = freeChunkSlots();
      assert.equal(freeBefore, 32, 'no slot lost by the reads above');
      await engine.execute(
        `RESTORE DATABASE copysrc FROM LATEST IN 'nodelocal://1/b' WITH kms = '${kms}', new_db_name = 'copy_new'`,
      );
      // The restore decodes into arena slots and gives every one back once written.
      assert.equal(freeChunkSlots(), freeBefore);
      const [src, restored] = await Promise.all([
        tableChecksums(pg, 'copysrc'),
        tableChecksums(pg, 'copy_new'),
      ]);
      assert.ok(src.size >= 3);
      assert.deepEqual(restored, src);
      // Values whose text form could hide a difference, compared by the server.
      const probe = `SELECT id, n::text, f4::text, f8::text, ts::text, tstz::text, iv::text, j::text, jb::text,
                            ai::text, an::text, atz::text, gen FROM allbin WHERE id < 10 ORDER BY id`;
      assert.deepEqual(await pgQuery(pg, 'copy_new', probe), await pgQuery(pg, 'copysrc', probe));

      // Into an existing database (one transaction, no FREEZE), which has the enum type already.
      await pgQuery(pg, 'postgres', 'CREATE DATABASE copy_into');
      await pgQuery(pg, 'copy_into', "CREATE TYPE mood AS ENUM ('sad', 'happy')");
      await engine.execute(
        `RESTORE TABLE copysrc.allbin, copysrc.withenum FROM LATEST IN 'nodelocal://1/b' WITH kms = '${kms}', into_db = 'copy_into'`,
      );
      const into = await tableChecksums(pg, 'copy_into');
      for (const name of ['allbin', 'withenum']) {
        const k = [...src.keys()].find((x) => x.endsWith(name)) as string;
        assert.deepEqual(into.get(k), src.get(k), name);
      }
    } finally {
      await engine.close();
    }
  });

  it('a load that fails mid-COPY (source error, or rows the server rejects) rolls back and frees its buffers', async (t) => {
    if (skip) return t.skip(skip);
    const pg = cluster as PostgresCluster;
    const home = mkdtempSync(join(tmpdir(), 'strongroom-pgcopy-'));
    const source = await openSource(pg.uri('copysrc'), { home });
    try {
      const snapshot = await source.openSnapshot(['copysrc']);
      const schema = await snapshot.schema('copysrc');
      const allbin = schema.tables.find((x) => x.name === 'allbin');
      assert.ok(allbin);
      // Real rows of one span, in arena slots as the restore reads them.
      const chunks: Buffer[] = [];
      for await (const c of snapshot.readSpan('copysrc', 'allbin', { lo: null, hi: null })) {
        chunks.push(Buffer.from(c.data));
        releaseChunk(c.data);
      }
      await snapshot.close();
      const freeBefore = freeChunkSlots();
      const attempt = async (db: string, data: RestoreTable['data']): Promise<unknown> => {
        await pgQuery(pg, 'postgres', `CREATE DATABASE ${db}`);
        await pgQuery(pg, db, "CREATE TYPE mood AS ENUM ('sad', 'happy')");
        return source
          .restore({ database: db, createDatabase: false, tables: [{ table: allbin, data }], objects: [] })
          .then(
            () => assert.fail('the restore succeeded'),
            (err: unknown) => err,
          );
      };
      // The data source fails after some rows went to the server: CopyFail rolls the COPY back.
      const rows = chunks.find((c) => c.length <= CHUNK_BUFFER_BYTES) as Buffer;
      const inSlot = (): Buffer => {
        const b = takeChunkBuffer();
        rows.copy(b);
        return b.subarray(0, rows.length);
      };
      const failed = await attempt('copy_fail_src', async function* () {
        yield inSlot();
        yield inSlot();
        throw new Error('the backup storage went away');
      });
      assert.match(String(failed), /the backup storage went away/);
      // The server rejects the rows (a truncated row): its error, not a hang.
      // The source is closed as soon as the server's error is seen, not read to its end.
      let closed = false;
      let sentAfter = 0;
      const rejected = await attempt('copy_fail_srv', async function* () {
        try {
          yield inSlot();
          const bad = inSlot();
          yield bad.subarray(0, 7);
          for (; sentAfter < 500; sentAfter++) {
            await new Promise((r) => setTimeout(r, 2));
            yield inSlot();
          }
        } finally {
          closed = true;
        }
      });
      assert.match(String(rejected), /COPY|binary|row|data/i);
      assert.ok(closed && sentAfter < 500, `source closed after ${sentAfter} more chunks`);
      for (const db of ['copy_fail_src', 'copy_fail_srv']) {
        const left = await pgQuery(
          pg,
          db,
          "SELECT count(*)::int AS n FROM pg_class WHERE relname = 'allbin'",
        );
        assert.deepEqual(left, [['0']], `${db}: nothing left behind`);
      }
      assert.equal(freeChunkSlots(), freeBefore, 'every arena slot back');
      // The source's connection is still usable.
      assert.equal((await source.execute('SELECT 1 AS one')).rows[0]?.[0], '1');
    } finally {
      await source.close();
    }
  });

  it('backs up and restores over TLS (sslmode=no-verify) exactly', async (t) => {
    if (skip) return t.skip(skip);
    const pg = cluster as PostgresCluster;
    const { engine, key } = await fixture({ source: `${pg.uri('copysrc')}?sslmode=no-verify` });
    const kms = key('k');
    try {
      // The session's own connection is encrypted (so are the snapshot's and the restore's: same options).
      const tls = await engine.execute('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      assert.deepEqual(tls.rows, [['t']]);
      const freeBefore = freeChunkSlots();
      await engine.execute(`BACKUP DATABASE copysrc INTO 'nodelocal://1/tls' WITH kms = '${kms}'`);
      await engine.execute(
        `RESTORE DATABASE copysrc FROM LATEST IN 'nodelocal://1/tls' WITH kms = '${kms}', new_db_name = 'copy_tls'`,
      );
      assert.equal(freeChunkSlots(), freeBefore, 'every arena slot back');
      assert.deepEqual(await tableChecksums(pg, 'copy_tls'), await tableChecksums(pg, 'copysrc'));
    } finally {
      await engine.close();
    }
  });
});
