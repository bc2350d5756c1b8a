import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { decodeEncryptionInfo, type EncryptionInfo, encodeEncryptionInfo } from './encryption-info.js';
import { assertFails } from './test-support.js';

const info: EncryptionInfo = {
  version: 1,
  scheme: 'aes-256-gcm-chunked-v1',
  kms: [
    { masterKeyId: 'local:key-a', wrappedKey: Buffer.alloc(61, 1) },
    { masterKeyId: 'arn:aws:kms:eu-west-1:123:key/abc', wrappedKey: Buffer.alloc(184, 2) },
  ],
  passphrase: {
    kdf: 'pbkdf2-sha256',
    iterations: 600_000,
    salt: Buffer.alloc(16, 3),
    wrappedKey: Buffer.alloc(61, 4),
  },
};
const PATH = 'full/ENCRYPTION-INFO';

function mutate(edit: (o: Record<string, unknown>) => void): Buffer {
  const o = JSON.parse(encodeEncryptionInfo(info).toString('utf8')) as Record<string, unknown>;
  edit(o);
  return Buffer.from(`${JSON.stringify(o, null, 2)}\n`);
}

describe('ENCRYPTION-INFO', () => {
  it('round trips, with and without a passphrase or KMS keys', () => {
    const { passphrase: _, ...kmsOnly } = info;
    for (const value of [info, kmsOnly, { ...info, kms: [] }]) {
      const bytes = encodeEncryptionInfo(value);
      assert.deepEqual(decodeEncryptionInfo(bytes, PATH), value);
      assert.ok(encodeEncryptionInfo(decodeEncryptionInfo(bytes, PATH)).equals(bytes));
    }
  });

  it('is readable canonical JSON with binary fields in base64', () => {
    const text = encodeEncryptionInfo(info).toString('utf8');
    assert.ok(text.startsWith('{\n  "version": 1,\n  "scheme": "aes-256-gcm-chunked-v1",\n  "kms": [\n'));
    assert.ok(text.includes(`"salt": "${Buffer.alloc(16, 3).toString('base64')}"`));
    assert.ok(text.endsWith('}\n'));
  });

  it('rejects anything but a valid canonical encoding as CORRUPTED naming the file', () => {
    const bad: Buffer[] = [
      Buffer.from(''),
      Buffer.from('not json'),
      Buffer.from('[]'),
      mutate((o) => {
        o.version = 2;
      }),
      mutate((o) => {
        o.scheme = 'rot13';
      }),
      mutate((o) => {
        o.extra = true;
      }),
      mutate((o) => {
        o.kms = {};
      }),
      mutate((o) => {
        o.kms = [
          { masterKeyId: 'a', wrappedKey: 'AQ==' },
          { masterKeyId: 'a', wrappedKey: 'AQ==' },
        ];
      }),
      mutate((o) => {
        o.kms = [{ masterKeyId: 'a', wrappedKey: 'AQ', extra: 1 }];
      }),
      mutate((o) => {
        o.kms = [{ masterKeyId: 'a', wrappedKey: 'AQ' }]; // unpadded base64
      }),
      mutate((o) => {
        o.kms = [{ masterKeyId: '', wrappedKey: 'AQ==' }];
      }),
      mutate((o) => {
        o.kms = [];
        delete o.passphrase;
      }),
      mutate((o) => {
        (o.passphrase as Record<string, unknown>).iterations = 0;
      }),
      mutate((o) => {
        (o.passphrase as Record<string, unknown>).iterations = 1e12;
      }),
      mutate((o) => {
        (o.passphrase as Record<string, unknown>).kdf = 'scrypt';
      }),
      mutate((o) => {
        (o.passphrase as Record<string, unknown>).salt = 'AAAA';
      }),
      mutate((o) => {
        o.passphrase = null;
      }),
      // Valid values in a non-canonical spelling.
      Buffer.from(encodeEncryptionInfo(info).toString('utf8').trimEnd()),
      Buffer.from(JSON.stringify(JSON.parse(encodeEncryptionInfo(info).toString('utf8')))),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), encodeEncryptionInfo(info)]),
    ];
    for (const bytes of bad) assertFails(() => decodeEncryptionInfo(bytes, PATH), 'CORRUPTED', PATH);
  });

  it('refuses to encode an invalid value', () => {
    assertFails(() => encodeEncryptionInfo({ ...info, kms: [], passphrase: undefined }), 'INTERNAL');
    assertFails(() => encodeEncryptionInfo({ ...info, scheme: 'other' }), 'INTERNAL');
  });
});
