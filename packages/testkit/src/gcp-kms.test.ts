// The KMS conformance suite against the in-repo gRPC Cloud KMS, through the real @google-cloud/kms
// client of the gs:// provider (plaintext gRPC via GCP_KMS_ENDPOINT, a BEARER_TOKEN auth client).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { defaultKmsRegistry } from '@strongroom/kms';
import { afterAll, beforeAll, it } from 'vitest';
import { type GcpKmsServer, startGcpKmsServer } from './emulators/gcp-kms-server.js';
import { freePort } from './emulators/launch.js';
import { runKmsConformance } from './kms-conformance.js';

const TOKEN = `fake-bearer-${randomBytes(8).toString('hex')}`;
const RING = 'projects/p/locations/global/keyRings/r';

let server: GcpKmsServer;
beforeAll(async () => {
  server = await startGcpKmsServer();
  server.createKey(RING, 'k1');
  server.createKey(RING, 'k2');
});
afterAll(() => server?.stop());

const registry = defaultKmsRegistry();
const uri = (key: string, endpoint = server.endpoint) =>
  `gs:///${key}?BEARER_TOKEN=${TOKEN}&GCP_KMS_ENDPOINT=${endpoint}`;
let n = 0;
const wrappedThen = async (state: 'DISABLED' | 'DESTROYED') => {
  const name = server.createKey(RING, `changed-${++n}`);
  const kms = await registry.open(uri(name));
  const wrapped = await kms.encrypt(randomBytes(32));
  server.setState(name, 1, state);
  return { kms, wrapped };
};

runKmsConformance('gcp (in-repo gRPC server)', async () => ({
  open: () => registry.open(uri(`${RING}/cryptoKeys/k1`)),
  openOther: () => registry.open(uri(`${RING}/cryptoKeys/k2`)),
  openMissing: () => registry.open(uri(`${RING}/cryptoKeys/nope`)),
  openDisabled: () => wrappedThen('DISABLED'),
  openDeleted: () => wrappedThen('DESTROYED'),
  openUnreachable: async () => registry.open(uri(`${RING}/cryptoKeys/k1`, `127.0.0.1:${await freePort()}`)),
  secrets: [TOKEN],
}));

it('decrypts across key versions; the id never carries the version', async () => {
  const name = server.createKey(RING, 'rotated');
  const v1 = await registry.open(uri(`${name}/cryptoKeyVersions/1`));
  const dataKey = randomBytes(32);
  const old = await v1.encrypt(dataKey);
  server.setPrimary(name, server.addVersion(name));
  const key = await registry.open(uri(name));
  assert.equal(key.masterKeyId, name);
  assert.equal(v1.masterKeyId, name);
  assert.deepEqual(Buffer.from(await key.decrypt(old)), dataKey);
  assert.deepEqual(Buffer.from(await v1.decrypt(await key.encrypt(dataKey))), dataKey);
});
