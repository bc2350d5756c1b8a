// `azure-kms:///<key name>/<key version>?AZURE_VAULT_NAME=…`, after CockroachDB's Azure KMS
// (as in CockroachDB): RBAC client credentials or AUTH=implicit (DefaultAzureCredential), RSA-OAEP-256.
// For emulators (ours): AZURE_VAULT_URL replaces https://<vault>.<suffix>, and AZURE_VAULT_CA_FILE
// names a PEM file of CA certificates trusted by this client only (TLS stays on, process-wide too).
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { rootCertificates } from 'node:tls';
import { StrongroomError } from '@strongroom/errors';
import { parseExternalUri } from '@strongroom/uri';
import { invalidKmsUri, isNetworkError, type KmsFailure, kmsError, parseAuth } from './cloud-errors.js';
import type { Kms, KmsContext, KmsProvider } from './types.js';

const SECRET_PARAMS = ['AZURE_CLIENT_SECRET', 'AZURE_ACCOUNT_KEY'];

/** CockroachDB's AZURE_ENVIRONMENT names → Key Vault DNS suffix and Entra ID authority. */
const ENVIRONMENTS: Record<string, { vaultSuffix: string; authority: string }> = {
  AzurePublicCloud: { vaultSuffix: 'vault.azure.net', authority: 'https://login.microsoftonline.com' },
  AzureChinaCloud: { vaultSuffix: 'vault.azure.cn', authority: 'https://login.chinacloudapi.cn' },
  AzureUSGovernmentCloud: {
    vaultSuffix: 'vault.usgovcloudapi.net',
    authority: 'https://login.microsoftonline.us',
  },
  AzureGermanCloud: { vaultSuffix: 'vault.microsoftazure.de', authority: 'https://login.microsoftonline.de' },
};

export interface AzureKmsConfig {
  readonly keyName: string;
  readonly keyVersion: string;
  readonly vaultName: string;
  /** `https://<vault>.<suffix>` or AZURE_VAULT_URL. */
  readonly vaultUrl: string;
  readonly customVaultUrl: boolean;
  readonly caFile?: string;
  readonly authority: string;
  readonly auth: 'specified' | 'implicit';
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly tenantId?: string;
  readonly redacted: string;
}

export function parseAzureKmsUri(uri: string, ctx: KmsContext = {}): AzureKmsConfig {
  const u = parseExternalUri(uri, SECRET_PARAMS);
  const bad = (why: string, hint?: string) => invalidKmsUri('Azure', u.redacted, why, hint);
  if (u.scheme !== 'azure-kms') throw bad('scheme must be azure-kms');
  if (u.host !== '' || u.username !== undefined)
    throw bad('unexpected host', 'write azure-kms:///<key name>/<key version>?AZURE_VAULT_NAME=…');
  const parts = u.path.replace(/^\//, '').split('/');
  if (parts.length !== 2 || parts.some((s) => s === ''))
    throw new StrongroomError('INVALID_URI', "azure kms key must be of form 'id/version'");
  const [keyName = '', keyVersion = ''] = parts;
  const p = u.params;
  const vaultName = p.consume('AZURE_VAULT_NAME') ?? '';
  const authParam = p.consume('AUTH');
  const clientId = p.consume('AZURE_CLIENT_ID') || undefined;
  const clientSecret = p.consume('AZURE_CLIENT_SECRET') || undefined;
  const tenantId = p.consume('AZURE_TENANT_ID') || undefined;
  const envName = p.consume('AZURE_ENVIRONMENT') || 'AzurePublicCloud';
  const vaultUrlParam = p.consume('AZURE_VAULT_URL') || undefined;
  const caFile = p.consume('AZURE_VAULT_CA_FILE') || undefined;
  const legacy = [p.consume('AZURE_ACCOUNT_NAME'), p.consume('AZURE_ACCOUNT_KEY')].some(
    (v) => v !== undefined,
  );
  p.rejectLeftovers('KMS');
  if (vaultName === '')
    throw new StrongroomError('MISSING_PARAMETER', 'azure kms vault name AZURE_VAULT_NAME is not specified');
  if (!/^[A-Za-z0-9-]{1,127}$/.test(vaultName)) throw bad('AZURE_VAULT_NAME is not a vault name');
  const env = ENVIRONMENTS[envName];
  if (!env)
    throw new StrongroomError('INVALID_PARAMETER', `unknown AZURE_ENVIRONMENT ${JSON.stringify(envName)}`, {
      hint: `one of ${Object.keys(ENVIRONMENTS).join(', ')}`,
    });
  const auth = parseAuth(authParam, 'Azure KMS', ctx.disableImplicitCredentials);
  const explicit = [clientId, clientSecret, tenantId];
  if (legacy || (auth === 'specified' && explicit.every((v) => v === undefined)))
    throw new StrongroomError(
      'INVALID_PARAMETER',
      'azure kms requires explicit auth (RBAC) or implicit auth',
      {
        hint: 'give AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID, or AUTH=implicit',
      },
    );
  if (auth === 'specified' && explicit.some((v) => v === undefined))
    throw new StrongroomError(
      'MISSING_PARAMETER',
      'AUTH=specified requires all of AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID',
    );
  if (auth === 'implicit' && explicit.some((v) => v !== undefined))
    throw new StrongroomError(
      'INVALID_PARAMETER',
      'AUTH=implicit does not take AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or AZURE_TENANT_ID',
    );
  let vaultUrl = `https://${vaultName}.${env.vaultSuffix}`;
  if (vaultUrlParam) {
    let parsed: URL;
    try {
      parsed = new URL(vaultUrlParam);
    } catch {
      throw bad('AZURE_VAULT_URL is not a URL');
    }
    if (parsed.protocol !== 'https:' || parsed.search || parsed.hash || parsed.username)
      throw bad('AZURE_VAULT_URL must be https://host[:port]', 'Key Vault clients require https');
    vaultUrl = parsed.origin;
  }
  if (caFile !== undefined && !isAbsolute(caFile)) throw bad('AZURE_VAULT_CA_FILE must be an absolute path');
  return {
    keyName,
    keyVersion,
    vaultName,
    vaultUrl,
    customVaultUrl: vaultUrlParam !== undefined,
    authority: env.authority,
    auth,
    redacted: u.redacted,
    ...(caFile ? { caFile } : {}),
    ...(clientId ? { clientId } : {}),
    ...(clientSecret ? { clientSecret } : {}),
    ...(tenantId ? { tenantId } : {}),
  };
}

/** Canonical id: vault and key name, lower-cased as Key Vault names are case-insensitive. */
export function azureMasterKeyId(cfg: Pick<AzureKmsConfig, 'vaultName' | 'keyName'>): string {
  return `azure-kms:${cfg.vaultName.toLowerCase()}/${cfg.keyName.toLowerCase()}`;
}

function classify(err: unknown, action: 'encrypt' | 'decrypt'): KmsFailure {
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown; name?: unknown };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  const text = `${String(e?.code ?? '')} ${String(e?.message ?? '')}`;
  if (status === 404) return 'not-found';
  if (status === 403 && /disabled|KeyDisabled|not (currently )?enabled/i.test(text)) return 'disabled';
  if (status === 401 || status === 403) return 'denied';
  if (status === 400 && action === 'decrypt') return 'wrong-key';
  if (status === 429 || (status !== undefined && status >= 500)) return 'unavailable';
  if (e?.name === 'CredentialUnavailableError' || e?.name === 'AuthenticationError') return 'denied';
  if (e?.code === 'REQUEST_SEND_ERROR' || isNetworkError(err)) return 'unavailable';
  return 'other';
}

type CryptoClient = import('@azure/keyvault-keys').CryptographyClient;

class AzureKms implements Kms {
  readonly masterKeyId: string;
  readonly redactedUri: string;

  constructor(
    private readonly cfg: AzureKmsConfig,
    private readonly client: Pick<CryptoClient, 'encrypt' | 'decrypt'>,
  ) {
    this.masterKeyId = azureMasterKeyId(cfg);
    this.redactedUri = cfg.redacted;
  }

  get #secrets(): string[] {
    return this.cfg.clientSecret ? [this.cfg.clientSecret] : [];
  }

  async encrypt(plaintext: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    try {
      const r = await this.client.encrypt(
        { algorithm: 'RSA-OAEP-256', plaintext },
        signal ? { abortSignal: signal } : {},
      );
      return r.result;
    } catch (err) {
      signal?.throwIfAborted();
      throw kmsError(classify(err, 'encrypt'), 'encrypt', this.redactedUri, err, this.#secrets);
    }
  }

  async decrypt(ciphertext: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    try {
      if (ciphertext.length === 0) throw Object.assign(new Error('empty ciphertext'), { statusCode: 400 });
      const r = await this.client.decrypt(
        { algorithm: 'RSA-OAEP-256', ciphertext },
        signal ? { abortSignal: signal } : {},
      );
      return r.result;
    } catch (err) {
      signal?.throwIfAborted();
      throw kmsError(classify(err, 'decrypt'), 'decrypt', this.redactedUri, err, this.#secrets);
    }
  }
}

async function credentialFor(cfg: AzureKmsConfig) {
  const identity = await import('@azure/identity');
  if (cfg.auth === 'implicit') return new identity.DefaultAzureCredential();
  return new identity.ClientSecretCredential(cfg.tenantId ?? '', cfg.clientId ?? '', cfg.clientSecret ?? '', {
    authorityHost: cfg.authority,
  });
}

export const azureKmsProvider: KmsProvider = {
  schemes: ['azure-kms'],
  secretParams: SECRET_PARAMS,
  validate: (uri) => void parseAzureKmsUri(uri),
  async open(uri: string, ctx: KmsContext): Promise<Kms> {
    const cfg = parseAzureKmsUri(uri, ctx);
    let ca: Buffer | undefined;
    if (cfg.caFile) {
      try {
        ca = await readFile(cfg.caFile);
      } catch (err) {
        throw new StrongroomError('INVALID_PARAMETER', `cannot read AZURE_VAULT_CA_FILE ${cfg.caFile}`, {
          cause: err,
        });
      }
    }
    const [{ CryptographyClient }, credential] = await Promise.all([
      import('@azure/keyvault-keys'),
      credentialFor(cfg),
    ]);
    const keyId = `${cfg.vaultUrl}/keys/${encodeURIComponent(cfg.keyName)}/${encodeURIComponent(cfg.keyVersion)}`;
    const client = new CryptographyClient(keyId, credential, {
      // An emulator's host is not *.vault.azure.net; the challenge's resource cannot match it.
      disableChallengeResourceVerification: cfg.customVaultUrl,
      retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 2000 },
      // Added to, not instead of, the default roots.
      ...(ca ? { tlsOptions: { ca: [...rootCertificates, ca] } } : {}),
    });
    return new AzureKms(cfg, client);
  },
};
