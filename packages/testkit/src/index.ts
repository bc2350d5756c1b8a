export { chunked, collect, collectNames, pseudoRandomBytes } from './bytes.js';
export { freePort, type Launched, launch, unavailable } from './emulators/launch.js';
export { type Moto, motoBinary, motoInstalled, REPO_ROOT, startMoto } from './emulators/moto.js';
export { type KmsFixture, runKmsConformance } from './kms-conformance.js';
export { type MakeStorage, runStorageConformance } from './storage-conformance.js';
