import assert from 'node:assert/strict';
import { isStrongroomError } from '@strongroom/errors';
import { describe, it } from 'vitest';
import { matchLocality, matchLocalityTier, parseLocalityUris } from './locality-uris.js';

function fails(uris: string[], message: string, code = 'INVALID_LOCALITY'): void {
  assert.throws(
    () => parseLocalityUris(uris),
    (e: unknown) => isStrongroomError(e) && e.code === code && e.message === message,
  );
}

describe('parseLocalityUris (CockroachDB locality URI rules)', () => {
  it('one URI without the parameter, or with default, is the default', () => {
    for (const uri of ['nodelocal://1/b', 'nodelocal://1/b?COCKROACH_LOCALITY=default']) {
      const r = parseLocalityUris([uri]);
      assert.equal(r.defaultUri, 'nodelocal://1/b');
      assert.equal(r.byLocality.size, 0);
      assert.equal(r.localityAware, false);
    }
  });

  it('keeps other parameters as written when stripping', () => {
    const r = parseLocalityUris(['s3://b/p?A=x%2By&COCKROACH_LOCALITY=default&B=2']);
    assert.equal(r.defaultUri, 's3://b/p?A=x%2By&B=2');
  });

  it('one URI with a non-default locality is invalid', () => {
    fails(
      ['nodelocal://1/b?COCKROACH_LOCALITY=region%3Deu'],
      'COCKROACH_LOCALITY region=eu is invalid for a single BACKUP location',
    );
  });

  it('several URIs: default and single tiers, stripped', () => {
    const r = parseLocalityUris([
      'nodelocal://1/a?COCKROACH_LOCALITY=default',
      'nodelocal://1/eu?COCKROACH_LOCALITY=region%3Deu&X=1',
      'nodelocal://1/us?COCKROACH_LOCALITY=region=us',
    ]);
    assert.equal(r.localityAware, true);
    assert.equal(r.defaultUri, 'nodelocal://1/a');
    assert.deepEqual(
      [...r.byLocality],
      [
        ['region=eu', 'nodelocal://1/eu?X=1'],
        ['region=us', 'nodelocal://1/us'],
      ],
    );
  });

  it('several URIs: every one must carry the parameter', () => {
    fails(
      ['nodelocal://1/a?COCKROACH_LOCALITY=default', 'nodelocal://1/b'],
      'multiple URLs are provided for partitioned BACKUP, but COCKROACH_LOCALITY is not specified',
    );
  });

  it('several URIs: exactly one default', () => {
    fails(
      ['nodelocal://1/a?COCKROACH_LOCALITY=region%3Deu', 'nodelocal://1/b?COCKROACH_LOCALITY=region%3Dus'],
      'no default URL provided for partitioned backup',
    );
    fails(
      ['nodelocal://1/a?COCKROACH_LOCALITY=default', 'nodelocal://1/b?COCKROACH_LOCALITY=default'],
      'multiple default URLs provided for partition backup',
    );
  });

  it('several URIs: a locality is exactly one key=value tier', () => {
    for (const bad of [
      'region',
      'region%3D',
      '%3Deu',
      'a%3Db%3Dc',
      'region%3Deast%2Caz%3Daz1',
      'a%3Db%2Cc',
    ]) {
      const value = decodeURIComponent(bad);
      fails(
        ['nodelocal://1/a?COCKROACH_LOCALITY=default', `nodelocal://1/b?COCKROACH_LOCALITY=${bad}`],
        `failed to parse backup locality: tier must be in the form "key=value" not ${JSON.stringify(value)}`,
      );
    }
  });

  it('several URIs: no duplicate locality', () => {
    fails(
      [
        'nodelocal://1/a?COCKROACH_LOCALITY=default',
        'nodelocal://1/b?COCKROACH_LOCALITY=region%3Deu',
        'nodelocal://1/c?COCKROACH_LOCALITY=region%3Deu',
      ],
      'duplicate URIs for locality region=eu',
    );
  });

  it('rejects an empty list and malformed URIs', () => {
    fails([], 'no backup location given', 'INVALID_URI');
    assert.throws(
      () => parseLocalityUris(['s3://b?CREDENTIALS=topsecret&x']),
      (e: unknown) => isStrongroomError(e, 'INVALID_URI') && !e.message.includes('topsecret'),
    );
  });
});

describe('matchLocality', () => {
  const byLocality = new Map([
    ['region=eu', 'uri-eu'],
    ['zone=eu-1a', 'uri-eu-1a'],
  ]);

  it('prefers the most specific (last) tier', () => {
    assert.equal(matchLocality('region=eu,zone=eu-1a', byLocality), 'uri-eu-1a');
    assert.equal(matchLocalityTier('region=eu,zone=eu-1a', byLocality), 'zone=eu-1a');
    assert.equal(matchLocality('region=eu,zone=eu-1b', byLocality), 'uri-eu');
    assert.equal(matchLocality('region=eu', byLocality), 'uri-eu');
  });

  it('returns undefined when no tier matches', () => {
    assert.equal(matchLocality('region=us,zone=eu-1b', byLocality), undefined);
    assert.equal(matchLocality('', byLocality), undefined);
    assert.equal(matchLocality('region=eu', new Map()), undefined);
  });
});
