// The rollback anchor: what this host remembers of the backups it completed (in the jobs store), checked
// whenever a chain is read. Storage alone cannot reveal that its newest backup and every record of it were
// removed; a host that wrote that backup can. RESTORE, SHOW BACKUP and incremental BACKUP refuse a
// collection whose newest backup (or a chain whose newest layer) is older than what this host knows it
// wrote, unless the statement says `skip_rollback_check`.
import { StrongroomError } from '@strongroom/errors';
import type { ExternalStorage } from '@strongroom/storage';
import type { EngineContext } from '../context.js';
import type { Layer } from './chain.js';

/** A secret-free, stable name of a collection: its default store's redacted URI without parameters. */
export function collectionName(store: ExternalStorage): string {
  const u = store.redactedUri;
  const q = u.indexOf('?');
  return (q < 0 ? u : u.slice(0, q)).replace(/\/+$/, '');
}

export interface AnchorCheck {
  /** The chain was found through LATEST: the collection's newest full backup must be the newest known. */
  readonly latest: boolean;
  readonly skip: boolean;
  readonly onNotice?: ((message: string) => void) | undefined;
}

export function checkAnchor(
  ctx: EngineContext,
  store: ExternalStorage,
  layers: readonly Layer[],
  check: AnchorCheck,
): void {
  const full = layers[0];
  if (!full) return;
  const name = collectionName(store);
  const problems: string[] = [];
  if (check.latest) {
    const newest = ctx.host.newestBackup(name);
    if (newest && newest.fullDir > full.dir)
      problems.push(
        `this host completed backup /${newest.fullDir} in ${name}, but the newest backup the collection holds is /${full.dir}`,
      );
  }
  const head = ctx.host.chainHead(name, full.dir);
  if (head && (layers.length < head.layers || !layers.some((l) => l.dir === head.lastDir)))
    problems.push(
      `this host completed ${head.layers} layer(s) of backup /${full.dir} in ${name}, the newest /${head.lastDir} at ${head.endTime}, but the collection holds ${layers.length}`,
    );
  if (problems.length === 0) return;
  const message = `${problems.join('; ')}: newer backups were removed or the collection was rolled back`;
  if (check.skip) {
    check.onNotice?.(`${message} (proceeding: skip_rollback_check)`);
    return;
  }
  throw new StrongroomError('ROLLBACK_DETECTED', message, {
    hint: 'if the newer backups were removed on purpose, add WITH skip_rollback_check',
  });
}

/** Remembers a completed backup layer (after its manifest was written). */
export function recordAnchor(
  ctx: EngineContext,
  store: ExternalStorage,
  fullDir: string,
  layers: number,
  lastDir: string,
  endTime: Date,
): void {
  ctx.host.recordBackup({
    collection: collectionName(store),
    fullDir,
    layers,
    lastDir,
    endTime: endTime.toISOString(),
  });
}
