// The two local-directory providers: `nodelocal://1/path` (or `nodelocal://self/path`), relative to
// the engine's external IO directory as in CockroachDB, and `file:///abs/path`. Both parse strictly:
// no query parameters, no user info, and a nodelocal path can never leave its root.
import { isAbsolute, resolve } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import { type ExternalUri, parseExternalUri } from '@strongroom/uri';
import { isInside, LocalFileStorage } from './local-storage.js';
import type { ExternalStorage, StorageContext, StorageProvider } from './types.js';

function invalid(u: ExternalUri, why: string, hint?: string): StrongroomError {
  return new StrongroomError('INVALID_URI', `invalid ${u.scheme} URI ${JSON.stringify(u.redacted)}: ${why}`, {
    hint,
  });
}

/** The absolute directory a `nodelocal://` URI names under `externalIoDir`. */
export function resolveNodelocal(uri: string, externalIoDir: string | undefined): string {
  const u = parseExternalUri(uri);
  if (u.username !== undefined) throw invalid(u, 'user info is not allowed');
  if (u.host === '') {
    throw invalid(
      u,
      "host component of nodelocal URI must be a node ID (use 'self' to specify each node should access its own local filesystem)",
    );
  }
  // strongroom runs as one node: node 1 and 'self' are this machine.
  if (u.host !== 'self' && u.host !== '1') {
    throw invalid(u, `node ${u.host} is not this node`, 'use nodelocal://1/… or nodelocal://self/…');
  }
  u.params.rejectLeftovers('nodelocal');
  if (!externalIoDir) {
    throw new StrongroomError(
      'INVALID_PARAMETER',
      `${u.redacted}: nodelocal storage needs an external IO directory`,
      {
        hint: 'start strongroom with --external-io-dir',
      },
    );
  }
  const root = resolve(externalIoDir);
  const dir = resolve(root, `.${u.path}`);
  if (!isInside(root, dir)) throw invalid(u, 'the path leaves the external IO directory');
  return dir;
}

/** The absolute directory a `file:///abs/path` URI names. */
export function resolveFileUri(uri: string): string {
  const u = parseExternalUri(uri);
  if (u.username !== undefined) throw invalid(u, 'user info is not allowed');
  if (u.host !== '' && u.host !== 'localhost')
    throw invalid(u, `unexpected host "${u.host}"`, 'write file:///abs/path');
  if (u.path === '' || !isAbsolute(u.path))
    throw invalid(u, 'the path must be absolute', 'write file:///abs/path');
  u.params.rejectLeftovers('file');
  return resolve(u.path);
}

export const nodelocalStorageProvider: StorageProvider = {
  schemes: ['nodelocal'],
  secretParams: [],
  async open(uri: string, ctx: StorageContext): Promise<ExternalStorage> {
    return new LocalFileStorage(
      resolveNodelocal(uri, ctx.externalIoDir),
      parseExternalUri(uri).redacted,
      resolve(ctx.externalIoDir as string),
    );
  },
  // Any root will do: the check is that the path stays under it.
  validate: (uri) => void resolveNodelocal(uri, '/external-io-root'),
};

export const fileStorageProvider: StorageProvider = {
  schemes: ['file'],
  secretParams: [],
  async open(uri: string, _ctx: StorageContext): Promise<ExternalStorage> {
    return new LocalFileStorage(resolveFileUri(uri), parseExternalUri(uri).redacted);
  },
  validate: (uri) => void resolveFileUri(uri),
};
