// Azurite (npm, blob service only) on loopback. `--skipApiVersionCheck` because @azure/storage-blob
// 12.32 sends a newer x-ms-version than Azurite 3.35 knows; `--disableTelemetry` keeps it offline.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Launched, launchInTempDir } from './launch.js';
import { REPO_ROOT } from './moto.js';

/** Azurite's well-known development account (public, documented test credentials). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite extends Launched {
  /** `http://127.0.0.1:<port>/devstoreaccount1`, for AZURE_BLOB_ENDPOINT. */
  readonly endpoint: string;
  createContainer(name: string): Promise<void>;
}

export function azuriteBinary(): string {
  return join(REPO_ROOT, 'node_modules/.bin/azurite-blob');
}

export function azuriteInstalled(): boolean {
  return existsSync(azuriteBinary());
}

/** `onDisk`: keep blobs in a temporary directory instead of memory (for very large objects). */
export async function startAzurite(onDisk = false): Promise<Azurite> {
  const endpointOf = (port: number) => `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const l = await launchInTempDir(
    'azurite',
    azuriteBinary(),
    (dir, port) => [
      ...['--blobHost', '127.0.0.1', '--blobPort', String(port)],
      ...(onDisk ? ['--location', dir] : ['--inMemoryPersistence']),
      ...['--skipApiVersionCheck', '--disableTelemetry', '--silent'],
    ],
    async (port) => (await fetch(`${endpointOf(port)}?comp=list`)).status < 500,
  );
  const endpoint = endpointOf(l.port);
  return {
    ...l,
    endpoint,
    createContainer: async (name) => {
      const { BlobServiceClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
      const svc = new BlobServiceClient(
        endpoint,
        new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
      );
      await svc.getContainerClient(name).createIfNotExists();
    },
  };
}
