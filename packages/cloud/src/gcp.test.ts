// Google parameters as gs:// storage and gs:// KMS URIs share them, the auth clients built from them,
// and the mapping of Cloud KMS (gRPC) errors.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'vitest';
import {
  classifyGcpKmsError,
  consumeGcpCredentials,
  gcpAuthClient,
  gcpSecrets,
  parseGcpRoleChain,
} from './gcp.js';
import { fails, uriOf } from './test-helpers.js';

const b64 = (v: unknown) => encodeURIComponent(Buffer.from(JSON.stringify(v)).toString('base64'));
const consume = (query: string, ctx = {}, anonymousAllowed = false) => {
  const u = uriOf(`gs://b?${query}`);
  const cfg = consumeGcpCredentials(u, 'gs', ctx, { anonymousAllowed });
  return { cfg, left: u.params.remaining() };
};

describe('Google credentials', () => {
  it('decode CREDENTIALS; take BEARER_TOKEN and an impersonation chain, consuming exactly those', () => {
    const { cfg, left } = consume(
      `CREDENTIALS=${b64({ project_id: 'p' })}&ASSUME_ROLE=a@x,b@x&GCS_ENDPOINT=e`,
    );
    assert.deepEqual(cfg.credentials, { project_id: 'p' });
    assert.deepEqual(cfg.assumeRole, ['a@x', 'b@x']);
    assert.deepEqual(left, ['GCS_ENDPOINT']);
    assert.equal(consume('BEARER_TOKEN=fake-token').cfg.bearerToken, 'fake-token');
  });
  it('AUTH=specified needs CREDENTIALS or BEARER_TOKEN, unless anonymous requests are allowed', () => {
    fails(
      () => consume(''),
      'MISSING_PARAMETER',
      /CREDENTIALS or BEARER_TOKEN must be set if "AUTH" is "specified"/,
    );
    assert.equal(consume('', {}, true).cfg.auth, 'specified');
  });
  it('AUTH=implicit is the key file of GOOGLE_APPLICATION_CREDENTIALS and nothing else', () => {
    const { cfg } = consume('AUTH=implicit', { env: { GOOGLE_APPLICATION_CREDENTIALS: '/k.json' } });
    assert.equal(cfg.keyFilename, '/k.json');
    fails(
      () => consume('AUTH=implicit', { env: {} }),
      'MISSING_PARAMETER',
      /never queries the metadata server/,
    );
    // Checking a statement (syntax only) does not need the variable: the machine that runs it will.
    assert.equal(consume('AUTH=implicit', { env: {}, syntaxOnly: true }).cfg.auth, 'implicit');
    fails(
      () => consume('AUTH=implicit&BEARER_TOKEN=t', { env: {}, syntaxOnly: true }),
      'INVALID_PARAMETER',
      /AUTH=implicit does not take BEARER_TOKEN/,
    );
    fails(
      () => consume('AUTH=implicit&BEARER_TOKEN=t', { env: { GOOGLE_APPLICATION_CREDENTIALS: '/k' } }),
      'INVALID_PARAMETER',
      /AUTH=implicit does not take BEARER_TOKEN/,
    );
  });
  it('refuses CREDENTIALS that are not a base64 JSON key file', () => {
    fails(() => consume('CREDENTIALS=bm90IGpzb24'), 'INVALID_PARAMETER', /decoding value of CREDENTIALS/);
  });
  it('chains are service accounts: no empty element, no role options', () => {
    fails(() => parseGcpRoleChain('a@x,,b@x'), 'INVALID_PARAMETER', /empty role/);
    fails(
      () => parseGcpRoleChain('a@x;external_id=e'),
      'INVALID_PARAMETER',
      /service accounts separated by commas/,
    );
  });
  it('lists the token and the private key (and its long lines) as secrets', () => {
    const key = 'line-one-of-the-fake-key\nline-two-of-the-fake-key';
    const { cfg } = consume(`CREDENTIALS=${b64({ private_key: key })}&BEARER_TOKEN=fake-token`);
    assert.deepEqual(gcpSecrets(cfg), [
      'fake-token',
      key,
      'line-one-of-the-fake-key',
      'line-two-of-the-fake-key',
    ]);
  });
});

describe('Google auth clients', () => {
  const scope = ['https://www.googleapis.com/auth/cloudkms'];
  it('a bearer token is sent as it is, never refreshed', async () => {
    const client = await gcpAuthClient(consume('BEARER_TOKEN=fake-token').cfg, scope);
    const headers = await client!.getRequestHeaders();
    assert.equal(headers.get('authorization'), 'Bearer fake-token');
  });
  it('a service account becomes a JWT client of the scopes; anonymous is no client', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const credentials = {
      type: 'service_account',
      client_email: 'fake@p.iam.gserviceaccount.com',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    const client = (await gcpAuthClient(
      consume(`CREDENTIALS=${b64(credentials)}`).cfg,
      scope,
    )) as unknown as {
      email?: string;
      scopes?: unknown;
    };
    assert.equal(client.email, 'fake@p.iam.gserviceaccount.com');
    assert.deepEqual(client.scopes, scope);
    assert.equal(await gcpAuthClient(consume('', {}, true).cfg, scope), undefined);
  });
  it('a chain impersonates its last account through the others', async () => {
    const client = (await gcpAuthClient(
      consume('BEARER_TOKEN=t&ASSUME_ROLE=d1@x,d2@x,target@x').cfg,
      scope,
    )) as unknown as {
      targetPrincipal: string;
      delegates: string[];
      targetScopes: string[];
    };
    assert.equal(client.targetPrincipal, 'target@x');
    assert.deepEqual(client.delegates, ['d1@x', 'd2@x']);
    assert.deepEqual(client.targetScopes, scope);
    await assert.rejects(
      () => gcpAuthClient(consume('ASSUME_ROLE=t@x', {}, true).cfg, scope),
      /needs credentials/,
    );
  });
});

describe('Cloud KMS errors', () => {
  const kind = (code: number, action: 'encrypt' | 'decrypt' = 'encrypt') =>
    classifyGcpKmsError(Object.assign(new Error('x'), { code }), action);
  it('map gRPC status codes to failure kinds', () => {
    assert.equal(kind(5), 'not-found');
    assert.equal(kind(9), 'disabled');
    assert.equal(kind(7), 'denied');
    assert.equal(kind(16), 'denied');
    assert.equal(kind(14), 'unavailable');
    assert.equal(kind(4), 'unavailable');
    assert.equal(kind(3, 'decrypt'), 'wrong-key');
    assert.equal(kind(3, 'encrypt'), 'other');
    assert.equal(kind(13), 'other');
    assert.equal(
      classifyGcpKmsError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'encrypt'),
      'unavailable',
    );
  });
});
