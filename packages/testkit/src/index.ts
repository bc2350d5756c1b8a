export { chunked, collect, collectNames, pseudoRandomBytes } from './bytes.js';
export {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  type Azurite,
  azuriteBinary,
  azuriteInstalled,
  startAzurite,
} from './emulators/azurite.js';
export { selfSignedCertificate, type TestCertificate } from './emulators/certificate.js';
export { type FakeGcs, fakeGcsBinary, fakeGcsInstalled, startFakeGcs } from './emulators/fake-gcs.js';
export { type GcpKmsServer, startGcpKmsServer, type VersionState } from './emulators/gcp-kms-server.js';
export { type KeyVaultServer, startKeyVaultServer } from './emulators/key-vault-server.js';
export { freePort, type Launched, launch, unavailable } from './emulators/launch.js';
export { type Moto, motoBinary, motoInstalled, REPO_ROOT, startMoto } from './emulators/moto.js';
export { type MotoKeys, motoKeys } from './emulators/moto-kms.js';
export {
  type PostgresCluster,
  pgQuery,
  postgresBinDir,
  schemaDump,
  startPostgres,
  startPostgresForTests,
  tableChecksums,
} from './emulators/postgres.js';
export { type KmsFixture, runKmsConformance } from './kms-conformance.js';
export { runSourceConformance, type SourceFixture } from './source-conformance.js';
export { type MakeStorage, runStorageConformance } from './storage-conformance.js';
