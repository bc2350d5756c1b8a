// AWS: the credential parameters of s3:// storage and aws:// KMS URIs (AUTH, static keys, AWS_ENDPOINT,
// ASSUME_ROLE chains), the credential provider that walks a role chain through STS, and the mapping
// of AWS KMS errors. The AWS SDK is imported lazily, only when a client is built.
import type { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { StrongroomError } from '@strongroom/errors';
import type { ExternalUri } from '@strongroom/uri';
import { isNetworkError, type KmsFailure } from './errors.js';
import {
  type AuthMode,
  type CloudContext,
  consumeAuth,
  consumeEndpoint,
  missingCredential,
  refuseExplicitWithImplicit,
  splitRoleChain,
} from './params.js';

export const AWS_SECRET_PARAMS = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/** One role of an ASSUME_ROLE chain: `arn[;external_id=ID]`. */
export interface AwsRole {
  readonly arn: string;
  readonly externalId?: string;
}

export interface AwsCredentialsConfig {
  readonly auth: AuthMode;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  /** AWS_ENDPOINT as an http(s) URL (emulators, S3-compatible stores, VPC endpoints). */
  readonly endpoint?: string;
  /** Delegates first, the role finally assumed last. */
  readonly assumeRole: readonly AwsRole[];
}

/** Parses one chain element `arn[;external_id=ID]`. */
function parseAwsRole(element: string): AwsRole {
  const [arn = '', ...options] = element.split(';');
  let externalId: string | undefined;
  for (const option of options) {
    const eq = option.indexOf('=');
    const name = eq < 0 ? option : option.slice(0, eq);
    if (name !== 'external_id' || eq === option.length - 1 || eq < 0) {
      throw new StrongroomError('INVALID_PARAMETER', `unknown ASSUME_ROLE option ${JSON.stringify(name)}`, {
        hint: 'write role-arn[;external_id=ID], roles separated by commas',
      });
    }
    externalId = option.slice(eq + 1);
  }
  return externalId === undefined ? { arn: arn.trim() } : { arn: arn.trim(), externalId };
}

/** ASSUME_ROLE of an AWS URI: `arn[;external_id=ID]` elements, delegates first. */
export function parseAwsRoleChain(value: string | undefined): AwsRole[] {
  return splitRoleChain(value).map(parseAwsRole);
}

/**
 * Consumes AUTH, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_ENDPOINT and
 * ASSUME_ROLE. AUTH=specified needs the key id and secret; AUTH=implicit takes none of the three.
 */
export function consumeAwsCredentials(u: ExternalUri, kind: string, ctx: CloudContext): AwsCredentialsConfig {
  const p = u.params;
  const auth = consumeAuth(u, kind, ctx);
  const accessKeyId = p.consume('AWS_ACCESS_KEY_ID') || undefined;
  // Form decoding turns '+' into ' ' in some tools; AWS secrets never contain spaces (as CockroachDB).
  const secretAccessKey = p.consume('AWS_SECRET_ACCESS_KEY')?.replaceAll(' ', '+') || undefined;
  const sessionToken = p.consume('AWS_SESSION_TOKEN') || undefined;
  const endpoint = consumeEndpoint(u, 'AWS_ENDPOINT');
  const assumeRole = parseAwsRoleChain(p.consume('ASSUME_ROLE'));
  if (auth === 'implicit') {
    refuseExplicitWithImplicit({
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_SESSION_TOKEN: sessionToken,
    });
  } else if (!accessKeyId) {
    throw missingCredential('AWS_ACCESS_KEY_ID');
  } else if (!secretAccessKey) {
    throw missingCredential('AWS_SECRET_ACCESS_KEY');
  }
  return { auth, accessKeyId, secretAccessKey, sessionToken, endpoint, assumeRole };
}

/** The values of `cfg` that are secrets, to scrub out of SDK messages. */
export function awsSecrets(cfg: AwsCredentialsConfig): string[] {
  return [cfg.secretAccessKey, cfg.sessionToken].filter((s): s is string => !!s);
}

export type AwsCredentials = NonNullable<Parameters<typeof fromTemporaryCredentials>[0]['masterCredentials']>;

/**
 * The credentials an SDK client of `region` is given: the static keys, or undefined for the SDK's
 * default chain (AUTH=implicit) — and with ASSUME_ROLE, each role of the chain assumed in order
 * through STS (at AWS_ENDPOINT when given) with the previous one's credentials.
 */
export async function awsCredentials(
  cfg: AwsCredentialsConfig,
  region: string,
): Promise<AwsCredentials | undefined> {
  const base: AwsCredentials | undefined =
    cfg.auth === 'specified'
      ? {
          accessKeyId: cfg.accessKeyId ?? '',
          secretAccessKey: cfg.secretAccessKey ?? '',
          sessionToken: cfg.sessionToken,
        }
      : undefined;
  if (cfg.assumeRole.length === 0) return base;
  const providers = await import('@aws-sdk/credential-providers');
  let creds: AwsCredentials = base ?? providers.fromNodeProviderChain();
  for (const [i, role] of cfg.assumeRole.entries()) {
    creds = providers.fromTemporaryCredentials({
      masterCredentials: creds,
      // SDK option objects: a present-but-undefined ExternalId or endpoint would be sent or used.
      params: {
        RoleArn: role.arn,
        RoleSessionName: `strongroom-${i}`,
        ...(role.externalId !== undefined ? { ExternalId: role.externalId } : {}),
      },
      clientConfig: { region, ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}) },
    });
  }
  return creds;
}

const AWS_KMS_FAILURES: Readonly<Record<string, KmsFailure>> = {
  NotFoundException: 'not-found',
  DisabledException: 'disabled',
  KMSInvalidStateException: 'disabled',
  KeyUnavailableException: 'disabled',
  IncorrectKeyException: 'wrong-key',
  InvalidCiphertextException: 'wrong-key',
  AccessDeniedException: 'denied',
  UnrecognizedClientException: 'denied',
  InvalidSignatureException: 'denied',
  InvalidClientTokenId: 'denied',
  ExpiredTokenException: 'denied',
  SignatureDoesNotMatch: 'denied',
  DependencyTimeoutException: 'unavailable',
  KMSInternalException: 'unavailable',
  ThrottlingException: 'unavailable',
};

/** Maps an AWS KMS SDK error of Encrypt/Decrypt to a failure kind. */
export function classifyAwsKmsError(err: unknown): KmsFailure {
  const name = String((err as { name?: unknown } | null)?.name ?? '');
  // A ciphertext of a key other than KeyId: KMS says IncorrectKeyException, moto (and KMS across
  // accounts) AccessDeniedException "The ciphertext refers to a customer master key that …".
  if (
    name === 'AccessDeniedException' &&
    /ciphertext refers to a customer master key/i.test(String((err as Error).message))
  ) {
    return 'wrong-key';
  }
  const kind = Object.hasOwn(AWS_KMS_FAILURES, name) ? AWS_KMS_FAILURES[name] : undefined;
  return kind ?? (isNetworkError(err) ? 'unavailable' : 'other');
}
