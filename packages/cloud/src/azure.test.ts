// Azure parameters as azure-blob:// storage and azure-kms:// URIs share them: the environment table,
// the two explicit methods and implicit auth, the credentials built, and Key Vault errors.
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  azureSecrets,
  azureTokenCredential,
  classifyAzureKmsError,
  consumeAzureAuth,
  consumeAzureEnvironment,
} from './azure.js';
import { fails, uriOf } from './test-helpers.js';

const client = 'AZURE_CLIENT_ID=c&AZURE_CLIENT_SECRET=fake-secret&AZURE_TENANT_ID=t';
const consume = (query: string, accountKey = true, ctx = {}) => {
  const u = uriOf(`azure-blob://c?${query}`);
  const auth = consumeAzureAuth(u, 'azure', ctx, { accountKey });
  return { auth, left: u.params.remaining() };
};

describe('AZURE_ENVIRONMENT', () => {
  it('names one table of Blob and Key Vault suffixes and authorities; AzurePublicCloud by default', () => {
    const env = (q: string) => consumeAzureEnvironment(uriOf(`azure-blob://c?${q}`));
    assert.deepEqual(env(''), {
      name: 'AzurePublicCloud',
      blobSuffix: 'core.windows.net',
      vaultSuffix: 'vault.azure.net',
      authority: 'https://login.microsoftonline.com',
    });
    const china = env('AZURE_ENVIRONMENT=AzureChinaCloud');
    assert.equal(china.blobSuffix, 'core.chinacloudapi.cn');
    assert.equal(china.vaultSuffix, 'vault.azure.cn');
    assert.equal(
      env('AZURE_ENVIRONMENT=AzureUSGovernmentCloud').authority,
      'https://login.microsoftonline.us',
    );
    fails(() => env('AZURE_ENVIRONMENT=Mars'), 'INVALID_PARAMETER', /unknown AZURE_ENVIRONMENT "Mars"/);
    fails(() => env('AZURE_ENVIRONMENT=constructor'), 'INVALID_PARAMETER');
  });
});

describe('Azure auth', () => {
  it('is the account key or all three client parameters, consuming exactly those', () => {
    const key = consume('AZURE_ACCOUNT_KEY=fake-key&AZURE_ACCOUNT_NAME=a');
    assert.deepEqual(key.auth, { kind: 'key', accountKey: 'fake-key' });
    assert.deepEqual(key.left, ['AZURE_ACCOUNT_NAME']);
    assert.deepEqual(consume(client).auth, {
      kind: 'client',
      clientId: 'c',
      clientSecret: 'fake-secret',
      tenantId: 't',
    });
    assert.deepEqual(consume('AUTH=implicit').auth, { kind: 'implicit' });
  });
  it('refuses both methods, part of the client parameters, and none', () => {
    const exactlyOne =
      /explicit azure uri requires exactly one authentication method: "AZURE_ACCOUNT_KEY" OR all three of/;
    fails(() => consume(`AZURE_ACCOUNT_KEY=k&${client}`), 'MISSING_PARAMETER', exactlyOne);
    fails(() => consume('AZURE_ACCOUNT_KEY=k&AZURE_CLIENT_ID=c'), 'MISSING_PARAMETER', exactlyOne);
    fails(() => consume('AZURE_CLIENT_ID=c&AZURE_TENANT_ID=t'), 'MISSING_PARAMETER', exactlyOne);
    fails(() => consume(''), 'INVALID_PARAMETER', /azure requires explicit auth \(RBAC\) or implicit auth/);
  });
  it('without the account-key method (Key Vault), leaves AZURE_ACCOUNT_KEY unconsumed', () => {
    fails(
      () => consume('AZURE_CLIENT_ID=c', false),
      'MISSING_PARAMETER',
      /requires exactly one authentication method: all three of/,
    );
    assert.deepEqual(consume(`${client}&AZURE_ACCOUNT_KEY=k`, false).left, ['AZURE_ACCOUNT_KEY']);
  });
  it('AUTH=implicit takes none of them, and is refused where implicit credentials are disabled', () => {
    fails(
      () => consume('AUTH=implicit&AZURE_CLIENT_ID=c'),
      'INVALID_PARAMETER',
      /AUTH=implicit does not take AZURE_CLIENT_ID/,
    );
    fails(
      () => consume('AUTH=implicit&AZURE_ACCOUNT_KEY=k'),
      'INVALID_PARAMETER',
      /does not take AZURE_ACCOUNT_KEY/,
    );
    fails(
      () => consume('AUTH=implicit', true, { disableImplicitCredentials: true }),
      'INVALID_PARAMETER',
      /for azure/,
    );
  });
  it('lists the account key or the client secret as secrets', () => {
    assert.deepEqual(azureSecrets(consume('AZURE_ACCOUNT_KEY=fake-key').auth), ['fake-key']);
    assert.deepEqual(azureSecrets(consume(client).auth), ['fake-secret']);
    assert.deepEqual(azureSecrets({ kind: 'implicit' }), []);
  });
});

describe('Azure token credentials', () => {
  it('client credentials sign in at the environment authority', async () => {
    const env = consumeAzureEnvironment(uriOf('azure-kms:///k/v?AZURE_ENVIRONMENT=AzureChinaCloud'));
    const auth = consume(client).auth;
    if (auth.kind !== 'client') throw new Error('expected client auth');
    const credential = await azureTokenCredential(auth, env);
    assert.equal(credential.constructor.name, 'ClientSecretCredential');
    assert.equal(
      (await azureTokenCredential({ kind: 'implicit' }, env)).constructor.name,
      'DefaultAzureCredential',
    );
  });
});

describe('Key Vault errors', () => {
  const kind = (statusCode: number, action: 'encrypt' | 'decrypt' = 'encrypt', message = 'x') =>
    classifyAzureKmsError(Object.assign(new Error(message), { statusCode }), action);
  it('map HTTP statuses and credential failures to failure kinds', () => {
    assert.equal(kind(404), 'not-found');
    assert.equal(kind(403, 'encrypt', 'Operation encrypt is not allowed on a disabled key'), 'disabled');
    assert.equal(kind(403), 'denied');
    assert.equal(kind(401), 'denied');
    assert.equal(kind(400, 'decrypt'), 'wrong-key');
    assert.equal(kind(400, 'encrypt'), 'other');
    assert.equal(kind(429), 'unavailable');
    assert.equal(kind(503), 'unavailable');
    const named = (name: string) => classifyAzureKmsError(Object.assign(new Error('x'), { name }), 'encrypt');
    assert.equal(named('CredentialUnavailableError'), 'denied');
    assert.equal(named('AuthenticationError'), 'denied');
    assert.equal(
      classifyAzureKmsError(Object.assign(new Error('x'), { code: 'REQUEST_SEND_ERROR' }), 'encrypt'),
      'unavailable',
    );
    assert.equal(named('Whatever'), 'other');
  });
});
