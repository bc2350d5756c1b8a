// Runs the KMS conformance suite against local:// key files. It lives here rather than in
// packages/kms because testkit depends on kms (a project-reference cycle otherwise).
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultKmsRegistry, generateKeyFile } from '@strongroom/kms';
import { afterAll } from 'vitest';
import { runKmsConformance } from './kms-conformance.js';

const dir = await mkdtemp(join(tmpdir(), 'strongroom-kms-conformance-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const registry = defaultKmsRegistry();
const k1 = join(dir, 'k1');
const k2 = join(dir, 'k2');
await generateKeyFile(k1);
await generateKeyFile(k2);
const secrets = [(await readFile(k1, 'utf8')).trim(), (await readFile(k2, 'utf8')).trim()];

runKmsConformance('local', async () => ({
  open: () => registry.open(`local://${k1}`),
  openOther: () => registry.open(`local://${k2}`),
  openMissing: () => registry.open(`local://${join(dir, 'no-such-key')}`),
  secrets,
  openDeleted: async () => {
    const path = join(dir, `deleted-${Math.random().toString(36).slice(2)}`);
    await copyFile(k1, path);
    const wrapped = await (await registry.open(`local://${path}`)).encrypt(Buffer.alloc(32, 7));
    await rm(path);
    return { kms: await registry.open(`local://${path}`), wrapped };
  },
  notApplicable: 'a local key file has no disabled state and no server to be unreachable',
}));
