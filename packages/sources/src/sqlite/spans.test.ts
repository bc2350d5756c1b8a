import assert from 'node:assert/strict';
import { test } from 'vitest';
import { decodeRows, type Row } from '../row-codec.js';
import { SPAN_ROWS } from './spans.js';
import { tempSource } from './test-helpers.js';

async function rowsOf(
  chunks: AsyncIterable<{ data: Uint8Array; rows: number }>,
): Promise<{ rows: Row[]; bytes: Buffer }> {
  const datas: Uint8Array[] = [];
  let counted = 0;
  for await (const c of chunks) {
    datas.push(c.data);
    counted += c.rows;
  }
  const rows: Row[] = [];
  for await (const r of decodeRows(datas)) rows.push(r);
  assert.equal(counted, rows.length);
  return { rows, bytes: Buffer.concat(datas) };
}

test('spans split a rowid table by rowid, cover every row exactly once, and are stable', async () => {
  const t = await tempSource();
  try {
    const s = t.source;
    await s.execute('CREATE TABLE big (id INTEGER PRIMARY KEY, pad TEXT)');
    await s.execute(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) INSERT INTO big SELECT i * 3 - 100000, printf('%0*d', i % 40, i) FROM n",
    );
    await s.execute('DELETE FROM big WHERE id % 7 = 0');
    const total = Number((await s.execute('SELECT count(*) FROM big')).rows[0]![0]);
    await s.execute('CREATE TABLE wr (k TEXT PRIMARY KEY, v) WITHOUT ROWID');
    await s.execute("INSERT INTO wr VALUES ('b', 1), ('a', 2), ('c', 3)");
    const snap = await s.openSnapshot(['defaultdb']);
    try {
      const boundaries = await snap.planSpans('defaultdb', 'big');
      assert.equal(boundaries.length, Math.floor((total - 1) / SPAN_ROWS));
      assert.deepEqual(await snap.planSpans('defaultdb', 'big'), boundaries);
      const previous = ['-5', '17'];
      assert.equal(await snap.planSpans('defaultdb', 'big', previous), previous);
      const edges = [null, ...boundaries, null];
      const seen: bigint[] = [];
      // Read every span at once, interleaved, to show spans of one snapshot can be read concurrently.
      const results = await Promise.all(
        edges
          .slice(0, -1)
          .map((lo, i) => rowsOf(snap.readSpan('defaultdb', 'big', { lo, hi: edges[i + 1]! }))),
      );
      results.forEach(({ rows }, i) => {
        assert.ok(rows.length <= SPAN_ROWS);
        for (const row of rows) {
          const rowid = row[0] as bigint;
          if (edges[i] !== null) assert.ok(rowid >= BigInt(edges[i]!));
          if (edges[i + 1] !== null) assert.ok(rowid < BigInt(edges[i + 1]!));
          assert.equal(row[1], rowid, 'the INTEGER PRIMARY KEY is the rowid');
          seen.push(rowid);
        }
      });
      assert.equal(seen.length, total);
      assert.deepEqual(
        seen,
        [...seen].sort((a, b) => (a < b ? -1 : 1)),
      );
      assert.equal(new Set(seen).size, total);
      // The same rows give the same bytes.
      const again = await rowsOf(snap.readSpan('defaultdb', 'big', { lo: edges[1]!, hi: edges[2]! }));
      assert.deepEqual(
        again.bytes,
        (await rowsOf(snap.readSpan('defaultdb', 'big', { lo: edges[1]!, hi: edges[2]! }))).bytes,
      );

      assert.deepEqual(await snap.planSpans('defaultdb', 'wr'), []);
      const wr = await rowsOf(snap.readSpan('defaultdb', 'wr', { lo: null, hi: null }));
      assert.deepEqual(wr.rows, [
        ['a', 2n],
        ['b', 1n],
        ['c', 3n],
      ]);
      await assert.rejects(snap.planSpans('defaultdb', 'missing'), { code: 'TARGET_NOT_FOUND' });
      await assert.rejects(rowsOf(snap.readSpan('defaultdb', 'big', { lo: '1; DROP', hi: null })), {
        code: 'INVALID_PARAMETER',
      });
    } finally {
      await snap.close();
    }
  } finally {
    await t.dispose();
  }
});

test('a table with a column named rowid keeps its real rowids', async () => {
  const t = await tempSource();
  try {
    const s = t.source;
    await s.execute('CREATE TABLE odd (rowid TEXT, x)');
    await s.execute("INSERT INTO odd (_rowid_, rowid, x) VALUES (10, 'ten', 1), (3, 'three', 2)");
    const snap = await s.openSnapshot(['defaultdb']);
    try {
      const schema = await snap.schema('defaultdb');
      assert.equal(schema.tables[0]!.attributes.rowid, '_rowid_');
      const { rows } = await rowsOf(snap.readSpan('defaultdb', 'odd', { lo: null, hi: null }));
      assert.deepEqual(rows, [
        [3n, 'three', 2n],
        [10n, 'ten', 1n],
      ]);
    } finally {
      await snap.close();
    }
  } finally {
    await t.dispose();
  }
});
