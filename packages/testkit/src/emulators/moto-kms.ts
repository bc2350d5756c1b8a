// Key administration on moto's KMS for tests (create, alias, disable, schedule deletion), spoken in
// KMS's own JSON protocol so testkit needs no AWS SDK; providers under test use the real SDK.
export interface MotoKeys {
  /** Creates a symmetric key; returns its id and ARN. */
  createKey(): Promise<{ keyId: string; arn: string }>;
  createAlias(alias: string, keyId: string): Promise<void>;
  disableKey(keyId: string): Promise<void>;
  scheduleDeletion(keyId: string): Promise<void>;
}

export function motoKeys(endpoint: string, region = 'us-east-1'): MotoKeys {
  const call = async (op: string, input: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `TrentService.${op}`,
        authorization: `AWS4-HMAC-SHA256 Credential=test/20240101/${region}/kms/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify(input),
    });
    const out = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`moto ${op}: ${res.status} ${JSON.stringify(out)}`);
    return out;
  };
  return {
    async createKey() {
      const out = (await call('CreateKey', {})) as { KeyMetadata: { KeyId: string; Arn: string } };
      return { keyId: out.KeyMetadata.KeyId, arn: out.KeyMetadata.Arn };
    },
    async createAlias(alias, keyId) {
      await call('CreateAlias', { AliasName: alias, TargetKeyId: keyId });
    },
    async disableKey(keyId) {
      await call('DisableKey', { KeyId: keyId });
    },
    async scheduleDeletion(keyId) {
      await call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    },
  };
}
