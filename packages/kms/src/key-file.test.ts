import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStrongroomError } from '@strongroom/errors';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { decodeKey, generateKeyFile, readKeyFile } from './key-file.js';

const HEX = '00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF';
const KEY = Buffer.from(HEX, 'hex');

describe('local key files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strongroom-keyfile-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('decodes 32 raw bytes and 64 hex characters with an optional trailing newline', () => {
    assert.deepEqual(decodeKey(KEY), KEY);
    assert.deepEqual(decodeKey(Buffer.from(HEX)), KEY);
    assert.deepEqual(decodeKey(Buffer.from(`${HEX}\n`)), KEY);
    assert.deepEqual(decodeKey(Buffer.from(`${HEX}\r\n`)), KEY);
  });

  it('refuses every other shape', () => {
    for (const bad of [
      Buffer.alloc(31),
      Buffer.alloc(33),
      Buffer.from(`${HEX}\n\n`),
      Buffer.from(` ${HEX}`),
      Buffer.from(HEX.slice(0, 62)),
      Buffer.from(`${HEX.slice(0, 63)}g`),
      Buffer.alloc(0),
    ]) {
      assert.equal(decodeKey(bad), undefined, `length ${bad.length}`);
    }
  });

  it('reads a key file and explains a malformed one without printing its bytes', async () => {
    const good = join(dir, 'good');
    await writeFile(good, `${HEX}\n`);
    assert.deepEqual(await readKeyFile(good), KEY);
    const bad = join(dir, 'bad');
    const secretish = 'deadbeefcafebabe'.repeat(3);
    await writeFile(bad, secretish);
    await assert.rejects(
      readKeyFile(bad),
      (e: unknown) =>
        isStrongroomError(e, 'INVALID_PARAMETER') &&
        e.message.includes(bad) &&
        e.message.includes('48 bytes') &&
        !e.message.includes('deadbeef'),
    );
    const big = join(dir, 'big');
    await writeFile(big, Buffer.alloc(4096, 0x41));
    await assert.rejects(readKeyFile(big), (e: unknown) => isStrongroomError(e, 'INVALID_PARAMETER'));
  });

  it('names the path of a missing file (KMS_KEY_NOT_FOUND) and refuses a directory', async () => {
    const missing = join(dir, 'nope');
    await assert.rejects(
      readKeyFile(missing),
      (e: unknown) => isStrongroomError(e, 'KMS_KEY_NOT_FOUND') && e.message.includes(missing),
    );
    await assert.rejects(readKeyFile(dir), (e: unknown) => isStrongroomError(e, 'INVALID_PARAMETER'));
  });

  it('generateKeyFile writes 64 hex + newline with mode 0600 and never overwrites', async () => {
    const path = join(dir, 'generated');
    assert.equal(await generateKeyFile(path), true);
    const text = await readFile(path, 'utf8');
    assert.match(text, /^[0-9a-f]{64}\n$/);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(await generateKeyFile(path), false);
    assert.equal(await readFile(path, 'utf8'), text);
    const other = join(dir, 'generated-2');
    assert.equal(await generateKeyFile(other), true);
    assert.notEqual(await readFile(other, 'utf8'), text);
  });
});
