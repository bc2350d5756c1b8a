import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import { openSource } from '../registry.js';
import { tempSource } from './test-helpers.js';

test('SELECT, INSERT and CREATE give PostgreSQL-style tags and exact values', async () => {
  const t = await tempSource();
  try {
    const s = t.source;
    assert.equal(
      (await s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, r REAL, s TEXT, b BLOB)')).tag,
      'CREATE TABLE',
    );
    const ins = await s.execute('INSERT INTO t (n, r, s, b) VALUES (?, ?, ?, ?), (?, ?, ?, ?)', [
      9223372036854775807n,
      1.5,
      'héllo',
      Buffer.from([1, 2]),
      null,
      null,
      '',
      new Uint8Array(0),
    ]);
    assert.equal(ins.tag, 'INSERT 0 2');
    const sel = await s.execute('SELECT n, r, s, b FROM t ORDER BY id');
    assert.equal(sel.tag, 'SELECT 2');
    assert.deepEqual(sel.columns, [
      { name: 'n', type: 'int8' },
      { name: 'r', type: 'float8' },
      { name: 's', type: 'text' },
      { name: 'b', type: 'bytea' },
    ]);
    assert.equal(sel.rows[0]![0], 9223372036854775807n);
    assert.deepEqual(sel.rows[1]!.slice(0, 3), [null, null, '']);
    assert.equal((await s.execute('UPDATE t SET s = $1 WHERE id = $2', ['x', 1])).tag, 'UPDATE 1');
    assert.equal((await s.execute('SELECT s FROM t WHERE id = 1')).rows[0]![0], 'x');
    assert.equal((await s.execute('CREATE UNIQUE INDEX t_s ON t (s)')).tag, 'CREATE INDEX');
    assert.equal((await s.execute('DELETE FROM t')).tag, 'DELETE 2');
    assert.equal((await s.execute('DROP TABLE t')).tag, 'DROP TABLE');
    await assert.rejects(s.execute('SELECT * FROM missing'), {
      code: 'SOURCE_ERROR',
      message: /no such table/,
    });
  } finally {
    await t.dispose();
  }
});

test('CREATE DATABASE and DROP DATABASE manage files, and other databases are reachable by name', async () => {
  const t = await tempSource();
  try {
    const s = t.source;
    assert.deepEqual(await s.listDatabases(), ['defaultdb']);
    assert.equal((await s.execute('CREATE DATABASE shop')).tag, 'CREATE DATABASE');
    assert.ok(existsSync(join(t.dir, 'shop.db')));
    await assert.rejects(s.execute('CREATE DATABASE shop'), { code: 'TARGET_EXISTS' });
    await s.execute('CREATE DATABASE IF NOT EXISTS shop;');
    await s.execute('CREATE TABLE shop.orders (id INTEGER PRIMARY KEY, total INTEGER)');
    await s.execute('INSERT INTO shop.orders (total) VALUES (10), (32)');
    assert.deepEqual((await s.execute('SELECT sum(total) FROM shop.orders')).rows, [[42n]]);
    assert.deepEqual(await s.listDatabases(), ['defaultdb', 'shop']);
    await assert.rejects(s.execute('DROP DATABASE defaultdb'), { code: 'SOURCE_ERROR' });
    await assert.rejects(s.execute('CREATE DATABASE "../evil"'), { code: 'INVALID_PARAMETER' });
    assert.equal((await s.execute('DROP DATABASE shop')).tag, 'DROP DATABASE');
    assert.ok(!existsSync(join(t.dir, 'shop.db')));
    assert.ok(!existsSync(join(t.dir, 'shop.db-wal')));
    await assert.rejects(s.execute('DROP DATABASE shop'), { code: 'DATABASE_NOT_FOUND' });
    await s.execute('DROP DATABASE IF EXISTS shop');
    await assert.rejects(s.execute('SELECT * FROM shop.orders'), { code: 'SOURCE_ERROR' });
  } finally {
    await t.dispose();
  }
});

test('databases already in the directory are attached when the source opens', async () => {
  const t = await tempSource();
  try {
    await t.source.execute('CREATE DATABASE inv');
    await t.source.execute('CREATE TABLE inv.items (name TEXT)');
    await t.source.execute("INSERT INTO inv.items VALUES ('bolt')");
    const again = await openSource(`sqlite://${t.dir}`, { home: t.dir });
    try {
      assert.deepEqual((await again.execute('SELECT name FROM inv.items')).rows, [['bolt']]);
    } finally {
      await again.close();
    }
  } finally {
    await t.dispose();
  }
});

test('URIs: default directory, single file, relative paths and unknown schemes', async () => {
  const home = mkdtempSync(join(tmpdir(), 'strongroom-home-'));
  try {
    const byDefault = await openSource(undefined, { home });
    assert.deepEqual(await byDefault.listDatabases(), ['defaultdb']);
    assert.ok(existsSync(join(home, 'data', 'defaultdb.db')));
    await byDefault.close();

    const file = join(home, 'one.db');
    const single = await openSource(`sqlite://${file}`, { home });
    assert.deepEqual(await single.listDatabases(), ['one']);
    await single.execute('CREATE TABLE t (x)');
    await assert.rejects(single.execute('CREATE DATABASE two'), { code: 'UNSUPPORTED_STATEMENT' });
    await single.close();
    assert.ok(existsSync(file));

    await assert.rejects(openSource('sqlite://relative/dir/', { home }), { code: 'INVALID_URI' });
    await assert.rejects(openSource('sqlite:relative.db', { home }), { code: 'INVALID_URI' });
    await assert.rejects(openSource(`sqlite://${home}/?mode=x`, { home }), { code: 'UNKNOWN_URI_PARAMETER' });
    await assert.rejects(openSource('mysql://h/db', { home }), { code: 'UNKNOWN_SCHEME', message: /mysql/ });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
