// Drives the real REPL in a pseudo-terminal through util-linux `script`, with the in-test engine
// (testing/pty-driver.ts): prompts, multi-line input, Ctrl-C cancelling a running statement and clearing
// the input, tab completion from the grammar, \q, and the redacted history file.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledEntry } from '@strongroom/errors';
import { test } from 'vitest';

const hasScript = spawnSync('script', ['--version']).status === 0;

test('the REPL in a pseudo-terminal', {
  skip: !hasScript && process.env.CI !== 'true',
  timeout: 20_000,
}, async (t) => {
  assert.ok(hasScript, 'util-linux script is needed (CI=true: failing instead of skipping)');
  const home = await mkdtemp(join(tmpdir(), 'strongroom-pty-'));
  t.onTestFinished(() => rm(home, { recursive: true, force: true }));
  const driver = fileURLToPath(compiledEntry(import.meta.url, './testing/pty-driver.js'));
  const child = spawn('script', ['-qfec', `${process.execPath} ${driver} ${home}`, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, TERM: 'xterm' },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const waitFor = async (pattern: RegExp, from: number) => {
    const deadline = Date.now() + 8000;
    while (!pattern.test(out.slice(from))) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${pattern}; got ${JSON.stringify(out)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const send = async (keys: string, expect: RegExp) => {
    const from = out.length;
    child.stdin.write(keys);
    await waitFor(expect, from);
  };

  await waitFor(/strongroom> /, 0);
  await send('SELECT\r', / {8}-> /);
  await send('1;\r', / 7\r\n\(1 row\)\r\n[\s\S]*strongroom> /);
  await send(
    "BACKUP INTO 'nodelocal://1/x' WITH encryption_passphrase = 'hunter2';\r",
    /BACKUP\r\n[\s\S]*strongroom> /,
  );
  await send('SELECT sleep;\r', /SELECT sleep;/);
  await new Promise((r) => setTimeout(r, 200));
  await send('\x03', /ERROR: canceling statement due to user request\r\n[\s\S]*strongroom> /);
  await send('SELECT\r', / {8}-> /);
  await send('\x03', /\^C\r?\n[\s\S]*strongroom> /);
  await send('BACKUP DATA\t', /BACKUP DATABASE/);
  child.stdin.write('\x15\\q\r');
  assert.equal(await exited, 0);

  const history = await readFile(join(home, 'history'), 'utf8');
  assert.equal(
    history,
    [
      'SELECT\\n1;',
      "BACKUP INTO 'nodelocal://1/x' WITH encryption_passphrase = '*****';",
      'SELECT sleep;',
      '\\\\q',
      '',
    ].join('\n'),
  );
});
