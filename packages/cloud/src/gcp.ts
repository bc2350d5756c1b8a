// Google Cloud: the credential parameters of gs:// storage and gs:// (gcp-kms://) KMS URIs (AUTH,
// CREDENTIALS, BEARER_TOKEN, ASSUME_ROLE impersonation chains), the auth client built from them, and
// the mapping of Cloud KMS (gRPC) errors. google-auth-library is imported lazily. No client built here
// ever probes the metadata server: AUTH=implicit means the key file named by
// GOOGLE_APPLICATION_CREDENTIALS, and nothing else.
import { StrongroomError } from '@strongroom/errors';
import type { ExternalUri } from '@strongroom/uri';
import { isNetworkError, type KmsFailure } from './errors.js';
import {
  type AuthMode,
  type CloudContext,
  consumeAuth,
  decodeJsonObject,
  refuseExplicitWithImplicit,
  splitRoleChain,
} from './params.js';

export const GCP_SECRET_PARAMS = ['CREDENTIALS', 'BEARER_TOKEN'] as const;

export interface GcpCredentialsConfig {
  readonly auth: AuthMode;
  /** Decoded service-account JSON (CREDENTIALS). */
  readonly credentials?: Record<string, unknown>;
  /** A temporary access token, never refreshed (BEARER_TOKEN). */
  readonly bearerToken?: string;
  /** AUTH=implicit: the key file named by GOOGLE_APPLICATION_CREDENTIALS. */
  readonly keyFilename?: string;
  /** Service accounts to impersonate: delegates first, the target last. */
  readonly assumeRole: readonly string[];
}

export interface GcpCredentialOptions {
  /**
   * AUTH=specified may go without CREDENTIALS and BEARER_TOKEN (an emulator at a custom endpoint that
   * takes anonymous requests); otherwise one of them is required, as in CockroachDB.
   */
  readonly anonymousAllowed?: boolean;
}

/** ASSUME_ROLE of a Google URI: service accounts separated by commas, delegates first. */
export function parseGcpRoleChain(value: string | undefined): string[] {
  const roles = splitRoleChain(value);
  if (roles.some((r) => r.includes(';'))) {
    throw new StrongroomError(
      'INVALID_PARAMETER',
      'ASSUME_ROLE must be service accounts separated by commas',
      {
        hint: 'role options such as external_id are AWS-only',
      },
    );
  }
  return roles;
}

const implicitWithoutKeyFile = (): StrongroomError =>
  new StrongroomError(
    'MISSING_PARAMETER',
    'AUTH=implicit for Google Cloud needs GOOGLE_APPLICATION_CREDENTIALS (a key file); strongroom never queries the metadata server',
  );

/** The key file AUTH=implicit uses; refused without one, so nothing probes the metadata server. */
function implicitKeyFile(ctx: CloudContext): string {
  const keyFilename = (ctx.env ?? process.env).GOOGLE_APPLICATION_CREDENTIALS;
  if (keyFilename) return keyFilename;
  if (ctx.syntaxOnly === true) return '';
  throw implicitWithoutKeyFile();
}

/** Consumes AUTH, CREDENTIALS, BEARER_TOKEN and ASSUME_ROLE. */
export function consumeGcpCredentials(
  u: ExternalUri,
  kind: string,
  ctx: CloudContext,
  options: GcpCredentialOptions = {},
): GcpCredentialsConfig {
  const p = u.params;
  const auth = consumeAuth(u, kind, ctx);
  const rawCredentials = p.consume('CREDENTIALS') || undefined;
  const bearerToken = p.consume('BEARER_TOKEN') || undefined;
  const assumeRole = parseGcpRoleChain(p.consume('ASSUME_ROLE'));
  if (auth === 'implicit') {
    refuseExplicitWithImplicit({ CREDENTIALS: rawCredentials, BEARER_TOKEN: bearerToken });
    return { auth, keyFilename: implicitKeyFile(ctx), assumeRole };
  }
  if (!rawCredentials && !bearerToken && !options.anonymousAllowed) {
    throw new StrongroomError(
      'MISSING_PARAMETER',
      'CREDENTIALS or BEARER_TOKEN must be set if "AUTH" is "specified"',
    );
  }
  const credentials =
    rawCredentials === undefined ? undefined : decodeJsonObject('CREDENTIALS', rawCredentials);
  return { auth, credentials, bearerToken, assumeRole };
}

/** The values of `cfg` that are secrets (the token, the private key and its lines), to scrub out. */
export function gcpSecrets(cfg: GcpCredentialsConfig): string[] {
  const secrets = [cfg.bearerToken ?? ''];
  const key = cfg.credentials?.private_key;
  if (typeof key === 'string') secrets.push(key, ...key.split('\n').filter((l) => l.length > 16));
  return secrets.filter((s) => s.length > 0);
}

type Gal = typeof import('google-auth-library');
export type GcpAuthClient = InstanceType<Gal['AuthClient']>;

/** The client of the credentials themselves, before any impersonation; undefined when anonymous. */
async function sourceClient(gal: Gal, cfg: GcpCredentialsConfig, scopes: string[]) {
  if (cfg.bearerToken) {
    const client = new gal.OAuth2Client();
    client.setCredentials({ access_token: cfg.bearerToken });
    return client;
  }
  if (cfg.credentials)
    return new gal.GoogleAuth({ credentials: cfg.credentials as never, scopes }).getClient();
  if (cfg.keyFilename) return new gal.GoogleAuth({ keyFilename: cfg.keyFilename, scopes }).getClient();
  // A configuration parsed for validation only (syntaxOnly) never opens a client: AUTH=implicit without its
  // key file must not fall through to anonymous access.
  if (cfg.auth === 'implicit') throw implicitWithoutKeyFile();
  return undefined;
}

/**
 * The auth client for `scopes`: the token, the service account or the implicit key file, and with
 * ASSUME_ROLE the last service account impersonated through the delegates. Undefined when anonymous.
 */
export async function gcpAuthClient(
  cfg: GcpCredentialsConfig,
  scopes: string[],
): Promise<GcpAuthClient | undefined> {
  const gal = await import('google-auth-library');
  const source = await sourceClient(gal, cfg, scopes);
  if (cfg.assumeRole.length === 0) return source;
  if (source === undefined) {
    throw new StrongroomError('MISSING_PARAMETER', 'ASSUME_ROLE needs credentials to impersonate with');
  }
  return new gal.Impersonated({
    sourceClient: source as never,
    targetPrincipal: cfg.assumeRole[cfg.assumeRole.length - 1]!,
    delegates: cfg.assumeRole.slice(0, -1),
    targetScopes: scopes,
    lifetime: 3600,
  });
}

// gRPC status codes (grpc-js `status`) of Cloud KMS calls.
const GRPC_KMS_FAILURES: Readonly<Record<number, KmsFailure>> = {
  5: 'not-found', // NOT_FOUND
  9: 'disabled', // FAILED_PRECONDITION: the version is disabled, destroyed or scheduled for destruction
  7: 'denied', // PERMISSION_DENIED
  16: 'denied', // UNAUTHENTICATED
  14: 'unavailable', // UNAVAILABLE
  4: 'unavailable', // DEADLINE_EXCEEDED
  8: 'unavailable', // RESOURCE_EXHAUSTED
  1: 'unavailable', // CANCELLED
};

/** Maps a Cloud KMS error to a failure kind. */
export function classifyGcpKmsError(err: unknown, action: 'encrypt' | 'decrypt'): KmsFailure {
  const code = (err as { code?: unknown } | null)?.code;
  // INVALID_ARGUMENT on decrypt: "the ciphertext is invalid" (another key's, or altered).
  if (code === 3 && action === 'decrypt') return 'wrong-key';
  const kind = typeof code === 'number' ? GRPC_KMS_FAILURES[code] : undefined;
  return kind ?? (isNetworkError(err) ? 'unavailable' : 'other');
}
