import assert from 'node:assert/strict';
import { test } from 'vitest';
import { answerLocally, type CatalogContext, INITIAL_SETTINGS } from './catalog.js';

function context(sourceKind: string): CatalogContext {
  return {
    sourceKind,
    serverVersion: '16.0',
    user: 'app',
    settings: new Map(INITIAL_SETTINGS),
    listDatabases: async () => ['defaultdb', 'shop'],
    query: async () => ({ columns: [], rows: [['t', 'table']], tag: 'SELECT 1' }),
  };
}

test('connect-time questions of drivers are answered for a SQLite source', async () => {
  const c = context('sqlite');
  const value = async (sql: string) => (await answerLocally(sql, c))?.rows[0]?.[0];
  assert.match(
    String(await value('select pg_catalog.version()')),
    /^PostgreSQL 16\.0 \(strongroom, sqlite source\)$/,
  );
  assert.equal(await value('SELECT current_schema()'), 'main');
  assert.equal(await value('show transaction isolation level'), 'serializable');
  assert.equal(await value('SHOW standard_conforming_strings'), 'on');
  assert.equal((await answerLocally("SET TIME ZONE 'UTC'", c))?.tag, 'SET');
  await assert.rejects(answerLocally("SET TIME ZONE 'Europe/Berlin'", c), { sqlstate: '0A000' });
  assert.equal((await answerLocally('SET search_path TO main', c))?.tag, 'SET');
  assert.equal(await value('SHOW search_path'), 'main');
  assert.equal((await answerLocally('DISCARD ALL', c))?.tag, 'DISCARD ALL');
  const hstore = await answerLocally(
    "SELECT t.oid, typarray FROM pg_type t JOIN pg_namespace ns ON typnamespace = ns.oid WHERE typname = 'hstore'",
    c,
  );
  assert.equal(hstore?.rows.length, 0);
  const int8 = await answerLocally("select oid, typarray from pg_catalog.pg_type where typname = 'int8'", c);
  assert.deepEqual(int8?.rows, [[20n, 1016n]]);
  await assert.rejects(answerLocally('SELECT * FROM pg_catalog.pg_attribute', c), { sqlstate: '0A000' });
  assert.equal(await answerLocally('SELECT * FROM orders', c), undefined);
  await assert.rejects(answerLocally('SHOW no_such_setting', c), { sqlstate: '42704' });
});

test('a PostgreSQL source answers its own settings and catalog; the session only the protocol ones', async () => {
  const c = context('postgres');
  assert.equal(await answerLocally("SET work_mem = '64MB'", c), undefined);
  assert.equal(await answerLocally('SHOW search_path', c), undefined);
  assert.equal(await answerLocally('SELECT current_schema()', c), undefined);
  assert.equal(await answerLocally('SELECT * FROM pg_catalog.pg_class', c), undefined);
  assert.equal((await answerLocally("SET application_name = 'x'", c))?.tag, 'SET');
  assert.equal((await answerLocally('SHOW application_name', c))?.rows[0]?.[0], 'x');
});
