// For the stage tests: a full backup's plan of every table of a source into one store, and a job that is
// never paused or canceled. Plans through the real plan stages; only the collection is given directly.
import { randomBytes } from 'node:crypto';
import type { Source } from '@strongroom/sources';
import type { ExternalStorage } from '@strongroom/storage';
import { fullSubdir } from '../../collection/layout.js';
import type { JobHandle } from '../../jobs/job-runner.js';
import { type BackupPlan, unitsOf } from './plan.js';
import { openTargetSnapshot, planTables, selectFromSnapshot } from './plan-tables.js';

export async function fullBackupPlan(source: Source, store: ExternalStorage): Promise<BackupPlan> {
  const { snapshot, databases } = await openTargetSnapshot(source, undefined);
  const { schemas, selection } = await selectFromSnapshot(snapshot, databases, undefined);
  const planned = await planTables({
    snapshot,
    schemas,
    selection,
    previous: undefined,
    place: () => ({ locality: 'default', tiers: '' }),
    strictLocality: false,
  });
  const dir = fullSubdir(snapshot.time);
  return {
    statement: "BACKUP INTO 'nodelocal://1/c'",
    collection: {
      defaultStore: store,
      stores: new Map(),
      byLocality: new Map(),
      localityAware: false,
      localities: ['default'],
    },
    backupType: 'full',
    fullDir: dir,
    dir,
    start: null,
    end: snapshot.time,
    key: { key: randomBytes(32), mode: 'passphrase', masterKeyIds: [] },
    info: undefined,
    selection,
    ...planned,
    units: unitsOf(planned.tables),
    snapshot,
    detached: false,
    targetsKey: 'null',
    previousLayer: undefined,
    seq: 1,
  };
}

/** A job that is never paused or canceled, counting its progress reports. */
export function testJob(): JobHandle & { reports: number } {
  const controller = new AbortController();
  return {
    id: 1n,
    signal: controller.signal,
    reports: 0,
    report() {
      this.reports++;
    },
    async checkpoint() {
      controller.signal.throwIfAborted();
    },
    resumeFrom: undefined,
    async saveCheckpoint() {},
  };
}
