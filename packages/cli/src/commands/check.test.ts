import assert from 'node:assert/strict';
import { test } from 'vitest';
import { main } from '../index.js';
import { fakeSql } from '../testing/fake-sql.js';
import { Sink, source } from '../testing/streams.js';

function deps(files: Record<string, string>, stdin = '') {
  const stdout = new Sink();
  const stderr = new Sink();
  return {
    stdout,
    stderr,
    deps: {
      stdout,
      stderr,
      stdin: source(stdin),
      sql: fakeSql,
      readFile: async (p: string) => {
        const t = files[p];
        if (t === undefined) throw Object.assign(new Error('x'), { code: 'ENOENT' });
        return t;
      },
    },
  };
}

test('check prints every error of every input with positions and exits 1; stdout stays empty', async () => {
  const h = deps({ 'a.sql': 'SHOW JOBS;\nSELECT oops;\nSELECT 1; oops;\n', 'b.sql': 'SHOW JOBS;' });
  const code = await main(['check', 'a.sql', 'b.sql', '-e', 'oops'], h.deps);
  assert.equal(code, 1);
  assert.equal(h.stdout.text, '');
  assert.equal(
    h.stderr.text,
    [
      'a.sql:2:8: at or near "oops": syntax error',
      'SELECT oops;',
      '       ^',
      'a.sql:3:11: at or near "oops": syntax error',
      'SELECT 1; oops;',
      '          ^',
      '-e[1]:1:1: at or near "oops": syntax error',
      'oops',
      '^',
      'check: 3 errors in 2 of 3 inputs',
      '',
    ].join('\n'),
  );
});

test('check of valid inputs (stdin included) exits 0 with a summary on stderr', async () => {
  const h = deps({ 'a.sql': 'SHOW JOBS;' }, 'SELECT 1;');
  assert.equal(await main(['check', 'a.sql', '-'], h.deps), 0);
  assert.equal(h.stdout.text, '');
  assert.equal(h.stderr.text, 'check: 2 inputs ok\n');
});

test('check of a missing file is an error', async () => {
  const h = deps({});
  assert.equal(await main(['check', 'missing.sql'], h.deps), 1);
  assert.match(h.stderr.text, /^missing\.sql: cannot read: ENOENT/);
});

test('check with the real parser: a repeated option is a positioned error (issue #2)', async () => {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await main(['check', '-e', "BACKUP INTO 'x' WITH kms = 'a', kms = 'b'"], { stdout, stderr });
  assert.equal(code, 1);
  assert.equal(stdout.text, '');
  assert.match(
    stderr.text,
    /^-e\[1\]:1:33: at or near "kms": syntax error: kms specified multiple times\n.*\n {32}\^\n/,
  );
});

test('check refuses what the engine would refuse before running: schedule queries, refused options, URIs, job queries (issues #18, #19)', async () => {
  const stdout = new Sink();
  const stderr = new Sink();
  const script = [
    'PAUSE ALL BACKUP JOBS;',
    "PAUSE JOBS (SELECT job_id FROM [SHOW JOBS] WHERE status = 'running') WITH REASON = 'disk';",
    'SHOW JOBS FOR SCHEDULES SELECT nope FROM [SHOW SCHEDULES];',
    "RESTORE FROM LATEST IN 'nodelocal://1/x' WITH remove_regions;",
    'SELECT nope FROM [SHOW JOBS];',
    "ALTER BACKUP '/subdir' ADD NEW_KMS = 'local:///a' WITH OLD_KMS = 'local:///b';",
    "BACKUP INTO 's4://bucket/c';",
    "BACKUP INTO 'nodelocal://1/c?FOO=1';",
    "BACKUP INTO 'nodelocal://1/c' AS OF SYSTEM TIME '-10s';",
    "CREATE SCHEDULE FOR BACKUP INTO 'nodelocal://1/x' WITH encryption_passphrase = 'pw' RECURRING '@daily';",
  ].join('\n');
  const code = await main(['check', '-e', script], { stdout, stderr });
  assert.equal(code, 1);
  const heads = stderr.text.split('\n').filter((l) => l.startsWith('-e[1]:'));
  assert.deepEqual(heads, [
    '-e[1]:3:1: invalid query over [SHOW SCHEDULES]: no such column: nope',
    '-e[1]:4:1: remove_regions is not supported: SQLite and PostgreSQL sources have no regions',
    '-e[1]:5:1: invalid query over [SHOW JOBS]: no such column: nope',
    `-e[1]:6:1: ALTER BACKUP "/subdir" without IN needs the backup's URI, not a subdirectory`,
    '-e[1]:7:1: unsupported storage scheme "s4" in "s4://bucket/c"',
    '-e[1]:8:1: unknown nodelocal query parameters: FOO',
    '-e[1]:9:1: AS OF SYSTEM TIME is not supported on BACKUP',
    '-e[1]:10:1: a scheduled backup cannot use encryption_passphrase: a schedule stores its statement, and a passphrase must not be stored',
  ]);
  assert.match(stderr.text, /check: 8 errors in 1 of 1 input\n$/);
});
