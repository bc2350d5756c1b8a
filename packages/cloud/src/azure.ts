// Azure: the AZURE_ENVIRONMENT table (DNS suffixes of Blob Storage and Key Vault, the Entra ID
// authority), the credential parameters of azure-blob:// storage and azure-kms:// URIs (AUTH, the
// account key, RBAC client credentials), the credential built from them, and the mapping of Key
// Vault errors. @azure/identity is imported lazily.
import { StrongroomError } from '@strongroom/errors';
import type { ExternalUri } from '@strongroom/uri';
import { isNetworkError, type KmsFailure } from './errors.js';
import { type CloudContext, consumeAuth, refuseExplicitWithImplicit } from './params.js';

export const AZURE_SECRET_PARAMS = ['AZURE_ACCOUNT_KEY', 'AZURE_CLIENT_SECRET'] as const;

export interface AzureEnvironment {
  readonly name: string;
  /** `https://<account>.blob.<blobSuffix>` */
  readonly blobSuffix: string;
  /** `https://<vault>.<vaultSuffix>` */
  readonly vaultSuffix: string;
  readonly authority: string;
}

/** CockroachDB's AZURE_ENVIRONMENT names (go-autorest's) → endpoints of that cloud. */
const ENVIRONMENTS: Readonly<Record<string, Omit<AzureEnvironment, 'name'>>> = {
  AzurePublicCloud: {
    blobSuffix: 'core.windows.net',
    vaultSuffix: 'vault.azure.net',
    authority: 'https://login.microsoftonline.com',
  },
  AzureUSGovernmentCloud: {
    blobSuffix: 'core.usgovcloudapi.net',
    vaultSuffix: 'vault.usgovcloudapi.net',
    authority: 'https://login.microsoftonline.us',
  },
  AzureChinaCloud: {
    blobSuffix: 'core.chinacloudapi.cn',
    vaultSuffix: 'vault.azure.cn',
    authority: 'https://login.chinacloudapi.cn',
  },
  AzureGermanCloud: {
    blobSuffix: 'core.cloudapi.de',
    vaultSuffix: 'vault.microsoftazure.de',
    authority: 'https://login.microsoftonline.de',
  },
};

/** Consumes AZURE_ENVIRONMENT (default AzurePublicCloud); an unknown name is an error. */
export function consumeAzureEnvironment(u: ExternalUri): AzureEnvironment {
  const name = u.params.consume('AZURE_ENVIRONMENT') || 'AzurePublicCloud';
  const env = Object.hasOwn(ENVIRONMENTS, name) ? ENVIRONMENTS[name] : undefined;
  if (!env) {
    throw new StrongroomError('INVALID_PARAMETER', `unknown AZURE_ENVIRONMENT ${JSON.stringify(name)}`, {
      hint: `one of ${Object.keys(ENVIRONMENTS).join(', ')}`,
    });
  }
  return { name, ...env };
}

export type AzureAuth =
  | { readonly kind: 'key'; readonly accountKey: string }
  | {
      readonly kind: 'client';
      readonly clientId: string;
      readonly clientSecret: string;
      readonly tenantId: string;
    }
  | { readonly kind: 'implicit' };

/** The auth of an Entra ID token: what Key Vault takes. */
export type AzureTokenAuth = Exclude<AzureAuth, { kind: 'key' }>;

export interface AzureAuthOptions {
  /** Whether AZURE_ACCOUNT_KEY is a way in (Blob Storage); Key Vault takes RBAC credentials only. */
  readonly accountKey: boolean;
}

const CLIENT_PARAMS = '"AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", and "AZURE_TENANT_ID"';

/** AUTH=specified: exactly one complete method, the account key or all three client parameters. */
function explicitAzureAuth(
  kind: string,
  accountKey: string | undefined,
  client: readonly (string | undefined)[],
  options: AzureAuthOptions,
): AzureAuth {
  const [clientId, clientSecret, tenantId] = client;
  const clientGiven = client.filter((v) => v !== undefined).length;
  if (accountKey && clientGiven === 0) return { kind: 'key', accountKey };
  if (!accountKey && clientId && clientSecret && tenantId)
    return { kind: 'client', clientId, clientSecret, tenantId };
  const methods = options.accountKey
    ? `"AZURE_ACCOUNT_KEY" OR all three of ${CLIENT_PARAMS}`
    : `all three of ${CLIENT_PARAMS}`;
  if (!accountKey && clientGiven === 0) {
    throw new StrongroomError('INVALID_PARAMETER', `${kind} requires explicit auth (RBAC) or implicit auth`, {
      hint: `give ${methods}, or AUTH=implicit`,
    });
  }
  throw new StrongroomError(
    'MISSING_PARAMETER',
    `explicit azure uri requires exactly one authentication method: ${methods}`,
  );
}

/**
 * Consumes AUTH, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_TENANT_ID and (for Blob Storage)
 * AZURE_ACCOUNT_KEY. AUTH=implicit (DefaultAzureCredential) takes none of them.
 */
export function consumeAzureAuth(
  u: ExternalUri,
  kind: string,
  ctx: CloudContext,
  options: { readonly accountKey: false },
): AzureTokenAuth;
export function consumeAzureAuth(
  u: ExternalUri,
  kind: string,
  ctx: CloudContext,
  options: AzureAuthOptions,
): AzureAuth;
export function consumeAzureAuth(
  u: ExternalUri,
  kind: string,
  ctx: CloudContext,
  options: AzureAuthOptions,
): AzureAuth {
  const p = u.params;
  const mode = consumeAuth(u, kind, ctx);
  const accountKey = options.accountKey ? p.consume('AZURE_ACCOUNT_KEY') || undefined : undefined;
  const client = ['AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_TENANT_ID'].map(
    (n) => p.consume(n) || undefined,
  );
  if (mode === 'specified') return explicitAzureAuth(kind, accountKey, client, options);
  refuseExplicitWithImplicit({
    AZURE_ACCOUNT_KEY: accountKey,
    AZURE_CLIENT_ID: client[0],
    AZURE_CLIENT_SECRET: client[1],
    AZURE_TENANT_ID: client[2],
  });
  return { kind: 'implicit' };
}

/** The values of `auth` that are secrets, to scrub out of SDK messages. */
export function azureSecrets(auth: AzureAuth): string[] {
  if (auth.kind === 'key') return [auth.accountKey];
  return auth.kind === 'client' ? [auth.clientSecret] : [];
}

/** The Entra ID token credential of client or implicit auth, at `environment`'s authority. */
export async function azureTokenCredential(
  auth: AzureTokenAuth,
  environment: AzureEnvironment,
): Promise<import('@azure/core-auth').TokenCredential> {
  const identity = await import('@azure/identity');
  const options = { authorityHost: environment.authority };
  return auth.kind === 'client'
    ? new identity.ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, options)
    : new identity.DefaultAzureCredential(options);
}

/** Maps a Key Vault (or credential) error of encrypt/decrypt to a failure kind. */
export function classifyAzureKmsError(err: unknown, action: 'encrypt' | 'decrypt'): KmsFailure {
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown; name?: unknown } | null;
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  if (status !== undefined)
    return classifyAzureStatus(status, `${String(e?.code ?? '')} ${String(e?.message ?? '')}`, action);
  if (e?.name === 'CredentialUnavailableError' || e?.name === 'AuthenticationError') return 'denied';
  return isNetworkError(err) ? 'unavailable' : 'other';
}

function classifyAzureStatus(status: number, text: string, action: 'encrypt' | 'decrypt'): KmsFailure {
  if (status === 404) return 'not-found';
  if (status === 403 && /disabled|KeyDisabled|not (currently )?enabled/i.test(text)) return 'disabled';
  if (status === 401 || status === 403) return 'denied';
  if (status === 400 && action === 'decrypt') return 'wrong-key';
  if (status === 429 || status >= 500) return 'unavailable';
  return 'other';
}
