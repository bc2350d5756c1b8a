// Span boundaries and the COPY statement of a span, without a server (the real one is in
// test/src/postgres-source.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { TableLayout } from './schema.js';
import {
  pageBoundary,
  pageOf,
  pageSpans,
  parseTextArray,
  SPAN_PAGES_MAX,
  SPAN_ROWS,
  spanCopySql,
} from './spans.js';

describe('pageSpans', () => {
  it('keeps a small table in one span', () => {
    assert.deepEqual(pageSpans(SPAN_ROWS, 1000), []);
    assert.deepEqual(pageSpans(10 * SPAN_ROWS, 1), []);
  });
  it('splits by the row estimate into even page ranges', () => {
    assert.deepEqual(pageSpans(4 * SPAN_ROWS, 100), [25, 50, 75].map(pageBoundary));
  });
  it('splits a large table of few estimated rows by SPAN_PAGES_MAX', () => {
    const b = pageSpans(10, 3 * SPAN_PAGES_MAX);
    assert.deepEqual(b.map(pageOf), [SPAN_PAGES_MAX, 2 * SPAN_PAGES_MAX]);
  });
});

describe('parseTextArray', () => {
  it('reads bare, quoted and escaped elements, dropping NULL but not "NULL"', () => {
    assert.deepEqual(parseTextArray('{a,"b c",NULL,"NULL","x\\"y","back\\\\slash",}'), [
      'a',
      'b c',
      'NULL',
      'x"y',
      'back\\slash',
    ]);
    assert.deepEqual(parseTextArray('{}'), []);
  });
});

describe('spanCopySql', () => {
  const layout = (binary: boolean): TableLayout =>
    ({
      table: {
        schema: 'app',
        name: 'film',
        kind: 'r',
        columns: [
          { name: 'id', type: 'integer', typeOid: 23, generated: false },
          { name: 'title', type: 'text', typeOid: 25, generated: false },
        ],
        primaryKey: ['id'],
        estimatedRows: 0,
        populated: true,
      },
      info: { database: 'd', name: 'app.film', createSql: '', columns: [], attributes: {} },
      copyColumns: ['id', 'title'],
      binary,
    }) as TableLayout;

  it('copies a whole table, a page range or a key range', () => {
    assert.equal(
      spanCopySql(layout(true), { lo: null, hi: null }),
      'COPY "app"."film" ("id", "title") TO STDOUT (FORMAT binary)',
    );
    assert.equal(
      spanCopySql(layout(false), { lo: pageBoundary(8), hi: pageBoundary(16) }),
      `COPY (SELECT "id", "title" FROM ONLY "app"."film" WHERE ctid >= '(8,0)'::tid AND ctid < '(16,0)'::tid) TO STDOUT`,
    );
    assert.equal(
      spanCopySql(layout(false), { lo: null, hi: '100' }),
      `COPY (SELECT "id", "title" FROM ONLY "app"."film" WHERE "id" < '100'::integer ORDER BY "id") TO STDOUT`,
    );
  });
});
