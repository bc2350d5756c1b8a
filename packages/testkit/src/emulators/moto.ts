// moto server (scripts/setup/moto.sh installs it into .tools/moto): AWS S3 and KMS in one process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type Launched, launch } from './launch.js';

export interface Moto extends Launched {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT / the SDK's `endpoint`. */
  readonly endpoint: string;
  /** Clears all state (buckets, keys). */
  reset(): Promise<void>;
}

export const REPO_ROOT = new URL('../../../../', import.meta.url).pathname;

export function motoBinary(): string {
  return join(REPO_ROOT, '.tools/moto/bin/moto_server');
}

export function motoInstalled(): boolean {
  return existsSync(motoBinary());
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const l = await launch(motoBinary(), ['-H', '127.0.0.1', '-p', String(port)], {
    port,
    name: 'moto server',
    ready: async () => (await fetch(`${endpoint}/moto-api/`)).status < 500,
  });
  return {
    ...l,
    endpoint,
    reset: async () => {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
  };
}
