// Strict parsing of the three cloud KMS URIs (no network): CockroachDB's parameters and error texts,
// canonical ids and redaction. The parameters shared with storage, and the mapping of SDK errors, are
// tested in packages/cloud.
import assert from 'node:assert/strict';
import { isStrongroomError } from '@strongroom/errors';
import { describe, it } from 'vitest';
import { parseAwsKmsUri } from './aws-kms.js';
import { azureMasterKeyId, parseAzureKmsUri } from './azure-kms.js';
import { crc32c } from './crc32c.js';
import { parseGcpKmsUri } from './gcp-kms.js';
import { defaultKmsRegistry } from './registry.js';

const fails = (fn: () => unknown, code: string, text?: RegExp) =>
  assert.throws(
    fn,
    (e: unknown) => isStrongroomError(e) && e.code === code && (!text || text.test(e.message)),
  );

describe('aws:// KMS URIs', () => {
  const base = 'aws:///alias/k?REGION=us-east-1&AWS_ACCESS_KEY_ID=A&AWS_SECRET_ACCESS_KEY=s+x';
  it('parses every parameter; the id is the key as given', () => {
    const c = parseAwsKmsUri(
      `${base}&AWS_SESSION_TOKEN=t&AWS_ENDPOINT=kms.local:443&ASSUME_ROLE=r1%3Bexternal_id%3De,r2`,
    );
    assert.equal(c.keyId, 'alias/k');
    assert.equal(c.secretAccessKey, 's+x'); // '+' survives, and a form-decoded ' ' becomes '+' again
    assert.equal(parseAwsKmsUri(base.replace('s+x', 's%20x')).secretAccessKey, 's+x');
    assert.equal(c.endpoint, 'https://kms.local:443');
    assert.deepEqual(c.assumeRole, [{ arn: 'r1', externalId: 'e' }, { arn: 'r2' }]);
    assert.equal(
      parseAwsKmsUri('aws-kms:///arn:aws:kms:eu-west-1:1:key/abc?REGION=eu-west-1&AUTH=implicit').keyId,
      'arn:aws:kms:eu-west-1:1:key/abc',
    );
  });
  it('gives CockroachDB errors', () => {
    fails(
      () => parseAwsKmsUri('aws:///k?AWS_ACCESS_KEY_ID=A&AWS_SECRET_ACCESS_KEY=s'),
      'MISSING_PARAMETER',
      /^aws kms REGION parameter not specified$/,
    );
    fails(() => parseAwsKmsUri('aws:///k?REGION=r'), 'MISSING_PARAMETER', /AWS_ACCESS_KEY_ID is not set/);
    fails(
      () => parseAwsKmsUri(`${base}&REGON=x`),
      'UNKNOWN_URI_PARAMETER',
      /unknown KMS query parameters: REGON/,
    );
    fails(() => parseAwsKmsUri('aws:///?REGION=r&AUTH=implicit'), 'INVALID_URI', /cannot be empty/);
    fails(() => parseAwsKmsUri('aws:///k?REGION=r&AUTH=IMPLICIT'), 'INVALID_PARAMETER');
    fails(
      () => parseAwsKmsUri('aws:///k?REGION=r&AUTH=implicit', { disableImplicitCredentials: true }),
      'INVALID_PARAMETER',
      /implicit credentials disallowed/,
    );
  });
  it('parses the parameters shared with s3:// as s3:// does (one parser, packages/cloud)', () => {
    fails(() => parseAwsKmsUri(`${base}&ASSUME_ROLE=arn%3Aa,,arn%3Ab`), 'INVALID_PARAMETER', /empty role/);
    fails(() => parseAwsKmsUri(`aws:///k?REGION=r&AUTH=implicit&AWS_ACCESS_KEY_ID=A`), 'INVALID_PARAMETER');
    fails(
      () => parseAwsKmsUri(`${base}&AWS_ENDPOINT=ftp%3A%2F%2Fx`),
      'INVALID_URI',
      /AWS_ENDPOINT must be http/,
    );
  });
});

describe('gs:// KMS URIs', () => {
  const key = 'projects/p/locations/l/keyRings/r/cryptoKeys/k';
  it('strips the version from the id; decodes CREDENTIALS', () => {
    const creds = Buffer.from(JSON.stringify({ type: 'service_account' })).toString('base64');
    const c = parseGcpKmsUri(
      `gcp-kms:///${key}/cryptoKeyVersions/3?CREDENTIALS=${encodeURIComponent(creds)}&ASSUME_ROLE=a@x,b@x`,
    );
    assert.equal(c.keyName, key);
    assert.equal(c.name, `${key}/cryptoKeyVersions/3`);
    assert.deepEqual(c.credentials, { type: 'service_account' });
    assert.deepEqual(c.assumeRole, ['a@x', 'b@x']);
    assert.deepEqual(parseGcpKmsUri(`gs:///${key}?BEARER_TOKEN=t&GCP_KMS_ENDPOINT=127.0.0.1:9010`).endpoint, {
      host: '127.0.0.1',
      port: 9010,
    });
  });
  it('gives CockroachDB errors', () => {
    fails(
      () => parseGcpKmsUri('gs:///?AUTH=implicit'),
      'INVALID_URI',
      /path component of the KMS cannot be empty; must contain the Customer Managed Key/,
    );
    fails(
      () => parseGcpKmsUri(`gs:///${key}`),
      'MISSING_PARAMETER',
      /CREDENTIALS or BEARER_TOKEN must be set/,
    );
    fails(
      () => parseGcpKmsUri(`gs:///${key}?CREDENTIALS=bm90IGpzb24`),
      'INVALID_PARAMETER',
      /decoding value of CREDENTIALS/,
    );
    fails(() => parseGcpKmsUri(`gs:///${key}?BEARER_TOKEN=t&GCP_KMS_ENDPOINT=nohost`), 'INVALID_URI');
    fails(() => parseGcpKmsUri(`gs:///${key}?BEARER_TOKEN=t&X=1`), 'UNKNOWN_URI_PARAMETER');
  });
  it('computes CRC32C (Castagnoli)', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  });
});

describe('azure-kms:// KMS URIs', () => {
  const auth = 'AZURE_CLIENT_ID=c&AZURE_CLIENT_SECRET=s&AZURE_TENANT_ID=t';
  it('builds the vault URL from the environment; the id is vault + key name', () => {
    const c = parseAzureKmsUri(
      `azure-kms:///k/v1?AZURE_VAULT_NAME=vault&${auth}&AZURE_ENVIRONMENT=AzureChinaCloud`,
    );
    assert.equal(c.vaultUrl, 'https://vault.vault.azure.cn');
    assert.equal(azureMasterKeyId(c), 'azure-kms:vault/k');
    const e = parseAzureKmsUri(
      'azure-kms:///k/v1?AZURE_VAULT_NAME=vault&AUTH=implicit&AZURE_VAULT_URL=https%3A%2F%2F127.0.0.1%3A8443&AZURE_VAULT_CA_FILE=%2Ftmp%2Fca.pem',
    );
    assert.equal(e.vaultUrl, 'https://127.0.0.1:8443');
    assert.equal(e.caFile, '/tmp/ca.pem');
  });
  it('gives CockroachDB errors', () => {
    fails(
      () => parseAzureKmsUri(`azure-kms:///k?AZURE_VAULT_NAME=v&${auth}`),
      'INVALID_URI',
      /^azure kms key must be of form 'id\/version'$/,
    );
    fails(
      () => parseAzureKmsUri('azure-kms:///k/v?AZURE_VAULT_NAME=v'),
      'INVALID_PARAMETER',
      /azure kms requires explicit auth \(RBAC\) or implicit auth/,
    );
    fails(
      () =>
        parseAzureKmsUri(
          'azure-kms:///k/v?AZURE_VAULT_NAME=v&AZURE_ACCOUNT_NAME=a&AZURE_ACCOUNT_KEY=k&AUTH=implicit',
        ),
      'INVALID_PARAMETER',
      /requires explicit auth/,
    );
    fails(
      () => parseAzureKmsUri('azure-kms:///k/v?AZURE_VAULT_NAME=v&AZURE_CLIENT_ID=c'),
      'MISSING_PARAMETER',
    );
    fails(
      () => parseAzureKmsUri(`azure-kms:///k/v?AZURE_VAULT_NAME=v&AUTH=implicit&AZURE_CLIENT_ID=c`),
      'INVALID_PARAMETER',
    );
    fails(() => parseAzureKmsUri(`azure-kms:///k/v?${auth}`), 'MISSING_PARAMETER', /AZURE_VAULT_NAME/);
    fails(
      () => parseAzureKmsUri(`azure-kms:///k/v?AZURE_VAULT_NAME=v&${auth}&AZURE_VAULT_URL=http%3A%2F%2Fx`),
      'INVALID_URI',
    );
    fails(
      () => parseAzureKmsUri(`azure-kms:///k/v?AZURE_VAULT_NAME=v&${auth}&AZURE_ENVIRONMENT=Mars`),
      'INVALID_PARAMETER',
    );
  });
});

describe('secrets', () => {
  it('the default registry redacts every cloud secret parameter', () => {
    const r = defaultKmsRegistry();
    const out = r.redact(
      'aws:///k?REGION=r&AWS_ACCESS_KEY_ID=A&AWS_SECRET_ACCESS_KEY=S1&AWS_SESSION_TOKEN=S2&CREDENTIALS=S3&BEARER_TOKEN=S4&AZURE_CLIENT_SECRET=S5',
    );
    for (const s of ['S1', 'S2', 'S3', 'S4', 'S5']) assert.ok(!out.includes(`=${s}`));
    assert.ok(out.includes('AWS_ACCESS_KEY_ID=A'));
  });
});
