// Runs the storage conformance suite against the three cloud providers, each on its emulator on a
// loopback port: moto (S3), fake-gcs-server (GCS) and Azurite (Azure Blob). Each test gets its own
// prefix in one bucket; a small part size makes the multi-MiB case a real multipart upload.

import { defaultStorageRegistry, type StorageContext } from '@strongroom/storage';
import { afterAll, beforeAll, describe } from 'vitest';
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  type Azurite,
  azuriteInstalled,
  startAzurite,
} from './emulators/azurite.js';
import { type FakeGcs, fakeGcsInstalled, startFakeGcs } from './emulators/fake-gcs.js';
import { unavailable } from './emulators/launch.js';
import { type Moto, motoInstalled, startMoto } from './emulators/moto.js';
import { runStorageConformance } from './storage-conformance.js';

const registry = defaultStorageRegistry();
// 5 MiB: S3's minimum part size; a multiple of 256 KiB as GCS wants.
const ctx: StorageContext = { partSize: 5 * 1024 * 1024, retry: { baseDelayMs: 20 } };
let n = 0;

describe('s3 on moto', () => {
  let moto: Moto | undefined;
  const skip = motoInstalled() ? undefined : unavailable('moto', 'run scripts/setup/moto.sh');
  beforeAll(async () => {
    if (skip) return;
    moto = await startMoto();
    await fetch(`${moto.endpoint}/conformance`, { method: 'PUT' });
  });
  afterAll(() => moto?.stop());
  if (skip) return void describe.skip(skip);
  runStorageConformance('s3 (moto)', () =>
    registry.open(
      `s3://conformance/run-${++n}/c?AWS_ACCESS_KEY_ID=test&AWS_SECRET_ACCESS_KEY=test-secret&AWS_ENDPOINT=${encodeURIComponent(moto!.endpoint)}&AWS_USE_PATH_STYLE=true&AWS_REGION=us-east-1`,
      ctx,
    ),
  );
});

describe('gs on fake-gcs-server', () => {
  let gcs: FakeGcs | undefined;
  const skip = fakeGcsInstalled()
    ? undefined
    : unavailable('fake-gcs-server', 'run scripts/setup/fake-gcs-server.sh');
  beforeAll(async () => {
    if (skip) return;
    gcs = await startFakeGcs();
    await gcs.createBucket('conformance');
  });
  afterAll(() => gcs?.stop());
  if (skip) return void describe.skip(skip);
  runStorageConformance('gs (fake-gcs-server)', () =>
    registry.open(`gs://conformance/run-${++n}/c?GCS_ENDPOINT=${encodeURIComponent(gcs!.endpoint)}`, ctx),
  );
});

describe('azure-blob on Azurite', () => {
  let azurite: Azurite | undefined;
  const skip = azuriteInstalled() ? undefined : unavailable('azurite', 'npm ci installs it');
  beforeAll(async () => {
    if (skip) return;
    azurite = await startAzurite();
    await azurite.createContainer('conformance');
  });
  afterAll(() => azurite?.stop());
  if (skip) return void describe.skip(skip);
  runStorageConformance('azure-blob (Azurite)', () =>
    registry.open(
      `azure-blob://conformance/run-${++n}/c?AZURE_ACCOUNT_NAME=${AZURITE_ACCOUNT}&AZURE_ACCOUNT_KEY=${encodeURIComponent(AZURITE_KEY)}&AZURE_BLOB_ENDPOINT=${encodeURIComponent(azurite!.endpoint)}`,
      ctx,
    ),
  );
});
