// BACKUP's run, as a job: clean the collection of what killed backups left, write ENCRYPTION-INFO (full
// backups), back up the spans, then commit — partition descriptors, manifest, chain record or LATEST
// marker — and record the host's rollback anchor. A failure removes what the run wrote.
import { randomUUID } from 'node:crypto';
import { isStrongroomError } from '@strongroom/errors';
import { collectionName, recordAnchor } from '../../collection/anchor.js';
import { cleanupCollection } from '../../collection/cleanup.js';
import { writeInfo } from '../../collection/encryption.js';
import type { EngineContext } from '../../context.js';
import type { JobHandle } from '../../jobs/job-runner.js';
import { backUpSpans, type OnUnitDone } from './back-up-spans.js';
import {
  layerContents,
  manifestOf,
  recordLayer,
  writeManifest,
  writePartitionDescriptors,
} from './commit.js';
import type { BackupPlan } from './plan.js';
import { checkpointOf, removeUnnamed, startUnits } from './resume.js';
import { WrittenFiles } from './written.js';

export interface BackupOutcome {
  readonly rows: number;
  readonly bytes: number;
  readonly dir: string;
}

export interface RunBackupOptions {
  /** Called as each unit (span) of `plan.units` is done; see OnUnitDone. */
  readonly onUnitDone?: OnUnitDone;
}

export async function runBackup(
  ctx: EngineContext,
  plan: BackupPlan,
  job: JobHandle,
  options: RunBackupOptions = {},
): Promise<BackupOutcome> {
  const store = plan.collection.defaultStore;
  const written = new WrittenFiles();
  const signal = job.signal;
  try {
    await cleanupBefore(ctx, plan, job);
    const units = await startUnits(plan, job);
    // Where the layer goes, recorded before anything is written there: an adopting node writes there too.
    await job.saveCheckpoint(checkpointOf(plan, units.units), `writing /${plan.dir}`);
    if (plan.info)
      written.add(store, `${plan.fullDir}/${await writeInfo(store, plan.fullDir, 1, plan.info, signal)}`);
    const spans = await backUpSpans(plan, job, written, options.onUnitDone, units);
    await job.checkpoint();
    await removeUnnamed(plan, spans.entries, signal);
    const id = randomUUID();
    const contents = layerContents(plan, spans.entries);
    const partitions = await writePartitionDescriptors(plan, id, contents.files, written, signal);
    const manifest = manifestOf(ctx.source.kind, plan, id, contents, partitions);
    const checksum = await writeManifest(store, plan, manifest, written, signal);
    await recordLayer(store, plan, id, checksum, signal);
    recordAnchor(ctx, store, plan.fullDir, plan.seq, plan.dir, plan.end);
    return { rows: spans.rows, bytes: spans.bytes, dir: plan.dir };
  } catch (err) {
    // Best effort: remove what this job wrote; without a manifest it is not a backup either way. Not when
    // the job passed to another node: that node resumes in this directory and may reuse these files.
    const lost = isStrongroomError(signal.reason, 'JOB_STATE') || isStrongroomError(err, 'JOB_STATE');
    if (!lost) await written.removeAll();
    throw err;
  } finally {
    await plan.snapshot.close();
  }
}

/**
 * Before a BACKUP writes: notes its layer directory in every store as this job's (so leftovers of a crash
 * are recognised as dead), then removes what earlier killed backups left in the collection.
 */
async function cleanupBefore(ctx: EngineContext, plan: BackupPlan, job: JobHandle): Promise<void> {
  const stores = [plan.collection.defaultStore, ...plan.collection.stores.values()];
  for (const s of stores) ctx.host.recordTarget(job.id, collectionName(s), plan.dir);
  try {
    await cleanupCollection(ctx, stores, { keep: plan.dir, signal: job.signal });
  } catch (err) {
    if (job.signal.aborted) throw err;
    // Best effort: what was not removed now is removed by a later backup.
  }
}
