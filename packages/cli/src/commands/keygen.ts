// `strongroom keygen PATH`: a new local KMS key file (mode 0600) and the `local://` URI that names it.
// Idempotent so scripts can call it every time: an existing file is left alone, reported on stderr, and
// its URI printed just the same (exit 0).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { OutStream } from '../session.js';

/** Creates the key file; false when it already exists (never overwrites). */
export type GenerateKeyFile = (path: string) => Promise<boolean>;

export function localKmsUri(absPath: string): string {
  // file URL path encoding (spaces, %, #) without the file: scheme.
  return `local://${pathToFileURL(absPath).pathname}`;
}

export async function keygen(
  path: string,
  io: { stdout: OutStream; stderr: OutStream; cwd: string; generateKeyFile: GenerateKeyFile },
): Promise<number> {
  const abs = resolve(io.cwd, path);
  const created = await io.generateKeyFile(abs);
  io.stderr.write(created ? `wrote key file ${abs}\n` : `key file ${abs} already exists; left unchanged\n`);
  io.stdout.write(`${localKmsUri(abs)}\n`);
  return 0;
}
