// AWS parameters as s3:// and aws:// KMS URIs share them, the role chain walked through STS, and the
// mapping of AWS KMS errors.
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  awsCredentials,
  awsSecrets,
  classifyAwsKmsError,
  consumeAwsCredentials,
  parseAwsRoleChain,
} from './aws.js';
import { fails, uriOf } from './test-helpers.js';

const keys = 'AWS_ACCESS_KEY_ID=AKIAFAKE&AWS_SECRET_ACCESS_KEY=fake%2Bsecret';
const consume = (query: string, ctx = {}) => {
  const u = uriOf(`s3://b?${query}`);
  const cfg = consumeAwsCredentials(u, 's3', ctx);
  return { cfg, left: u.params.remaining() };
};

describe('AWS credentials', () => {
  it('parses static keys, token, endpoint and chain, consuming exactly those', () => {
    const { cfg, left } = consume(
      `${keys}&AWS_SESSION_TOKEN=fake-token&AWS_ENDPOINT=127.0.0.1:4566&ASSUME_ROLE=arn%3Aa%3Bexternal_id%3De,arn%3Ab&AWS_REGION=r`,
    );
    assert.equal(cfg.auth, 'specified');
    assert.equal(cfg.accessKeyId, 'AKIAFAKE');
    assert.equal(cfg.secretAccessKey, 'fake+secret');
    assert.equal(cfg.sessionToken, 'fake-token');
    assert.equal(cfg.endpoint, 'https://127.0.0.1:4566');
    assert.deepEqual(cfg.assumeRole, [{ arn: 'arn:a', externalId: 'e' }, { arn: 'arn:b' }]);
    assert.deepEqual(left, ['AWS_REGION']);
    assert.deepEqual(awsSecrets(cfg), ['fake+secret', 'fake-token']);
  });
  it("restores a form-decoded '+' in the secret (AWS secrets never hold spaces)", () => {
    assert.equal(consume('AWS_ACCESS_KEY_ID=A&AWS_SECRET_ACCESS_KEY=a%20b').cfg.secretAccessKey, 'a+b');
  });
  it('AUTH=specified needs the key id and the secret', () => {
    fails(() => consume('AWS_SECRET_ACCESS_KEY=x'), 'MISSING_PARAMETER', /AWS_ACCESS_KEY_ID is not set/);
    fails(() => consume('AWS_ACCESS_KEY_ID=x'), 'MISSING_PARAMETER', /AWS_SECRET_ACCESS_KEY is not set/);
  });
  it('AUTH=implicit takes no key, and is refused where implicit credentials are disabled', () => {
    assert.equal(consume('AUTH=implicit&ASSUME_ROLE=arn%3Ar').cfg.auth, 'implicit');
    fails(
      () => consume(`AUTH=implicit&${keys}`),
      'INVALID_PARAMETER',
      /AUTH=implicit does not take AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/,
    );
    fails(
      () => consume('AUTH=implicit', { disableImplicitCredentials: true }),
      'INVALID_PARAMETER',
      /for s3/,
    );
  });
  it('refuses a bad AWS_ENDPOINT', () => {
    fails(() => consume(`${keys}&AWS_ENDPOINT=ftp%3A%2F%2Fx`), 'INVALID_URI', /AWS_ENDPOINT must be http/);
  });
});

describe('AWS role chains', () => {
  it('take role[;external_id=ID] elements', () => {
    assert.deepEqual(parseAwsRoleChain('arn:a;external_id=x=y,arn:b'), [
      { arn: 'arn:a', externalId: 'x=y' },
      { arn: 'arn:b' },
    ]);
  });
  it('refuse empty roles, unknown options and an empty external id', () => {
    fails(() => parseAwsRoleChain('arn:a,,arn:b'), 'INVALID_PARAMETER', /empty role/);
    fails(
      () => parseAwsRoleChain('arn:a;session=x'),
      'INVALID_PARAMETER',
      /unknown ASSUME_ROLE option "session"/,
    );
    fails(() => parseAwsRoleChain('arn:a;external_id='), 'INVALID_PARAMETER');
    fails(() => parseAwsRoleChain('arn:a;external_id'), 'INVALID_PARAMETER');
  });
});

describe('AWS credential providers', () => {
  it('are the static keys without a chain, the SDK default chain (undefined) for implicit', async () => {
    const { cfg } = consume(keys);
    assert.deepEqual(await awsCredentials(cfg, 'r'), {
      accessKeyId: 'AKIAFAKE',
      secretAccessKey: 'fake+secret',
      sessionToken: undefined,
    });
    assert.equal(await awsCredentials(consume('AUTH=implicit').cfg, 'r'), undefined);
  });
  it('assume each role of a chain in order through STS at AWS_ENDPOINT', async () => {
    // A closed port: the first AssumeRole fails to connect, which shows the provider went to STS there.
    const { cfg } = consume(`${keys}&AWS_ENDPOINT=http%3A%2F%2F127.0.0.1%3A9&ASSUME_ROLE=arn%3Aa,arn%3Ab`);
    const provider = await awsCredentials(cfg, 'us-east-1');
    assert.equal(typeof provider, 'function');
    await assert.rejects(
      () => (provider as () => Promise<unknown>)(),
      (e: Error) => /ECONNREFUSED|connect/.test(`${e.message} ${String((e as { code?: unknown }).code)}`),
    );
  });
});

describe('AWS KMS errors', () => {
  const kind = (name: string, message = 'x') =>
    classifyAwsKmsError(Object.assign(new Error(message), { name }));
  it('map service exceptions to failure kinds', () => {
    assert.equal(kind('NotFoundException'), 'not-found');
    assert.equal(kind('DisabledException'), 'disabled');
    assert.equal(kind('KMSInvalidStateException'), 'disabled');
    assert.equal(kind('IncorrectKeyException'), 'wrong-key');
    assert.equal(kind('InvalidCiphertextException'), 'wrong-key');
    assert.equal(kind('AccessDeniedException'), 'denied');
    assert.equal(
      kind('AccessDeniedException', 'The ciphertext refers to a customer master key that…'),
      'wrong-key',
    );
    assert.equal(kind('ThrottlingException'), 'unavailable');
    assert.equal(kind('SomethingNew'), 'other');
    assert.equal(kind('toString'), 'other');
  });
  it('map connection failures to unavailable', () => {
    assert.equal(
      classifyAwsKmsError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })),
      'unavailable',
    );
    assert.equal(classifyAwsKmsError(new Error('x', { cause: { code: 'ECONNRESET' } })), 'unavailable');
  });
});
