import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completeLine } from './repl.js';
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

test('completion offers backslash commands and keywords in the case being typed', () => {
  assert.deepEqual(completeLine(fakeSql, '', '\\ti'), [['\\timing'], '\\ti']);
  assert.deepEqual(completeLine(fakeSql, '', 'res'), [['restore'], 'res']);
  assert.deepEqual(completeLine(fakeSql, '', 'RES'), [['RESTORE'], 'RES']);
  assert.deepEqual(completeLine(fakeSql, '', 'SHOW JOBS; '), [['BACKUP', 'RESTORE', 'SHOW'], '']);
});
