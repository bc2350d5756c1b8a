// The KMS conformance suite against the in-repo HTTPS Key Vault, through the real
// @azure/keyvault-keys client of the azure-kms:// provider: AUTH=implicit (DefaultAzureCredential
// reaching the server's managed-identity endpoint), AZURE_VAULT_URL and AZURE_VAULT_CA_FILE.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { defaultKmsRegistry } from '@strongroom/kms';
import { afterAll, beforeAll, it } from 'vitest';
import { type KeyVaultServer, startKeyVaultServer } from './emulators/key-vault-server.js';
import { freePort } from './emulators/launch.js';
import { runKmsConformance } from './kms-conformance.js';

let kv: KeyVaultServer;
let v1: string;
let v2: string;
beforeAll(async () => {
  kv = await startKeyVaultServer();
  // DefaultAzureCredential → ManagedIdentityCredential (App Service protocol), on loopback.
  process.env.IDENTITY_ENDPOINT = kv.identityEndpoint;
  process.env.IDENTITY_HEADER = 'fake-identity-header';
  v1 = kv.createKey('k1');
  v2 = kv.createKey('k2');
});
afterAll(() => kv?.stop());

const registry = defaultKmsRegistry();
const uri = (key: string, version: string, vaultUrl = kv.vaultUrl) =>
  `azure-kms:///${key}/${version}?AZURE_VAULT_NAME=test-vault&AUTH=implicit` +
  `&AZURE_VAULT_URL=${encodeURIComponent(vaultUrl)}&AZURE_VAULT_CA_FILE=${encodeURIComponent(kv.caFile)}`;
let n = 0;
const wrappedThen = async (change: (name: string, version: string) => void) => {
  const name = `changed-${++n}`;
  const version = kv.createKey(name);
  const kms = await registry.open(uri(name, version));
  const wrapped = await kms.encrypt(randomBytes(32));
  change(name, version);
  return { kms, wrapped };
};

runKmsConformance('azure (in-repo HTTPS Key Vault)', async () => ({
  open: () => registry.open(uri('k1', v1)),
  openOther: () => registry.open(uri('k2', v2)),
  openMissing: () => registry.open(uri('nope', '0123456789abcdef0123456789abcdef')),
  openDisabled: () => wrappedThen((name, version) => kv.setEnabled(name, version, false)),
  openDeleted: () => wrappedThen((name) => kv.deleteKey(name)),
  openUnreachable: async () => registry.open(uri('k1', v1, `https://127.0.0.1:${await freePort()}`)),
  secrets: [],
}));

it('ids are vault + key name, whatever the version or credentials', async () => {
  const a = await registry.open(uri('k1', v1));
  assert.equal(a.masterKeyId, 'azure-kms:test-vault/k1');
  const b = await registry.open(
    'azure-kms:///K1/other?AZURE_VAULT_NAME=Test-Vault&AZURE_CLIENT_ID=c&AZURE_CLIENT_SECRET=s3cr3t-value&AZURE_TENANT_ID=t',
  );
  assert.equal(b.masterKeyId, a.masterKeyId);
  assert.ok(!b.redactedUri.includes('s3cr3t-value'));
});

it('refuses the emulator without its CA file: TLS stays on', async () => {
  const kms = await registry.open(
    `azure-kms:///k1/${v1}?AZURE_VAULT_NAME=test-vault&AUTH=implicit&AZURE_VAULT_URL=${encodeURIComponent(kv.vaultUrl)}`,
  );
  await assert.rejects(kms.encrypt(randomBytes(32)), (e: { code?: string }) => e.code === 'KMS_UNAVAILABLE');
});
