import assert from 'node:assert/strict';
import { isStrongroomError } from '@strongroom/errors';
import { describe, it } from 'vitest';
import { LocalFileStorage } from './local-storage.js';
import { defaultStorageRegistry, StorageRegistry } from './registry.js';
import type { StorageProvider } from './types.js';

const fakeS3: StorageProvider = {
  schemes: ['s3'],
  secretParams: ['AWS_SECRET_ACCESS_KEY', 'S3_EXTRA_SECRET'],
  validate: () => undefined,
  async open(uri: string) {
    return new LocalFileStorage('/nonexistent', uri);
  },
};

describe('StorageRegistry', () => {
  it('the default registry serves local and cloud schemes', async () => {
    const r = defaultStorageRegistry();
    assert.deepEqual(r.schemes, ['azure', 'azure-blob', 'azure-storage', 'file', 'gs', 'nodelocal', 's3']);
    const s = await r.open('nodelocal://self/b', { externalIoDir: '/tmp/x' });
    assert.equal(s.redactedUri, 'nodelocal://self/b');
  });

  it('throws on a duplicate scheme', () => {
    const r = defaultStorageRegistry();
    assert.throws(
      () => r.register({ ...fakeS3, schemes: ['FILE'] }),
      (e: unknown) => isStrongroomError(e, 'INTERNAL'),
    );
  });

  it('fails on an unknown scheme with UNKNOWN_SCHEME naming it, redacted', async () => {
    await assert.rejects(
      defaultStorageRegistry().openStorage('ftp://bucket/p?AWS_SECRET_ACCESS_KEY=hush'),
      (e: unknown) =>
        isStrongroomError(e, 'UNKNOWN_SCHEME') && e.message.includes('"ftp"') && !e.message.includes('hush'),
    );
  });

  it('does not strip COCKROACH_LOCALITY but providers ignore it', async () => {
    const r = defaultStorageRegistry();
    const s = await r.open('nodelocal://1/b?COCKROACH_LOCALITY=default', { externalIoDir: '/tmp/x' });
    assert.equal(s.redactedUri, 'nodelocal://1/b?COCKROACH_LOCALITY=default');
  });

  it('redacts with every provider secret parameter', () => {
    const r = new StorageRegistry([fakeS3]);
    assert.equal(r.redact('s3://b?S3_EXTRA_SECRET=x&A=1'), 's3://b?S3_EXTRA_SECRET=redacted&A=1');
  });

  it('validate throws what open would for the URI itself, without I/O (issue #18)', () => {
    const r = defaultStorageRegistry();
    r.validate('nodelocal://1/c');
    r.validate('s3://bucket/c?AUTH=implicit');
    const code = (uri: string): string => {
      try {
        r.validate(uri);
        return 'ok';
      } catch (err) {
        return isStrongroomError(err) ? err.code : String(err);
      }
    };
    assert.equal(code('nodelocal://1/c?BOGUS=1'), 'UNKNOWN_URI_PARAMETER');
    assert.equal(code('nodelocal://1/../escape'), 'INVALID_URI');
    assert.equal(code('file://relative/path'), 'INVALID_URI');
    assert.equal(code('s4://bucket/c'), 'UNKNOWN_SCHEME');
    // AUTH=specified without keys: open would refuse it before any request.
    assert.notEqual(code('s3://bucket/c?AUTH=specified'), 'ok');
  });
});
