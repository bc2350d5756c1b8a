// `gs:///projects/P/locations/L/keyRings/R/cryptoKeys/K[/cryptoKeyVersions/V]` (alias `gcp-kms`),
// after CockroachDB's GCP KMS: CREDENTIALS (base64 service-account JSON),
// BEARER_TOKEN, AUTH=implicit (the key file of GOOGLE_APPLICATION_CREDENTIALS), ASSUME_ROLE
// impersonation (packages/cloud), and CRC32C integrity checks on every call. GCP_KMS_ENDPOINT=host:port
// (ours) talks plaintext gRPC to an emulator. The Google client is always given its auth client, so it
// never probes the metadata server.
import {
  classifyGcpKmsError,
  consumeGcpCredentials,
  GCP_SECRET_PARAMS,
  type GcpCredentialsConfig,
  gcpAuthClient,
  gcpSecrets,
  invalidUri,
  kmsError,
} from '@strongroom/cloud';
import { type ExternalUri, parseExternalUri } from '@strongroom/uri';
import { crc32c } from './crc32c.js';
import type { Kms, KmsContext, KmsProvider } from './types.js';

const SCOPE = 'https://www.googleapis.com/auth/cloudkms';
const KEY_RE =
  /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+(\/cryptoKeyVersions\/[^/]+)?$/;
const FORM = 'write gs:///projects/P/locations/L/keyRings/R/cryptoKeys/K';

export interface GcpKmsConfig extends GcpCredentialsConfig {
  /** The key's resource name as given, possibly with a version (used to encrypt). */
  readonly name: string;
  /** Without /cryptoKeyVersions/V: the canonical master key id, and the name to decrypt with. */
  readonly keyName: string;
  /** `host:port` of a plaintext gRPC endpoint (emulators). */
  readonly endpoint?: { host: string; port: number };
  readonly redacted: string;
}

/** The key resource name of the URI's path. */
function keyNameOf(u: ExternalUri): string {
  if (u.scheme !== 'gs' && u.scheme !== 'gcp-kms') throw invalidUri(u, 'scheme must be gs or gcp-kms');
  if (u.host !== '' || u.username !== undefined) throw invalidUri(u, 'unexpected host', FORM);
  const name = u.path.replace(/^\//, '');
  if (name === '')
    throw invalidUri(u, 'path component of the KMS cannot be empty; must contain the Customer Managed Key');
  if (!KEY_RE.test(name)) throw invalidUri(u, 'not a Cloud KMS key resource name', FORM);
  return name;
}

/** GCP_KMS_ENDPOINT=host:port (ours): a plaintext gRPC endpoint, for emulators. */
function consumeGrpcEndpoint(u: ExternalUri): { host: string; port: number } | undefined {
  const raw = u.params.consume('GCP_KMS_ENDPOINT') || undefined;
  if (raw === undefined) return undefined;
  const m = /^(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(raw);
  if (!m) throw invalidUri(u, 'GCP_KMS_ENDPOINT must be host:port', 'e.g. GCP_KMS_ENDPOINT=127.0.0.1:9010');
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export function parseGcpKmsUri(uri: string, ctx: KmsContext = {}): GcpKmsConfig {
  const u = parseExternalUri(uri, GCP_SECRET_PARAMS);
  const name = keyNameOf(u);
  const endpoint = consumeGrpcEndpoint(u);
  // The gRPC client always sends its auth client's token, so even an emulator needs credentials.
  const credentials = consumeGcpCredentials(u, 'GCP KMS', ctx);
  u.params.rejectLeftovers('KMS');
  return {
    name,
    keyName: name.replace(/\/cryptoKeyVersions\/[^/]+$/, ''),
    ...credentials,
    endpoint,
    redacted: u.redacted,
  };
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
    return gcpSecrets(this.cfg);
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
      throw kmsError(classifyGcpKmsError(err, 'encrypt'), 'encrypt', this.redactedUri, err, this.#secrets);
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
      throw kmsError(classifyGcpKmsError(err, 'decrypt'), 'decrypt', this.redactedUri, err, this.#secrets);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

export const gcpKmsProvider: KmsProvider = {
  schemes: ['gs', 'gcp-kms'],
  secretParams: GCP_SECRET_PARAMS,
  validate: (uri) => void parseGcpKmsUri(uri, { syntaxOnly: true }),
  async open(uri: string, ctx: KmsContext): Promise<Kms> {
    const cfg = parseGcpKmsUri(uri, ctx);
    const [{ KeyManagementServiceClient }, authClient] = await Promise.all([
      import('@google-cloud/kms'),
      gcpAuthClient(cfg, [SCOPE]),
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
