import assert from 'node:assert/strict';
import { StrongroomError } from '@strongroom/errors';
import { test } from 'vitest';
import type { CliDeps } from './deps.js';
import { main } from './index.js';
import { loadSqlApi } from './sql-api.js';
import { fakeSql } from './testing/fake-sql.js';
import { Sink, source } from './testing/streams.js';
import { type Answer, TestEngine } from './testing/test-engine.js';

function harness(
  answer?: (text: string) => Answer | undefined,
  files: Record<string, string> = {},
  stdin = '',
) {
  const engine = new TestEngine(answer);
  const stdout = new Sink();
  const stderr = new Sink();
  const shellCommands: string[] = [];
  const deps: Partial<CliDeps> = {
    stdin: source(stdin),
    stdout,
    stderr,
    env: {},
    cwd: '/work',
    sql: fakeSql,
    loadEngine: async () => ({ openEngine: async () => engine, defaultHome: () => '/home/u/.strongroom' }),
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return text;
    },
    shell: async (cmd) => {
      shellCommands.push(cmd);
      return cmd === 'false' ? 1 : 0;
    },
    onInterrupt: () => () => {},
  };
  return {
    engine,
    stdout,
    stderr,
    deps,
    shellCommands,
    texts: () => engine.executed.map((s) => s.text.trim()),
  };
}

const rows = { columns: [{ name: 'n', type: 'int8' }], rows: [[1n], [2n]], tag: 'SELECT 2' };

test('-e and -f run in the order given, each -e may hold several statements', async () => {
  const h = harness((t) => (t.startsWith('SELECT') ? rows : undefined), {
    '/work/a.sql': 'CREATE TABLE a(x);\n',
  });
  const code = await main(['sql', '-e', 'SELECT 1; SELECT 2;', '-f', 'a.sql', '-e', 'SHOW JOBS'], h.deps);
  assert.equal(code, 0, h.stderr.text);
  assert.deepEqual(h.texts(), ['SELECT 1;', 'SELECT 2;', 'CREATE TABLE a(x);', 'SHOW JOBS']);
  assert.equal(h.stdout.text, 'n\n1\n2\nn\n1\n2\nCREATE\nSHOW\n');
  assert.ok(h.engine.closed);
});

test('owned and forwarded statements reach the engine as parsed', async () => {
  const h = harness();
  await main(['sql', '-e', 'SHOW JOBS; CREATE TABLE t (a int);'], h.deps);
  assert.deepEqual(
    h.engine.executed.map((s) => s.kind),
    ['owned', 'forward'],
  );
});

test('a failing statement stops the script with file:line:col of its start and the error exit code', async () => {
  const fail = new StrongroomError('JOB_NOT_FOUND', 'job 7 not found', { hint: 'see SHOW JOBS' });
  const h = harness((t) => (t.startsWith('PAUSE') ? fail : undefined), {
    '/work/n.sql': 'CREATE TABLE a(x);\n\n  PAUSE JOB 7;\nCREATE TABLE b(x);\n',
  });
  const code = await main(['sql', '-f', 'n.sql', '-e', 'SELECT 1'], h.deps);
  assert.equal(code, 1);
  assert.deepEqual(h.texts(), ['CREATE TABLE a(x);', 'PAUSE JOB 7;']);
  assert.equal(h.stderr.text, 'n.sql:3:3: job 7 not found\nHINT: see SHOW JOBS\n');
});

test('a syntax error runs what comes before it, then prints the caret and exits 1', async () => {
  const h = harness();
  const code = await main(
    ['sql', '-e', 'SELECT 1;', '-e', 'CREATE TABLE a(x);\nSELECT oops;\nSELECT 3;'],
    h.deps,
  );
  assert.equal(code, 1);
  assert.deepEqual(h.texts(), ['SELECT 1;', 'CREATE TABLE a(x);']);
  assert.equal(h.stderr.text, '-e[2]:2:8: at or near "oops": syntax error\nSELECT oops;\n       ^\n');
});

test('stdin is read when there is no -e/-f; --format json and table', async () => {
  const h = harness(() => rows, {}, 'SELECT 1;');
  assert.equal(await main(['sql', '--format', 'json'], h.deps), 0);
  assert.equal(h.stdout.text, '{"columns":[{"name":"n","type":"int8"}],"rows":[[1],[2]],"tag":"SELECT 2"}\n');
  const t = harness(() => rows);
  assert.equal(await main(['sql', '--format', 'table', '-e', 'SELECT 1'], t.deps), 0);
  assert.equal(t.stdout.text, ' n\n---\n 1\n 2\n(2 rows)\n');
});

test('backslash commands in scripts: \\! runs a shell command, a failing one stops the script', async () => {
  const h = harness(undefined, {
    '/work/s.sql': 'SELECT 1;\n\\! echo hi\nSELECT 2;\n\\! false\nSELECT 3;\n',
  });
  assert.equal(await main(['sql', '-f', 's.sql'], h.deps), 1);
  assert.deepEqual(h.shellCommands, ['echo hi', 'false']);
  assert.deepEqual(h.texts(), ['SELECT 1;', 'SELECT 2;']);
  assert.match(h.stderr.text, /s\.sql:4:1: backslash command failed/);
});

test('\\i includes a file; \\q ends the script with 0; a backslash inside a statement is SQL', async () => {
  const h = harness(undefined, {
    '/work/main.sql': "SELECT 1;\n\\i inc.sql\nSELECT '\n\\x';\n\\q\nSELECT 9;\n",
    '/work/inc.sql': 'SELECT 2;\n',
  });
  assert.equal(await main(['sql', '-f', 'main.sql'], h.deps), 0, h.stderr.text);
  assert.deepEqual(h.texts(), ['SELECT 1;', 'SELECT 2;', "SELECT '\n\\x';"]);
});

test('--echo prints each statement, owned ones through the redacting formatter', async () => {
  const h = harness();
  await main(['sql', '--echo', '-e', "SHOW JOBS WITH secret = 'x'; SELECT 1;"], h.deps);
  assert.equal(h.stderr.text, '> SHOW JOBS\n> SELECT 1;\n');
});

test('notices go to stderr; progress is not drawn when stderr is not a terminal', async () => {
  const h = harness(() => async (options) => {
    options?.onNotice?.('locality warning');
    assert.equal(options?.onProgress, undefined);
    return rows;
  });
  await main(['sql', '-e', 'SELECT 1'], h.deps);
  assert.equal(h.stderr.text, 'NOTICE: locality warning\n');
});

test('an engine that cannot open reports its error and exit code', async () => {
  const h = harness();
  const code = await main(['sql', '-e', 'SELECT 1'], {
    ...h.deps,
    loadEngine: async () => ({
      defaultHome: () => '/h',
      openEngine: async () => {
        throw new StrongroomError('SOURCE_UNAVAILABLE', 'cannot open source sqlite:///x');
      },
    }),
  });
  assert.equal(code, 1);
  assert.equal(h.stderr.text, 'strongroom: cannot open source sqlite:///x\n');
});

test('with the real parser: owned statements are parsed, others forwarded, errors positioned', async () => {
  const h = harness();
  const text = "SELECT 1;\nSHOW JOBS;\nBACKUP INTO 'x' WITH kms = 'a', kms = 'b';\nSELECT 2;";
  const code = await main(['sql', '-e', text], { ...h.deps, sql: loadSqlApi() });
  assert.equal(code, 1);
  assert.deepEqual(
    h.engine.executed.map((s) => [s.kind, s.text]),
    [
      ['forward', 'SELECT 1'],
      ['owned', 'SHOW JOBS'],
    ],
  );
  assert.equal(
    h.stderr.text,
    [
      '-e[1]:3:33: at or near "kms": syntax error: kms specified multiple times',
      "BACKUP INTO 'x' WITH kms = 'a', kms = 'b';",
      '                                ^',
      'HINT: try \\h BACKUP',
      '',
    ].join('\n'),
  );
});

test('Ctrl-C in a script cancels the running statement and exits 130', async () => {
  let interrupt: () => void = () => {};
  const h = harness(() => (options) => {
    const pending = new Promise<never>((_, reject) => {
      options?.signal?.addEventListener('abort', () => reject(new Error('query canceled')));
    });
    interrupt();
    return pending;
  });
  const code = await main(['sql', '-e', 'SELECT 1; SELECT 2;'], {
    ...h.deps,
    onInterrupt: (handler) => {
      interrupt = handler;
      return () => {};
    },
  });
  assert.equal(code, 130);
  assert.deepEqual(h.texts(), ['SELECT 1;']);
  assert.equal(h.stderr.text, '-e[1]:1:1: canceling statement due to user request\n');
});
