export { type AzureConfig, azureStorageProvider, parseAzureUri } from './azure-storage.js';
export { type GcsConfig, gcsStorageProvider, parseGcsUri } from './gcs-storage.js';
export {
  fileStorageProvider,
  nodelocalStorageProvider,
  resolveFileUri,
  resolveNodelocal,
} from './local-providers.js';
export { LocalFileStorage } from './local-storage.js';
export { type ObjectClient, ObjectStoreStorage } from './object-store.js';
export { defaultStorageRegistry, StorageRegistry } from './registry.js';
export { parseS3Uri, type S3Config, s3StorageProvider } from './s3-storage.js';
export type * from './types.js';
export { type FaultPlan, type FaultyStorage, withFaults } from './with-faults.js';
export { describeRetry, type RetryOptions, retryCall, withRetries } from './with-retries.js';
