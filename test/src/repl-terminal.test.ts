// The REPL as a DBA uses it (issue #17, #12 item 3): the real `strongroom sql` on the embedded SQLite
// source in a real pseudo-terminal, keys typed and the screen read back. Welcome, help/exit/quit, \q in
// the middle of a statement, Ctrl-C of a BACKUP and of a long query, Ctrl-R, completion of a table name,
// a detached job ending while the user types, \q with a running job, \l/\dt/\d, the pager (and none when
// piped), and a statement recalled from history with its passphrase redacted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unavailable } from '@strongroom/testkit';
import { test } from 'vitest';
import { BIN, HAS_SCRIPT, Pty } from './pty.js';

const skip = !HAS_SCRIPT && Boolean(unavailable('script (util-linux)', 'install util-linux'));
const PROMPT = /strongroom> $/;

function newHome(): string {
  return mkdtempSync(join(tmpdir(), 'strongroom-repl-'));
}

function sql(home: string, args: string[], input?: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, 'sql', '--home', home, ...args], {
    input: input ?? '',
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function repl(home: string, env: Record<string, string> = {}, size?: { cols: number; rows: number }): Pty {
  return new Pty(['sql', '--home', home], { PAGER: '', ...env }, size);
}

/** A table big enough that BACKUP runs for a few seconds. */
function makeBigTable(home: string): void {
  const r = sql(home, [
    '-e',
    'CREATE TABLE big AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000) ' +
      'SELECT x, randomblob(400) AS b FROM c',
  ]);
  assert.equal(r.code, 0, r.stderr);
}

test('welcome line, help, exit and quit', { skip, timeout: 60_000 }, async () => {
  const home = newHome();
  const a = repl(home);
  const welcome = await a.expect(PROMPT);
  assert.match(
    welcome,
    /^strongroom \d+\.\d+\.\d+ · sqlite source sqlite:\/\/\S+ · \\\? for help, \\q to quit\n/,
  );
  a.type('help\r');
  await a.expect(/\\q or quit +to quit\n[\s\S]*strongroom> $/);
  a.type('exit\r');
  assert.equal(await a.exited, 0);
  assert.doesNotMatch(a.screen, /->/, 'no continuation prompt');

  const b = repl(home);
  await b.expect(PROMPT);
  b.type('quit\r');
  assert.equal(await b.exited, 0);
});

test('backslash commands in the middle of a statement; \\q there quits', {
  skip,
  timeout: 60_000,
}, async () => {
  const home = newHome();
  const p = repl(home);
  await p.expect(PROMPT);
  p.type('SELECT 40 +\r');
  await p.expect(/ {8}-> $/);
  p.type('\\h BACKUP\r');
  await p.expect(/Command: BACKUP[\s\S]* {8}-> $/);
  p.type('2 AS answer;\r');
  await p.expect(/answer\n-+\n +42\n\(1 row\)\n[\s\S]*strongroom> $/);
  p.type('SELECT\r');
  await p.expect(/ {8}-> $/);
  p.type('\\q\r');
  assert.equal(await p.exited, 0);
  assert.doesNotMatch(p.screen, /syntax error/);
});

test('Ctrl-C cancels a running BACKUP with one message and the shell stays', {
  skip,
  timeout: 120_000,
}, async () => {
  const home = newHome();
  makeBigTable(home);
  const p = repl(home);
  await p.expect(PROMPT);
  p.type("BACKUP INTO 'nodelocal://1/c1';\r");
  await p.expect(/BACKUP job \d+: [\d.]+%/);
  p.type('\x03');
  await p.expect(/ERROR: canceling statement due to user request\n[\s\S]*strongroom> $/);
  p.type('SELECT 7 AS still_here;\r');
  await p.expect(/still_here\n-+\n +7\n/);
  p.type('\\q\r');
  assert.equal(await p.exited, 0);
  const jobs = sql(home, ['--format', 'csv', '-e', 'SHOW JOBS']);
  assert.match(jobs.stdout, /canceled/);
});

test('Ctrl-C cancels a long passthrough query within a second', {
  skip,
  timeout: 60_000,
}, async () => {
  const home = newHome();
  const p = repl(home);
  await p.expect(PROMPT);
  p.type(
    'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000000) SELECT count(*) FROM c;\r',
  );
  await new Promise((r) => setTimeout(r, 1000));
  p.skip();
  const sent = Date.now();
  p.type('\x03');
  await p.expect(/ERROR: canceling statement due to user request\n[\s\S]*strongroom> $/, 5000);
  assert.ok(Date.now() - sent < 1500, `canceled after ${Date.now() - sent} ms`);
  p.type('\\q\r');
  assert.equal(await p.exited, 0);
});

test('Ctrl-R finds an earlier statement; Enter runs it again', { skip, timeout: 60_000 }, async () => {
  const home = newHome();
  const p = repl(home);
  await p.expect(PROMPT);
  p.type("SELECT 'alpha-one' AS a;\r");
  await p.expect(/alpha-one\n\(1 row\)[\s\S]*strongroom> $/);
  p.type("SELECT 'beta-two' AS b;\r");
  await p.expect(/beta-two\n\(1 row\)[\s\S]*strongroom> $/);
  p.type('\x12alph');
  await p.expect(/\(reverse-i-search\)'alph': SELECT 'alpha-one' AS a;$/);
  p.type('\r');
  await p.expect(/alpha-one\n\(1 row\)[\s\S]*strongroom> $/);
  p.type('\x12zzz');
  await p.expect(/\(failing reverse-i-search\)'zzz': $/);
  p.type('\x07');
  await p.expect(PROMPT);
  p.type('\\q\r');
  assert.equal(await p.exited, 0);
});

test('Tab completes a table name of the source; \\l, \\dt and \\d show its catalog', {
  skip,
  timeout: 60_000,
}, async () => {
  const home = newHome();
  assert.equal(
    sql(home, ['-e', 'CREATE TABLE orders_2024 (id INTEGER PRIMARY KEY, amount REAL NOT NULL)']).code,
    0,
  );
  const p = repl(home);
  await p.expect(PROMPT);
  p.type('SELECT count(*) FROM orders_2');
  p.type('\t');
  await p.expect(/orders_2024 ?$/);
  p.type(';\r');
  await p.expect(/count(\(\*\))?\n-+\n +0\n[\s\S]*strongroom> $/);
  p.type('\\l\r');
  await p.expect(/database_name +\| +file\n[-+]+\n +defaultdb +\| \S+defaultdb\.db\n[\s\S]*strongroom> $/);
  p.type('\\dt\r');
  await p.expect(/ defaultdb +\| orders_2024 +\| table\n[\s\S]*strongroom> $/);
  p.type('\\d orders_2024\r');
  await p.expect(/ id +\| INTEGER +\| YES +\| NULL +\| YES\n +amount +\| REAL +\| NO +\| NULL +\| NO\n/);
  p.type('\\d nosuch\r');
  await p.expect(/\\d: table "nosuch" does not exist\n[\s\S]*strongroom> $/);
  p.type('\\q\r');
  assert.equal(await p.exited, 0);
});

test('a detached job prints its id, then one line when it ends, and what is typed stays', {
  skip,
  timeout: 120_000,
}, async () => {
  const home = newHome();
  makeBigTable(home);
  const p = repl(home);
  await p.expect(PROMPT);
  p.type("BACKUP INTO 'nodelocal://1/d1' WITH detached;\r");
  const started = await p.expect(/job_id\n-+\n +(\d+)\n\(1 row\)\n[\s\S]*strongroom> $/);
  const id = /job_id\n-+\n +(\d+)/.exec(started)?.[1];
  p.type('SELECT 12');
  const ended = await p.expect(
    new RegExp(`NOTICE: job ${id} \\(BACKUP\\) succeeded\\n[\\s\\S]*strongroom> SELECT 12$`),
    60_000,
  );
  assert.doesNotMatch(ended, /BACKUP job \d+: [\d.]+%/, 'no progress line after the statement returned');
  p.type('3 AS typed;\r');
  await p.expect(/typed\n-+\n +123\n/);
  p.type('\\q\r');
  assert.equal(await p.exited, 0);
});

test('\\q with a detached job running says what leaving means and can cancel it', {
  skip,
  timeout: 120_000,
}, async () => {
  const home = newHome();
  makeBigTable(home);
  const p = repl(home);
  await p.expect(PROMPT);
  p.type("BACKUP INTO 'nodelocal://1/q1' WITH detached;\r");
  const started = await p.expect(/job_id\n-+\n +(\d+)\n\(1 row\)\n[\s\S]*strongroom> $/);
  const id = /job_id\n-+\n +(\d+)/.exec(started)?.[1];
  p.type('\\q\r');
  await p.expect(
    new RegExp(
      `job ${id} is still running in this shell[\\s\\S]*Leaving now cancels them[\\s\\S]*stay \\(Enter\\)\\? $`,
    ),
  );
  p.type('\r');
  await p.expect(PROMPT);
  p.type('\\q\r');
  await p.expect(/stay \(Enter\)\? $/);
  p.type('c\r');
  assert.equal(await p.exited, 0);
  const jobs = sql(home, ['--format', 'csv', '-e', `SHOW JOB ${id}`]);
  assert.match(jobs.stdout, /,canceled,/);
});

test('the pager takes output taller than the terminal, never when piped', {
  skip,
  timeout: 60_000,
}, async () => {
  const home = newHome();
  const pager = { PAGER: 'sed s/^/PAGED:/' };
  const tall =
    'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40) SELECT x FROM c;';
  const p = repl(home, pager, { cols: 80, rows: 20 });
  await p.expect(PROMPT);
  p.type(`${tall}\r`);
  await p.expect(/PAGED: +40\nPAGED:\(40 rows\)\n[\s\S]*strongroom> $/);
  p.type('SELECT 1 AS short;\r');
  const short = await p.expect(/\(1 row\)\n[\s\S]*strongroom> $/);
  assert.doesNotMatch(short, /PAGED/);
  p.type('\\pset pager off\r');
  await p.expect(/Pager usage is off\.\n[\s\S]*strongroom> $/);
  p.type(`${tall}\r`);
  const off = await p.expect(/\(40 rows\)\n[\s\S]*strongroom> $/);
  assert.doesNotMatch(off, /PAGED/);
  p.type('\\q\r');
  assert.equal(await p.exited, 0);

  const piped = sql(home, ['--format', 'table'], `${tall}\n\\pset pager always\n${tall}\n`, pager);
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /\(40 rows\)/);
  assert.doesNotMatch(piped.stdout + piped.stderr, /PAGED/);
});

test('\\x auto shows records only when the table is wider than the terminal', {
  skip,
  timeout: 60_000,
}, async () => {
  const home = newHome();
  const p = repl(home, {}, { cols: 60, rows: 30 });
  await p.expect(PROMPT);
  p.type('\\x auto\r');
  await p.expect(/Expanded display is used automatically\.\n[\s\S]*strongroom> $/);
  p.type('SELECT 1 AS narrow;\r');
  await p.expect(/narrow\n-+\n +1\n/);
  p.type(`SELECT '${'w'.repeat(70)}' AS wide;\r`);
  await p.expect(/-\[ RECORD 1 \]\nwide \| w{70}\n/);
  p.type('\\q\r');
  assert.equal(await p.exited, 0);
});

test('a statement recalled from history asks for its redacted passphrase, not echoed', {
  skip,
  timeout: 60_000,
}, async () => {
  const home = newHome();
  const first = 'fake-canary-pass-1';
  assert.equal(sql(home, ['-e', 'CREATE TABLE t (x); INSERT INTO t VALUES (1)']).code, 0);
  const p = repl(home);
  await p.expect(PROMPT);
  p.type(`BACKUP INTO 'nodelocal://1/h1' WITH encryption_passphrase = '${first}';\r`);
  await p.expect(/succeeded[\s\S]*strongroom> $/);
  p.type('\x1b[A');
  await p.expect(/encryption_passphrase = '\*\*\*\*\*';$/);
  p.type('\r');
  await p.expect(/redacted in history\.\nPassphrase \(not shown, empty to cancel\): $/);
  p.type(`${first}\r`);
  await p.expect(/succeeded[\s\S]*strongroom> $/);
  // An empty answer runs nothing.
  p.type('\x1b[A\r');
  await p.expect(/Passphrase \(not shown, empty to cancel\): $/);
  p.type('\r');
  await p.expect(/ERROR: not run: no passphrase given for the redacted one\n[\s\S]*strongroom> $/);
  p.type('\\q\r');
  assert.equal(await p.exited, 0);
  const typedOnce = p.screen.split(first).length - 1;
  assert.equal(typedOnce, 1, 'the passphrase shows only where it was typed in the statement');
  assert.doesNotMatch(readFileSync(join(home, 'history'), 'utf8'), new RegExp(first));
  // Both backups open with the real passphrase: the marker was never used as one.
  const shown = sql(home, ['--format', 'csv', '-e', `SHOW BACKUPS IN 'nodelocal://1/h1'`]);
  const subdirs = shown.stdout.trim().split('\n').slice(1);
  assert.equal(subdirs.length, 2, shown.stdout + shown.stderr);
  for (const dir of subdirs) {
    const r = sql(home, [
      '-e',
      `SHOW BACKUP '${dir}' IN 'nodelocal://1/h1' WITH encryption_passphrase = '${first}'`,
    ]);
    assert.equal(r.code, 0, r.stderr);
  }
});
