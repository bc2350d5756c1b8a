import assert from 'node:assert/strict';
import { type ErrorCode, isStrongroomError } from '@strongroom/errors';
import { describe, it } from 'vitest';
import { defaultStorageRegistry } from './registry.js';

describe('StorageRegistry', () => {
  it('the default registry serves local and cloud schemes', async () => {
    const r = defaultStorageRegistry();
    assert.deepEqual(r.schemes, ['azure', 'azure-blob', 'azure-storage', 'file', 'gs', 'nodelocal', 's3']);
    const s = await r.open('nodelocal://self/b', { externalIoDir: '/tmp/x' });
    assert.equal(s.redactedUri, 'nodelocal://self/b');
  });

  it('fails on an unknown scheme with UNKNOWN_SCHEME naming it, redacted', async () => {
    await assert.rejects(
      defaultStorageRegistry().open('ftp://bucket/p?AWS_SECRET_ACCESS_KEY=hush'),
      (e: unknown) =>
        isStrongroomError(e, 'UNKNOWN_SCHEME') && e.message.includes('"ftp"') && !e.message.includes('hush'),
    );
  });

  it('does not strip COCKROACH_LOCALITY but providers ignore it', async () => {
    const r = defaultStorageRegistry();
    const s = await r.open('nodelocal://1/b?COCKROACH_LOCALITY=default', { externalIoDir: '/tmp/x' });
    assert.equal(s.redactedUri, 'nodelocal://1/b?COCKROACH_LOCALITY=default');
  });

  it('validate throws what open would for the URI itself, without I/O (issue #18)', () => {
    const r = defaultStorageRegistry();
    r.validate('nodelocal://1/c');
    r.validate('s3://bucket/c?AUTH=implicit');
    const refuses = (uri: string, code: ErrorCode) =>
      assert.throws(
        () => r.validate(uri),
        (e: unknown) => isStrongroomError(e, code),
        uri,
      );
    refuses('nodelocal://1/c?BOGUS=1', 'UNKNOWN_URI_PARAMETER');
    refuses('nodelocal://1/../escape', 'INVALID_URI');
    refuses('file://relative/path', 'INVALID_URI');
    refuses('s4://bucket/c', 'UNKNOWN_SCHEME');
    // AUTH=specified without keys: open would refuse it before any request.
    refuses('s3://bucket/c?AUTH=specified', 'MISSING_PARAMETER');
  });
});
