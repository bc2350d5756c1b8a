// ALTER BACKUP … ADD NEW_KMS … WITH OLD_KMS …: unwrap the chain's data key with an old key, wrap it
// under the new ones into a new ENCRYPTION-INFO-n. No data file is read or rewritten.
import { StrongroomError } from '@strongroom/errors';
import type { AlterBackupStatement } from '@strongroom/sql';
import type { ExternalStorage } from '@strongroom/storage';
import { resolveFullDir } from '../collection/chain.js';
import { addKmsKeys, readInfoFiles, unlockChain } from '../collection/encryption.js';
import type { EngineContext } from '../context.js';
import { str, strs } from './values.js';

export interface AlterPlan {
  readonly store: ExternalStorage;
  readonly fullDir: string;
  readonly commands: readonly { newKms: string[]; oldKms: string[] }[];
}

export async function planAlter(ctx: EngineContext, stmt: AlterBackupStatement): Promise<AlterPlan> {
  const backup = str(stmt.backup);
  // `ALTER BACKUP 'sub' IN 'coll'`, or `ALTER BACKUP 'uri-of-the-full-backup'` (the store root is the backup).
  const store = await ctx.storage.open(stmt.collection ? str(stmt.collection) : backup, ctx.storageCtx);
  const fullDir = stmt.collection ? await resolveFullDir(store, backup) : '';
  if (!stmt.collection && (await readInfoFiles(store, fullDir)).count === 0)
    throw new StrongroomError('BACKUP_NOT_FOUND', `no encrypted full backup at ${store.redactedUri}`);
  return {
    store,
    fullDir,
    commands: stmt.commands.map((c) => ({ newKms: strs(c.newKms), oldKms: strs(c.oldKms) })),
  };
}

export async function runAlter(ctx: EngineContext, plan: AlterPlan, signal?: AbortSignal): Promise<string[]> {
  const written: string[] = [];
  for (const c of plan.commands) {
    let key: Buffer | undefined;
    try {
      key = (await unlockChain(ctx, plan.store, plan.fullDir, { kms: c.oldKms }, { signal })).key;
    } catch (err) {
      if ((err as StrongroomError).code === 'KMS_KEY_MISMATCH')
        throw new StrongroomError(
          'KMS_KEY_MISMATCH',
          'no key in OLD_KMS matches a key that was previously used to encrypt the backup',
          { cause: err },
        );
      throw err;
    }
    if (!key)
      throw new StrongroomError(
        'NOT_ENCRYPTED',
        'the backup is not encrypted; ALTER BACKUP needs a KMS-encrypted backup',
      );
    written.push((await addKmsKeys(ctx, plan.store, plan.fullDir, key, c.newKms, signal)).name);
  }
  return written;
}
