import assert from 'node:assert/strict';
import { test } from 'vitest';
import { completeInput } from './completion.js';
import { CONTINUATION_PROMPT, PROMPT, ReplSession } from './repl-session.js';
import type { Session } from './session.js';
import { fakeSql } from './testing/fake-sql.js';
import { Sink } from './testing/streams.js';
import { TestEngine } from './testing/test-engine.js';

function setup() {
  const rows = { columns: [{ name: 'n', type: 'int8' }], rows: [[1n]], tag: 'SELECT 1' };
  const engine = new TestEngine((t) => (t.startsWith('SELECT') ? rows : undefined));
  const stdout = new Sink(true);
  const stderr = new Sink(false);
  const history: string[] = [];
  const session: Session = {
    engine,
    sql: fakeSql,
    stdout,
    stderr,
    format: 'table',
    echo: false,
    interactive: true,
    settings: { expanded: false, timing: false },
    nextSignal: () => undefined,
    readFile: async () => 'SELECT 2;',
    shell: async () => 0,
    cwd: '/',
  };
  const repl = new ReplSession(session, (e) => history.push(e));
  return { engine, stdout, stderr, history, repl, session };
}

test('a statement spans lines until it ends with ;, then runs once and is one history entry', async () => {
  const s = setup();
  assert.equal(s.repl.prompt, PROMPT);
  assert.equal(await s.repl.handleLine('SELECT'), 'continue');
  assert.equal(s.repl.prompt, CONTINUATION_PROMPT);
  assert.equal(await s.repl.handleLine("  'a;b'"), 'continue');
  assert.equal(s.engine.executed.length, 0);
  await s.repl.handleLine('  ;');
  assert.equal(s.repl.prompt, PROMPT);
  assert.deepEqual(
    s.engine.executed.map((x) => x.text),
    ["SELECT\n  'a;b'\n  ;"],
  );
  assert.deepEqual(s.history, ["SELECT\n  'a;b'\n  ;"]);
  assert.equal(s.stdout.text, ' n\n---\n 1\n(1 row)\n');
});

test('backslash commands: \\x and \\timing toggle, \\i runs a file, \\h prints syntax, \\q quits', async () => {
  const s = setup();
  await s.repl.handleLine('\\x');
  assert.equal(s.session.settings.expanded, true);
  await s.repl.handleLine('\\timing on');
  await s.repl.handleLine('\\i other.sql');
  assert.equal(s.stdout.text, '-[ RECORD 1 ]\nn | 1\n(1 row)\n');
  assert.match(s.stderr.text, /Expanded display is on\.\nTiming is on\.\nTime: \d+\.\d{3} ms\n/);
  s.stdout.text = '';
  await s.repl.handleLine('\\h backup');
  assert.match(s.stdout.text, /^Command: BACKUP\nSyntax:\nBACKUP \[ TABLE/);
  await s.repl.handleLine('\\nope');
  assert.match(s.stderr.text, /invalid command \\nope/);
  assert.equal(await s.repl.handleLine('\\q'), 'quit');
  assert.deepEqual(s.history, ['\\x', '\\timing on', '\\i other.sql', '\\h backup', '\\nope', '\\q']);
});

test('errors print ERROR: without stopping the shell; Ctrl-C clears the open statement', async () => {
  const s = setup();
  await s.repl.handleLine('SELECT oops;');
  assert.match(s.stderr.text, /at or near "oops"/);
  await s.repl.handleLine('SELECT');
  s.repl.clearInput();
  assert.equal(s.repl.prompt, PROMPT);
  await s.repl.handleLine('\\x');
  assert.equal(s.session.settings.expanded, true);
});

test('completion offers backslash commands, keywords in the case being typed, tables, URIs and paths', async () => {
  const ctx = {
    sql: fakeSql,
    tables: async () => ['orders', 'defaultdb.orders', 'customers'],
    databases: async () => ['defaultdb', 'analytics'],
    uris: () => ['nodelocal://1/coll'],
    cwd: new URL('.', import.meta.url).pathname,
  };
  assert.deepEqual(await completeInput(ctx, '', '\\ti'), [['\\timing'], '\\ti']);
  assert.deepEqual(await completeInput(ctx, '', 'res'), [['restore'], 'res']);
  assert.deepEqual(await completeInput(ctx, '', 'RES'), [['RESTORE'], 'RES']);
  assert.deepEqual(await completeInput(ctx, '', 'SHOW JOBS; '), [['BACKUP', 'RESTORE', 'SHOW'], '']);
  assert.deepEqual(await completeInput(ctx, '', 'SELECT * FROM or'), [['orders'], 'or']);
  assert.deepEqual(await completeInput(ctx, 'SELECT *', 'FROM defaultdb.o'), [
    ['defaultdb.orders'],
    'defaultdb.o',
  ]);
  assert.deepEqual(await completeInput(ctx, '', '\\d cu'), [['customers'], 'cu']);
  assert.deepEqual(await completeInput(ctx, '', 'BACKUP DATABASE an'), [['analytics'], 'an']);
  assert.deepEqual(await completeInput(ctx, '', "BACKUP INTO 'node"), [
    ['nodelocal://1/', 'nodelocal://1/coll'],
    'node',
  ]);
  const [files, typed] = await completeInput(ctx, '', '\\i repl-session.te');
  assert.equal(typed, 'repl-session.te');
  assert.ok(files.includes('repl-session.test.ts'), String(files));
  assert.ok(files.every((f) => f.startsWith('repl-session.te')));
  assert.deepEqual(await completeInput(ctx, '', '\\i testin'), [['testing/'], 'testin']);
});

test('backslash commands mid-statement keep the buffer; \\p shows it, \\r clears it, \\q quits', async () => {
  const s = setup();
  await s.repl.handleLine('SELECT');
  await s.repl.handleLine('\\x');
  assert.equal(s.session.settings.expanded, true);
  assert.equal(s.repl.prompt, CONTINUATION_PROMPT);
  await s.repl.handleLine('\\p');
  assert.equal(s.stdout.text, 'SELECT\n');
  await s.repl.handleLine('1;');
  assert.deepEqual(
    s.engine.executed.map((x) => x.text),
    ['SELECT\n1;'],
  );
  await s.repl.handleLine('SELECT');
  await s.repl.handleLine('\\r');
  assert.equal(s.repl.prompt, PROMPT);
  await s.repl.handleLine("SELECT 'a");
  assert.equal(await s.repl.handleLine('\\q'), 'continue', 'inside a string a backslash line is text');
  await s.repl.handleLine("';");
  await s.repl.handleLine('SELECT');
  assert.equal(await s.repl.handleLine('\\q'), 'quit');
});

test('help, exit and quit alone on a line', async () => {
  const s = setup();
  assert.equal(await s.repl.handleLine('help'), 'continue');
  assert.match(s.stdout.text, /\\q or quit +to quit/);
  assert.equal(await s.repl.handleLine('exit'), 'quit');
  assert.equal(await s.repl.handleLine('quit;'), 'quit');
  assert.equal(s.engine.executed.length, 0);
});

test('neither \\h nor completion offers options the engine refuses', async () => {
  const { statementHelp } = await import('./help.js');
  const { loadSqlApi } = await import('./sql-api.js');
  for (const topic of ['BACKUP', 'RESTORE', 'SHOW BACKUP'])
    assert.doesNotMatch(statementHelp(topic) ?? '', /incremental_location|revision_history/);
  const ctx = {
    sql: loadSqlApi(),
    tables: async () => [],
    databases: async () => [],
    uris: () => [],
    cwd: '/',
  };
  const [words] = await completeInput(ctx, '', "BACKUP INTO 'nodelocal://1/x' WITH ");
  const lower = words.map((w) => w.toLowerCase());
  assert.ok(lower.includes('detached'), String(words));
  assert.ok(!lower.includes('incremental_location') && !lower.includes('revision_history'), String(words));
});

test('errors in a file run with \\i name the file, line and column; typed ones read ERROR', async () => {
  const s = setup();
  const session = { ...s.session, readFile: async () => 'SELECT 1;\n  SELECT oops;\n' };
  const repl = new ReplSession(session, () => {});
  await repl.handleLine('\\i bad.sql');
  assert.match(s.stderr.text, /^bad\.sql:2:10: at or near "oops"/m);
  const failing = new TestEngine((t) => (t.startsWith('DROP') ? new Error('no such table: x') : undefined));
  const r2 = new ReplSession(
    { ...session, engine: failing, readFile: async () => '\n\nDROP TABLE x;' },
    () => {},
  );
  s.stderr.text = '';
  await r2.handleLine('\\i drop.sql');
  assert.equal(s.stderr.text, 'drop.sql:3:1: no such table: x\n');
  s.stderr.text = '';
  await r2.handleLine('DROP TABLE x;');
  assert.equal(s.stderr.text, 'ERROR: no such table: x\n');
});
