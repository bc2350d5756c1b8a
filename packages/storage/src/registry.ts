// The one place that maps storage URI schemes to providers. Built explicitly (nothing registers on
// import); cloud providers plug in as small descriptors whose `open` imports their SDK lazily.
// It strips nothing: callers remove COCKROACH_LOCALITY first, through parseLocalityUris.
import { SchemeRegistry } from '@strongroom/uri';
import { azureStorageProvider } from './azure-storage.js';
import { gcsStorageProvider } from './gcs-storage.js';
import { fileStorageProvider, nodelocalStorageProvider } from './local-providers.js';
import { s3StorageProvider } from './s3-storage.js';
import type { ExternalStorage, StorageContext, StorageProvider } from './types.js';

export class StorageRegistry {
  readonly #providers: SchemeRegistry<StorageProvider>;

  constructor(providers: readonly StorageProvider[] = []) {
    this.#providers = new SchemeRegistry('storage', providers);
  }

  /** Adds a provider; throws (INTERNAL) when one of its schemes is already registered. */
  register(provider: StorageProvider): void {
    this.#providers.register(provider);
  }

  /** Registered schemes, sorted. */
  get schemes(): string[] {
    return this.#providers.schemes;
  }

  /** Opens the storage rooted at `uri`; an unregistered scheme fails with UNKNOWN_SCHEME naming it. */
  async open(uri: string, ctx: StorageContext = {}): Promise<ExternalStorage> {
    return this.#providers.providerFor(uri).open(uri, ctx);
  }

  /** Throws what `open` would for the URI itself (scheme, syntax, parameters), without I/O. */
  validate(uri: string): void {
    this.#providers.providerFor(uri).validate?.(uri);
  }

  /** `uri` with the secret parameters of every registered provider redacted. */
  redact(uri: string): string {
    return this.#providers.redact(uri);
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
