// The postgres source against a real, throwaway PostgreSQL cluster (scripts/setup/postgres.sh installs
// it; with CI=true a missing server fails): exact round trips checked by server-side checksums and
// pg_dump, snapshot isolation under a concurrent writer, incrementals, restore guarantees, domicile.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Engine, openEngine } from '@strongroom/engine';
import { openSource } from '@strongroom/sources';
// The launcher is not exported from the testkit index yet (a shared file); see the integration notes.
import {
  type PostgresCluster,
  pgQuery,
  schemaDump,
  startPostgresForTests,
  tableChecksums,
} from '@strongroom/testkit';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { walk } from './helpers.js';

const FIXTURE = `
CREATE SCHEMA sales;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE TYPE pair AS (a int, b text);
CREATE TABLE customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  m mood DEFAULT 'ok', moods mood[], qty posint, p pair, tags text[], grid int[],
  created timestamptz DEFAULT now(), total numeric, exact numeric(40,20), f8 float8, doc json, docb jsonb,
  raw bytea, wide text, upper_email text GENERATED ALWAYS AS (upper(email)) STORED,
  CHECK (length(email) > 3)
);
COMMENT ON TABLE customers IS 'people who buy';
COMMENT ON COLUMN customers.email IS 'login';
CREATE TABLE sales.orders (
  id serial, region text NOT NULL, customer_id bigint REFERENCES customers(id), amount numeric(30,10),
  PRIMARY KEY (id, region)
) PARTITION BY LIST (region);
CREATE TABLE sales.orders_eu PARTITION OF sales.orders FOR VALUES IN ('eu');
CREATE TABLE sales.orders_us PARTITION OF sales.orders FOR VALUES IN ('us');
CREATE INDEX orders_amount ON sales.orders (amount);
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE rooms (room int, during tsrange, EXCLUDE USING gist (room WITH =, during WITH &&));
CREATE VIEW big_customers AS SELECT id, email FROM customers WHERE total > 100;
CREATE MATERIALIZED VIEW order_totals AS SELECT region, sum(amount) s FROM sales.orders GROUP BY region;
CREATE TABLE "Weird ""Name""" ("a b" int, x text);
INSERT INTO "Weird ""Name""" VALUES (1, 'HeLLo'), (NULL, NULL);
CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.x := lower(NEW.x); RETURN NEW; END $$;
CREATE TRIGGER lower_x BEFORE INSERT ON "Weird ""Name""" FOR EACH ROW EXECUTE FUNCTION trg();
CREATE TABLE notes (id int PRIMARY KEY, customer_id bigint REFERENCES customers(id), body text);
INSERT INTO customers (email, moods, qty, p, tags, grid, created, total, exact, f8, doc, docb, raw, wide) VALUES
 ('a@x.io', '{sad,happy}', 3, ROW(1,'q"uote'), '{a,"b c",NULL,"{}"}', '[0:1][1:2]={{1,2},{3,4}}',
  '2024-01-02 03:04:05.123456+00', 123456789012345678901234567890.123456789012345678901234567890,
  -12345678901234567890.12345678901234567890, 0.1, '{"a":1,"a":2,  "z": [1, 2]}', '{"b":1,"a":[true,null]}',
  '\\xdeadbeef00', repeat('wide-', 200000)),
 ('bb@x.io', NULL, NULL, NULL, NULL, NULL, 'infinity', 'NaN', NULL, 'NaN', 'null', 'null', '', ''),
 ('ccc@x.io', '{}', 1, ROW(NULL,NULL), '{}', '{}', '1999-12-31 23:59:59.999999+05:30', 0.000000000000000000001,
  0, -0.0, '"tab\\there\\nnewline\\\\"', '{"x":"\\u00e9\\n"}', '\\x0a0d09005c', E'line\\nbreak\\ttab\\\\back');
INSERT INTO sales.orders (region, customer_id, amount) VALUES ('eu', 1, 1.5), ('us', 2, 2.25), ('eu', 2, 3);
INSERT INTO rooms VALUES (1, '[2024-01-01,2024-01-02)'), (2, NULL);
INSERT INTO notes VALUES (1, 1, 'hello');
REFRESH MATERIALIZED VIEW order_totals;
CREATE TABLE big (id int PRIMARY KEY, v text);
INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 250000) g;
ANALYZE;
`;

let cluster: PostgresCluster | undefined;
let skip: string | undefined;

beforeAll(async () => {
  ({ cluster, skip } = await startPostgresForTests());
});

afterAll(async () => {
  await cluster?.stop();
});

interface Ctx {
  readonly pg: PostgresCluster;
  readonly engine: Engine;
  readonly home: string;
  readonly key: string;
  run(sql: string): Promise<readonly (readonly unknown[])[]>;
}

let dbCounter = 0;

/** A fresh source database with the fixture, and an engine connected to it. */
async function setup(options: { configPath?: string; fixture?: string } = {}): Promise<Ctx & { db: string }> {
  const pg = cluster as PostgresCluster;
  const db = `src${++dbCounter}`;
  await pgQuery(pg, 'postgres', `CREATE DATABASE ${db}`);
  await pgQuery(pg, db, options.fixture ?? FIXTURE);
  const home = mkdtempSync(join(tmpdir(), 'strongroom-pg-'));
  const keyPath = join(home, 'k.key');
  writeFileSync(keyPath, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const engine = await openEngine({
    home,
    source: `postgres://postgres:fake-test-password@127.0.0.1:${pg.port}/${db}`,
    ...(options.configPath ? { configPath: options.configPath } : {}),
  });
  return {
    pg,
    db,
    engine,
    home,
    key: `local://${keyPath}`,
    run: async (sql) => (await engine.execute(sql)).rows,
  };
}

async function expectSame(pg: PostgresCluster, a: string, b: string): Promise<void> {
  const [ca, cb] = await Promise.all([tableChecksums(pg, a), tableChecksums(pg, b)]);
  assert.ok(ca.size > 0);
  assert.deepEqual(cb, ca);
}

describe('postgres source', () => {
  it('SHOW DATABASES and SHOW TABLES FROM db list what BACKUP and RESTORE name (issue #17)', async (t) => {
    if (skip) return t.skip(skip);
    const c = await setup({
      fixture: 'CREATE SCHEMA s; CREATE TABLE a (id int); CREATE TABLE s.b (id int);',
    });
    try {
      assert.ok((await c.run('SHOW DATABASES')).some((r) => r[0] === c.db));
      assert.deepEqual(await c.run(`SHOW TABLES FROM ${c.db}`), [
        [c.db, 'a'],
        [c.db, 's.b'],
      ]);
    } finally {
      await c.engine.close();
    }
  });

  it('round-trips a database exactly: server checksums and pg_dump --schema-only equal', async (t) => {
    if (skip) return t.skip(skip);
    const c = await setup();
    try {
      const r = await c.run(`BACKUP DATABASE ${c.db} INTO 'nodelocal://1/c' WITH kms = '${c.key}'`);
      assert.equal(r[0]?.[1], 'succeeded');
      const restored = await c.run(
        `RESTORE DATABASE ${c.db} FROM LATEST IN 'nodelocal://1/c' WITH kms = '${c.key}', new_db_name = '${c.db}_r'`,
      );
      // Both jobs report every row (tables load on two connections at once).
      assert.ok(Number(r[0]?.[3]) > 0);
      assert.equal(String(restored[0]?.[3]), String(r[0]?.[3]));
      await expectSame(c.pg, c.db, `${c.db}_r`);
      assert.equal(schemaDump(c.pg, `${c.db}_r`), schemaDump(c.pg, c.db));
      // Sequences continue where the source's are.
      const [src] = await pgQuery(
        c.pg,
        c.db,
        "SELECT nextval('customers_id_seq'), nextval('sales.orders_id_seq')",
      );
      const [dst] = await pgQuery(
        c.pg,
        `${c.db}_r`,
        "SELECT nextval('customers_id_seq'), nextval('sales.orders_id_seq')",
      );
      assert.deepEqual(dst, src);
      // Exact values through the forwarded-statement path too.
      const rows = await c.run('SELECT created, exact, doc FROM customers ORDER BY id');
      assert.deepEqual(rows[0], [
        '2024-01-02 03:04:05.123456+00',
        '-12345678901234567890.12345678901234567890',
        '{"a":1,"a":2,  "z": [1, 2]}',
      ]);
      // The trigger was created after the load: restored rows were not lower-cased.
      const weird = await pgQuery(c.pg, `${c.db}_r`, 'SELECT x FROM "Weird ""Name""" WHERE x IS NOT NULL');
      assert.deepEqual(weird, [['HeLLo']]);
    } finally {
      await c.engine.close();
    }
  });

  // That a snapshot never shows later commits, also to concurrent span readers, is in the source
  // conformance suite (testkit); here what is PostgreSQL's own, and the same through the engine.
  it('a snapshot holds its tables against DDL; a backup under a writer restores one committed state', async (t) => {
    if (skip) return t.skip(skip);
    const c = await setup({
      fixture: 'CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY);',
    });
    const source = await openSource(c.pg.uri(c.db), { home: c.home });
    try {
      let stop = false;
      let written = 0;
      // The writer keeps a and b equal in every committed state.
      const writer = (async () => {
        while (!stop) {
          await pgQuery(
            c.pg,
            c.db,
            `BEGIN; INSERT INTO a VALUES (${written}); INSERT INTO b VALUES (${written}); COMMIT;`,
          );
          written++;
        }
      })();
      while (written < 20) await new Promise((r) => setTimeout(r, 10));
      const snapshot = await source.openSnapshot([c.db]);
      // DDL that is not MVCC-safe waits for the snapshot (its tables are locked, as pg_dump does).
      await assert.rejects(pgQuery(c.pg, c.db, "SET lock_timeout = '300ms'; TRUNCATE b"), /lock timeout/);
      await snapshot.close();
      await pgQuery(c.pg, c.db, "SET lock_timeout = '5s'; LOCK TABLE b IN ACCESS EXCLUSIVE MODE");
      // Through the engine: a backup under the same writer restores a consistent state.
      await c.run(`BACKUP DATABASE ${c.db} INTO 'nodelocal://1/w' WITH kms = '${c.key}'`);
      stop = true;
      await writer;
      await c.run(
        `RESTORE DATABASE ${c.db} FROM LATEST IN 'nodelocal://1/w' WITH kms = '${c.key}', new_db_name = '${c.db}_w'`,
      );
      const ra = (await pgQuery(c.pg, `${c.db}_w`, 'SELECT count(*) FROM a'))[0]?.[0];
      const rb = (await pgQuery(c.pg, `${c.db}_w`, 'SELECT count(*) FROM b'))[0]?.[0];
      assert.equal(ra, rb);
      assert.ok(Number(ra) < written);
    } finally {
      await source.close();
      await c.engine.close();
    }
  });

  it('takes incrementals that store only changed spans, and a chain restores exactly', async (t) => {
    if (skip) return t.skip(skip);
    const c = await setup();
    try {
      const dest = `'nodelocal://1/inc'`;
      await c.run(`BACKUP DATABASE ${c.db} INTO ${dest} WITH kms = '${c.key}'`);
      const before = walk(join(c.home, 'extern', 'inc')).filter((p) => p.includes('/data/')).length;
      assert.ok(before > 3, 'the big table was split into spans');
      // The big table's spans are heap-page ranges, shown without their marker.
      const ranges = (await c.run(
        `SHOW BACKUP RANGES FROM LATEST IN ${dest} WITH kms = '${c.key}'`,
      )) as string[][];
      const big = ranges.filter((r) => (r[0] as string).startsWith(`/${c.db}/big/`));
      assert.ok(big.length >= 3, JSON.stringify(ranges));
      assert.deepEqual(big[0]?.slice(0, 2), [`/${c.db}/big/Min`, big[1]?.[0]]);
      assert.match(big[1]?.[0] ?? '', new RegExp(`^/${c.db}/big/page [0-9]+$`));
      assert.ok(!ranges.flat().some((v) => v.includes('\u0000')));
      await pgQuery(
        c.pg,
        c.db,
        `UPDATE big SET v = 'changed' WHERE id = 7; DELETE FROM big WHERE id = 200000;
        INSERT INTO big VALUES (300000, 'new'); UPDATE customers SET total = 1 WHERE email = 'bb@x.io';
        INSERT INTO sales.orders (region, customer_id, amount) VALUES ('us', 1, 9)`,
      );
      await c.run(`BACKUP DATABASE ${c.db} INTO LATEST IN ${dest} WITH kms = '${c.key}'`);
      const all = walk(join(c.home, 'extern', 'inc')).filter((p) => p.includes('/data/'));
      const incremental = all.filter((p) => p.includes('/incrementals/'));
      // big: first span (id 7), the span with 200000, the last span (300000); customers; orders_us.
      assert.ok(
        incremental.length >= 3 && incremental.length <= 6,
        `incremental wrote ${incremental.length} files`,
      );
      assert.equal(all.length - incremental.length, before);
      // A restore refreshes materialized views (as pg_restore does), so compare against a fresh one.
      await pgQuery(c.pg, c.db, 'DELETE FROM notes; REFRESH MATERIALIZED VIEW order_totals');
      await c.run(`BACKUP DATABASE ${c.db} INTO LATEST IN ${dest} WITH kms = '${c.key}'`);
      await c.run(
        `RESTORE DATABASE ${c.db} FROM LATEST IN ${dest} WITH kms = '${c.key}', new_db_name = '${c.db}_i'`,
      );
      await expectSame(c.pg, c.db, `${c.db}_i`);
    } finally {
      await c.engine.close();
    }
  });

  it('restores tables into an existing database without touching existing tables; schema_only', async (t) => {
    if (skip) return t.skip(skip);
    const c = await setup();
    try {
      await c.run(`BACKUP DATABASE ${c.db} INTO 'nodelocal://1/t' WITH kms = '${c.key}'`);
      await pgQuery(c.pg, 'postgres', `CREATE DATABASE ${c.db}_t`);
      await pgQuery(c.pg, `${c.db}_t`, 'CREATE TABLE big (id int); INSERT INTO big VALUES (42)');
      await assert.rejects(
        c.run(
          `RESTORE TABLE ${c.db}.big FROM LATEST IN 'nodelocal://1/t' WITH kms = '${c.key}', into_db = '${c.db}_t'`,
        ),
        (e: { code?: string }) => e.code === 'TARGET_EXISTS',
      );
      assert.deepEqual(await pgQuery(c.pg, `${c.db}_t`, 'SELECT * FROM big'), [['42']]);
      // notes references customers, which is neither restored nor present.
      await assert.rejects(
        c.run(
          `RESTORE TABLE ${c.db}.notes FROM LATEST IN 'nodelocal://1/t' WITH kms = '${c.key}', into_db = '${c.db}_t'`,
        ),
        (e: { code?: string }) => e.code === 'TARGET_NOT_FOUND',
      );
      assert.deepEqual(await pgQuery(c.pg, `${c.db}_t`, "SELECT to_regclass('public.notes')::text"), [
        [null],
      ]);
      // Table-level restores bring the table's own objects only (types come with database restores).
      await pgQuery(
        c.pg,
        `${c.db}_t`,
        'CREATE TABLE customers (id bigint PRIMARY KEY); INSERT INTO customers VALUES (1)',
      );
      await c.run(
        `RESTORE TABLE ${c.db}.notes FROM LATEST IN 'nodelocal://1/t' WITH kms = '${c.key}', into_db = '${c.db}_t'`,
      );
      const src = await tableChecksums(c.pg, c.db);
      const dst = await tableChecksums(c.pg, `${c.db}_t`);
      assert.equal(dst.get('public.notes'), src.get('public.notes'));
      await c.run(
        `RESTORE DATABASE ${c.db} FROM LATEST IN 'nodelocal://1/t' WITH kms = '${c.key}', new_db_name = '${c.db}_s', schema_only`,
      );
      assert.deepEqual(await pgQuery(c.pg, `${c.db}_s`, 'SELECT count(*) FROM customers'), [['0']]);
      assert.equal(schemaDump(c.pg, `${c.db}_s`), schemaDump(c.pg, c.db));
      await assert.rejects(
        c.run(
          `RESTORE DATABASE ${c.db} FROM LATEST IN 'nodelocal://1/t' WITH kms = '${c.key}', new_db_name = '${c.db}_s'`,
        ),
        (e: { code?: string }) => e.code === 'TARGET_EXISTS',
      );
    } finally {
      await c.engine.close();
    }
  });

  it('puts each list partition in the storage of its configured locality', async (t) => {
    if (skip) return t.skip(skip);
    const dir = mkdtempSync(join(tmpdir(), 'strongroom-cfg-'));
    const configPath = join(dir, 'config.json');
    writeFileSync(
      configPath,
      JSON.stringify({ domicile: [{ table: 'sales.orders_eu', locality: 'region=eu-west' }] }),
    );
    const c = await setup({ configPath });
    try {
      const uris = `('nodelocal://1/us?COCKROACH_LOCALITY=default', 'nodelocal://1/eu?COCKROACH_LOCALITY=region%3Deu-west')`;
      await c.run(`BACKUP DATABASE ${c.db} INTO ${uris} WITH kms = '${c.key}', strict storage locality`);
      const eu = walk(join(c.home, 'extern', 'eu')).filter((p) => p.includes('/data/'));
      const us = walk(join(c.home, 'extern', 'us')).filter((p) => p.includes('/data/'));
      assert.equal(eu.length, 1, 'orders_eu has one span, stored in the eu store only');
      assert.ok(us.length > 1);
      await c.run(
        `RESTORE DATABASE ${c.db} FROM LATEST IN ${uris} WITH kms = '${c.key}', new_db_name = '${c.db}_d'`,
      );
      await expectSame(c.pg, c.db, `${c.db}_d`);
    } finally {
      await c.engine.close();
    }
  });

  it('redacts the password and maps result types', async (t) => {
    if (skip) return t.skip(skip);
    const pg = cluster as PostgresCluster;
    const source = await openSource(
      `postgresql://postgres:fake-test-password@127.0.0.1:${pg.port}/postgres`,
      {
        home: tmpdir(),
      },
    );
    try {
      assert.equal(source.redactedUri, `postgresql://postgres:*****@127.0.0.1:${pg.port}/postgres`);
      assert.ok((await source.listDatabases()).includes('postgres'));
      const r = await source.execute(
        "SELECT 1::int8 AS a, 'x'::text AS b, now()::timestamptz AS c, $1::numeric AS d",
        ['1.50'],
      );
      assert.deepEqual(
        r.columns.map((col) => col.type),
        ['int8', 'text', 'timestamptz', 'numeric'],
      );
      assert.equal(r.rows[0]?.[3], '1.50');
      assert.equal(r.tag, 'SELECT 1');
      await assert.rejects(
        openSource('postgres://u@127.0.0.1:1/x?password=oops', { home: tmpdir() }),
        (e: { code?: string; message?: string }) =>
          e.code === 'UNKNOWN_URI_PARAMETER' && !e.message?.includes('oops'),
      );
    } finally {
      await source.close();
    }
  });

  it('cancels a running forwarded statement through its signal, and keeps SQLSTATEs', async (t) => {
    if (skip) return t.skip(skip);
    const pg = cluster as PostgresCluster;
    const source = await openSource(
      `postgresql://postgres:fake-test-password@127.0.0.1:${pg.port}/postgres`,
      { home: tmpdir() },
    );
    try {
      const controller = new AbortController();
      const running = source.execute('SELECT pg_sleep(30)', [], { signal: controller.signal });
      await new Promise((r) => setTimeout(r, 300));
      const abortedAt = Date.now();
      controller.abort();
      await assert.rejects(running, { code: 'CANCELED', sqlstate: '57014' });
      assert.ok(Date.now() - abortedAt < 1000, `cancel took ${Date.now() - abortedAt} ms`);
      assert.deepEqual((await source.execute('SELECT 1 AS one')).rows, [['1']]);
      await assert.rejects(source.execute('SELECT * FROM no_such_table'), { sqlstate: '42P01' });
    } finally {
      await source.close();
    }
  });
});
