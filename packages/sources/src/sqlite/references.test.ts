import assert from 'node:assert/strict';
import { test } from 'vitest';
import { inferParamTypes } from './param-types.js';
import { schemaReferences } from './references.js';

test('schema references skip strings, comments and the second part of a dotted name', () => {
  const sql = `SELECT a.x, "s 2" . y FROM shop.orders o -- other.t\n WHERE s = 'no.t' AND t.c.d = 1 /* z.q */`;
  assert.deepEqual(
    schemaReferences(sql).map((r) => [r.name, sql.slice(r.start, r.end)]),
    [
      ['a', 'a'],
      ['s 2', '"s 2"'],
      ['shop', 'shop'],
      ['t', 't'],
    ],
  );
});

test('parameter types come from the columns they are stored in or compared with', () => {
  const cols = new Map([
    ['id', 'INTEGER'],
    ['f', 'REAL'],
    ['raw', 'BLOB'],
    ['at', 'TIMESTAMP'],
  ]);
  const columnsOf = (_schema: string | undefined, table: string) => (table === 't' ? cols : undefined);
  assert.deepEqual(inferParamTypes('INSERT INTO t VALUES ($1, $2, $3, $4)', 4, columnsOf), [
    'INTEGER',
    'REAL',
    'BLOB',
    'TIMESTAMP',
  ]);
  assert.deepEqual(inferParamTypes('INSERT INTO t (raw, id) VALUES ($1, $2), ($3, $4)', 4, columnsOf), [
    'BLOB',
    'INTEGER',
    'BLOB',
    'INTEGER',
  ]);
  assert.deepEqual(
    inferParamTypes("UPDATE t SET f = $1 WHERE t.id >= $2 AND 'x = $9' <> $3 LIMIT $4", 4, columnsOf),
    ['REAL', 'INTEGER', null, 'INTEGER'],
  );
  assert.deepEqual(inferParamTypes('SELECT CAST($1 AS INTEGER), $2 = id FROM t', 2, columnsOf), [
    'INTEGER',
    'INTEGER',
  ]);
});
