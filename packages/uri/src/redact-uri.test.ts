import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it, test } from 'vitest';
import { redactUri } from './redact-uri.js';
import { SECRET_URI_PARAMS } from './secret-params.js';

describe('redactUri', () => {
  for (const param of SECRET_URI_PARAMS) {
    it(`redacts ${param}`, () => {
      const uri = `s3://bucket/p?AWS_ACCESS_KEY_ID=id&${param}=s3cr%2Bet&AUTH=specified`;
      assert.equal(redactUri(uri), `s3://bucket/p?AWS_ACCESS_KEY_ID=id&${param}=redacted&AUTH=specified`);
    });
  }

  it('matches secret names regardless of case and encoding', () => {
    assert.equal(redactUri('s3://b?aws_secret_access_key=x'), 's3://b?aws_secret_access_key=redacted');
    assert.equal(redactUri('s3://b?AWS%5FSECRET_ACCESS_KEY=x'), 's3://b?AWS%5FSECRET_ACCESS_KEY=redacted');
  });

  it('redacts extra secret parameters declared by providers', () => {
    assert.equal(redactUri('x://h/p?SIG=abc&A=1', ['SIG']), 'x://h/p?SIG=redacted&A=1');
    assert.equal(redactUri('x://h/p?SIG=abc&A=1'), 'x://h/p?SIG=abc&A=1');
  });

  it('redacts any parameter whose name says it holds a secret, keeps public ids', () => {
    assert.equal(
      redactUri('x://h/p?my_secret=1&api_token=2&Password=3&sas_key=4&keep=5'),
      'x://h/p?my_secret=redacted&api_token=redacted&Password=redacted&sas_key=redacted&keep=5',
    );
    assert.equal(
      redactUri('s3://b?AWS_ACCESS_KEY_ID=AKIA&AZURE_ACCOUNT_NAME=acct&KMS_KEY_ID=k'),
      's3://b?AWS_ACCESS_KEY_ID=AKIA&AZURE_ACCOUNT_NAME=acct&KMS_KEY_ID=k',
    );
  });

  it('redacts the password of user:password@ and keeps the user', () => {
    assert.equal(redactUri('postgres://alice:hunter2@db:5432/app'), 'postgres://alice:redacted@db:5432/app');
    assert.equal(redactUri('postgres://alice@db/app'), 'postgres://alice@db/app');
    assert.equal(redactUri('postgres://a:b@c@db/app'), 'postgres://a:redacted@db/app');
  });

  it('hides passwords holding unescaped / ? #', () => {
    for (const uri of ['s3://u:pa/ss@host/p', 's3://u:pa?ss@host/p', 's3://u:pa#ss@host/p']) {
      const out = redactUri(uri);
      assert.ok(!out.includes('pa'), out);
      assert.ok(!out.includes('ss'), out);
    }
  });

  it('leaves URIs without secrets unchanged', () => {
    for (const uri of ['nodelocal://1/backups', 'local:///keys/k1', 'file:///x?A=1&B=', 's3://b/p?']) {
      assert.equal(redactUri(uri), uri);
    }
  });

  it('redacts fragments and valueless query pairs (likely parts of a secret)', () => {
    assert.equal(
      redactUri('s3://b/p?AWS_SECRET_ACCESS_KEY=ab#cd'),
      's3://b/p?AWS_SECRET_ACCESS_KEY=redacted#redacted',
    );
    assert.equal(redactUri('s3://b/p?A=1&secretstuff'), 's3://b/p?A=1&redacted');
  });

  it('never throws on garbage and hides its query', () => {
    const garbage = [
      '',
      '::::',
      'no scheme?CREDENTIALS=abc',
      '%%%?x=%zz',
      '//u:pw@h/p',
      '\u0000?k=v',
      '1abc://x?q',
    ];
    for (const g of garbage) {
      const out = redactUri(g);
      assert.equal(typeof out, 'string');
      assert.ok(!out.includes('abc') || !g.includes('?CREDENTIALS'), out);
    }
    assert.equal(redactUri('not a uri?CREDENTIALS=abc'), 'not a uri?redacted');
    assert.equal(redactUri('bad uri://u:pw@h/p'), 'bad uri://u:redacted@h/p');
    assert.equal(redactUri(undefined as unknown as string), 'undefined');
  });
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
