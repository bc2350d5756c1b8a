// `aws:///<key id | key ARN | alias/name | alias ARN>?REGION=…` (alias scheme `aws-kms`), after
// CockroachDB's AWS KMS: static or implicit credentials, an optional ASSUME_ROLE
// chain through STS, AWS_ENDPOINT for emulators. The SDK is imported lazily inside `open`.
import {
  AWS_SECRET_PARAMS,
  type AwsCredentialsConfig,
  awsCredentials,
  awsSecrets,
  classifyAwsKmsError,
  consumeAwsCredentials,
  invalidUri,
  kmsError,
} from '@strongroom/cloud';
import { StrongroomError } from '@strongroom/errors';
import { parseExternalUri } from '@strongroom/uri';
import type { Kms, KmsContext, KmsProvider } from './types.js';

export interface AwsKmsConfig extends AwsCredentialsConfig {
  /** As given, without the leading '/': the canonical master key id (CockroachDB hashes it verbatim). */
  readonly keyId: string;
  readonly region: string;
  readonly redacted: string;
}

/** Parses strictly; every CockroachDB parameter, nothing else. */
export function parseAwsKmsUri(uri: string, ctx: KmsContext = {}): AwsKmsConfig {
  const u = parseExternalUri(uri, AWS_SECRET_PARAMS);
  if (u.scheme !== 'aws' && u.scheme !== 'aws-kms') throw invalidUri(u, 'scheme must be aws or aws-kms');
  if (u.host !== '' || u.username !== undefined)
    throw invalidUri(u, 'unexpected host', 'write aws:///<key id, key ARN or alias/name>?REGION=…');
  const keyId = u.path.replace(/^\//, '');
  if (keyId === '')
    throw invalidUri(u, 'path component of the KMS cannot be empty; must contain the Customer Managed Key');
  const region = u.params.consume('REGION') ?? '';
  const credentials = consumeAwsCredentials(u, 'AWS KMS', ctx);
  u.params.rejectLeftovers('KMS');
  if (region === '') throw new StrongroomError('MISSING_PARAMETER', 'aws kms REGION parameter not specified');
  return { keyId, region, ...credentials, redacted: u.redacted };
}

type KmsClientT = import('@aws-sdk/client-kms').KMSClient;
type KmsModule = typeof import('@aws-sdk/client-kms');

class AwsKms implements Kms {
  readonly masterKeyId: string;
  readonly redactedUri: string;
  #arn: Promise<string> | undefined;

  constructor(
    private readonly cfg: AwsKmsConfig,
    private readonly client: Pick<KmsClientT, 'send' | 'destroy'>,
    private readonly sdk: KmsModule,
  ) {
    this.masterKeyId = cfg.keyId;
    this.redactedUri = cfg.redacted;
  }

  get #secrets(): string[] {
    return awsSecrets(this.cfg);
  }

  async encrypt(plaintext: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    try {
      const out = await this.client.send(
        new this.sdk.EncryptCommand({ KeyId: this.cfg.keyId, Plaintext: plaintext }),
        { abortSignal: signal },
      );
      if (!out.CiphertextBlob) throw new Error('no CiphertextBlob in the response');
      return out.CiphertextBlob;
    } catch (err) {
      signal?.throwIfAborted();
      throw kmsError(classifyAwsKmsError(err), 'encrypt', this.redactedUri, err, this.#secrets);
    }
  }

  async decrypt(ciphertext: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    let out: import('@aws-sdk/client-kms').DecryptCommandOutput;
    try {
      if (ciphertext.length === 0)
        throw Object.assign(new Error('empty ciphertext'), { name: 'InvalidCiphertextException' });
      out = await this.client.send(
        new this.sdk.DecryptCommand({ KeyId: this.cfg.keyId, CiphertextBlob: ciphertext }),
        { abortSignal: signal },
      );
      if (!out.Plaintext) throw new Error('no Plaintext in the response');
      // KMS refuses another key's ciphertext when KeyId is given (IncorrectKeyException); check the
      // key that actually decrypted too, for servers that do not.
      if (out.KeyId && out.KeyId !== this.cfg.keyId && out.KeyId !== (await this.#ownArn(signal)))
        throw Object.assign(new Error('the ciphertext was made by another key'), {
          name: 'IncorrectKeyException',
        });
      return out.Plaintext;
    } catch (err) {
      signal?.throwIfAborted();
      let kind = classifyAwsKmsError(err);
      // AccessDenied on Decrypt while this key itself is reachable: the ciphertext names another
      // key (moto's answer where KMS says IncorrectKeyException).
      if (kind === 'denied' && (err as { name?: unknown }).name === 'AccessDeniedException') {
        const mine = await this.#ownArn(signal).then(
          (arn) => arn !== '',
          () => false,
        );
        if (mine) kind = 'wrong-key';
      }
      throw kmsError(kind, 'decrypt', this.redactedUri, err, this.#secrets);
    }
  }

  #ownArn(signal?: AbortSignal): Promise<string> {
    this.#arn ??= this.client
      .send(new this.sdk.DescribeKeyCommand({ KeyId: this.cfg.keyId }), { abortSignal: signal })
      .then((d) => d.KeyMetadata?.Arn ?? '');
    this.#arn.catch(() => {
      this.#arn = undefined;
    });
    return this.#arn;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

export const awsKmsProvider: KmsProvider = {
  schemes: ['aws', 'aws-kms'],
  secretParams: AWS_SECRET_PARAMS,
  validate: (uri) => void parseAwsKmsUri(uri),
  async open(uri: string, ctx: KmsContext): Promise<Kms> {
    const cfg = parseAwsKmsUri(uri, ctx);
    const sdk = await import('@aws-sdk/client-kms');
    const credentials = await awsCredentials(cfg, cfg.region);
    // An SDK client config: keys present but undefined would override the SDK's defaults.
    const client = new sdk.KMSClient({
      region: cfg.region,
      maxAttempts: 3,
      ...(credentials ? { credentials } : {}),
      ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    });
    return new AwsKms(cfg, client, sdk);
  },
};
