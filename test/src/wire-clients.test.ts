// Real PostgreSQL clients against `strongroom serve`, each over TLS with SCRAM-SHA-256: psql, node-postgres
// and psycopg 3 (pgJDBC and the other drivers: wire-drivers.test.ts). Each creates a table, runs BACKUP and SHOW BACKUP with the passphrase as a
// parameter, reads rows, and gets a SQLSTATE for a bad statement. psql 15 has no \bind, so its passphrase
// is a psql variable (:'pw', quoted by psql on the client); the drivers send real $1 parameters
// (extended protocol). Clients come from scripts/setup/pg-clients.sh; with CI=true a missing one fails.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, unavailable } from '@strongroom/testkit';
import pg from 'pg';
import { afterAll, beforeAll, test } from 'vitest';
import { PASSPHRASE, PASSWORD, startWireServer, USER, type WireFixture } from './wire-helpers.js';

const run = promisify(execFile);
let f: WireFixture;

beforeAll(async () => {
  f = await startWireServer();
});
afterAll(async () => {
  await f.server.close();
});

function which(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => existsSync(join(d, cmd)));
}

test('node-postgres: simple and extended protocol, TLS + SCRAM', async () => {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: f.server.port,
    user: USER,
    password: PASSWORD,
    database: 'defaultdb',
    ssl: { ca: (await import('node:fs')).readFileSync(f.certPath), servername: 'localhost' },
  });
  await c.connect();
  try {
    await c.query(
      "CREATE TABLE node_t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO node_t VALUES (1, 'a'), (2, 'b')",
    );
    const sel = await c.query('SELECT v FROM node_t WHERE id = $1', ['2']);
    assert.deepEqual(sel.rows, [{ v: 'b' }]);
    const b = await c.query("BACKUP TABLE node_t INTO 'nodelocal://1/node' WITH encryption_passphrase = $1", [
      PASSPHRASE,
    ]);
    assert.equal(b.rows[0].status, 'succeeded');
    assert.equal(b.fields.find((x) => x.name === 'job_id')?.dataTypeID, 20);
    const show = await c.query(
      "SHOW BACKUP FROM LATEST IN 'nodelocal://1/node' WITH encryption_passphrase = $1",
      [PASSPHRASE],
    );
    const table = show.rows.find((r) => r.object_name === 'node_t');
    assert.equal(table?.rows, '2');
    assert.ok(table?.end_time instanceof Date, 'timestamptz arrives as a Date');
    const backups = await c.query("SHOW BACKUPS IN 'nodelocal://1/node'");
    assert.equal(backups.rowCount, 1);
    await assert.rejects(c.query('BACKUP INTO'), (e: { code?: string; position?: string; hint?: string }) => {
      assert.equal(e.code, '42601');
      assert.equal(e.position, '12');
      assert.match(e.hint ?? '', /BACKUP/);
      return true;
    });
    await assert.rejects(
      c.query("SHOW BACKUP FROM LATEST IN 'nodelocal://1/node' WITH encryption_passphrase = $1", ['wrong']),
      { code: '22023' },
    );
    await assert.rejects(c.query('SELECT * FROM no_such_table'), { code: '42P01' });
    // The session is still usable after errors in both protocols.
    const both = (await c.query(
      "SET application_name = 'x'; SELECT 1 AS one",
    )) as unknown as pg.QueryResult[];
    assert.equal(both[1]?.rows[0]?.one, '1');
  } finally {
    await c.end();
  }
});

test('psql: TLS + SCRAM, passphrase in a psql variable, SQLSTATE of a bad statement', async (t) => {
  if (!which('psql')) return t.skip(unavailable('psql', 'not on PATH (scripts/setup/pg-clients.sh)'));
  const script = join(f.dir, 'psql.sql');
  writeFileSync(
    script,
    [
      'CREATE TABLE psql_t (id INTEGER PRIMARY KEY, v TEXT);',
      "INSERT INTO psql_t VALUES (1, 'x'), (2, 'y'), (3, 'z');",
      "BACKUP TABLE psql_t INTO 'nodelocal://1/psql' WITH encryption_passphrase = :'pw';",
      "SHOW BACKUP FROM LATEST IN 'nodelocal://1/psql' WITH encryption_passphrase = :'pw';",
      '\\set VERBOSITY verbose',
      'BACKUP INTO;',
      '',
    ].join('\n'),
  );
  const conn = `host=127.0.0.1 port=${f.server.port} user=${USER} dbname=defaultdb sslmode=verify-ca sslrootcert=${f.certPath}`;
  const r = await run('psql', [conn, '-X', '--csv', '-v', `pw=${PASSPHRASE}`, '-f', script], {
    env: { ...process.env, PGPASSWORD: PASSWORD, PGCONNECT_TIMEOUT: '10' },
  }).catch((e: { stdout: string; stderr: string; code: number }) => e);
  assert.match(r.stdout, /job_id,status,fraction_completed,rows\n\d+,succeeded,1,3/);
  assert.match(r.stdout, /defaultdb,public,psql_t,table,full,,[^,]+,\d+,3,/);
  assert.match(r.stderr, /ERROR: {2}42601: at or near "EOF": syntax error/);
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(PASSPHRASE));
});

test('psycopg 3: TLS + SCRAM, $1 parameters, SQLSTATE', async (t) => {
  const python = join(REPO_ROOT, '.tools/psycopg/bin/python');
  if (!existsSync(python))
    return t.skip(unavailable('psycopg', `${python} missing (scripts/setup/pg-clients.sh)`));
  const script = join(f.dir, 'client.py');
  writeFileSync(
    script,
    `import json, sys, psycopg
port, password, passphrase, ca = sys.argv[1:5]
out = {}
with psycopg.connect(host="127.0.0.1", port=port, user="${USER}", password=password, dbname="defaultdb",
                     sslmode="verify-ca", sslrootcert=ca, autocommit=True) as conn:
    conn.execute("CREATE TABLE py_t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.execute("INSERT INTO py_t VALUES (%s, %s)", ["1", "one"])
    row = conn.execute("BACKUP TABLE py_t INTO 'nodelocal://1/py' WITH encryption_passphrase = %s", [passphrase]).fetchone()
    out["backup"] = [str(row[0]), row[1]]
    rows = conn.execute("SHOW BACKUP FROM LATEST IN 'nodelocal://1/py' WITH encryption_passphrase = %s", [passphrase]).fetchall()
    out["tables"] = [[r[2], r[8]] for r in rows if r[3] == "table"]
    try:
        conn.execute("RESTORE FROM")
    except psycopg.Error as e:
        out["sqlstate"] = e.sqlstate
print(json.dumps(out))
`,
  );
  const r = await run(python, [script, String(f.server.port), PASSWORD, PASSPHRASE, f.certPath], {
    env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
  });
  const out = JSON.parse(r.stdout);
  assert.equal(out.backup[1], 'succeeded');
  assert.deepEqual(out.tables, [['py_t', 1]]);
  assert.equal(out.sqlstate, '42601');
});
