export { chunked, collect, collectNames, pseudoRandomBytes } from './bytes.js';
export { type KmsFixture, runKmsConformance } from './kms-conformance.js';
export { type MakeStorage, runStorageConformance } from './storage-conformance.js';
