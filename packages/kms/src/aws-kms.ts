// `aws:///<key id | key ARN | alias/name | alias ARN>?REGION=…` (alias scheme `aws-kms`), after
// CockroachDB's AWS KMS: static or implicit credentials, an optional ASSUME_ROLE
// chain through STS, AWS_ENDPOINT for emulators. The SDK is imported lazily inside `open`.
import { StrongroomError } from '@strongroom/errors';
import { parseExternalUri } from '@strongroom/uri';
import { type AssumeRoleStep, parseAssumeRoleChain } from './assume-role.js';
import { invalidKmsUri, isNetworkError, type KmsFailure, kmsError, parseAuth } from './cloud-errors.js';
import type { Kms, KmsContext, KmsProvider } from './types.js';

const SECRET_PARAMS = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

export interface AwsKmsConfig {
  /** As given, without the leading '/': the canonical master key id (CockroachDB hashes it verbatim). */
  readonly keyId: string;
  readonly region: string;
  readonly auth: 'specified' | 'implicit';
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  readonly endpoint?: string;
  readonly assumeRole: readonly AssumeRoleStep[];
  readonly redacted: string;
}

/** Parses strictly; every CockroachDB parameter, nothing else. */
export function parseAwsKmsUri(uri: string, ctx: KmsContext = {}): AwsKmsConfig {
  const u = parseExternalUri(uri, SECRET_PARAMS);
  const bad = (why: string, hint?: string) => invalidKmsUri('AWS', u.redacted, why, hint);
  if (u.scheme !== 'aws' && u.scheme !== 'aws-kms') throw bad('scheme must be aws or aws-kms');
  if (u.host !== '' || u.username !== undefined)
    throw bad('unexpected host', 'write aws:///<key id, key ARN or alias/name>?REGION=…');
  const keyId = u.path.replace(/^\//, '');
  if (keyId === '')
    throw bad('path component of the KMS cannot be empty; must contain the Customer Managed Key');
  const p = u.params;
  const region = p.consume('REGION') ?? '';
  const authParam = p.consume('AUTH');
  const accessKeyId = p.consume('AWS_ACCESS_KEY_ID') || undefined;
  // Form decoding turns '+' into ' '; AWS secrets never hold spaces (CockroachDB does the same).
  const secretAccessKey = p.consume('AWS_SECRET_ACCESS_KEY')?.replaceAll(' ', '+') || undefined;
  const sessionToken = p.consume('AWS_SESSION_TOKEN') || undefined;
  let endpoint = p.consume('AWS_ENDPOINT') || undefined;
  const assumeRole = parseAssumeRoleChain(p.consume('ASSUME_ROLE'));
  p.rejectLeftovers('KMS');
  if (region === '') throw new StrongroomError('MISSING_PARAMETER', 'aws kms REGION parameter not specified');
  const auth = parseAuth(authParam, 'AWS KMS', ctx.disableImplicitCredentials);
  if (auth === 'specified') {
    if (!accessKeyId)
      throw new StrongroomError(
        'MISSING_PARAMETER',
        "AUTH is set to 'specified', but AWS_ACCESS_KEY_ID is not set",
      );
    if (!secretAccessKey)
      throw new StrongroomError(
        'MISSING_PARAMETER',
        "AUTH is set to 'specified', but AWS_SECRET_ACCESS_KEY is not set",
      );
  } else if (accessKeyId || secretAccessKey || sessionToken) {
    throw new StrongroomError(
      'INVALID_PARAMETER',
      'AUTH=implicit uses the SDK default credentials; remove AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN',
    );
  }
  if (endpoint && !/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) endpoint = `https://${endpoint}`;
  return {
    keyId,
    region,
    auth,
    assumeRole,
    redacted: u.redacted,
    ...(accessKeyId ? { accessKeyId } : {}),
    ...(secretAccessKey ? { secretAccessKey } : {}),
    ...(sessionToken ? { sessionToken } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

/** Maps an AWS SDK error of Encrypt/Decrypt to a failure kind (exported for tests). */
export function classifyAwsError(err: unknown): KmsFailure {
  const name = String((err as { name?: unknown })?.name ?? '');
  // A ciphertext of a key other than KeyId: KMS says IncorrectKeyException, moto (and KMS across
  // accounts) AccessDeniedException "The ciphertext refers to a customer master key that …".
  if (
    name === 'AccessDeniedException' &&
    /ciphertext refers to a customer master key/i.test(String((err as Error).message))
  )
    return 'wrong-key';
  switch (name) {
    case 'NotFoundException':
      return 'not-found';
    case 'DisabledException':
    case 'KMSInvalidStateException':
    case 'KeyUnavailableException':
      return 'disabled';
    case 'IncorrectKeyException':
    case 'InvalidCiphertextException':
      return 'wrong-key';
    case 'AccessDeniedException':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'InvalidClientTokenId':
    case 'ExpiredTokenException':
    case 'SignatureDoesNotMatch':
      return 'denied';
    case 'DependencyTimeoutException':
    case 'KMSInternalException':
    case 'ThrottlingException':
      return 'unavailable';
  }
  return isNetworkError(err) ? 'unavailable' : 'other';
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
    return [this.cfg.secretAccessKey, this.cfg.sessionToken].filter((s): s is string => !!s);
  }

  async encrypt(plaintext: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    try {
      const out = await this.client.send(
        new this.sdk.EncryptCommand({ KeyId: this.cfg.keyId, Plaintext: plaintext }),
        signal ? { abortSignal: signal } : {},
      );
      if (!out.CiphertextBlob) throw new Error('no CiphertextBlob in the response');
      return out.CiphertextBlob;
    } catch (err) {
      signal?.throwIfAborted();
      throw kmsError(classifyAwsError(err), 'encrypt', this.redactedUri, err, this.#secrets);
    }
  }

  async decrypt(ciphertext: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    let out: import('@aws-sdk/client-kms').DecryptCommandOutput;
    try {
      if (ciphertext.length === 0)
        throw Object.assign(new Error('empty ciphertext'), { name: 'InvalidCiphertextException' });
      out = await this.client.send(
        new this.sdk.DecryptCommand({ KeyId: this.cfg.keyId, CiphertextBlob: ciphertext }),
        signal ? { abortSignal: signal } : {},
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
      let kind = classifyAwsError(err);
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
      .send(new this.sdk.DescribeKeyCommand({ KeyId: this.cfg.keyId }), signal ? { abortSignal: signal } : {})
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

async function credentialsFor(cfg: AwsKmsConfig) {
  const base =
    cfg.auth === 'specified'
      ? {
          accessKeyId: cfg.accessKeyId ?? '',
          secretAccessKey: cfg.secretAccessKey ?? '',
          ...(cfg.sessionToken ? { sessionToken: cfg.sessionToken } : {}),
        }
      : undefined;
  if (cfg.assumeRole.length === 0) return base;
  const { fromNodeProviderChain, fromTemporaryCredentials } = await import('@aws-sdk/credential-providers');
  type Creds = NonNullable<Parameters<typeof fromTemporaryCredentials>[0]['masterCredentials']>;
  let creds: Creds = base ?? fromNodeProviderChain();
  // Each delegate in order, then the final role.
  for (const step of cfg.assumeRole) {
    creds = fromTemporaryCredentials({
      masterCredentials: creds,
      params: {
        RoleArn: step.role,
        RoleSessionName: 'strongroom-kms',
        ...(step.externalId !== undefined ? { ExternalId: step.externalId } : {}),
      },
      clientConfig: { region: cfg.region, ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}) },
    });
  }
  return creds;
}

export const awsKmsProvider: KmsProvider = {
  schemes: ['aws', 'aws-kms'],
  secretParams: SECRET_PARAMS,
  validate: (uri) => void parseAwsKmsUri(uri),
  async open(uri: string, ctx: KmsContext): Promise<Kms> {
    const cfg = parseAwsKmsUri(uri, ctx);
    const sdk = await import('@aws-sdk/client-kms');
    const credentials = await credentialsFor(cfg);
    const client = new sdk.KMSClient({
      region: cfg.region,
      maxAttempts: 3,
      ...(credentials ? { credentials } : {}),
      ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    });
    return new AwsKms(cfg, client, sdk);
  },
};
