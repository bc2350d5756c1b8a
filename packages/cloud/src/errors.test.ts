// SDK failures → the catalogue: the shapes the three SDKs (and sockets) give, storage's mapping by
// status and service code, and KMS messages scrubbed of secrets.
import assert from 'node:assert/strict';
import { StrongroomError } from '@strongroom/errors';
import { describe, it } from 'vitest';
import { errorCodeOf, httpStatusOf, isNetworkError, kmsError, scrub, storageError } from './errors.js';

describe('what an SDK error says', () => {
  it('the HTTP status, from the AWS, Azure, GCS and gax shapes', () => {
    assert.equal(httpStatusOf({ $metadata: { httpStatusCode: 503 } }), 503);
    assert.equal(httpStatusOf({ statusCode: 404 }), 404);
    assert.equal(httpStatusOf({ status: 409 }), 409);
    assert.equal(httpStatusOf({ code: 412 }), 412);
    assert.equal(httpStatusOf({ code: 14 }), undefined); // a gRPC code is no HTTP status
    assert.equal(httpStatusOf(null), undefined);
  });
  it('the short code: a string code, a GCS reason, a specific name, through causes', () => {
    assert.equal(errorCodeOf({ code: 'ECONNRESET' }), 'ECONNRESET');
    assert.equal(errorCodeOf({ errors: [{ reason: 'conditionNotMet' }] }), 'conditionNotMet');
    assert.equal(errorCodeOf(Object.assign(new Error('x'), { name: 'NoSuchKey' })), 'NoSuchKey');
    assert.equal(errorCodeOf(new Error('x', { cause: { code: 'EPIPE' } })), 'EPIPE');
    assert.equal(errorCodeOf(Object.assign(new Error('x'), { name: 'RestError' })), undefined);
  });
  it('network failures, by code, name, message, aggregate or cause', () => {
    assert.ok(isNetworkError({ code: 'ECONNREFUSED' }));
    assert.ok(isNetworkError({ code: 'UND_ERR_SOCKET' }));
    assert.ok(isNetworkError({ name: 'TimeoutError' }));
    assert.ok(isNetworkError(new Error('socket hang up')));
    assert.ok(isNetworkError({ errors: [{ code: 'ECONNREFUSED' }] }));
    assert.ok(isNetworkError(new Error('x', { cause: { code: 'ETIMEDOUT' } })));
    assert.ok(!isNetworkError(new Error('access denied')));
    const loop: { cause?: unknown } = {};
    loop.cause = loop;
    assert.ok(!isNetworkError(loop));
  });
});

describe('storage errors', () => {
  const at = (err: unknown, creating = false) => storageError(err, 'write', 'a/b', 's3://b', creating);
  it('retry throttling, 5xx, 408/429 and dropped connections; not other 4xx', () => {
    assert.equal(at({ $metadata: { httpStatusCode: 503 }, name: 'SlowDown' }).retryable, true);
    assert.equal(at({ statusCode: 429 }).retryable, true);
    assert.equal(at({ statusCode: 408 }).retryable, true);
    assert.equal(at({ code: 'ECONNRESET' }).retryable, true);
    assert.equal(at(new Error('x')).code, 'STORAGE_UNAVAILABLE'); // nothing known: transient
    assert.equal(at({ $metadata: { httpStatusCode: 403 }, name: 'AccessDenied' }).code, 'STORAGE_IO');
    assert.equal(at({ $metadata: { httpStatusCode: 403 } }).retryable, false);
    assert.match(at({ statusCode: 403 }).message, /access denied: check the credentials/);
  });
  it('a failed create precondition is STORAGE_ALREADY_EXISTS, only when creating', () => {
    assert.equal(at({ code: 412 }, true).code, 'STORAGE_ALREADY_EXISTS');
    assert.equal(at({ statusCode: 409, code: 'BlobAlreadyExists' }, true).code, 'STORAGE_ALREADY_EXISTS');
    assert.equal(
      at({ errors: [{ reason: 'conditionNotMet' }], code: 412 }, true).code,
      'STORAGE_ALREADY_EXISTS',
    );
    assert.equal(at({ code: 412 }).code, 'STORAGE_IO');
  });
  it('missing objects and missing buckets', () => {
    assert.equal(at({ $metadata: { httpStatusCode: 404 }, name: 'NoSuchKey' }).code, 'STORAGE_NOT_FOUND');
    const bucket = at({ $metadata: { httpStatusCode: 404 }, name: 'NoSuchBucket' });
    assert.equal(bucket.code, 'STORAGE_IO');
    assert.match(bucket.message, /bucket or container does not exist/);
  });
  it('name the object, the status and the code; keep StrongroomErrors; report aborts as canceled', () => {
    assert.match(
      at({ $metadata: { httpStatusCode: 503 }, name: 'SlowDown' }).message,
      /a\/b in s3:\/\/b: HTTP 503 SlowDown/,
    );
    const own = new StrongroomError('STORAGE_IO', 'mine');
    assert.equal(at(own), own);
    assert.equal(at(Object.assign(new Error('x'), { name: 'AbortError' })).code, 'CANCELED');
  });
});

describe('KMS errors', () => {
  it('carry the catalogue code of each failure kind; unavailable and other are retryable', () => {
    const e = (kind: Parameters<typeof kmsError>[0]) =>
      kmsError(kind, 'decrypt', 'aws:///k', new Error('x'), []);
    assert.equal(e('not-found').code, 'KMS_KEY_NOT_FOUND');
    assert.equal(e('disabled').code, 'KMS_KEY_DISABLED');
    assert.equal(e('denied').code, 'KMS_ACCESS_DENIED');
    assert.equal(e('wrong-key').code, 'WRONG_KEY');
    assert.equal(e('unavailable').code, 'KMS_UNAVAILABLE');
    assert.equal(e('unavailable').retryable, true);
    assert.equal(e('other').code, 'KMS_UNAVAILABLE');
    assert.equal(e('other').retryable, true);
    assert.equal(e('denied').retryable, false);
    assert.match(e('disabled').message, /^failed to decrypt with KMS aws:\/\/\/k: the key is disabled/);
  });
  it('scrub every secret, also URI-encoded, out of the SDK message', () => {
    const err = new Error('bad token very-secret/1 (very-secret%2F1)');
    const e = kmsError('denied', 'decrypt', 'aws:///k', err, ['very-secret/1']);
    assert.ok(!e.message.includes('very-secret'), e.message);
    assert.equal(scrub('abc abcd', ['abc', 'abcd']), 'abc redacted'); // under 4 characters: too common to hide
  });
});
