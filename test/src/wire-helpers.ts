import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '@strongroom/engine';
import { makeVerifier, type RunningServer, type ServerOptions, startServer } from '@strongroom/server';
import { selfSignedCertificate } from '@strongroom/testkit';

export const USER = 'app';
export const PASSWORD = 'fake-wire-password';
export const PASSPHRASE = 'fake passphrase for wire tests';

export interface WireFixture {
  readonly home: string;
  readonly dir: string;
  readonly server: RunningServer;
  readonly certPath: string;
}

/** A self-signed certificate for CN=localhost in `dir`; throws when openssl is missing. */
export function makeCertificate(dir: string): { cert: string; key: string } {
  const c = selfSignedCertificate(dir);
  return { cert: c.certFile, key: c.keyFile };
}

export async function startWireServer(options: Partial<ServerOptions> = {}): Promise<WireFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-wire-'));
  const home = join(dir, 'home');
  const { cert, key } = makeCertificate(dir);
  const server = await startServer({
    port: 0,
    tls: { cert: readFileSync(cert), key: readFileSync(key) },
    requireTls: true,
    users: new Map([[USER, makeVerifier(PASSWORD)]]),
    openEngine: (info) => openEngine({ home, user: info.user }),
    ...options,
  });
  return { home, dir, server, certPath: cert };
}
