// SCRAM-SHA-256 (RFC 5802/7677) as PostgreSQL speaks it: verifiers in pg_authid's format, never the
// password; the server side of one exchange. Unknown users get a mock verifier derived from the name and
// a per-server secret, so the exchange looks the same and fails the same way (no user enumeration).
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ScramVerifier {
  readonly iterations: number;
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

const hmac = (key: Buffer, data: string | Buffer): Buffer => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

export function makeVerifier(password: string, iterations = 4096, salt = randomBytes(16)): ScramVerifier {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  return {
    iterations,
    salt,
    storedKey: sha256(hmac(salted, 'Client Key')),
    serverKey: hmac(salted, 'Server Key'),
  };
}

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64), as PostgreSQL stores it. */
export function formatVerifier(v: ScramVerifier): string {
  const b = (x: Buffer) => x.toString('base64');
  return `SCRAM-SHA-256$${v.iterations}:${b(v.salt)}$${b(v.storedKey)}:${b(v.serverKey)}`;
}

export function parseVerifier(text: string): ScramVerifier | undefined {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(text);
  if (!m) return undefined;
  const v = {
    iterations: Number(m[1]),
    salt: Buffer.from(m[2]!, 'base64'),
    storedKey: Buffer.from(m[3]!, 'base64'),
    serverKey: Buffer.from(m[4]!, 'base64'),
  };
  if (v.iterations < 1 || v.storedKey.length !== 32 || v.serverKey.length !== 32) return undefined;
  return v;
}

/** A verifier no password matches, stable per user name (same salt on every attempt). */
export function mockVerifier(user: string, secret: Buffer): ScramVerifier {
  const salt = hmac(secret, `salt:${user}`).subarray(0, 16);
  return { iterations: 4096, salt, storedKey: hmac(secret, `stored:${user}`), serverKey: randomBytes(32) };
}

const ATTR = /^([a-zA-Z])=(.*)$/;

function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const m = ATTR.exec(part);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

export type ScramStep =
  | { readonly ok: true; readonly reply: string }
  | { readonly ok: false; readonly reason: 'protocol' | 'password' };

/**
 * One exchange: `first` takes the client-first-message and returns the server-first-message; `final`
 * takes the client-final-message and returns the server-final-message, or why it failed.
 */
export class ScramExchange {
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private gs2Header = '';

  constructor(
    private readonly verifier: ScramVerifier,
    /** False for unknown users: the exchange runs, then fails as a wrong password. */
    private readonly real: boolean,
  ) {}

  first(clientFirst: string): ScramStep {
    // gs2-header: channel-binding flag, optional authzid, then client-first-message-bare.
    const m = /^([ny]|p=[^,]*),([^,]*),(.*)$/.exec(clientFirst);
    if (!m || m[1]!.startsWith('p')) return { ok: false, reason: 'protocol' };
    this.gs2Header = `${m[1]},${m[2]},`;
    this.clientFirstBare = m[3]!;
    const clientNonce = attributes(this.clientFirstBare).get('r');
    if (!clientNonce || /[^\x21-\x2b\x2d-\x7e]/.test(clientNonce)) return { ok: false, reason: 'protocol' };
    this.nonce = clientNonce + randomBytes(18).toString('base64');
    const v = this.verifier;
    this.serverFirst = `r=${this.nonce},s=${v.salt.toString('base64')},i=${v.iterations}`;
    return { ok: true, reply: this.serverFirst };
  }

  final(clientFinal: string): ScramStep {
    const proofAt = clientFinal.lastIndexOf(',p=');
    if (proofAt < 0) return { ok: false, reason: 'protocol' };
    const withoutProof = clientFinal.slice(0, proofAt);
    const attrs = attributes(clientFinal);
    if (attrs.get('c') !== Buffer.from(this.gs2Header).toString('base64'))
      return { ok: false, reason: 'protocol' };
    if (attrs.get('r') !== this.nonce) return { ok: false, reason: 'protocol' };
    const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const v = this.verifier;
    const signature = hmac(v.storedKey, authMessage);
    if (proof.length !== signature.length) return { ok: false, reason: 'password' };
    const clientKey = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) clientKey[i] = proof[i]! ^ signature[i]!;
    const matches = timingSafeEqual(sha256(clientKey), v.storedKey);
    if (!matches || !this.real) return { ok: false, reason: 'password' };
    return { ok: true, reply: `v=${hmac(v.serverKey, authMessage).toString('base64')}` };
  }
}
