import {
  constants,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from './certificate.js';

export interface KeyVaultServer {
  /** `https://127.0.0.1:<port>`, the value of AZURE_VAULT_URL. */
  readonly vaultUrl: string;
  readonly port: number;
  /** PEM of the server's self-signed certificate, the value of AZURE_VAULT_CA_FILE. */
  readonly caFile: string;
  /** For IDENTITY_ENDPOINT (with any IDENTITY_HEADER): a managed-identity token endpoint. */
  readonly identityEndpoint: string;
  /** Creates (or adds a version to) an RSA key; returns the new version. */
  createKey(name: string): string;
  setEnabled(name: string, version: string, enabled: boolean): void;
  deleteKey(name: string): void;
  stop(): Promise<void>;
}

interface Version {
  readonly version: string;
  readonly privateKey: KeyObject;
  readonly jwk: { n?: string; e?: string };
  enabled: boolean;
}

const OAEP: Record<string, string> = { 'RSA-OAEP': 'sha1', 'RSA-OAEP-256': 'sha256' };
const TENANT = '00000000-0000-0000-0000-000000000000';

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
}

const send = (res: ServerResponse, status: number, obj: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(obj));
};
const error = (res: ServerResponse, status: number, code: string, message: string, inner?: string) =>
  send(res, status, { error: { code, message, innererror: inner ? { code: inner } : undefined } });

/** Key Vault's answer to a request without a bearer token: the challenge naming tenant and resource. */
function challenge(res: ServerResponse): void {
  res.writeHead(401, {
    'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="https://vault.azure.net"`,
  });
  res.end();
}

/** `GET /keys/{name}[/{version}]` and `POST /keys/{name}/{version}/{operation}`, with Key Vault's errors. */
async function handleVault(
  req: IncomingMessage,
  res: ServerResponse,
  keys: Map<string, Version[]>,
): Promise<void> {
  const url = new URL(req.url ?? '/', `https://${req.headers.host}`);
  if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) return challenge(res);
  if (!url.searchParams.get('api-version')) return error(res, 400, 'BadParameter', 'api-version missing');
  const b = await body(req);
  const p = url.pathname.replace(/\/+$/, '').split('/').slice(1).map(decodeURIComponent);
  const notImplemented = () => error(res, 404, 'NotFound', `not implemented: ${req.method} ${url.pathname}`);
  if (p[0] !== 'keys' || !p[1]) return notImplemented();
  const name = p[1];
  const versions = keys.get(name);
  const v = versions && (p[2] ? versions.find((x) => x.version === p[2]) : versions[versions.length - 1]);
  if (!v)
    return error(res, 404, 'KeyNotFound', `A key with (name/id) ${name} was not found in this key vault.`);
  const kid = `https://${req.headers.host}/keys/${name}/${v.version}`;
  if (req.method === 'GET' && p.length <= 3) return sendKey(res, kid, v);
  const op = p[3] ?? '';
  if (req.method !== 'POST' || !['encrypt', 'decrypt', 'wrapkey', 'unwrapkey'].includes(op))
    return notImplemented();
  keyOperation(res, kid, v, op, b);
}

function sendKey(res: ServerResponse, kid: string, v: Version): void {
  send(res, 200, {
    key: { kid, kty: 'RSA', key_ops: ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'], n: v.jwk.n, e: v.jwk.e },
    attributes: { enabled: v.enabled },
  });
}

/** RSA-OAEP encrypt/wrapkey with the public key, decrypt/unwrapkey with the private one. */
function keyOperation(
  res: ServerResponse,
  kid: string,
  v: Version,
  op: string,
  b: Record<string, unknown>,
): void {
  if (!v.enabled) {
    error(res, 403, 'Forbidden', `Operation ${op} is not allowed on a disabled key.`, 'KeyDisabled');
    return;
  }
  const hash = OAEP[String(b.alg)];
  if (!hash) {
    error(res, 400, 'BadParameter', `unsupported algorithm ${String(b.alg)}`);
    return;
  }
  const opts = { key: v.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash };
  try {
    const value = Buffer.from(String(b.value ?? ''), 'base64url');
    const out =
      op === 'encrypt' || op === 'wrapkey' ? publicEncrypt(opts, value) : privateDecrypt(opts, value);
    send(res, 200, { kid, value: out.toString('base64url') });
  } catch {
    error(res, 400, 'BadParameter', 'Bad Request');
  }
}

export async function startKeyVaultServer(): Promise<KeyVaultServer> {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-keyvault-'));
  const tls = selfSignedCertificate(dir);
  const keys = new Map<string, Version[]>();

  const createKey = (name: string): string => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = privateKey.export({ format: 'jwk' });
    const v: Version = { version: randomBytes(16).toString('hex'), privateKey, jwk, enabled: true };
    keys.set(name, [...(keys.get(name) ?? []), v]);
    return v.version;
  };

  const server = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    handleVault(req, res, keys).catch((e: unknown) => error(res, 500, 'InternalError', String(e)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  // App Service managed identity protocol (IDENTITY_ENDPOINT + X-IDENTITY-HEADER), any header value.
  const identity = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const resource =
      url.searchParams.get('resource') ?? url.searchParams.get('scope') ?? 'https://vault.azure.net';
    const expires = Math.floor(Date.now() / 1000) + 3600;
    send(res, 200, {
      access_token: `fake-token-${randomBytes(8).toString('hex')}`,
      expires_on: String(expires),
      expires_in: '3600',
      resource,
      token_type: 'Bearer',
    });
  });
  await new Promise<void>((r) => identity.listen(0, '127.0.0.1', r));
  const identityPort = (identity.address() as AddressInfo).port;

  createPrivateKey(tls.key); // fail early on a broken openssl output
  return {
    vaultUrl: `https://127.0.0.1:${port}`,
    port,
    caFile: tls.certFile,
    identityEndpoint: `http://127.0.0.1:${identityPort}/metadata/identity/oauth2/token`,
    createKey,
    setEnabled(name, version, enabled) {
      const v = keys.get(name)?.find((x) => x.version === version);
      if (!v) throw new Error(`no key ${name}/${version}`);
      v.enabled = enabled;
    },
    deleteKey(name) {
      keys.delete(name);
    },
    async stop() {
      server.closeAllConnections();
      identity.closeAllConnections();
      await Promise.all([
        new Promise<void>((r) => server.close(() => r())),
        new Promise<void>((r) => identity.close(() => r())),
      ]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
