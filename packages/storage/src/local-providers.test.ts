import assert from 'node:assert/strict';
import { isStrongroomError } from '@strongroom/errors';
import { describe, it } from 'vitest';
import { resolveFileUri, resolveNodelocal } from './local-providers.js';

const fails = (fn: () => unknown, code: string, re: RegExp) =>
  assert.throws(fn, (e: unknown) => isStrongroomError(e) && e.code === code && re.test(e.message));

describe('nodelocal:// URIs', () => {
  it('resolve under the external IO directory, for node 1 and self', () => {
    assert.equal(resolveNodelocal('nodelocal://1/backups/x', '/srv/extern'), '/srv/extern/backups/x');
    assert.equal(resolveNodelocal('nodelocal://self/backups', '/srv/extern/'), '/srv/extern/backups');
    assert.equal(resolveNodelocal('nodelocal://1', '/srv/extern'), '/srv/extern');
    assert.equal(resolveNodelocal('nodelocal://1/a/../b', '/srv/extern'), '/srv/extern/b');
  });

  it('never leave the root', () => {
    for (const uri of ['nodelocal://1/../x', 'nodelocal://1/a/../../x', 'nodelocal://1/%2E%2E/x']) {
      fails(() => resolveNodelocal(uri, '/srv/extern'), 'INVALID_URI', /leaves the external IO directory/);
    }
  });

  it('need a node id, an external IO dir, and no parameters', () => {
    fails(() => resolveNodelocal('nodelocal:///x', '/r'), 'INVALID_URI', /must be a node ID/);
    fails(() => resolveNodelocal('nodelocal://2/x', '/r'), 'INVALID_URI', /node 2 is not this node/);
    fails(() => resolveNodelocal('nodelocal://1/x', undefined), 'INVALID_PARAMETER', /external IO directory/);
    fails(
      () => resolveNodelocal('nodelocal://1/x?AUTH=implicit&B=1', '/r'),
      'UNKNOWN_URI_PARAMETER',
      /^unknown nodelocal query parameters: AUTH, B$/,
    );
    fails(() => resolveNodelocal('nodelocal://u:pw@1/x', '/r'), 'INVALID_URI', /^(?!.*pw).*user info/);
  });
});

describe('file:// URIs', () => {
  it('take an absolute path', () => {
    assert.equal(resolveFileUri('file:///var/backups'), '/var/backups');
    assert.equal(resolveFileUri('file://localhost/var/b%20c'), '/var/b c');
  });

  it('refuse hosts, relative paths and parameters', () => {
    fails(() => resolveFileUri('file://server/x'), 'INVALID_URI', /unexpected host "server"/);
    fails(() => resolveFileUri('file:relative'), 'INVALID_URI', /must be absolute/);
    fails(() => resolveFileUri('file://'), 'INVALID_URI', /must be absolute/);
    fails(
      () => resolveFileUri('file:///x?Y=1'),
      'UNKNOWN_URI_PARAMETER',
      /^unknown file query parameters: Y$/,
    );
  });
});

describe('nodelocal:// confinement through symbolic links', () => {
  it('never reads, writes, lists or deletes outside the external IO directory', async () => {
    const { mkdtempSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { nodelocalStorageProvider } = await import('./local-providers.js');
    const base = mkdtempSync(join(tmpdir(), 'confine-'));
    const extern = join(base, 'extern');
    const outside = join(base, 'outside');
    mkdirSync(join(extern, 'ok'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret'), 'not yours');
    symlinkSync(outside, join(extern, 'outlink'));
    symlinkSync(join(outside, 'secret'), join(extern, 'ok', 'filelink'));
    const ctx = { externalIoDir: extern, env: {} };
    const refused = async (p: Promise<unknown>) =>
      assert.rejects(p, (e: unknown) => isStrongroomError(e) && e.code === 'STORAGE_PERMISSION');

    const viaDir = await nodelocalStorageProvider.open('nodelocal://1/outlink/x', ctx);
    await refused(viaDir.write('BACKUP_MANIFEST', Buffer.from('x')));
    await refused(viaDir.size('anything'));
    await refused(viaDir.delete('secret'));
    await refused(
      (async () => {
        for await (const _ of viaDir.list('')) void _;
      })(),
    );
    const direct = await nodelocalStorageProvider.open('nodelocal://1/outlink', ctx);
    await refused(direct.readAll('secret'));
    await refused(direct.delete('secret'));
    const ok = await nodelocalStorageProvider.open('nodelocal://1/ok', ctx);
    await refused(ok.readAll('filelink'));
    // The file a decoder thread would open itself is checked the same way.
    await refused(ok.localFile?.('filelink') ?? Promise.reject(new Error('nodelocal has localFile')));
    await refused(direct.localFile?.('secret') ?? Promise.reject(new Error('nodelocal has localFile')));
    assert.deepEqual(readdirSync(outside), ['secret'], 'nothing was written outside');
    // Paths that stay inside keep working, also through a link that stays inside.
    symlinkSync(join(extern, 'ok'), join(extern, 'inlink'));
    const inside = await nodelocalStorageProvider.open('nodelocal://1/inlink/c', ctx);
    await inside.write('a/b', Buffer.from('hello'));
    assert.equal(Buffer.from(await inside.readAll('a/b')).toString(), 'hello');
    // localFile gives the real path: the reader opens it without following any link.
    const { realpathSync } = await import('node:fs');
    const file = await inside.localFile?.('a/b');
    assert.equal(file, realpathSync(join(extern, 'ok', 'c', 'a', 'b')));
    await assert.rejects(inside.localFile?.('missing') ?? Promise.resolve(), (e: unknown) => {
      assert.ok(isStrongroomError(e));
      assert.equal(e.code, 'STORAGE_NOT_FOUND');
      return true;
    });
  });
});

describe('readLocalFile', () => {
  it('reads a whole file, into a reused buffer when it fits, and maps errors as read() does', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { readLocalFile } = await import('./local-file.js');
    const dir = mkdtempSync(join(tmpdir(), 'local-file-'));
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    writeFileSync(join(dir, 'f'), bytes);
    const first = await readLocalFile(join(dir, 'f'), 'f', 'nodelocal://1/x');
    assert.ok(first.equals(bytes));
    const big = Buffer.alloc(400_000);
    const again = await readLocalFile(join(dir, 'f'), 'f', 'nodelocal://1/x', big);
    assert.ok(again.equals(bytes));
    assert.equal(again.buffer, big.buffer, 'read into the buffer given');
    const small = Buffer.alloc(10);
    assert.notEqual(
      (await readLocalFile(join(dir, 'f'), 'f', 'nodelocal://1/x', small)).buffer,
      small.buffer,
    );
    // A symbolic link where the (real) path was is not followed.
    const { symlinkSync } = await import('node:fs');
    symlinkSync(join(dir, 'f'), join(dir, 'link'));
    await assert.rejects(readLocalFile(join(dir, 'link'), 'link', 'nodelocal://1/x'), (e: unknown) => {
      assert.ok(isStrongroomError(e));
      assert.equal(e.code, 'STORAGE_IO');
      assert.match(e.message, /ELOOP/);
      return true;
    });
    await assert.rejects(readLocalFile(join(dir, 'missing'), 'missing', 'nodelocal://1/x'), (e: unknown) => {
      assert.ok(isStrongroomError(e));
      assert.equal(e.code, 'STORAGE_NOT_FOUND');
      assert.match(e.message, /object missing in nodelocal:\/\/1\/x not found/);
      return true;
    });
  });
});
