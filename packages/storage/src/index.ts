export {
  fileStorageProvider,
  nodelocalStorageProvider,
  resolveFileUri,
  resolveNodelocal,
} from './local-providers.js';
export { LocalFileStorage } from './local-storage.js';
export { defaultStorageRegistry, StorageRegistry } from './registry.js';
export type * from './types.js';
export { type FaultPlan, type FaultyStorage, withFaults } from './with-faults.js';
export { type RetryOptions, withRetries } from './with-retries.js';
