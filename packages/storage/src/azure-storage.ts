// Azure Blob Storage: `azure-blob://container/prefix?…` (aliases `azure://`, `azure-storage://`)
// with CockroachDB's parameters plus AZURE_BLOB_ENDPOINT for Azurite. Creation is
// conditional (`ifNoneMatch: '*'`); streams go up as staged blocks of `partSize` (ids unique per
// writer, so racing writers never mix blocks) committed with one conditional commitBlockList.
// Uncommitted blocks are invisible and expire, so a failed upload leaves nothing listed.
import { randomBytes } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { StrongroomError } from '@strongroom/errors';
import { parseExternalUri } from '@strongroom/uri';
import { httpStatusOf } from './cloud-errors.js';
import { bucketOf, consumeAuth, endpointUrl, invalidUri } from './cloud-uri.js';
import {
  type ObjectClient,
  ObjectStoreStorage,
  type Retry,
  rootPrefix,
  withCloudRetries,
} from './object-store.js';
import type { ExternalStorage, StorageContext, StorageProvider } from './types.js';

export const AZURE_SECRET_PARAMS = ['AZURE_ACCOUNT_KEY', 'AZURE_CLIENT_SECRET'] as const;

/** AZURE_ENVIRONMENT → blob DNS suffix and Entra ID authority (go-autorest's names). */
const ENVIRONMENTS: Record<string, { suffix: string; authority: string }> = {
  AzurePublicCloud: { suffix: 'core.windows.net', authority: 'https://login.microsoftonline.com' },
  AzureUSGovernmentCloud: { suffix: 'core.usgovcloudapi.net', authority: 'https://login.microsoftonline.us' },
  AzureChinaCloud: { suffix: 'core.chinacloudapi.cn', authority: 'https://login.chinacloudapi.cn' },
  AzureGermanCloud: { suffix: 'core.cloudapi.de', authority: 'https://login.microsoftonline.de' },
};

export interface AzureConfig {
  readonly container: string;
  readonly prefix: string;
  readonly accountName: string;
  readonly auth:
    | { readonly kind: 'key'; readonly accountKey: string }
    | {
        readonly kind: 'client';
        readonly clientId: string;
        readonly clientSecret: string;
        readonly tenantId: string;
      }
    | { readonly kind: 'implicit' };
  readonly environment: string;
  /** Service URL (`https://<account>.blob.<suffix>` or AZURE_BLOB_ENDPOINT). */
  readonly serviceUrl: string;
  readonly authority: string;
  readonly redacted: string;
}

export function parseAzureUri(uri: string, ctx: StorageContext = {}): AzureConfig {
  const u = parseExternalUri(uri, AZURE_SECRET_PARAMS);
  const container = bucketOf(u, 'azure', 'container');
  const p = u.params;
  const mode = consumeAuth(u, 'azure', ctx.disableImplicitCredentials);
  const accountName = p.consume('AZURE_ACCOUNT_NAME') || undefined;
  const accountKey = p.consume('AZURE_ACCOUNT_KEY') || undefined;
  const clientId = p.consume('AZURE_CLIENT_ID') || undefined;
  const clientSecret = p.consume('AZURE_CLIENT_SECRET') || undefined;
  const tenantId = p.consume('AZURE_TENANT_ID') || undefined;
  const environment = p.consume('AZURE_ENVIRONMENT') || 'AzurePublicCloud';
  const endpointRaw = p.consume('AZURE_BLOB_ENDPOINT') || undefined;
  p.rejectLeftovers('azure');
  if (!accountName) {
    throw new StrongroomError('MISSING_PARAMETER', 'azure uri missing "AZURE_ACCOUNT_NAME" parameter');
  }
  const env = ENVIRONMENTS[environment];
  if (!env) {
    throw new StrongroomError(
      'INVALID_PARAMETER',
      `unknown AZURE_ENVIRONMENT ${JSON.stringify(environment)}`,
      {
        hint: `one of ${Object.keys(ENVIRONMENTS).join(', ')}`,
      },
    );
  }
  const clientParams = [clientId, clientSecret, tenantId].filter((v) => v !== undefined).length;
  let auth: AzureConfig['auth'];
  if (mode === 'implicit') {
    if (accountKey || clientParams > 0) {
      throw new StrongroomError(
        'INVALID_PARAMETER',
        'implicit azure auth does not take "AZURE_ACCOUNT_KEY", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET" or "AZURE_TENANT_ID"',
      );
    }
    auth = { kind: 'implicit' };
  } else if (accountKey && clientParams === 0) {
    auth = { kind: 'key', accountKey };
  } else if (!accountKey && clientParams === 3) {
    auth = { kind: 'client', clientId: clientId!, clientSecret: clientSecret!, tenantId: tenantId! };
  } else {
    throw new StrongroomError(
      'MISSING_PARAMETER',
      'explicit azure uri requires exactly one authentication method: "AZURE_ACCOUNT_KEY" OR all three of "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", and "AZURE_TENANT_ID"',
    );
  }
  const serviceUrl = endpointRaw
    ? endpointUrl(u, 'AZURE_BLOB_ENDPOINT', endpointRaw)
    : `https://${accountName}.blob.${env.suffix}`;
  if (!/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?$/.test(container) && container !== '$root') {
    throw invalidUri(u, `invalid container name ${JSON.stringify(container)}`);
  }
  return {
    container,
    prefix: rootPrefix(u.path),
    accountName,
    auth,
    environment,
    serviceUrl,
    authority: env.authority,
    redacted: u.redacted,
  };
}

async function containerClient(cfg: AzureConfig): Promise<ContainerClient> {
  const blob = await import('@azure/storage-blob');
  // Retries belong to strongroom's wrapper, which names the object and reason of each.
  const options = { retryOptions: { maxTries: 1 } };
  let credential:
    | import('@azure/core-auth').TokenCredential
    | InstanceType<typeof blob.StorageSharedKeyCredential>;
  if (cfg.auth.kind === 'key') {
    credential = new blob.StorageSharedKeyCredential(cfg.accountName, cfg.auth.accountKey);
  } else {
    const identity = await import('@azure/identity');
    credential =
      cfg.auth.kind === 'client'
        ? new identity.ClientSecretCredential(cfg.auth.tenantId, cfg.auth.clientId, cfg.auth.clientSecret, {
            authorityHost: cfg.authority,
          })
        : new identity.DefaultAzureCredential({ authorityHost: cfg.authority });
  }
  return new blob.BlobServiceClient(cfg.serviceUrl, credential, options).getContainerClient(cfg.container);
}

export class AzureObjectClient implements ObjectClient {
  constructor(readonly container: ContainerClient) {}

  async head(key: string, signal?: AbortSignal): Promise<number | undefined> {
    try {
      const p = await this.container.getBlobClient(key).getProperties(signal ? { abortSignal: signal } : {});
      return p.contentLength ?? 0;
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async *get(key: string, start: number, end: number, signal?: AbortSignal): AsyncIterable<Uint8Array> {
    const r = await this.container
      .getBlobClient(key)
      .download(start, end - start, signal ? { abortSignal: signal } : {});
    yield* r.readableStreamBody as AsyncIterable<Uint8Array>;
  }

  async putOnce(key: string, body: Buffer, signal?: AbortSignal): Promise<void> {
    await this.container.getBlockBlobClient(key).upload(body, body.length, {
      conditions: { ifNoneMatch: '*' },
      ...(signal ? { abortSignal: signal } : {}),
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
    const opts = signal ? { abortSignal: signal } : {};
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
    const opts = { prefix, ...(signal ? { abortSignal: signal } : {}) };
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
    await this.container.getBlobClient(key).deleteIfExists(signal ? { abortSignal: signal } : {});
  }
}

export const azureStorageProvider: StorageProvider = {
  schemes: ['azure-blob', 'azure', 'azure-storage'],
  secretParams: AZURE_SECRET_PARAMS,
  validate: (uri) => void parseAzureUri(uri),
  async open(uri: string, ctx: StorageContext): Promise<ExternalStorage> {
    const cfg = parseAzureUri(uri, ctx);
    const client = new AzureObjectClient(await containerClient(cfg));
    return withCloudRetries(new ObjectStoreStorage(client, cfg.prefix, cfg.redacted, ctx), ctx);
  },
};
