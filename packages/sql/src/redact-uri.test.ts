import assert from 'node:assert/strict';
import fc from 'fast-check';
import { test } from 'vitest';
import { redactUri, SECRET_URI_PARAMS } from './index.js';

test('every listed secret parameter is redacted, public ids are kept', () => {
  for (const p of SECRET_URI_PARAMS) {
    assert.equal(redactUri(`s3://b/p?${p}=hush&REGION=x`), `s3://b/p?${p}=redacted&REGION=x`);
  }
  assert.equal(
    redactUri('s3://b?AWS_ACCESS_KEY_ID=AKIA&AZURE_ACCOUNT_NAME=acct&KMS_KEY_ID=k'),
    's3://b?AWS_ACCESS_KEY_ID=AKIA&AZURE_ACCOUNT_NAME=acct&KMS_KEY_ID=k',
  );
});

test('names containing SECRET, TOKEN, PASSWORD or KEY are redacted, case-insensitively', () => {
  assert.equal(
    redactUri('x://h/p?my_secret=1&api_token=2&Password=3&sas_key=4&keep=5'),
    'x://h/p?my_secret=redacted&api_token=redacted&Password=redacted&sas_key=redacted&keep=5',
  );
});

test('user:password@ loses the password; a fragment is hidden too', () => {
  assert.equal(
    redactUri('postgres://bob:hunter2@db:5432/x?sslmode=require#f'),
    'postgres://bob:redacted@db:5432/x?sslmode=require#redacted',
  );
  assert.equal(redactUri('postgres://bob@db/x'), 'postgres://bob@db/x');
  assert.equal(redactUri('nodelocal://1/backups'), 'nodelocal://1/backups');
});

test('never throws and never leaks a listed secret value', () => {
  fc.assert(
    fc.property(
      fc.string(),
      fc.constantFrom(...SECRET_URI_PARAMS),
      fc.stringMatching(/^[A-Za-z0-9]{12}$/),
      (junk, p, v) => {
        assert.equal(typeof redactUri(junk), 'string');
        assert.ok(!redactUri(`s3://b/${junk.replace(/[?#&]/g, '')}?${p}=${v}`).includes(v));
      },
    ),
    { numRuns: 500 },
  );
  assert.equal(redactUri('%%%://@@@?=&&=%zz'), '%%%://@@@?redacted');
});
