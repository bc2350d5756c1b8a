// Recomputes the test vectors in FORMAT.md, twice: with this package's code, and with a reference
// reader written from the document's text alone using raw node:crypto, so the spec, the vectors
// and the implementation must all agree.
import assert from 'node:assert/strict';
import { createDecipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { decryptBuffer } from './decrypt.js';
import { encryptBufferWithIv } from './encrypt.js';
import { unwrapKey, wrapKeyWithNonce } from './key-wrap.js';
import { derivePassphraseKey, PASSPHRASE_WRAP_AAD, unwrapWithPassphrase } from './passphrase.js';
import { pattern } from './test-support.js';

type Vector = Record<string, string>;

function readVectors(): Vector[] {
  const doc = readFileSync(new URL('../../../FORMAT.md', import.meta.url), 'utf8');
  const blocks = [...doc.matchAll(/```vector\n([\s\S]*?)```/g)];
  return blocks.map((m) => {
    const v: Vector = {};
    for (const line of m[1]!.split('\n')) {
      const at = line.indexOf('=');
      if (at < 0) continue;
      v[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return v;
  });
}

function plaintextOf(spec: string): Buffer {
  if (spec.startsWith('hex:')) return Buffer.from(spec.slice(4), 'hex');
  if (spec.startsWith('utf8:')) return Buffer.from(spec.slice(5).replaceAll('\\n', '\n'), 'utf8');
  if (spec.startsWith('pattern:')) return pattern(Number(spec.slice(8)));
  throw new Error(`unknown plaintext form ${spec}`);
}

const hex = (s: string | undefined) => Buffer.from(s ?? assert.fail('missing field'), 'hex');

/** The "Encrypted file format" section, implemented independently of file-format.ts/chunk-cipher.ts. */
function referenceDecrypt(key: Buffer, path: string, file: Buffer): Buffer {
  assert.equal(file.subarray(0, 6).toString('latin1'), 'SRENC\x01');
  const chunkSize = file.readUInt32BE(6);
  const header = file.subarray(0, 22);
  const pathBytes = Buffer.from(path, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0, off = 22; ; i++, off += chunkSize + 16) {
    const final = file.length - off <= chunkSize + 16;
    const sealed = file.subarray(off, final ? file.length : off + chunkSize + 16);
    const counter = (header.readBigUInt64BE(14) + BigInt(i)) % 2n ** 64n;
    const nonce = Buffer.alloc(12);
    header.copy(nonce, 0, 10, 14);
    nonce.writeBigUInt64BE(counter, 4);
    const tail = Buffer.alloc(9);
    tail.writeBigUInt64BE(BigInt(i));
    tail[8] = final ? 1 : 0;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(pathBytes.length);
    const aad = Buffer.concat([Buffer.from('strongroom-file-v1\0'), header, len, pathBytes, tail]);
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    out.push(d.update(sealed.subarray(0, sealed.length - 16)), d.final());
    if (final) return Buffer.concat(out);
  }
}

describe('FORMAT.md test vectors', () => {
  const vectors = readVectors();
  const named = (prefix: string) => vectors.filter((v) => v.name?.startsWith(prefix));

  it('are all present', () => {
    assert.deepEqual(
      vectors.map((v) => v.name),
      [
        'file/empty',
        'file/short',
        'file/multi',
        'file/counter-wrap',
        'wrap/local',
        'passphrase/1000',
        'passphrase/600000',
      ],
    );
  });

  for (const v of named('file/')) {
    it(`${v.name}: the code produces the documented bytes and the spec reads them`, () => {
      const key = hex(v.key);
      const plaintext = plaintextOf(v.plaintext!);
      const sealed = encryptBufferWithIv(key, v.path!, plaintext, hex(v.iv), Number(v['chunk-size']));
      if (v.ciphertext !== undefined) assert.equal(sealed.toString('hex'), v.ciphertext);
      if (v.header !== undefined) assert.equal(sealed.subarray(0, 22).toString('hex'), v.header);
      if (v['ciphertext-length'] !== undefined) assert.equal(sealed.length, Number(v['ciphertext-length']));
      if (v['ciphertext-sha256'] !== undefined) {
        assert.equal(createHash('sha256').update(sealed).digest('hex'), v['ciphertext-sha256']);
      }
      const stride = Number(v['chunk-size']) + 16;
      for (let i = 0; v[`tag-${i}`] !== undefined; i++) {
        const end = Math.min(22 + (i + 1) * stride, sealed.length);
        assert.equal(sealed.subarray(end - 16, end).toString('hex'), v[`tag-${i}`]);
        assert.equal(end === sealed.length, v[`tag-${i + 1}`] === undefined, 'one tag per chunk');
      }
      assert.ok(referenceDecrypt(key, v.path!, sealed).equals(plaintext));
      assert.ok(decryptBuffer(key, v.path!, sealed).equals(plaintext));
    });
  }

  for (const v of named('wrap/')) {
    it(`${v.name}: key wrap`, () => {
      const wrapped = wrapKeyWithNonce(hex(v.kek), hex(v.key), v.context!, hex(v.nonce));
      assert.equal(wrapped.toString('hex'), v.wrapped);
      assert.ok(unwrapKey(hex(v.kek), wrapped, v.context!).equals(hex(v.key)));
    });
  }

  for (const v of named('passphrase/')) {
    it(`${v.name}: PBKDF2 and the passphrase wrap`, async () => {
      const salt = hex(v.salt);
      const iterations = Number(v.iterations);
      const kek = await derivePassphraseKey(v.passphrase!, salt, iterations);
      assert.equal(kek.toString('hex'), v.kek);
      if (v.wrapped === undefined) return;
      const wrapped = wrapKeyWithNonce(kek, hex(v.key), PASSPHRASE_WRAP_AAD, hex(v.nonce));
      assert.equal(wrapped.toString('hex'), v.wrapped);
      const recipient = { kdf: 'pbkdf2-sha256', iterations, salt, wrappedKey: hex(v.wrapped) } as const;
      assert.ok((await unwrapWithPassphrase(recipient, v.passphrase!)).equals(hex(v.key)));
    });
  }
});
