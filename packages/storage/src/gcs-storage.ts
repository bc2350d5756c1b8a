// Google Cloud Storage: `gs://bucket/prefix?…` plus GCS_ENDPOINT for emulators.
// Creation is conditional (`ifGenerationMatch: 0`); streams go up as hand-driven resumable uploads
// of `partSize` chunks (gcs-resumable.ts: two chunks in memory at most, each request retried by
// strongroom with backoff and reported naming the object). The client never looks for ambient Google credentials unless
// AUTH=implicit, and even then only in GOOGLE_APPLICATION_CREDENTIALS: no metadata-server probe.
import type { Storage, StorageOptions } from '@google-cloud/storage';
import {
  consumeEndpoint,
  consumeGcpCredentials,
  GCP_SECRET_PARAMS,
  type GcpCredentialsConfig,
  gcpAuthClient,
  httpStatusOf,
} from '@strongroom/cloud';
import { parseExternalUri } from '@strongroom/uri';
import { bucketOf } from './cloud-uri.js';
import { type GcsUploadTarget, plainHeaders, resumableUpload } from './gcs-resumable.js';
import { type ObjectClient, objectStoreProvider, type Retry, rootPrefix } from './object-store.js';
import type { StorageContext } from './types.js';

export const GCS_SECRET_PARAMS = GCP_SECRET_PARAMS;
const SCOPE = 'https://www.googleapis.com/auth/devstorage.read_write';

export interface GcsConfig extends GcpCredentialsConfig {
  readonly bucket: string;
  readonly prefix: string;
  readonly billingProject?: string;
  readonly endpoint?: string;
  readonly redacted: string;
}

export function parseGcsUri(uri: string, ctx: StorageContext = {}): GcsConfig {
  const u = parseExternalUri(uri, GCS_SECRET_PARAMS);
  const bucket = bucketOf(u, 'gs', 'bucket');
  const billingProject = u.params.consume('GOOGLE_BILLING_PROJECT') || undefined;
  const endpoint = consumeEndpoint(u, 'GCS_ENDPOINT');
  // An emulator at GCS_ENDPOINT takes anonymous requests; real GCS needs credentials (CockroachDB's rule).
  const credentials = consumeGcpCredentials(u, 'gs', ctx, { anonymousAllowed: endpoint !== undefined });
  u.params.rejectLeftovers('gs');
  return {
    bucket,
    prefix: rootPrefix(u.path),
    ...credentials,
    billingProject,
    endpoint,
    redacted: u.redacted,
  };
}

/**
 * The Storage client's options. A token or a role chain needs an auth client of ours; plain
 * credentials or a key file are given to the client as they are. (SDK options: no undefined keys.)
 */
async function storageOptions(cfg: GcsConfig): Promise<StorageOptions> {
  const opts: Record<string, unknown> = {
    // A fixed project id keeps the client from discovering one (which can probe the metadata server).
    projectId: (cfg.credentials?.project_id as string | undefined) ?? cfg.billingProject ?? 'strongroom',
    retryOptions: { autoRetry: false },
  };
  if (cfg.endpoint) opts.apiEndpoint = cfg.endpoint;
  if (cfg.credentials) opts.credentials = cfg.credentials;
  if (cfg.keyFilename) opts.keyFilename = cfg.keyFilename;
  if (cfg.bearerToken || cfg.assumeRole.length > 0) opts.authClient = await gcpAuthClient(cfg, [SCOPE]);
  if (cfg.endpoint && (cfg.credentials || opts.authClient)) opts.useAuthWithCustomEndpoint = true;
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
      userProject: this.cfg.billingProject,
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
      // An SDK option object: keys are left out, not set to undefined, so the SDK's defaults apply.
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

export const gcsStorageProvider = objectStoreProvider({
  schemes: ['gs'],
  secretParams: GCS_SECRET_PARAMS,
  parse: parseGcsUri,
  async client(cfg) {
    const sdk = await import('@google-cloud/storage');
    const options = await storageOptions(cfg);
    return new GcsObjectClient(new sdk.Storage(options), options, cfg);
  },
});
