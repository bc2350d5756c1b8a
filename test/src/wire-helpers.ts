// Shared by the wire-protocol tests: a strongroom server on a free loopback port, over a throwaway home,
// with a self-signed certificate made by openssl and one SCRAM user. Credentials are test-only fakes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '@strongroom/engine';
import { makeVerifier, type RunningServer, type ServerOptions, startServer } from '@strongroom/server';

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
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
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
    openEngine: () => openEngine({ home }),
    ...options,
  });
  return { home, dir, server, certPath: cert };
}
