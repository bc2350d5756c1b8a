// The one suite every KMS provider runs (after CockroachDB's KMSEncryptDecrypt and CheckNoKMSAccess):
// round trip of a data key, another key's ciphertext and garbage refused with WRONG_KEY, unknown,
// disabled and deleted keys, an unreachable KMS (retryable KMS_UNAVAILABLE naming the redacted URI),
// and no secret in any error message. Cases a provider cannot have (a local key file is never
// disabled or unreachable) are skipped with the reason.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isStrongroomError } from '@strongroom/errors';
import type { Kms } from '@strongroom/kms';
import { describe, it } from 'vitest';

export interface KmsFixture {
  /** Opens the master key under test. */
  readonly open: () => Promise<Kms>;
  /** Opens a different master key of the same provider. */
  readonly openOther: () => Promise<Kms>;
  /** Opens a key that does not exist: must fail, at open or first use, with KMS_KEY_NOT_FOUND. */
  readonly openMissing: () => Promise<Kms>;
  /** Strings that must never appear in an error message (key material, credentials). */
  readonly secrets: readonly string[];
  /**
   * A key that wrapped `wrapped` and was then disabled: encrypt and decrypt fail with
   * KMS_KEY_DISABLED. Undefined when the provider has no such state (the reason in `notApplicable`).
   */
  readonly openDisabled?: () => Promise<{ kms: Kms; wrapped: Uint8Array }>;
  /** A key that wrapped `wrapped` and was then deleted (or scheduled for deletion); may fail itself. */
  readonly openDeleted?: () => Promise<{ kms: Kms; wrapped: Uint8Array }>;
  /** A key whose KMS cannot be reached (stopped server, closed port). */
  readonly openUnreachable?: () => Promise<Kms>;
  /** Why an optional case does not apply to this provider. */
  readonly notApplicable?: string;
}

export function runKmsConformance(name: string, makeKms: () => Promise<KmsFixture>): void {
  describe(`KMS conformance: ${name}`, () => {
    const noSecrets = (fixture: KmsFixture, err: unknown) => {
      const text = [String((err as Error)?.message), String((err as { hint?: string })?.hint ?? '')].join(
        '\n',
      );
      for (const s of fixture.secrets) assert.ok(!text.includes(s), 'error message leaks a secret');
      return true;
    };

    it('round-trips a 32-byte data key; each encryption differs', async () => {
      const f = await makeKms();
      const kms = await f.open();
      const dataKey = randomBytes(32);
      const c1 = await kms.encrypt(dataKey);
      const c2 = await kms.encrypt(dataKey);
      assert.ok(!Buffer.from(c1).includes(dataKey), 'ciphertext contains the data key');
      assert.ok(!Buffer.from(c1).equals(Buffer.from(c2)), 'encryption is deterministic');
      assert.ok(Buffer.from(await kms.decrypt(c1)).equals(dataKey));
      const again = await f.open();
      assert.equal(again.masterKeyId, kms.masterKeyId);
      assert.ok(Buffer.from(await again.decrypt(c2)).equals(dataKey));
      await kms.close?.();
      await again.close?.();
    });

    it('has a stable, credential-free master key id, and another key has another id', async () => {
      const f = await makeKms();
      const kms = await f.open();
      const other = await f.openOther();
      assert.ok(kms.masterKeyId.length > 0);
      assert.notEqual(kms.masterKeyId, other.masterKeyId);
      for (const s of f.secrets) {
        assert.ok(!kms.masterKeyId.includes(s) && !kms.redactedUri.includes(s), 'id or URI leaks a secret');
      }
    });

    it("refuses another key's ciphertext with WRONG_KEY", async () => {
      const f = await makeKms();
      const kms = await f.open();
      const other = await f.openOther();
      const wrapped = await other.encrypt(randomBytes(32));
      await assert.rejects(
        kms.decrypt(wrapped),
        (e: unknown) => isStrongroomError(e, 'WRONG_KEY') && noSecrets(f, e),
      );
    });

    it('refuses garbage and altered ciphertext', async () => {
      const f = await makeKms();
      const kms = await f.open();
      const wrapped = Buffer.from(await kms.encrypt(randomBytes(32)));
      const flipped = Buffer.from(wrapped);
      flipped[flipped.length >> 1]! ^= 0x01;
      for (const bad of [
        Buffer.alloc(0),
        Buffer.from('not a ciphertext'),
        randomBytes(80),
        flipped,
        wrapped.subarray(1),
      ]) {
        await assert.rejects(
          kms.decrypt(bad),
          (e: unknown) =>
            (isStrongroomError(e, 'WRONG_KEY') || isStrongroomError(e, 'CORRUPTED')) && noSecrets(f, e),
        );
      }
    });

    const optional = (
      title: string,
      pick: (f: KmsFixture) => unknown,
      body: (f: KmsFixture) => Promise<void>,
    ): void => {
      it(title, async (t) => {
        const f = await makeKms();
        if (!pick(f)) return t.skip(f.notApplicable ?? 'not applicable to this provider');
        await body(f);
      });
    };

    optional(
      'reports a disabled key as KMS_KEY_DISABLED, on encrypt and on decrypt',
      (f) => f.openDisabled,
      async (f) => {
        const { kms, wrapped } = await f.openDisabled!();
        const disabled = (e: unknown) => isStrongroomError(e, 'KMS_KEY_DISABLED') && noSecrets(f, e);
        await assert.rejects(kms.encrypt(randomBytes(32)), disabled);
        await assert.rejects(kms.decrypt(wrapped), disabled);
      },
    );

    optional(
      'reports a deleted key as KMS_KEY_NOT_FOUND or KMS_KEY_DISABLED (pending deletion)',
      (f) => f.openDeleted,
      async (f) => {
        const gone = (e: unknown) =>
          (isStrongroomError(e, 'KMS_KEY_NOT_FOUND') || isStrongroomError(e, 'KMS_KEY_DISABLED')) &&
          noSecrets(f, e);
        // A provider may already fail at open (a deleted key file).
        const run = async (op: 'encrypt' | 'decrypt') => {
          const { kms, wrapped } = await f.openDeleted!();
          if (op === 'decrypt') await kms.decrypt(wrapped);
          else await kms.encrypt(randomBytes(32));
        };
        await assert.rejects(run('decrypt'), gone);
        await assert.rejects(run('encrypt'), gone);
      },
    );

    optional(
      'reports an unreachable KMS as retryable KMS_UNAVAILABLE naming the redacted URI',
      (f) => f.openUnreachable,
      async (f) => {
        const kms = await f.openUnreachable!();
        const unavailable = (e: unknown) =>
          isStrongroomError(e, 'KMS_UNAVAILABLE') &&
          e.retryable &&
          e.message.includes(kms.redactedUri) &&
          noSecrets(f, e);
        const started = Date.now();
        await assert.rejects(kms.encrypt(randomBytes(32)), unavailable);
        await assert.rejects(kms.decrypt(randomBytes(64)), unavailable);
        assert.ok(Date.now() - started < 30_000, 'an unreachable KMS must fail within seconds');
      },
    );

    it('reports an unknown key as KMS_KEY_NOT_FOUND', async () => {
      const f = await makeKms();
      await assert.rejects(
        (async () => {
          const kms = await f.openMissing();
          await kms.encrypt(randomBytes(32));
        })(),
        (e: unknown) => isStrongroomError(e, 'KMS_KEY_NOT_FOUND') && noSecrets(f, e),
      );
    });
  });
}
