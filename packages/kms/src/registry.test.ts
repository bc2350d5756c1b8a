import assert from 'node:assert/strict';
import { type ErrorCode, isStrongroomError } from '@strongroom/errors';
import { describe, it } from 'vitest';
import { defaultKmsRegistry, KmsRegistry } from './registry.js';
import type { Kms, KmsProvider } from './types.js';

const fakeAws: KmsProvider = {
  schemes: ['aws', 'aws-kms'],
  secretParams: ['AWS_SECRET_ACCESS_KEY', 'MY_TOKEN'],
  validate: () => undefined,
  async open(uri: string): Promise<Kms> {
    return {
      masterKeyId: `fake:${uri.length}`,
      redactedUri: uri,
      encrypt: async (p) => p,
      decrypt: async (c) => c,
    };
  },
};

describe('KmsRegistry', () => {
  it('the default registry serves local:// and the three clouds', () => {
    assert.deepEqual(defaultKmsRegistry().schemes, ['aws', 'aws-kms', 'azure-kms', 'gcp-kms', 'gs', 'local']);
  });

  it('opens through the provider of the scheme', async () => {
    const r = new KmsRegistry([fakeAws]);
    const kms = await r.open('aws-kms:///alias/x?REGION=eu');
    assert.equal(kms.masterKeyId, `fake:${'aws-kms:///alias/x?REGION=eu'.length}`);
  });

  it('fails on an unknown scheme with UNKNOWN_SCHEME naming it, redacted', async () => {
    await assert.rejects(
      defaultKmsRegistry().open('vault-kms:///projects/p?CREDENTIALS=c2VjcmV0'),
      (e: unknown) =>
        isStrongroomError(e, 'UNKNOWN_SCHEME') &&
        e.message.includes('"vault-kms"') &&
        !e.message.includes('c2VjcmV0'),
    );
  });

  it('validate throws what open would for the URI itself, without reading the key (issue #18)', () => {
    const r = defaultKmsRegistry();
    r.validate('local:///nonexistent/key');
    const refuses = (uri: string, code: ErrorCode) =>
      assert.throws(
        () => r.validate(uri),
        (e: unknown) => isStrongroomError(e, code),
        uri,
      );
    refuses('local://host/key', 'INVALID_URI');
    refuses('local:///key?X=1', 'UNKNOWN_URI_PARAMETER');
    refuses('vault:///key', 'UNKNOWN_SCHEME');
  });
});
