import assert from 'node:assert/strict';
import { test } from 'node:test';
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
