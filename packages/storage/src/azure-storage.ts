// Azure Blob Storage: `azure-blob://container/prefix?…` (aliases `azure://`, `azure-storage://`)
// with CockroachDB's parameters plus AZURE_BLOB_ENDPOINT for Azurite. Creation is
// conditional (`ifNoneMatch: '*'`); streams go up as staged blocks of `partSize` (ids unique per
// writer, so racing writers never mix blocks) committed with one conditional commitBlockList.
// Uncommitted blocks are invisible and expire, so a failed upload leaves nothing listed.
import { randomBytes } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import {
  AZURE_SECRET_PARAMS,
  type AzureAuth,
  type AzureEnvironment,
  azureTokenCredential,
  consumeAzureAuth,
  consumeAzureEnvironment,
  consumeEndpoint,
  httpStatusOf,
  invalidUri,
} from '@strongroom/cloud';
import { StrongroomError } from '@strongroom/errors';
import { parseExternalUri } from '@strongroom/uri';
import { bucketOf } from './cloud-uri.js';
import { type ObjectClient, objectStoreProvider, type Retry, rootPrefix } from './object-store.js';
import type { StorageContext } from './types.js';

export { AZURE_SECRET_PARAMS };

export interface AzureConfig {
  readonly container: string;
  readonly prefix: string;
  readonly accountName: string;
  readonly auth: AzureAuth;
  readonly environment: AzureEnvironment;
  /** Service URL (`https://<account>.blob.<suffix>` or AZURE_BLOB_ENDPOINT). */
  readonly serviceUrl: string;
  readonly redacted: string;
}

export function parseAzureUri(uri: string, ctx: StorageContext = {}): AzureConfig {
  const u = parseExternalUri(uri, AZURE_SECRET_PARAMS);
  const container = bucketOf(u, 'azure', 'container');
  const accountName = u.params.consume('AZURE_ACCOUNT_NAME') || undefined;
  const environment = consumeAzureEnvironment(u);
  const endpoint = consumeEndpoint(u, 'AZURE_BLOB_ENDPOINT');
  if (!accountName) {
    throw new StrongroomError('MISSING_PARAMETER', 'azure uri missing "AZURE_ACCOUNT_NAME" parameter');
  }
  const auth = consumeAzureAuth(u, 'azure', ctx, { accountKey: true });
  u.params.rejectLeftovers('azure');
  if (!/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?$/.test(container) && container !== '$root') {
    throw invalidUri(u, `invalid container name ${JSON.stringify(container)}`);
  }
  return {
    container,
    prefix: rootPrefix(u.path),
    accountName,
    auth,
    environment,
    serviceUrl: endpoint ?? `https://${accountName}.blob.${environment.blobSuffix}`,
    redacted: u.redacted,
  };
}

async function containerClient(cfg: AzureConfig): Promise<ContainerClient> {
  const blob = await import('@azure/storage-blob');
  // Retries belong to strongroom's wrapper, which names the object and reason of each.
  const options = { retryOptions: { maxTries: 1 } };
  const credential =
    cfg.auth.kind === 'key'
      ? new blob.StorageSharedKeyCredential(cfg.accountName, cfg.auth.accountKey)
      : await azureTokenCredential(cfg.auth, cfg.environment);
  return new blob.BlobServiceClient(cfg.serviceUrl, credential, options).getContainerClient(cfg.container);
}

export class AzureObjectClient implements ObjectClient {
  constructor(readonly container: ContainerClient) {}

  async head(key: string, signal?: AbortSignal): Promise<number | undefined> {
    try {
      const p = await this.container.getBlobClient(key).getProperties({ abortSignal: signal });
      return p.contentLength ?? 0;
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async *get(key: string, start: number, end: number, signal?: AbortSignal): AsyncIterable<Uint8Array> {
    const r = await this.container.getBlobClient(key).download(start, end - start, { abortSignal: signal });
    yield* r.readableStreamBody as AsyncIterable<Uint8Array>;
  }

  async putOnce(key: string, body: Buffer, signal?: AbortSignal): Promise<void> {
    await this.container.getBlockBlobClient(key).upload(body, body.length, {
      conditions: { ifNoneMatch: '*' },
      abortSignal: signal,
    });
  }

  async putParts(
    key: string,
    parts: AsyncIterable<Buffer>,
    retry: Retry,
    signal?: AbortSignal,
  ): Promise<void> {
    const blob = this.container.getBlockBlobClient(key);
    const writer = randomBytes(12).toString('hex');
    const ids: string[] = [];
    const opts = { abortSignal: signal };
    for await (const body of parts) {
      // Ids are base64 of equal-length strings; the writer tag keeps concurrent uploads apart.
      const id = Buffer.from(`${writer}-${String(ids.length).padStart(8, '0')}`).toString('base64');
      await retry(`stage block ${ids.length + 1}`, () => blob.stageBlock(id, body, body.length, opts));
      ids.push(id);
    }
    await retry('commit block list', () =>
      blob.commitBlockList(ids, { conditions: { ifNoneMatch: '*' }, ...opts }),
    );
  }

  async *list(prefix: string, delimiter: string | undefined, signal?: AbortSignal): AsyncIterable<string[]> {
    const opts = { prefix, abortSignal: signal };
    if (delimiter) {
      for await (const page of this.container.listBlobsByHierarchy(delimiter, opts).byPage()) {
        const seg = page.segment;
        yield [...seg.blobItems.map((b) => b.name), ...(seg.blobPrefixes ?? []).map((b) => b.name)];
      }
    } else {
      for await (const page of this.container.listBlobsFlat(opts).byPage()) {
        yield page.segment.blobItems.map((b) => b.name);
      }
    }
  }

  async delete(key: string, signal?: AbortSignal): Promise<void> {
    await this.container.getBlobClient(key).deleteIfExists({ abortSignal: signal });
  }
}

export const azureStorageProvider = objectStoreProvider({
  schemes: ['azure-blob', 'azure', 'azure-storage'],
  secretParams: AZURE_SECRET_PARAMS,
  parse: parseAzureUri,
  client: async (cfg) => new AzureObjectClient(await containerClient(cfg)),
});
