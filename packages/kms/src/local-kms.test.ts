import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStrongroomError } from '@strongroom/errors';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { localKeyId, localKmsProvider, parseLocalKmsUri } from './local-kms.js';

const HEX = 'a1'.repeat(32);

describe('local KMS', () => {
  let dir: string;
  let keyPath: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strongroom-localkms-'));
    keyPath = join(dir, 'k1');
    await writeFile(keyPath, `${HEX}\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('parses local:///abs/path strictly', () => {
    assert.equal(parseLocalKmsUri('local:///etc/keys/k%201'), '/etc/keys/k 1');
    assert.equal(parseLocalKmsUri('local://localhost/etc/k'), '/etc/k');
    const invalid = (uri: string, code: string, re: RegExp) =>
      assert.throws(
        () => parseLocalKmsUri(uri),
        (e: unknown) => isStrongroomError(e) && e.code === code && re.test(e.message),
        uri,
      );
    invalid('local://host/etc/k', 'INVALID_URI', /unexpected host "host"/);
    invalid('local:relative/k', 'INVALID_URI', /must be absolute/);
    invalid('local:///', 'INVALID_URI', /must be absolute/);
    invalid('local://', 'INVALID_URI', /must be absolute/);
    invalid(
      'local:///etc/k?AUTH=implicit',
      'UNKNOWN_URI_PARAMETER',
      /^unknown local KMS query parameters: AUTH$/,
    );
  });

  it('derives the id from the key, so a moved file keeps it', async () => {
    const a = await localKmsProvider.open(`local://${keyPath}`, {});
    const moved = join(dir, 'moved');
    await copyFile(keyPath, moved);
    const b = await localKmsProvider.open(`local://${moved}`, {});
    assert.equal(a.masterKeyId, b.masterKeyId);
    assert.match(a.masterKeyId, /^local:[0-9a-f]{16}$/);
    assert.equal(a.masterKeyId, localKeyId(Buffer.from(HEX, 'hex')));
    assert.notEqual(a.masterKeyId, localKeyId(Buffer.alloc(32)));
    assert.equal(a.redactedUri, `local://${keyPath}`);
  });

  it('wraps with the key in the file, raw or hex', async () => {
    const raw = join(dir, 'raw');
    await writeFile(raw, Buffer.from(HEX, 'hex'));
    const hexKms = await localKmsProvider.open(`local://${keyPath}`, {});
    const rawKms = await localKmsProvider.open(`local://${raw}`, {});
    const dataKey = Buffer.alloc(32, 7);
    const wrapped = await hexKms.encrypt(dataKey);
    assert.deepEqual(Buffer.from(await rawKms.decrypt(wrapped)), dataKey);
  });

  it('reports a missing key file with its path', async () => {
    const missing = join(dir, 'absent');
    await assert.rejects(
      localKmsProvider.open(`local://${missing}`, {}),
      (e: unknown) => isStrongroomError(e, 'KMS_KEY_NOT_FOUND') && e.message.includes(missing),
    );
  });
});
