// `gs:///projects/P/locations/L/keyRings/R/cryptoKeys/K[/cryptoKeyVersions/V]` (alias `gcp-kms`),
// after CockroachDB's GCP KMS: CREDENTIALS (base64 service-account JSON),
// BEARER_TOKEN, implicit ADC, ASSUME_ROLE impersonation, and CRC32C integrity checks on every call.
// GCP_KMS_ENDPOINT=host:port (ours) talks plaintext gRPC to an emulator. The Google client is always
// given its auth client, so it never probes the metadata server unless AUTH=implicit asks for ADC.
import { StrongroomError } from '@strongroom/errors';
import { parseExternalUri } from '@strongroom/uri';
import { invalidKmsUri, isNetworkError, type KmsFailure, kmsError, parseAuth } from './cloud-errors.js';
import { crc32c } from './crc32c.js';
import type { Kms, KmsContext, KmsProvider } from './types.js';

const SECRET_PARAMS = ['CREDENTIALS', 'BEARER_TOKEN'];
const SCOPE = 'https://www.googleapis.com/auth/cloudkms';
const KEY_RE =
  /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+(\/cryptoKeyVersions\/[^/]+)?$/;

export interface GcpKmsConfig {
  /** The key's resource name as given, possibly with a version (used to encrypt). */
  readonly name: string;
  /** Without /cryptoKeyVersions/V: the canonical master key id, and the name to decrypt with. */
  readonly keyName: string;
  readonly auth: 'specified' | 'implicit';
  readonly credentials?: Record<string, unknown>;
  readonly bearerToken?: string;
  readonly assumeRole: readonly string[];
  /** `host:port` of a plaintext gRPC endpoint (emulators). */
  readonly endpoint?: { host: string; port: number };
  readonly redacted: string;
}

export function parseGcpKmsUri(uri: string, ctx: KmsContext = {}): GcpKmsConfig {
  const u = parseExternalUri(uri, SECRET_PARAMS);
  const bad = (why: string, hint?: string) => invalidKmsUri('GCP', u.redacted, why, hint);
  const form = 'write gs:///projects/P/locations/L/keyRings/R/cryptoKeys/K';
  if (u.scheme !== 'gs' && u.scheme !== 'gcp-kms') throw bad('scheme must be gs or gcp-kms');
  if (u.host !== '' || u.username !== undefined) throw bad('unexpected host', form);
  const name = u.path.replace(/^\//, '');
  if (name === '')
    throw bad('path component of the KMS cannot be empty; must contain the Customer Managed Key');
  if (!KEY_RE.test(name)) throw bad('not a Cloud KMS key resource name', form);
  const p = u.params;
  const authParam = p.consume('AUTH');
  const credentialsB64 = p.consume('CREDENTIALS') || undefined;
  const bearerToken = p.consume('BEARER_TOKEN') || undefined;
  const assumeRoleRaw = p.consume('ASSUME_ROLE') || undefined;
  const endpointRaw = p.consume('GCP_KMS_ENDPOINT') || undefined;
  p.rejectLeftovers('KMS');
  const auth = parseAuth(authParam, 'GCP KMS', ctx.disableImplicitCredentials);
  if (auth === 'specified' && !credentialsB64 && !bearerToken)
    throw new StrongroomError(
      'MISSING_PARAMETER',
      'CREDENTIALS or BEARER_TOKEN must be set if "AUTH" is "specified"',
    );
  let credentials: Record<string, unknown> | undefined;
  if (auth === 'specified' && credentialsB64) {
    try {
      const json: unknown = JSON.parse(Buffer.from(credentialsB64, 'base64').toString('utf8'));
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not an object');
      credentials = json as Record<string, unknown>;
    } catch {
      throw new StrongroomError(
        'INVALID_PARAMETER',
        'decoding value of CREDENTIALS: not base64 of a JSON key file',
      );
    }
  }
  let endpoint: { host: string; port: number } | undefined;
  if (endpointRaw) {
    const m = /^(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(endpointRaw);
    if (!m) throw bad('GCP_KMS_ENDPOINT must be host:port', 'e.g. GCP_KMS_ENDPOINT=127.0.0.1:9010');
    endpoint = { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  }
  const assumeRole = assumeRoleRaw ? assumeRoleRaw.split(',').map((s) => s.trim()) : [];
  if (assumeRole.some((s) => s === '' || s.includes(';')))
    throw new StrongroomError(
      'INVALID_PARAMETER',
      'ASSUME_ROLE must be service accounts separated by commas',
    );
  return {
    name,
    keyName: name.replace(/\/cryptoKeyVersions\/[^/]+$/, ''),
    auth,
    assumeRole,
    redacted: u.redacted,
    ...(credentials ? { credentials } : {}),
    ...(auth === 'specified' && bearerToken ? { bearerToken } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

// gRPC status codes (grpc-js `status`).
function classify(err: unknown, action: 'encrypt' | 'decrypt'): KmsFailure {
  const code = (err as { code?: unknown })?.code;
  switch (code) {
    case 5: // NOT_FOUND
      return 'not-found';
    case 9: // FAILED_PRECONDITION: the version is disabled, destroyed or scheduled for destruction
      return 'disabled';
    case 3: // INVALID_ARGUMENT: on decrypt, "the ciphertext is invalid" (another key's or altered)
      return action === 'decrypt' ? 'wrong-key' : 'other';
    case 7: // PERMISSION_DENIED
    case 16: // UNAUTHENTICATED
      return 'denied';
    case 14: // UNAVAILABLE
    case 4: // DEADLINE_EXCEEDED
    case 8: // RESOURCE_EXHAUSTED
    case 1: // CANCELLED
      return 'unavailable';
  }
  return isNetworkError(err) ? 'unavailable' : 'other';
}

type Client = InstanceType<typeof import('@google-cloud/kms').KeyManagementServiceClient>;

const checksumError = (what: string) =>
  Object.assign(new Error(`${what}: the response was corrupted in transit (CRC32C mismatch)`), { code: 14 });

// Int64Value.value arrives as a number, a decimal string or a Long, depending on the decoder.
const crcOf = (v: unknown): number | undefined => {
  const value = (v as { value?: unknown } | null | undefined)?.value;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && typeof (value as { toNumber?: unknown }).toNumber === 'function')
    return (value as { toNumber(): number }).toNumber();
  return Number(value);
};

class GcpKms implements Kms {
  readonly masterKeyId: string;
  readonly redactedUri: string;
  // One attempt per retry budget: gax would otherwise retry UNAVAILABLE for a minute.
  readonly #callOptions = { timeout: 30_000, maxRetries: 2 };

  constructor(
    private readonly cfg: GcpKmsConfig,
    private readonly client: Pick<Client, 'encrypt' | 'decrypt' | 'close'>,
  ) {
    this.masterKeyId = cfg.keyName;
    this.redactedUri = cfg.redacted;
  }

  get #secrets(): string[] {
    const s = [this.cfg.bearerToken ?? ''];
    const key = this.cfg.credentials?.private_key;
    if (typeof key === 'string') s.push(key, ...key.split('\n').filter((l) => l.length > 16));
    return s.filter((x) => x.length > 0);
  }

  async encrypt(plaintext: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    try {
      signal?.throwIfAborted();
      const [res] = await this.client.encrypt(
        { name: this.cfg.name, plaintext, plaintextCrc32c: { value: crc32c(plaintext) } },
        this.#callOptions,
      );
      const ciphertext = res.ciphertext;
      if (!(ciphertext instanceof Uint8Array) || ciphertext.length === 0)
        throw new Error('no ciphertext in the response');
      if (!res.verifiedPlaintextCrc32c) throw checksumError('Encrypt request');
      if (crcOf(res.ciphertextCrc32c) !== crc32c(ciphertext)) throw checksumError('Encrypt response');
      return ciphertext;
    } catch (err) {
      signal?.throwIfAborted();
      throw kmsError(classify(err, 'encrypt'), 'encrypt', this.redactedUri, err, this.#secrets);
    }
  }

  async decrypt(ciphertext: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    try {
      signal?.throwIfAborted();
      if (ciphertext.length === 0) throw Object.assign(new Error('empty ciphertext'), { code: 3 });
      const [res] = await this.client.decrypt(
        { name: this.cfg.keyName, ciphertext, ciphertextCrc32c: { value: crc32c(ciphertext) } },
        this.#callOptions,
      );
      const plaintext = res.plaintext;
      if (!(plaintext instanceof Uint8Array)) throw new Error('no plaintext in the response');
      if (crcOf(res.plaintextCrc32c) !== crc32c(plaintext)) throw checksumError('Decrypt response');
      return plaintext;
    } catch (err) {
      signal?.throwIfAborted();
      throw kmsError(classify(err, 'decrypt'), 'decrypt', this.redactedUri, err, this.#secrets);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

async function authClientFor(cfg: GcpKmsConfig) {
  const gal = await import('google-auth-library');
  let source:
    | InstanceType<typeof gal.OAuth2Client>
    | InstanceType<typeof gal.JWT>
    | Awaited<ReturnType<InstanceType<typeof gal.GoogleAuth>['getClient']>>;
  if (cfg.auth === 'implicit') {
    source = await new gal.GoogleAuth({ scopes: [SCOPE] }).getClient();
  } else if (cfg.bearerToken) {
    const c = new gal.OAuth2Client();
    // A temporary token, never refreshed (CockroachDB's BEARER_TOKEN).
    c.setCredentials({ access_token: cfg.bearerToken });
    source = c;
  } else {
    const c = new gal.GoogleAuth({ credentials: cfg.credentials as never, scopes: [SCOPE] });
    source = await c.getClient();
  }
  if (cfg.assumeRole.length === 0) return source;
  const target = cfg.assumeRole[cfg.assumeRole.length - 1]!;
  return new gal.Impersonated({
    sourceClient: source as never,
    targetPrincipal: target,
    delegates: cfg.assumeRole.slice(0, -1),
    targetScopes: [SCOPE],
    lifetime: 3600,
  });
}

export const gcpKmsProvider: KmsProvider = {
  schemes: ['gs', 'gcp-kms'],
  secretParams: SECRET_PARAMS,
  validate: (uri) => void parseGcpKmsUri(uri),
  async open(uri: string, ctx: KmsContext): Promise<Kms> {
    const cfg = parseGcpKmsUri(uri, ctx);
    const [{ KeyManagementServiceClient }, authClient] = await Promise.all([
      import('@google-cloud/kms'),
      authClientFor(cfg),
    ]);
    let client: Client;
    if (cfg.endpoint) {
      const { grpc } = await import('google-gax');
      client = new KeyManagementServiceClient({
        apiEndpoint: cfg.endpoint.host,
        port: cfg.endpoint.port,
        sslCreds: grpc.credentials.createInsecure(),
        authClient: authClient as never,
      });
    } else {
      client = new KeyManagementServiceClient({ authClient: authClient as never });
    }
    return new GcpKms(cfg, client);
  },
};
