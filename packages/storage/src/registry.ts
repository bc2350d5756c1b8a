// The one place that maps storage URI schemes to providers. Built explicitly (nothing registers on
// import); cloud providers plug in as small descriptors whose `open` imports their SDK lazily.
// It strips nothing: callers remove COCKROACH_LOCALITY first, through parseLocalityUris.
import { ProviderRegistry } from '@strongroom/uri';
import { azureStorageProvider } from './azure-storage.js';
import { gcsStorageProvider } from './gcs-storage.js';
import { fileStorageProvider, nodelocalStorageProvider } from './local-providers.js';
import { s3StorageProvider } from './s3-storage.js';
import type { ExternalStorage, StorageContext, StorageProvider } from './types.js';

export class StorageRegistry extends ProviderRegistry<ExternalStorage, StorageContext, StorageProvider> {
  constructor(providers: readonly StorageProvider[] = []) {
    super('storage', providers);
  }

  /** Opens the storage rooted at `uri`. */
  override open(uri: string, ctx: StorageContext = {}): Promise<ExternalStorage> {
    return super.open(uri, ctx);
  }
}

/**
 * The registry of the CLI and the engine: `nodelocal://`, `file://`, `s3://`, `gs://` and
 * `azure-blob://` (with its aliases). Cloud SDKs load only when a cloud URI is opened.
 */
export function defaultStorageRegistry(): StorageRegistry {
  return new StorageRegistry([
    nodelocalStorageProvider,
    fileStorageProvider,
    s3StorageProvider,
    gcsStorageProvider,
    azureStorageProvider,
  ]);
}
