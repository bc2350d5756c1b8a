// Issue #17 on a PostgreSQL source: \l, \dt and \d from pg_catalog and information_schema, the REPL's
// welcome line with the source password redacted, and Tab completing a table name of that database.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PostgresCluster, pgQuery, startPostgresForTests, unavailable } from '@strongroom/testkit';
import { afterAll, beforeAll, test } from 'vitest';
import { BIN, HAS_SCRIPT, Pty } from './pty.js';

let cluster: PostgresCluster | undefined;
let skip: string | undefined;

beforeAll(async () => {
  ({ cluster, skip } = await startPostgresForTests());
  if (cluster) {
    await pgQuery(cluster, 'postgres', 'CREATE DATABASE replcat');
    await pgQuery(
      cluster,
      'replcat',
      'CREATE SCHEMA sales; CREATE TABLE sales.invoices_2024 (id bigint PRIMARY KEY, total numeric NOT NULL, note text);' +
        'CREATE VIEW sales.big AS SELECT id FROM sales.invoices_2024 WHERE total > 100;',
    );
  }
});

afterAll(async () => {
  await cluster?.stop();
});

const sourceUri = () => `postgres://postgres:fake-test-password@127.0.0.1:${cluster?.port}/replcat`;

test('\\l, \\dt and \\d on a PostgreSQL source', async (t) => {
  if (skip) return t.skip(skip);
  const home = mkdtempSync(join(tmpdir(), 'strongroom-pgcat-'));
  const r = spawnSync(
    process.execPath,
    [BIN, 'sql', '--home', home, '--source', sourceUri(), '-e', '\\l\n\\dt\n\\d sales.invoices_2024'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^database_name\towner\tencoding\n/m);
  assert.match(r.stdout, /^replcat\tpostgres\tUTF8$/m);
  assert.match(
    r.stdout,
    /^schema_name\ttable_name\ttype\n(.*\n)*sales\tbig\tview\nsales\tinvoices_2024\ttable$/m,
  );
  assert.match(
    r.stdout,
    /^column_name\tdata_type\tis_nullable\tcolumn_default\nid\tbigint\tNO\t\ntotal\tnumeric\tNO\t\nnote\ttext\tYES\t$/m,
  );
  const missing = spawnSync(
    process.execPath,
    [BIN, 'sql', '--home', home, '--source', sourceUri(), '-e', '\\d nosuch'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /\\d: table "nosuch" does not exist/);
});

test('the REPL on PostgreSQL: welcome without the password, Tab completes a table', async (t) => {
  if (skip) return t.skip(skip);
  if (!HAS_SCRIPT) return t.skip(unavailable('script (util-linux)', 'install util-linux'));
  const home = mkdtempSync(join(tmpdir(), 'strongroom-pgcat-'));
  const p = new Pty(['sql', '--home', home, '--source', sourceUri()], { PAGER: '' });
  const welcome = await p.expect(/strongroom> $/);
  assert.match(welcome, /postgres source postgres:\/\/postgres:\*\*\*\*\*@127\.0\.0\.1:\d+\/replcat/);
  assert.doesNotMatch(welcome, /fake-test-password/);
  p.type('SELECT count(*) FROM sales.invoi\t');
  await p.expect(/sales\.invoices_2024 ?$/);
  p.type(';\r');
  await p.expect(/count\n-+\n +0\n[\s\S]*strongroom> $/);
  p.type('\\q\r');
  assert.equal(await p.exited, 0);
});
