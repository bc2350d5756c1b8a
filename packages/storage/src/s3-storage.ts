// S3 (and S3-compatible) storage: `s3://bucket/prefix?…` with CockroachDB's parameters
// (https://www.cockroachlabs.com/docs/stable/use-cloud-storage). Objects are created conditionally (`If-None-Match: *` on PutObject and on
// CompleteMultipartUpload); streams go up as multipart uploads of `partSize` parts, one in flight;
// a failed upload is aborted so nothing becomes visible. The SDK's own retries are off: each request
// is retried by ObjectStoreStorage/withRetries with backoff, jitter and messages naming the object.
import type { S3Client } from '@aws-sdk/client-s3';
import {
  AWS_SECRET_PARAMS,
  type AwsCredentialsConfig,
  awsCredentials,
  consumeAwsCredentials,
  httpStatusOf,
} from '@strongroom/cloud';
import { StrongroomError } from '@strongroom/errors';
import { type ExternalUri, parseExternalUri } from '@strongroom/uri';
import { bucketOf } from './cloud-uri.js';
import { type ObjectClient, objectStoreProvider, type Retry, rootPrefix } from './object-store.js';
import type { StorageContext } from './types.js';

export const S3_SECRET_PARAMS = AWS_SECRET_PARAMS;

export interface S3Config extends AwsCredentialsConfig {
  readonly bucket: string;
  readonly prefix: string;
  readonly region?: string;
  readonly pathStyle: boolean;
  readonly storageClass?: string;
  readonly serverEncMode?: 'AES256' | 'aws:kms';
  readonly serverKmsId?: string;
  readonly skipChecksum: boolean;
  readonly redacted: string;
}

/** AWS_SERVER_ENC_MODE and AWS_SERVER_KMS_ID: S3's server-side encryption, CockroachDB's rules. */
function consumeServerEncryption(u: ExternalUri): Pick<S3Config, 'serverEncMode' | 'serverKmsId'> {
  const mode = u.params.consume('AWS_SERVER_ENC_MODE') || undefined;
  const serverKmsId = u.params.consume('AWS_SERVER_KMS_ID') || undefined;
  if (mode !== undefined && mode !== 'AES256' && mode !== 'aws:kms') {
    throw new StrongroomError(
      'INVALID_PARAMETER',
      `unsupported server encryption mode ${mode}. Supported values are \`aws:kms\` and \`AES256\`.`,
    );
  }
  if (mode === 'aws:kms' && !serverKmsId) {
    throw new StrongroomError(
      'MISSING_PARAMETER',
      'AWS_SERVER_KMS_ID param must be set when using aws:kms server side encryption mode.',
    );
  }
  return { serverEncMode: mode, serverKmsId };
}

/** Parses an `s3://` URI strictly (COCKROACH_LOCALITY already stripped or ignored). */
export function parseS3Uri(uri: string, ctx: StorageContext = {}): S3Config {
  const u = parseExternalUri(uri, S3_SECRET_PARAMS);
  const bucket = bucketOf(u, 's3', 'bucket');
  const p = u.params;
  const credentials = consumeAwsCredentials(u, 's3', ctx);
  const region = p.consume('AWS_REGION') || (credentials.endpoint ? 'default-region' : undefined);
  const pathStyle = p.consumeBool('AWS_USE_PATH_STYLE') ?? false;
  const storageClass = p.consume('S3_STORAGE_CLASS') || undefined;
  const encryption = consumeServerEncryption(u);
  const skipChecksum = p.consumeBool('AWS_SKIP_CHECKSUM') ?? false;
  p.rejectLeftovers('S3');
  return {
    bucket,
    prefix: rootPrefix(u.path),
    ...credentials,
    region,
    pathStyle,
    storageClass,
    ...encryption,
    skipChecksum,
    redacted: u.redacted,
  };
}

async function makeClient(cfg: S3Config): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const credentials = await awsCredentials(cfg, cfg.region ?? 'us-east-1');
  // An SDK option object: keys present but undefined would override the SDK's defaults.
  return new S3Client({
    region: cfg.region ?? 'us-east-1',
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    forcePathStyle: cfg.pathStyle,
    followRegionRedirects: cfg.region === undefined,
    ...(credentials ? { credentials } : {}),
    // Retries belong to strongroom's wrapper, which names the object and reason of each.
    maxAttempts: 1,
    ...(cfg.skipChecksum
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
  });
}

export class S3ObjectClient implements ObjectClient {
  constructor(
    readonly s3: S3Client,
    readonly cfg: S3Config,
    readonly sdk: typeof import('@aws-sdk/client-s3'),
  ) {}

  // SDK command inputs keep their conditional spreads: a present-but-undefined member is still a member.
  #putExtras() {
    const c = this.cfg;
    return {
      ...(c.storageClass ? { StorageClass: c.storageClass as never } : {}),
      ...(c.serverEncMode ? { ServerSideEncryption: c.serverEncMode } : {}),
      ...(c.serverKmsId ? { SSEKMSKeyId: c.serverKmsId } : {}),
    };
  }

  async head(key: string, signal?: AbortSignal): Promise<number | undefined> {
    try {
      const r = await this.s3.send(new this.sdk.HeadObjectCommand({ Bucket: this.cfg.bucket, Key: key }), {
        abortSignal: signal,
      });
      return r.ContentLength ?? 0;
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async *get(key: string, start: number, end: number, signal?: AbortSignal): AsyncIterable<Uint8Array> {
    const r = await this.s3.send(
      new this.sdk.GetObjectCommand({
        Bucket: this.cfg.bucket,
        Key: key,
        Range: `bytes=${start}-${end - 1}`,
      }),
      { abortSignal: signal },
    );
    yield* r.Body as AsyncIterable<Uint8Array>;
  }

  async putOnce(key: string, body: Buffer, signal?: AbortSignal): Promise<void> {
    await this.s3.send(
      new this.sdk.PutObjectCommand({
        Bucket: this.cfg.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        IfNoneMatch: '*',
        ...this.#putExtras(),
      }),
      { abortSignal: signal },
    );
  }

  async putParts(
    key: string,
    parts: AsyncIterable<Buffer>,
    retry: Retry,
    signal?: AbortSignal,
  ): Promise<void> {
    const opts = { abortSignal: signal };
    const Bucket = this.cfg.bucket;
    const created = await retry('start multipart upload', () =>
      this.s3.send(
        new this.sdk.CreateMultipartUploadCommand({ Bucket, Key: key, ...this.#putExtras() }),
        opts,
      ),
    );
    const UploadId = created.UploadId!;
    try {
      const done: { ETag: string; PartNumber: number }[] = [];
      for await (const body of parts) {
        const PartNumber = done.length + 1;
        const r = await retry(`upload part ${PartNumber}`, () =>
          this.s3.send(
            new this.sdk.UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber, Body: body }),
            opts,
          ),
        );
        done.push({ ETag: r.ETag!, PartNumber });
      }
      await retry('complete multipart upload', () =>
        this.s3.send(
          new this.sdk.CompleteMultipartUploadCommand({
            Bucket,
            Key: key,
            UploadId,
            MultipartUpload: { Parts: done },
            IfNoneMatch: '*',
          }),
          opts,
        ),
      );
    } catch (err) {
      await this.s3
        .send(new this.sdk.AbortMultipartUploadCommand({ Bucket, Key: key, UploadId }))
        .catch(() => {});
      throw err;
    }
  }

  async *list(prefix: string, delimiter: string | undefined, signal?: AbortSignal): AsyncIterable<string[]> {
    let ContinuationToken: string | undefined;
    do {
      const r = await this.s3.send(
        new this.sdk.ListObjectsV2Command({
          Bucket: this.cfg.bucket,
          Prefix: prefix,
          ...(delimiter ? { Delimiter: delimiter } : {}),
          ...(ContinuationToken ? { ContinuationToken } : {}),
        }),
        { abortSignal: signal },
      );
      yield [...(r.Contents ?? []).map((o) => o.Key!), ...(r.CommonPrefixes ?? []).map((o) => o.Prefix!)];
      ContinuationToken = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async delete(key: string, signal?: AbortSignal): Promise<void> {
    await this.s3.send(new this.sdk.DeleteObjectCommand({ Bucket: this.cfg.bucket, Key: key }), {
      abortSignal: signal,
    });
  }

  async close(): Promise<void> {
    this.s3.destroy();
  }
}

export const s3StorageProvider = objectStoreProvider({
  schemes: ['s3'],
  secretParams: S3_SECRET_PARAMS,
  parse: parseS3Uri,
  client: async (cfg) => new S3ObjectClient(await makeClient(cfg), cfg, await import('@aws-sdk/client-s3')),
});
