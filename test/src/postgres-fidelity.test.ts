// Issue 13: a PostgreSQL database BACKUP keeps everything a database-level pg_dump keeps. A fixture with
// every object kind (owners, grants on every object kind, default privileges, large objects with owners,
// grants and comments, publications, event triggers, collations, text search, casts, operators,
// extensions at an old version, one with a configuration table (scripts/setup/postgres.sh installs it),
// partitions, policies...) is backed up and restored, and pg_dump of source
// and restore must be equal: --schema-only (with owners and ACLs), --data-only (with large objects) and
// the pre-data section with large objects' metadata; after a full backup and again after an incremental
// that changed grants, owners and large objects. Missing roles fail the restore before anything is
// created; no_owner / no_privileges leave owners / grants out; a table restore brings its owner and grants.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Engine, openEngine } from '@strongroom/engine';
import { type PostgresCluster, pgQuery, startPostgresForTests } from '@strongroom/testkit';
import { afterAll, beforeAll, describe, it } from 'vitest';

const ROLES = ['sr_owner', 'sr_reader', 'sr_writer'];

export const FIDELITY_FIXTURE = `
CREATE SCHEMA app AUTHORIZATION sr_owner;
GRANT USAGE ON SCHEMA app TO sr_reader;
COMMENT ON SCHEMA app IS 'the application';
GRANT CREATE ON SCHEMA public TO sr_writer;
CREATE EXTENSION citext VERSION '1.4';
COMMENT ON EXTENSION citext IS 'case-insensitive text, an old version';
CREATE EXTENSION btree_gist;
CREATE EXTENSION strongroom_config_test VERSION '1.0';
INSERT INTO strongroom_settings VALUES ('mine', 'a user row', false);
CREATE TYPE app.mood AS ENUM ('sad', 'ok');
ALTER TYPE app.mood OWNER TO sr_owner;
REVOKE USAGE ON TYPE app.mood FROM PUBLIC;
GRANT USAGE ON TYPE app.mood TO sr_reader;
COMMENT ON TYPE app.mood IS 'feelings';
CREATE DOMAIN app.posint AS int CHECK (VALUE > 0);
COMMENT ON DOMAIN app.posint IS 'positive';
CREATE COLLATION app.bytewise FROM "C";
ALTER COLLATION app.bytewise OWNER TO sr_owner;
COMMENT ON COLLATION app.bytewise IS 'byte order';
CREATE TEXT SEARCH CONFIGURATION app.plain (COPY = english);
ALTER TEXT SEARCH CONFIGURATION app.plain OWNER TO sr_owner;
COMMENT ON TEXT SEARCH CONFIGURATION app.plain IS 'english copy';
CREATE TEXT SEARCH DICTIONARY app.simple_dict (TEMPLATE = simple, STOPWORDS = english);
CREATE TYPE app.pair AS (a int, b text);
CREATE FUNCTION app.pair_text(app.pair) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT $1.a || ':' || $1.b $$;
CREATE CAST (app.pair AS text) WITH FUNCTION app.pair_text(app.pair);
COMMENT ON CAST (app.pair AS text) IS 'pair as text';
CREATE FUNCTION app.pair_eq(app.pair, app.pair) RETURNS bool LANGUAGE sql IMMUTABLE AS $$ SELECT $1.a = $2.a $$;
CREATE OPERATOR app.=== (LEFTARG = app.pair, RIGHTARG = app.pair, FUNCTION = app.pair_eq);
COMMENT ON OPERATOR app.=== (app.pair, app.pair) IS 'same a';
CREATE AGGREGATE app.longest(text) (SFUNC = pg_catalog.textcat, STYPE = text);
CREATE PROCEDURE app.bump() LANGUAGE plpgsql AS $$ BEGIN UPDATE plain SET body = body; END $$;
REVOKE EXECUTE ON PROCEDURE app.bump() FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE app.bump() TO sr_writer;
CREATE TYPE app.floatrange AS RANGE (subtype = float8);
CREATE FUNCTION app.rev_cmp(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT btint4cmp($2, $1)';
CREATE OPERATOR CLASS app.int_rev FOR TYPE int USING btree AS
  OPERATOR 1 >, OPERATOR 2 >=, OPERATOR 3 =, OPERATOR 4 <=, OPERATOR 5 <, FUNCTION 1 app.rev_cmp(int, int);
CREATE CONVERSION app.latin_to_utf8 FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
CREATE EXTENSION postgres_fdw;
CREATE SERVER elsewhere FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', dbname 'nowhere');
ALTER SERVER elsewhere OWNER TO sr_owner;
GRANT USAGE ON FOREIGN SERVER elsewhere TO sr_reader;
CREATE USER MAPPING FOR sr_reader SERVER elsewhere OPTIONS (user 'fake-remote-user');
CREATE FOREIGN TABLE app.remote (id int) SERVER elsewhere OPTIONS (table_name 'remote');
GRANT SELECT ON app.remote TO sr_reader;
CREATE TABLE app.base (id int);
CREATE TABLE app.child (extra text) INHERITS (app.base);
INSERT INTO app.child VALUES (1, 'inherited');
CREATE UNLOGGED TABLE app.scratch (id int PRIMARY KEY, v app.floatrange);
INSERT INTO app.scratch VALUES (1, '[1.5,2.5)');
CREATE INDEX scratch_rev ON app.scratch (id app.int_rev);
CREATE FUNCTION app.secret() RETURNS int LANGUAGE sql AS $$ SELECT 42 $$;
ALTER FUNCTION app.secret() OWNER TO sr_owner;
REVOKE EXECUTE ON FUNCTION app.secret() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.secret() TO sr_reader;
COMMENT ON FUNCTION app.secret() IS 'the answer';
CREATE TABLE app.film (
  id serial PRIMARY KEY, title citext NOT NULL, m app.mood, n app.posint, poster oid, p app.pair,
  doc tsvector GENERATED ALWAYS AS (to_tsvector('app.plain', title)) STORED
);
ALTER TABLE app.film OWNER TO sr_owner;
ALTER SEQUENCE app.film_id_seq OWNER TO sr_owner;
GRANT SELECT ON app.film TO sr_reader;
GRANT UPDATE (title) ON app.film TO sr_writer;
GRANT USAGE ON SEQUENCE app.film_id_seq TO sr_writer;
COMMENT ON TABLE app.film IS 'films';
COMMENT ON COLUMN app.film.title IS 'the title';
CREATE INDEX film_title ON app.film (title);
CREATE INDEX film_doc ON app.film USING gin (doc);
COMMENT ON INDEX app.film_title IS 'by title';
CREATE STATISTICS app.film_stats (dependencies) ON m, n FROM app.film;
ALTER TABLE app.film ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON app.film FOR SELECT TO sr_reader USING (m IS DISTINCT FROM 'sad');
COMMENT ON POLICY readers ON app.film IS 'no sad films';
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER film_touch BEFORE UPDATE ON app.film FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE TABLE plain (id int PRIMARY KEY, body text, film_id int REFERENCES app.film (id));
GRANT SELECT, INSERT ON plain TO sr_writer WITH GRANT OPTION;
CREATE TABLE app.events (id int, region text, during tsrange) PARTITION BY LIST (region);
CREATE TABLE app.events_eu PARTITION OF app.events FOR VALUES IN ('eu');
ALTER TABLE app.events_eu ADD EXCLUDE USING gist (id WITH =, during WITH &&);
ALTER TABLE app.events OWNER TO sr_owner;
ALTER TABLE app.events_eu OWNER TO sr_writer;
CREATE VIEW app.film_titles AS SELECT id, title FROM app.film;
ALTER VIEW app.film_titles OWNER TO sr_owner;
GRANT SELECT ON app.film_titles TO PUBLIC;
CREATE MATERIALIZED VIEW app.mood_counts AS SELECT m, count(*) AS n FROM app.film GROUP BY m;
ALTER MATERIALIZED VIEW app.mood_counts OWNER TO sr_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE sr_owner IN SCHEMA app GRANT SELECT ON TABLES TO sr_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE sr_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
SET client_min_messages = error;
CREATE PUBLICATION films FOR TABLE app.film, plain;
ALTER PUBLICATION films OWNER TO sr_owner;
COMMENT ON PUBLICATION films IS 'film changes';
CREATE PUBLICATION inserts FOR ALL TABLES WITH (publish = 'insert');
CREATE FUNCTION app.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER noop_ddl ON ddl_command_end EXECUTE FUNCTION app.on_ddl();
COMMENT ON EVENT TRIGGER noop_ddl IS 'does nothing';
INSERT INTO app.film (title, m, n, poster, p) VALUES
  ('Alien', 'ok', 1, lo_from_bytea(424201, '\\xdeadbeef'), ROW(1, 'x')),
  ('Brazil', 'sad', 2, lo_from_bytea(424202, convert_to(repeat('poster-', 400000), 'UTF8')), NULL),
  ('Empty', NULL, NULL, lo_from_bytea(424203, ''), NULL);
INSERT INTO plain VALUES (1, 'one', 1);
CREATE RULE plain_keep AS ON DELETE TO plain WHERE old.id < 0 DO INSTEAD NOTHING;
INSERT INTO app.events VALUES (1, 'eu', '[2024-01-01,2024-01-02)');
REFRESH MATERIALIZED VIEW app.mood_counts;
ALTER LARGE OBJECT 424201 OWNER TO sr_owner;
GRANT SELECT ON LARGE OBJECT 424201 TO sr_reader;
GRANT SELECT, UPDATE ON LARGE OBJECT 424202 TO sr_writer;
COMMENT ON LARGE OBJECT 424201 IS 'alien poster';
`;

let cluster: PostgresCluster | undefined;
let skip: string | undefined;

beforeAll(async () => {
  ({ cluster, skip } = await startPostgresForTests());
  if (cluster)
    for (const r of [...ROLES, 'sr_gone_owner', 'sr_gone_reader'])
      await pgQuery(cluster, 'postgres', `CREATE ROLE ${r}`);
});

afterAll(async () => {
  await cluster?.stop();
});

/** pg_dump's plain output without its comment lines (they carry versions and the dump time). */
export function dump(pg: PostgresCluster, database: string, flags: readonly string[]): string {
  const text = execFileSync(
    join(pg.binDir, 'pg_dump'),
    [
      ...flags,
      '--restrict-key=strongroom',
      '-h',
      '127.0.0.1',
      '-p',
      String(pg.port),
      '-U',
      'postgres',
      database,
    ],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('--'))
    .join('\n');
}

/** The three dumps the issue compares; a difference fails with the first differing lines. */
function assertSameDumps(pg: PostgresCluster, source: string, restored: string): void {
  const kinds: [string, string[]][] = [
    ['schema (owners, ACLs)', ['--schema-only']],
    ['data (with large objects)', ['--data-only']],
    ['pre-data with large objects', ['--section=pre-data', '-b']],
  ];
  for (const [what, flags] of kinds) {
    const a = dump(pg, source, flags);
    const b = dump(pg, restored, flags);
    if (a === b) continue;
    const la = a.split('\n');
    const lb = b.split('\n');
    const i = la.findIndex((l, k) => l !== lb[k]);
    assert.fail(
      `pg_dump ${what} differs at line ${i}:\n  source:   ${la.slice(i, i + 3).join('\n            ')}\n  restored: ${lb.slice(i, i + 3).join('\n            ')}`,
    );
  }
}

interface Ctx {
  readonly pg: PostgresCluster;
  readonly db: string;
  readonly engine: Engine;
  readonly key: string;
  run(sql: string): Promise<readonly (readonly unknown[])[]>;
}

let dbCounter = 0;

async function setup(fixture: string): Promise<Ctx> {
  const pg = cluster as PostgresCluster;
  const db = `fid${++dbCounter}`;
  await pgQuery(pg, 'postgres', `CREATE DATABASE ${db}`);
  await pgQuery(pg, db, fixture);
  const home = mkdtempSync(join(tmpdir(), 'strongroom-fid-'));
  const keyPath = join(home, 'k.key');
  writeFileSync(keyPath, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const engine = await openEngine({
    home,
    source: `postgres://postgres:fake-test-password@127.0.0.1:${pg.port}/${db}`,
  });
  return { pg, db, engine, key: `local://${keyPath}`, run: async (sql) => (await engine.execute(sql)).rows };
}

const databases = async (pg: PostgresCluster): Promise<string[]> =>
  (await pgQuery(pg, 'postgres', 'SELECT datname FROM pg_database ORDER BY 1')).map((r) => String(r[0]));

describe('postgres fidelity (issue 13)', () => {
  it('restores what pg_dump sees, after a full backup and after an incremental', async (t) => {
    if (skip) return t.skip(skip);
    const c = await setup(FIDELITY_FIXTURE);
    try {
      const dest = `'nodelocal://1/fid'`;
      await c.run(`BACKUP DATABASE ${c.db} INTO ${dest} WITH kms = '${c.key}'`);
      await c.run(
        `RESTORE DATABASE ${c.db} FROM LATEST IN ${dest} WITH kms = '${c.key}', new_db_name = '${c.db}_f'`,
      );
      assertSameDumps(c.pg, c.db, `${c.db}_f`);
      // Extensions come back at the source's version, not the target's default.
      assert.deepEqual(
        await pgQuery(c.pg, `${c.db}_f`, "SELECT extversion FROM pg_extension WHERE extname = 'citext'"),
        [['1.4']],
      );
      // An extension's configuration table has its script's rows and the user's (pg_dump's data shows
      // only the user's); its version is the source's (1.1 would add a row).
      const settings = 'SELECT * FROM strongroom_settings ORDER BY 1';
      assert.deepEqual(await pgQuery(c.pg, `${c.db}_f`, settings), await pgQuery(c.pg, c.db, settings));
      assert.equal((await pgQuery(c.pg, c.db, settings)).length, 2);
      // Large objects keep their OIDs, bytes, owners and grants.
      const los =
        'SELECT oid, lomowner::regrole, lomacl, md5(lo_get(oid)) FROM pg_largeobject_metadata ORDER BY 1';
      assert.deepEqual(await pgQuery(c.pg, `${c.db}_f`, los), await pgQuery(c.pg, c.db, los));
      assert.equal((await pgQuery(c.pg, c.db, los)).length, 3);

      // Changes to all of these travel in an incremental.
      await pgQuery(
        c.pg,
        c.db,
        `GRANT INSERT ON app.film TO sr_writer;
         REVOKE UPDATE (title) ON app.film FROM sr_writer;
         ALTER TABLE plain OWNER TO sr_writer;
         ALTER FUNCTION app.secret() OWNER TO sr_reader;
         ALTER DEFAULT PRIVILEGES FOR ROLE sr_writer GRANT USAGE ON SEQUENCES TO sr_reader;
         ALTER PUBLICATION films DROP TABLE plain;
         COMMENT ON TABLE app.film IS 'films, changed';
         INSERT INTO app.film (title, poster) VALUES ('Casablanca', lo_from_bytea(424204, '\\x00ff00'));
         ALTER LARGE OBJECT 424204 OWNER TO sr_reader;
         SELECT lo_put(424202, 5, '\\x41424344');
         GRANT SELECT ON LARGE OBJECT 424203 TO PUBLIC;
         SELECT lo_unlink(424201);
         UPDATE app.film SET poster = NULL WHERE title = 'Alien';
         INSERT INTO strongroom_settings VALUES ('later', 'another user row', false);`,
      );
      await c.run(`BACKUP DATABASE ${c.db} INTO LATEST IN ${dest} WITH kms = '${c.key}'`);
      await c.run(
        `RESTORE DATABASE ${c.db} FROM LATEST IN ${dest} WITH kms = '${c.key}', new_db_name = '${c.db}_i'`,
      );
      assertSameDumps(c.pg, c.db, `${c.db}_i`);
      assert.deepEqual(await pgQuery(c.pg, `${c.db}_i`, los), await pgQuery(c.pg, c.db, los));
      assert.deepEqual(await pgQuery(c.pg, `${c.db}_i`, settings), await pgQuery(c.pg, c.db, settings));
      // The first restore is untouched by the second, and differs from the changed source.
      assert.throws(() => assertSameDumps(c.pg, c.db, `${c.db}_f`), /differs/);
    } finally {
      await c.engine.close();
    }
  });

  it('fails before creating anything when roles are missing, unless owners and grants are left out', async (t) => {
    if (skip) return t.skip(skip);
    const c = await setup(
      `CREATE TABLE kept (id int PRIMARY KEY); INSERT INTO kept VALUES (1);
       ALTER TABLE kept OWNER TO sr_gone_owner; GRANT SELECT ON kept TO sr_gone_reader, sr_reader;
       SELECT lo_from_bytea(0, 'x'); `,
    );
    try {
      const dest = `'nodelocal://1/roles'`;
      await c.run(`BACKUP DATABASE ${c.db} INTO ${dest} WITH kms = '${c.key}'`);
      await pgQuery(c.pg, c.db, 'DROP TABLE kept');
      await pgQuery(c.pg, 'postgres', 'DROP ROLE sr_gone_owner; DROP ROLE sr_gone_reader');
      const before = await databases(c.pg);
      const restore = (opts: string) =>
        c.run(
          `RESTORE DATABASE ${c.db} FROM LATEST IN ${dest} WITH kms = '${c.key}', new_db_name = '${c.db}_r'${opts}`,
        );
      await assert.rejects(
        restore(''),
        (e: { code?: string; message?: string }) =>
          e.code === 'ROLE_NOT_FOUND' && /sr_gone_owner, sr_gone_reader do not exist/.test(e.message ?? ''),
      );
      await assert.rejects(
        restore(', no_owner'),
        (e: { code?: string; message?: string }) =>
          e.code === 'ROLE_NOT_FOUND' && /role sr_gone_reader does not exist/.test(e.message ?? ''),
      );
      await assert.rejects(
        restore(', no_privileges'),
        (e: { code?: string; message?: string }) =>
          e.code === 'ROLE_NOT_FOUND' && /role sr_gone_owner does not exist/.test(e.message ?? ''),
      );
      assert.deepEqual(await databases(c.pg), before, 'nothing was created');
      await restore(', no_owner, no_privileges');
      assert.deepEqual(
        await pgQuery(
          c.pg,
          `${c.db}_r`,
          "SELECT relowner::regrole::text, relacl FROM pg_class WHERE relname = 'kept'",
        ),
        [['postgres', null]],
      );
      assert.deepEqual(await pgQuery(c.pg, `${c.db}_r`, 'SELECT * FROM kept'), [['1']]);
      // Two restores into one name at once: one is refused, the other restores it whole.
      const both = await Promise.allSettled([
        c.run(
          `RESTORE DATABASE ${c.db} FROM LATEST IN ${dest} WITH kms = '${c.key}', new_db_name = '${c.db}_c', no_owner, no_privileges`,
        ),
        c.run(
          `RESTORE DATABASE ${c.db} FROM LATEST IN ${dest} WITH kms = '${c.key}', new_db_name = '${c.db}_c', no_owner, no_privileges`,
        ),
      ]);
      assert.deepEqual(both.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      const refused = both.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal((refused?.reason as { code?: string } | undefined)?.code, 'TARGET_EXISTS');
      assert.deepEqual(await pgQuery(c.pg, `${c.db}_c`, 'SELECT * FROM kept'), [['1']]);
    } finally {
      await c.engine.close();
    }
  });

  it('restores large objects under their OIDs, and refuses before writing when one is taken', async (t) => {
    if (skip) return t.skip(skip);
    const c = await setup(
      `SELECT lo_from_bytea(500001, 'first'); SELECT lo_from_bytea(500002, 'second');
       ALTER LARGE OBJECT 500002 OWNER TO sr_reader; COMMENT ON LARGE OBJECT 500002 IS 'two';`,
    );
    try {
      const dest = `'nodelocal://1/lo'`;
      await c.run(`BACKUP DATABASE ${c.db} INTO ${dest} WITH kms = '${c.key}'`);
      const shown = await c.run(`SHOW BACKUP FROM LATEST IN ${dest} WITH kms = '${c.key}'`);
      assert.ok(JSON.stringify(shown).includes('pg_largeobject'), 'large objects are listed as a table');
      await pgQuery(c.pg, 'postgres', `CREATE DATABASE ${c.db}_taken`);
      await pgQuery(c.pg, 'postgres', `CREATE DATABASE ${c.db}_free`);
      await pgQuery(c.pg, `${c.db}_taken`, "SELECT lo_from_bytea(500002, 'mine')");
      const restoreInto = (db: string) =>
        c.run(
          `RESTORE TABLE ${c.db}.pg_catalog.pg_largeobject FROM LATEST IN ${dest} WITH kms = '${c.key}', into_db = '${db}'`,
        );
      await assert.rejects(
        restoreInto(`${c.db}_taken`),
        (e: { code?: string; message?: string }) =>
          e.code === 'TARGET_EXISTS' && /large object 500002 already exists/.test(e.message ?? ''),
      );
      const los =
        'SELECT oid, lomowner::regrole, convert_from(lo_get(oid), $$UTF8$$), obj_description(oid, $$pg_largeobject$$) FROM pg_largeobject_metadata ORDER BY 1';
      assert.deepEqual(await pgQuery(c.pg, `${c.db}_taken`, los), [['500002', 'postgres', 'mine', null]]);
      await restoreInto(`${c.db}_free`);
      assert.deepEqual(await pgQuery(c.pg, `${c.db}_free`, los), await pgQuery(c.pg, c.db, los));
      assert.equal((await pgQuery(c.pg, c.db, los)).length, 2);
    } finally {
      await c.engine.close();
    }
  });

  it('brings a table’s owner and privileges with a table restore', async (t) => {
    if (skip) return t.skip(skip);
    const c = await setup(
      `CREATE TABLE owned (id serial PRIMARY KEY, v text); INSERT INTO owned (v) VALUES ('a');
       ALTER TABLE owned OWNER TO sr_owner; GRANT SELECT ON owned TO sr_reader;
       GRANT UPDATE (v) ON owned TO sr_writer; GRANT USAGE ON SEQUENCE owned_id_seq TO sr_writer;
       COMMENT ON TABLE owned IS 'mine'; CREATE TABLE other (id int); GRANT ALL ON other TO sr_writer;`,
    );
    try {
      const dest = `'nodelocal://1/tbl'`;
      await c.run(`BACKUP DATABASE ${c.db} INTO ${dest} WITH kms = '${c.key}'`);
      await pgQuery(c.pg, 'postgres', `CREATE DATABASE ${c.db}_t`);
      await c.run(
        `RESTORE TABLE ${c.db}.owned FROM LATEST IN ${dest} WITH kms = '${c.key}', into_db = '${c.db}_t'`,
      );
      const facts = `SELECT c.relname, c.relowner::regrole::text, c.relacl::text,
          (SELECT array_agg(a.attname || '=' || a.attacl::text ORDER BY a.attnum) FROM pg_attribute a
            WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL), obj_description(c.oid, 'pg_class')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S') ORDER BY 1`;
      const src = (await pgQuery(c.pg, c.db, facts)).filter((r) => r[0] !== 'other');
      assert.equal(src.length, 2);
      assert.deepEqual(await pgQuery(c.pg, `${c.db}_t`, facts), src);
    } finally {
      await c.engine.close();
    }
  });
});
