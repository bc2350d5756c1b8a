import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import { main } from '../index.js';
import { Sink } from '../testing/streams.js';
import { localKmsUri } from './keygen.js';

test('keygen writes a 0600 key file once, never overwrites it, and prints its local:// URI', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'strongroom-keygen-'));
  t.onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const run = async () => {
    const stdout = new Sink();
    const stderr = new Sink();
    const code = await main(['keygen', 'keys/../a key'], { stdout, stderr, cwd: dir });
    return { code, stdout: stdout.text, stderr: stderr.text };
  };
  await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'keys')));
  const first = await run();
  assert.equal(first.code, 0, first.stderr);
  const path = join(dir, 'a key');
  assert.equal(first.stdout, `local://${dir.replaceAll(' ', '%20')}/a%20key\n`);
  assert.match(first.stderr, /wrote key file/);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const key = await readFile(path);

  const second = await run();
  assert.equal(second.code, 0);
  assert.equal(second.stdout, first.stdout);
  assert.match(second.stderr, /already exists; left unchanged/);
  assert.deepEqual(await readFile(path), key);
});

test('local KMS URIs percent-encode the path', () => {
  assert.equal(localKmsUri('/keys/k1'), 'local:///keys/k1');
  assert.equal(localKmsUri('/my keys/k#1'), 'local:///my%20keys/k%231');
});
