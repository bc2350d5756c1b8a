// SCRAM-SHA-256 against RFC 7677's test vector and a client written here; the users file round trip.
import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import { formatVerifier, makeVerifier, mockVerifier, parseVerifier, ScramExchange } from './scram.js';
import { addUser, loadUsers } from './users.js';

const hmac = (k: Buffer, d: string) => createHmac('sha256', k).update(d).digest();

function clientFinal(password: string, clientFirstBare: string, serverFirst: string): string {
  const attrs = Object.fromEntries(serverFirst.split(',').map((p) => [p[0], p.slice(2)]));
  const salted = pbkdf2Sync(password, Buffer.from(attrs.s!, 'base64'), Number(attrs.i), 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash('sha256').update(clientKey).digest();
  const withoutProof = `c=biws,r=${attrs.r}`;
  const sig = hmac(storedKey, `${clientFirstBare},${serverFirst},${withoutProof}`);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ sig[i]!));
  return `${withoutProof},p=${proof.toString('base64')}`;
}

test("RFC 7677's verifier for user/pencil", () => {
  const v = makeVerifier('pencil', 4096, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));
  assert.equal(v.storedKey.toString('base64'), 'WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=');
  assert.equal(v.serverKey.toString('base64'), 'wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=');
  assert.deepEqual(parseVerifier(formatVerifier(v)), v);
  assert.equal(parseVerifier('md5abc'), undefined);
});

test('an exchange succeeds with the password and fails without it', () => {
  const v = makeVerifier('s3cret');
  for (const [password, ok] of [
    ['s3cret', true],
    ['wrong', false],
  ] as const) {
    const x = new ScramExchange(v, true);
    const first = x.first('n,,n=,r=clientnonce');
    assert.ok(first.ok);
    const final = x.final(clientFinal(password, 'n=,r=clientnonce', first.reply));
    assert.equal(final.ok, ok);
    if (final.ok) assert.match(final.reply, /^v=/);
    else assert.equal(final.reason, 'password');
  }
});

test('an unknown user runs the same exchange, with a stable salt, and always fails', () => {
  const secret = Buffer.alloc(32, 1);
  assert.deepEqual(mockVerifier('ghost', secret).salt, mockVerifier('ghost', secret).salt);
  const x = new ScramExchange(mockVerifier('ghost', secret), false);
  const first = x.first('n,,n=,r=abc');
  assert.ok(first.ok);
  const final = x.final(clientFinal('anything', 'n=,r=abc', first.reply));
  assert.deepEqual(final, { ok: false, reason: 'password' });
});

test('a tampered nonce or channel binding is a protocol failure', () => {
  const x = new ScramExchange(makeVerifier('p'), true);
  assert.ok(x.first('n,,n=,r=abc').ok);
  assert.deepEqual(x.final('c=biws,r=other,p=AAAA'), { ok: false, reason: 'protocol' });
  assert.deepEqual(new ScramExchange(makeVerifier('p'), true).first('p=tls-unique,,n=,r=a'), {
    ok: false,
    reason: 'protocol',
  });
});

test('the users file holds verifiers only, mode 0600', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'strongroom-users-')), 'users');
  assert.equal(addUser(path, 'app', 'correct horse'), false);
  assert.equal(addUser(path, 'app', 'battery staple'), true);
  addUser(path, 'ops', 'other');
  const text = readFileSync(path, 'utf8');
  assert.doesNotMatch(text, /battery|horse|other/);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual([...loadUsers(path).keys()], ['app', 'ops']);
  assert.throws(() => addUser(path, 'bad name', 'x'), /invalid user name/);
});
