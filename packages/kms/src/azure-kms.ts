// `azure-kms:///<key name>/<key version>?AZURE_VAULT_NAME=…`, after CockroachDB's Azure KMS
// (as in CockroachDB): RBAC client credentials or AUTH=implicit (DefaultAzureCredential), RSA-OAEP-256.
// For emulators (ours): AZURE_VAULT_URL replaces https://<vault>.<suffix>, and AZURE_VAULT_CA_FILE
// names a PEM file of CA certificates trusted by this client only (TLS stays on, process-wide too).
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { rootCertificates } from 'node:tls';
import {
  AZURE_SECRET_PARAMS,
  type AzureEnvironment,
  type AzureTokenAuth,
  azureSecrets,
  azureTokenCredential,
  classifyAzureKmsError,
  consumeAzureAuth,
  consumeAzureEnvironment,
  invalidUri,
  kmsError,
} from '@strongroom/cloud';
import { StrongroomError } from '@strongroom/errors';
import { type ExternalUri, parseExternalUri } from '@strongroom/uri';
import type { Kms, KmsContext, KmsProvider } from './types.js';

export interface AzureKmsConfig {
  readonly keyName: string;
  readonly keyVersion: string;
  readonly vaultName: string;
  /** `https://<vault>.<suffix>` or AZURE_VAULT_URL. */
  readonly vaultUrl: string;
  readonly customVaultUrl: boolean;
  readonly caFile?: string;
  readonly environment: AzureEnvironment;
  readonly auth: AzureTokenAuth;
  readonly redacted: string;
}

/** `<key name>/<key version>` of the URI's path. */
function keyOf(u: ExternalUri): { keyName: string; keyVersion: string } {
  if (u.scheme !== 'azure-kms') throw invalidUri(u, 'scheme must be azure-kms');
  if (u.host !== '' || u.username !== undefined)
    throw invalidUri(u, 'unexpected host', 'write azure-kms:///<key name>/<key version>?AZURE_VAULT_NAME=…');
  const parts = u.path.replace(/^\//, '').split('/');
  if (parts.length !== 2 || parts.some((s) => s === ''))
    throw new StrongroomError('INVALID_URI', "azure kms key must be of form 'id/version'");
  return { keyName: parts[0]!, keyVersion: parts[1]! };
}

/** AZURE_VAULT_URL (ours, for emulators): an https origin that replaces `https://<vault>.<suffix>`. */
function consumeVaultUrl(u: ExternalUri): string | undefined {
  const raw = u.params.consume('AZURE_VAULT_URL') || undefined;
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw invalidUri(u, 'AZURE_VAULT_URL is not a URL');
  }
  if (parsed.protocol !== 'https:' || parsed.search || parsed.hash || parsed.username)
    throw invalidUri(u, 'AZURE_VAULT_URL must be https://host[:port]', 'Key Vault clients require https');
  return parsed.origin;
}

/** AZURE_VAULT_NAME, required, and a vault name. */
function consumeVaultName(u: ExternalUri): string {
  const vaultName = u.params.consume('AZURE_VAULT_NAME') ?? '';
  if (vaultName === '')
    throw new StrongroomError('MISSING_PARAMETER', 'azure kms vault name AZURE_VAULT_NAME is not specified');
  if (!/^[A-Za-z0-9-]{1,127}$/.test(vaultName)) throw invalidUri(u, 'AZURE_VAULT_NAME is not a vault name');
  return vaultName;
}

export function parseAzureKmsUri(uri: string, ctx: KmsContext = {}): AzureKmsConfig {
  const u = parseExternalUri(uri, AZURE_SECRET_PARAMS);
  const key = keyOf(u);
  const p = u.params;
  // Storage's account-key parameters: Key Vault takes RBAC credentials only (as CockroachDB).
  if ([p.consume('AZURE_ACCOUNT_NAME'), p.consume('AZURE_ACCOUNT_KEY')].some((v) => v !== undefined))
    throw new StrongroomError(
      'INVALID_PARAMETER',
      'azure kms requires explicit auth (RBAC) or implicit auth',
      {
        hint: 'give AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID, or AUTH=implicit',
      },
    );
  const vaultName = consumeVaultName(u);
  const environment = consumeAzureEnvironment(u);
  const vaultUrl = consumeVaultUrl(u);
  const caFile = p.consume('AZURE_VAULT_CA_FILE') || undefined;
  const auth = consumeAzureAuth(u, 'azure kms', ctx, { accountKey: false });
  p.rejectLeftovers('KMS');
  if (caFile !== undefined && !isAbsolute(caFile))
    throw invalidUri(u, 'AZURE_VAULT_CA_FILE must be an absolute path');
  return {
    ...key,
    vaultName,
    vaultUrl: vaultUrl ?? `https://${vaultName}.${environment.vaultSuffix}`,
    customVaultUrl: vaultUrl !== undefined,
    caFile,
    environment,
    auth,
    redacted: u.redacted,
  };
}

/** Canonical id: vault and key name, lower-cased as Key Vault names are case-insensitive. */
export function azureMasterKeyId(cfg: Pick<AzureKmsConfig, 'vaultName' | 'keyName'>): string {
  return `azure-kms:${cfg.vaultName.toLowerCase()}/${cfg.keyName.toLowerCase()}`;
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
    return azureSecrets(this.cfg.auth);
  }

  async encrypt(plaintext: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    try {
      const r = await this.client.encrypt({ algorithm: 'RSA-OAEP-256', plaintext }, { abortSignal: signal });
      return r.result;
    } catch (err) {
      signal?.throwIfAborted();
      throw kmsError(classifyAzureKmsError(err, 'encrypt'), 'encrypt', this.redactedUri, err, this.#secrets);
    }
  }

  async decrypt(ciphertext: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    try {
      if (ciphertext.length === 0) throw Object.assign(new Error('empty ciphertext'), { statusCode: 400 });
      const r = await this.client.decrypt({ algorithm: 'RSA-OAEP-256', ciphertext }, { abortSignal: signal });
      return r.result;
    } catch (err) {
      signal?.throwIfAborted();
      throw kmsError(classifyAzureKmsError(err, 'decrypt'), 'decrypt', this.redactedUri, err, this.#secrets);
    }
  }
}

export const azureKmsProvider: KmsProvider = {
  schemes: ['azure-kms'],
  secretParams: AZURE_SECRET_PARAMS,
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
      azureTokenCredential(cfg.auth, cfg.environment),
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
