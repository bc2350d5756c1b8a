// Runs the storage conformance suite against the local providers. It lives here rather than in
// packages/storage because testkit depends on storage (a test there importing testkit would make a
// project-reference cycle).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultStorageRegistry, withFaults, withRetries } from '@strongroom/storage';
import { afterAll } from 'vitest';
import { runStorageConformance } from './storage-conformance.js';

const root = await mkdtemp(join(tmpdir(), 'strongroom-conformance-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const registry = defaultStorageRegistry();
let n = 0;

runStorageConformance('nodelocal', () =>
  registry.open(`nodelocal://1/run-${++n}/collection`, { externalIoDir: join(root, 'extern') }),
);
runStorageConformance('file', () => registry.open(`file://${join(root, 'files', `run-${++n}`)}`));
// The wrappers must keep every property of what they wrap.
runStorageConformance('file behind withRetries and withFaults (no faults)', async () =>
  withRetries(withFaults(await registry.open(`file://${join(root, 'wrapped', `run-${++n}`)}`), {}), {
    baseDelayMs: 1,
  }),
);
