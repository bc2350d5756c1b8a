import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStrongroomError } from '@strongroom/errors';
import { LocalFileStorage } from './local-storage.js';
import { defaultStorageRegistry, StorageRegistry } from './registry.js';
import type { StorageProvider } from './types.js';

const fakeS3: StorageProvider = {
  schemes: ['s3'],
  secretParams: ['AWS_SECRET_ACCESS_KEY', 'S3_EXTRA_SECRET'],
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

  it('does not strip COCKROACH_LOCALITY but providers ignore it (reference §5.1)', async () => {
    const r = defaultStorageRegistry();
    const s = await r.open('nodelocal://1/b?COCKROACH_LOCALITY=default', { externalIoDir: '/tmp/x' });
    assert.equal(s.redactedUri, 'nodelocal://1/b?COCKROACH_LOCALITY=default');
  });

  it('redacts with every provider secret parameter', () => {
    const r = new StorageRegistry([fakeS3]);
    assert.equal(r.redact('s3://b?S3_EXTRA_SECRET=x&A=1'), 's3://b?S3_EXTRA_SECRET=redacted&A=1');
  });
});
