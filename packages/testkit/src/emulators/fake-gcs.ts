// fake-gcs-server (scripts/setup/fake-gcs-server.sh builds it into .tools/bin): the GCS JSON API on
// loopback, in memory. `-external-url` must be the address clients use, or resumable uploads follow
// a wrong Location.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Launched, launchInTempDir } from './launch.js';
import { REPO_ROOT } from './moto.js';

export interface FakeGcs extends Launched {
  /** `http://127.0.0.1:<port>`, for GCS_ENDPOINT. */
  readonly endpoint: string;
  createBucket(name: string): Promise<void>;
}

export function fakeGcsBinary(): string {
  return join(REPO_ROOT, '.tools/bin/fake-gcs-server');
}

export function fakeGcsInstalled(): boolean {
  return existsSync(fakeGcsBinary());
}

/** `backend`: 'memory' (default) or 'filesystem' (objects on disk, for very large objects). */
export async function startFakeGcs(backend: 'memory' | 'filesystem' = 'memory'): Promise<FakeGcs> {
  const endpointOf = (port: number) => `http://127.0.0.1:${port}`;
  const l = await launchInTempDir(
    'fake-gcs-server',
    fakeGcsBinary(),
    (dir, port) => [
      ...['-scheme', 'http', '-host', '127.0.0.1', '-port', String(port)],
      ...['-backend', backend, '-filesystem-root', join(dir, 'storage')],
      ...['-public-host', `127.0.0.1:${port}`, '-external-url', endpointOf(port), '-log-level', 'error'],
    ],
    async (port) => (await fetch(`${endpointOf(port)}/storage/v1/b`)).ok,
  );
  const endpoint = endpointOf(l.port);
  return {
    ...l,
    endpoint,
    createBucket: async (name) => {
      const res = await fetch(`${endpoint}/storage/v1/b?project=test`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      if (!res.ok && res.status !== 409)
        throw new Error(`fake-gcs-server: create bucket ${name}: ${res.status}`);
    },
  };
}
