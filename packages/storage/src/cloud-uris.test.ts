import assert from 'node:assert/strict';
import { isStrongroomError } from '@strongroom/errors';
import { describe, it } from 'vitest';
import { parseAzureUri } from './azure-storage.js';
import { parseGcsUri } from './gcs-storage.js';
import { defaultStorageRegistry } from './registry.js';
import { parseS3Uri } from './s3-storage.js';

const fails = (fn: () => unknown, code: string, text: string) =>
  assert.throws(
    fn,
    (e: unknown) =>
      isStrongroomError(e) && e.code === code && e.message.includes(text) && !e.message.includes('hush'),
  );

describe('cloud storage URIs', () => {
  it('parses s3 with CockroachDB parameters and errors', () => {
    const c = parseS3Uri(
      's3://b/p/q?AWS_ACCESS_KEY_ID=id&AWS_SECRET_ACCESS_KEY=a%20b&AWS_ENDPOINT=127.0.0.1:9000&AWS_USE_PATH_STYLE=true&ASSUME_ROLE=arn%3Ar1%3Bexternal_id%3De1%2Carn%3Ar2&S3_STORAGE_CLASS=STANDARD_IA&AWS_SERVER_ENC_MODE=aws%3Akms&AWS_SERVER_KMS_ID=k&COCKROACH_LOCALITY=default',
    );
    assert.equal(c.bucket, 'b');
    assert.equal(c.prefix, 'p/q/');
    assert.equal(c.secretAccessKey, 'a+b');
    assert.equal(c.endpoint, 'https://127.0.0.1:9000');
    assert.equal(c.region, 'default-region');
    assert.deepEqual(c.assumeRole, [{ arn: 'arn:r1', externalId: 'e1' }, { arn: 'arn:r2' }]);
    fails(
      () => parseS3Uri('s3:///p?AUTH=implicit'),
      'INVALID_URI',
      'empty host component; s3 URI must specify a target bucket',
    );
    fails(
      () => parseS3Uri('s3://b/p?AWS_SECRET_ACCESS_KEY=hush'),
      'MISSING_PARAMETER',
      "AUTH is set to 'specified', but AWS_ACCESS_KEY_ID is not set",
    );
    fails(
      () => parseS3Uri('s3://b?AWS_ACCESS_KEY_ID=a&BOGUS=1&AWS_SECRET_ACCESS_KEY=hush'),
      'UNKNOWN_URI_PARAMETER',
      'unknown S3 query parameters: BOGUS',
    );
    fails(
      () => parseS3Uri('s3://b?AUTH=implicit&AWS_SERVER_ENC_MODE=aws%3Akms'),
      'MISSING_PARAMETER',
      'AWS_SERVER_KMS_ID param must be set',
    );
    fails(
      () => parseS3Uri('s3://b?AUTH=implicit', { disableImplicitCredentials: true }),
      'INVALID_PARAMETER',
      'implicit credentials disallowed for s3',
    );
    // The parameters shared with aws:// KMS, parsed by the one parser of packages/cloud.
    fails(
      () => parseS3Uri('s3://b?AUTH=implicit&ASSUME_ROLE=arn%3Aa,,arn%3Ab'),
      'INVALID_PARAMETER',
      'ASSUME_ROLE has an empty role in its chain',
    );
    fails(
      () => parseS3Uri('s3://b?AUTH=implicit&AWS_SECRET_ACCESS_KEY=hush'),
      'INVALID_PARAMETER',
      'AUTH=implicit does not take AWS_SECRET_ACCESS_KEY',
    );
  });

  it('parses gs and azure-blob', () => {
    const g = parseGcsUri(
      `gs://b/x?CREDENTIALS=${Buffer.from('{"project_id":"p"}').toString('base64')}&GOOGLE_BILLING_PROJECT=bp`,
    );
    assert.equal(g.credentials?.project_id, 'p');
    fails(() => parseGcsUri('gs://b/x'), 'MISSING_PARAMETER', 'CREDENTIALS or BEARER_TOKEN must be set');
    fails(
      () => parseGcsUri('gs://b/x?AUTH=implicit', { env: {} }),
      'MISSING_PARAMETER',
      'never queries the metadata server',
    );
    fails(
      () => parseGcsUri('gs://b/x?BEARER_TOKEN=hush&X=1'),
      'UNKNOWN_URI_PARAMETER',
      'unknown gs query parameters: X',
    );
    const a = parseAzureUri(
      'azure-blob://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=hush&AZURE_ENVIRONMENT=AzureChinaCloud',
    );
    assert.equal(a.serviceUrl, 'https://acct.blob.core.chinacloudapi.cn');
    fails(
      () => parseAzureUri('azure-blob://c/p?AZURE_ACCOUNT_KEY=hush'),
      'MISSING_PARAMETER',
      'azure uri missing "AZURE_ACCOUNT_NAME" parameter',
    );
    fails(
      () => parseAzureUri('azure://c/p?AZURE_ACCOUNT_NAME=a&AZURE_ACCOUNT_KEY=hush&AZURE_CLIENT_ID=i'),
      'MISSING_PARAMETER',
      'explicit azure uri requires exactly one authentication method: "AZURE_ACCOUNT_KEY" OR all three of',
    );
  });

  it('redacts every secret parameter through the default registry', () => {
    const r = defaultStorageRegistry();
    const red = r.redact('s3://b?AWS_SECRET_ACCESS_KEY=hush&AWS_SESSION_TOKEN=hush&X=1');
    assert.equal(red.includes('hush'), false);
    assert.equal(
      r.redact('azure-blob://c?AZURE_ACCOUNT_KEY=hush&AZURE_CLIENT_SECRET=hush').includes('hush'),
      false,
    );
    assert.equal(r.redact('gs://b?CREDENTIALS=hush&BEARER_TOKEN=hush').includes('hush'), false);
  });
});
