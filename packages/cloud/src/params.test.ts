// The parameters every cloud shares: AUTH, explicit-with-implicit, endpoints, role chains, key files.
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { consumeAuth, consumeEndpoint, decodeJsonObject, splitRoleChain } from './params.js';
import { fails, uriOf } from './test-helpers.js';

describe('AUTH', () => {
  const auth = (query: string, disableImplicitCredentials = false) =>
    consumeAuth(uriOf(`s3://b?${query}`), 'thing', { disableImplicitCredentials });
  it('is specified by default, when empty and when written so; implicit when written so', () => {
    assert.equal(auth(''), 'specified');
    assert.equal(auth('AUTH='), 'specified');
    assert.equal(auth('AUTH=specified'), 'specified');
    assert.equal(auth('AUTH=implicit'), 'implicit');
  });
  it('is compared as written (CockroachDB): any other spelling is an error', () => {
    fails(() => auth('AUTH=IMPLICIT'), 'INVALID_PARAMETER', /unsupported value "IMPLICIT" for AUTH/);
    fails(() => auth('AUTH=default'), 'INVALID_PARAMETER');
  });
  it('implicit is refused when the context disables implicit credentials, naming the provider', () => {
    fails(
      () => auth('AUTH=implicit', true),
      'INVALID_PARAMETER',
      /^implicit credentials disallowed for thing due to --external-io-disable-implicit-credentials flag$/,
    );
    assert.equal(auth('AUTH=specified', true), 'specified');
  });
  it('consumes the parameter', () => {
    const u = uriOf('s3://b?AUTH=implicit');
    consumeAuth(u, 's3', {});
    assert.deepEqual(u.params.remaining(), []);
  });
});

describe('endpoints', () => {
  const endpoint = (value: string) => consumeEndpoint(uriOf(`s3://b?E=${encodeURIComponent(value)}`), 'E');
  it('are http(s) URLs; https:// is assumed, a trailing slash dropped', () => {
    assert.equal(endpoint('127.0.0.1:9000'), 'https://127.0.0.1:9000');
    assert.equal(endpoint('http://127.0.0.1:9000/'), 'http://127.0.0.1:9000');
    assert.equal(endpoint('https://s3.example/base'), 'https://s3.example/base');
    assert.equal(consumeEndpoint(uriOf('s3://b?E='), 'E'), undefined);
    assert.equal(consumeEndpoint(uriOf('s3://b'), 'E'), undefined);
  });
  it('refuse other schemes and non-URLs', () => {
    fails(() => endpoint('ftp://host'), 'INVALID_URI', /E must be http\(s\)/);
    fails(() => endpoint('http://[bad'), 'INVALID_URI', /E is not a URL/);
  });
});

describe('ASSUME_ROLE chains', () => {
  it('are split on commas, delegates first; absent or empty is no chain', () => {
    assert.deepEqual(splitRoleChain(undefined), []);
    assert.deepEqual(splitRoleChain(''), []);
    assert.deepEqual(splitRoleChain('a'), ['a']);
    assert.deepEqual(splitRoleChain('a, b ,c'), ['a', 'b', 'c']);
  });
  it('refuse an empty role anywhere in the chain (a hole is a typo, not a shorter chain)', () => {
    for (const chain of ['a,,b', 'a,', ',a', ' , ', ','])
      fails(() => splitRoleChain(chain), 'INVALID_PARAMETER', /empty role in its chain/);
  });
});

describe('base64 JSON key files', () => {
  it('decode to an object', () => {
    const b64 = Buffer.from('{"type":"service_account"}').toString('base64');
    assert.deepEqual(decodeJsonObject('CREDENTIALS', b64), { type: 'service_account' });
  });
  it('refuse what is not a JSON object, without echoing the value', () => {
    for (const text of ['not json', '[1]', '"s3cr3t-text"', 'null']) {
      const b64 = Buffer.from(text).toString('base64');
      fails(
        () => decodeJsonObject('CREDENTIALS', b64),
        'INVALID_PARAMETER',
        /^decoding value of CREDENTIALS/,
      );
      assert.throws(
        () => decodeJsonObject('CREDENTIALS', b64),
        (e: Error) => !e.message.includes(b64) && !e.message.includes('s3cr3t'),
      );
    }
  });
});
