import assert from 'node:assert/strict';
import { isStrongroomError } from '@strongroom/errors';
import { describe, it } from 'vitest';
import { parseExternalUri } from './parse-external-uri.js';

function rejects(uri: string, code: string, pattern: RegExp): void {
  assert.throws(
    () => parseExternalUri(uri),
    (err: unknown) => isStrongroomError(err) && err.code === code && pattern.test(err.message),
  );
}

describe('parseExternalUri', () => {
  it('splits scheme, host, path and parameters', () => {
    const u = parseExternalUri('S3://my-bucket/some/pre%20fix?AWS_REGION=eu-west-1&AUTH=implicit');
    assert.equal(u.scheme, 's3');
    assert.equal(u.host, 'my-bucket');
    assert.equal(u.path, '/some/pre fix');
    assert.equal(u.params.consume('AWS_REGION'), 'eu-west-1');
    assert.equal(u.params.consume('AWS_REGION'), undefined);
    assert.deepEqual(u.params.remaining(), ['AUTH']);
  });

  it('handles empty hosts, user info and ports', () => {
    const k = parseExternalUri('local:///etc/keys/k1');
    assert.equal(k.host, '');
    assert.equal(k.path, '/etc/keys/k1');
    const p = parseExternalUri('postgres://al%40ice:p%3Ass@db:5432/app');
    assert.equal(p.username, 'al@ice');
    assert.equal(p.password, 'p:ss');
    assert.equal(p.host, 'db:5432');
    assert.equal(p.redacted, 'postgres://al%40ice:redacted@db:5432/app');
    const n = parseExternalUri('nodelocal://1');
    assert.equal(n.host, '1');
    assert.equal(n.path, '');
  });

  it("decodes percent-escapes in values but keeps '+' literally", () => {
    const u = parseExternalUri('s3://b?COCKROACH_LOCALITY=region%3Deu&AWS_SECRET_ACCESS_KEY=a+b%2Fc');
    assert.equal(u.params.consume('COCKROACH_LOCALITY'), 'region=eu');
    assert.equal(u.params.consume('AWS_SECRET_ACCESS_KEY'), 'a+b/c');
  });

  it('rejects bad syntax with INVALID_URI and a redacted URI', () => {
    rejects('', 'INVALID_URI', /empty/);
    rejects('no-scheme/path', 'INVALID_URI', /scheme/);
    rejects('s3://b/p q', 'INVALID_URI', /whitespace/);
    rejects('s3://b/%zz', 'INVALID_URI', /percent-encoding in path/);
    rejects(
      's3://b/p?A=%zz&CREDENTIALS=topsecret',
      'INVALID_URI',
      /^(?!.*topsecret).*percent-encoding in query/,
    );
    rejects('s3://b/p?A=1&A=2', 'INVALID_URI', /A is given more than once/);
    rejects('s3://b/p?flag', 'INVALID_URI', /name=value/);
    rejects('s3://b/p?=1', 'INVALID_URI', /empty query parameter name/);
    rejects('s3://b/p?AWS_SECRET_ACCESS_KEY=ab#cd', 'INVALID_URI', /^(?!.*ab).*%23/s);
    rejects('postgres://u:hunter2@h/%zz', 'INVALID_URI', /^(?!.*hunter2).*u:redacted@h/);
  });

  it('consumeBool accepts Go ParseBool spellings and rejects the rest', () => {
    const u = parseExternalUri('s3://b?A=true&B=0&C=T&D=yes&E=');
    assert.equal(u.params.consumeBool('A'), true);
    assert.equal(u.params.consumeBool('B'), false);
    assert.equal(u.params.consumeBool('C'), true);
    assert.throws(
      () => u.params.consumeBool('D'),
      (e: unknown) => isStrongroomError(e, 'INVALID_PARAMETER'),
    );
    assert.equal(u.params.consumeBool('E'), undefined);
    assert.equal(u.params.consumeBool('MISSING'), undefined);
  });

  it('rejectLeftovers names every unconsumed parameter, sorted, except COCKROACH_LOCALITY', () => {
    const u = parseExternalUri('s3://b?ZED=1&AWS_REGION=x&COCKROACH_LOCALITY=default&ALPHA=2');
    u.params.consume('AWS_REGION');
    assert.throws(
      () => u.params.rejectLeftovers('S3'),
      (e: unknown) =>
        isStrongroomError(e, 'UNKNOWN_URI_PARAMETER') &&
        e.message === 'unknown S3 query parameters: ALPHA, ZED',
    );
    u.params.consume('ALPHA');
    u.params.consume('ZED');
    u.params.rejectLeftovers('S3');
  });
});
