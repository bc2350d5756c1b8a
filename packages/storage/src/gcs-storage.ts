// Google Cloud Storage: `gs://bucket/prefix?…` plus GCS_ENDPOINT for emulators.
// Creation is conditional (`ifGenerationMatch: 0`); streams go up as hand-driven resumable uploads
// of `partSize` chunks (gcs-resumable.ts: two chunks in memory at most, each request retried by
// strongroom with backoff and reported naming the object). The client never looks for ambient Google credentials unless
// AUTH=implicit, and even then only in GOOGLE_APPLICATION_CREDENTIALS: no metadata-server probe.
import type { Storage, StorageOptions } from '@google-cloud/storage';
import { StrongroomError } from '@strongroom/errors';
import { parseExternalUri } from '@strongroom/uri';
import { httpStatusOf } from './cloud-errors.js';
import { bucketOf, consumeAuth, endpointUrl } from './cloud-uri.js';
import { type GcsUploadTarget, plainHeaders, resumableUpload } from './gcs-resumable.js';
import {
  type ObjectClient,
  ObjectStoreStorage,
  type Retry,
  rootPrefix,
  withCloudRetries,
} from './object-store.js';
import type { ExternalStorage, StorageContext, StorageProvider } from './types.js';

export const GCS_SECRET_PARAMS = ['CREDENTIALS', 'BEARER_TOKEN'] as const;

export interface GcsConfig {
  readonly bucket: string;
  readonly prefix: string;
  readonly auth: 'specified' | 'implicit';
  /** Decoded service-account JSON. */
  readonly credentials?: Record<string, unknown>;
  readonly bearerToken?: string;
  /** Service accounts to impersonate: delegates first, the target last. */
  readonly assumeRole: readonly string[];
  readonly billingProject?: string;
  readonly endpoint?: string;
  /** For AUTH=implicit: the key file from GOOGLE_APPLICATION_CREDENTIALS. */
  readonly keyFilename?: string;
  readonly redacted: string;
}

export function parseGcsUri(uri: string, ctx: StorageContext = {}): GcsConfig {
  const u = parseExternalUri(uri, GCS_SECRET_PARAMS);
  const bucket = bucketOf(u, 'gs', 'bucket');
  const p = u.params;
  const auth = consumeAuth(u, 'gs', ctx.disableImplicitCredentials);
  const rawCreds = p.consume('CREDENTIALS') || undefined;
  const bearerToken = p.consume('BEARER_TOKEN') || undefined;
  const assumeRole = (p.consume('ASSUME_ROLE') ?? '').split(',').filter((r) => r !== '');
  const billingProject = p.consume('GOOGLE_BILLING_PROJECT') || undefined;
  const endpointRaw = p.consume('GCS_ENDPOINT') || undefined;
  const endpoint = endpointRaw === undefined ? undefined : endpointUrl(u, 'GCS_ENDPOINT', endpointRaw);
  p.rejectLeftovers('gs');
  let credentials: Record<string, unknown> | undefined;
  if (rawCreds !== undefined) {
    try {
      credentials = JSON.parse(Buffer.from(rawCreds, 'base64').toString('utf8')) as Record<string, unknown>;
    } catch {
      // Never echo the value: it is a private key.
      throw new StrongroomError(
        'INVALID_PARAMETER',
        'CREDENTIALS must be the base64 encoding of a JSON key file',
      );
    }
  }
  let keyFilename: string | undefined;
  if (auth === 'specified') {
    // Emulators take no credentials; real GCS needs one of the two (CockroachDB's rule).
    if (!credentials && !bearerToken && !endpoint) {
      throw new StrongroomError(
        'MISSING_PARAMETER',
        'CREDENTIALS or BEARER_TOKEN must be set if "AUTH" is "specified"',
      );
    }
  } else {
    if (credentials || bearerToken) {
      throw new StrongroomError(
        'INVALID_PARAMETER',
        'AUTH=implicit does not take CREDENTIALS or BEARER_TOKEN',
      );
    }
    keyFilename = (ctx.env ?? process.env).GOOGLE_APPLICATION_CREDENTIALS || undefined;
    if (!keyFilename) {
      throw new StrongroomError(
        'MISSING_PARAMETER',
        'AUTH=implicit for gs needs GOOGLE_APPLICATION_CREDENTIALS (a key file); strongroom never queries the metadata server',
      );
    }
  }
  return {
    bucket,
    prefix: rootPrefix(u.path),
    auth,
    ...(credentials ? { credentials } : {}),
    ...(bearerToken ? { bearerToken } : {}),
    assumeRole,
    ...(billingProject ? { billingProject } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(keyFilename ? { keyFilename } : {}),
    redacted: u.redacted,
  };
}

async function storageOptions(cfg: GcsConfig): Promise<StorageOptions> {
  const opts: Record<string, unknown> = {
    // A fixed project id keeps the client from discovering one (which can probe the metadata server).
    projectId: (cfg.credentials?.project_id as string | undefined) ?? cfg.billingProject ?? 'strongroom',
    ...(cfg.endpoint ? { apiEndpoint: cfg.endpoint } : {}),
    retryOptions: { autoRetry: false },
  };
  if (cfg.credentials) opts.credentials = cfg.credentials;
  if (cfg.keyFilename) opts.keyFilename = cfg.keyFilename;
  if (cfg.bearerToken || cfg.assumeRole.length > 0) {
    const gal = await import('google-auth-library');
    let client: InstanceType<typeof gal.OAuth2Client> | InstanceType<typeof gal.Impersonated>;
    if (cfg.bearerToken) {
      client = new gal.OAuth2Client();
      client.setCredentials({ access_token: cfg.bearerToken });
    } else {
      const auth = new gal.GoogleAuth({
        ...(cfg.credentials ? { credentials: cfg.credentials } : {}),
        ...(cfg.keyFilename ? { keyFilename: cfg.keyFilename } : {}),
        scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      });
      client = (await auth.getClient()) as InstanceType<typeof gal.OAuth2Client>;
    }
    if (cfg.assumeRole.length > 0) {
      client = new gal.Impersonated({
        sourceClient: client as InstanceType<typeof gal.OAuth2Client>,
        targetPrincipal: cfg.assumeRole[cfg.assumeRole.length - 1]!,
        delegates: cfg.assumeRole.slice(0, -1),
        targetScopes: ['https://www.googleapis.com/auth/devstorage.read_write'],
      });
    }
    opts.authClient = client;
    if (cfg.endpoint) opts.useAuthWithCustomEndpoint = true;
  } else if (cfg.endpoint && cfg.credentials) {
    opts.useAuthWithCustomEndpoint = true;
  }
  return opts as StorageOptions;
}

export class GcsObjectClient implements ObjectClient {
  constructor(
    readonly storage: Storage,
    readonly options: StorageOptions,
    readonly cfg: GcsConfig,
  ) {}

  #file(key: string, storage: Storage = this.storage) {
    return storage
      .bucket(this.cfg.bucket, this.cfg.billingProject ? { userProject: this.cfg.billingProject } : {})
      .file(key);
  }

  async head(key: string): Promise<number | undefined> {
    try {
      const [md] = await this.#file(key).getMetadata();
      return Number(md.size ?? 0);
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async *get(key: string, start: number, end: number, signal?: AbortSignal): AsyncIterable<Uint8Array> {
    const stream = this.#file(key).createReadStream({
      start,
      end: end - 1,
      validation: false,
      decompress: false,
    });
    const onAbort = () => stream.destroy(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      yield* stream as AsyncIterable<Uint8Array>;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stream.destroy();
    }
  }

  async putOnce(key: string, body: Buffer): Promise<void> {
    await this.#file(key).save(body, {
      resumable: false,
      validation: false,
      contentType: 'application/octet-stream',
      preconditionOpts: { ifGenerationMatch: 0 },
    });
  }

  async putParts(
    key: string,
    parts: AsyncIterable<Buffer>,
    retry: Retry,
    signal?: AbortSignal,
  ): Promise<void> {
    await resumableUpload(this.#uploadTarget(), key, parts, retry, signal);
  }

  #uploadTarget(): GcsUploadTarget {
    const storage = this.storage;
    // As the SDK does: a custom endpoint (an emulator) gets no credentials unless asked to.
    const authed = !storage.customEndpoint || this.options.useAuthWithCustomEndpoint === true;
    return {
      apiEndpoint: storage.apiEndpoint,
      bucket: this.cfg.bucket,
      ...(this.cfg.billingProject ? { userProject: this.cfg.billingProject } : {}),
      headers: async (url) => (authed ? plainHeaders(await storage.authClient.getRequestHeaders(url)) : {}),
    };
  }

  async *list(prefix: string, delimiter: string | undefined): AsyncIterable<string[]> {
    const bucket = this.storage.bucket(
      this.cfg.bucket,
      this.cfg.billingProject ? { userProject: this.cfg.billingProject } : {},
    );
    let pageToken: string | undefined;
    do {
      const [files, next, resp] = await bucket.getFiles({
        prefix,
        autoPaginate: false,
        ...(delimiter ? { delimiter } : {}),
        ...(pageToken ? { pageToken } : {}),
      });
      const prefixes = ((resp as { prefixes?: string[] } | undefined)?.prefixes ?? []) as string[];
      yield [...files.map((f) => f.name), ...prefixes];
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
  }

  async delete(key: string): Promise<void> {
    await this.#file(key).delete({ ignoreNotFound: true });
  }
}

export const gcsStorageProvider: StorageProvider = {
  schemes: ['gs'],
  secretParams: GCS_SECRET_PARAMS,
  validate: (uri) => void parseGcsUri(uri),
  async open(uri: string, ctx: StorageContext): Promise<ExternalStorage> {
    const cfg = parseGcsUri(uri, ctx);
    const sdk = await import('@google-cloud/storage');
    const options = await storageOptions(cfg);
    const client = new GcsObjectClient(new sdk.Storage(options), options, cfg);
    return withCloudRetries(new ObjectStoreStorage(client, cfg.prefix, cfg.redacted, ctx), ctx);
  },
};
