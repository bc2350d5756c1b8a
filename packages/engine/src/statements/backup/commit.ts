// BACKUP stages 5 and 6: the partition descriptors of the non-default localities, then the manifest's
// checksum, the sealed manifest (its presence is what makes the layer a backup), and a chain record
// (incremental) or a LATEST marker (full).
import { isStrongroomError, StrongroomError } from '@strongroom/errors';
import type { ExternalStorage } from '@strongroom/storage';
import { checksumOf } from '../../collection/chain.js';
import { storeOf } from '../../collection/collection.js';
import {
  chainRecordName,
  latestMarkerName,
  MANIFEST,
  MANIFEST_CHECKSUM,
  partitionDescriptorName,
} from '../../collection/layout.js';
import type {
  ChainRecord,
  DatabaseEntry,
  Manifest,
  PartitionDescriptor,
  SpanEntry,
  TableEntry,
} from '../../collection/manifest.js';
import { sealJson } from '../../collection/sealed-json.js';
import type { BackupPlan } from './plan.js';
import type { WrittenFiles } from './written.js';

export interface LayerContents {
  /** The files this layer wrote, by locality (earlier layers' reused files are not listed). */
  readonly files: ReadonlyMap<string, readonly string[]>;
  /** Each database's table entries, and its own pages' entry when backed up as pages. */
  readonly tables: ReadonlyMap<string, readonly TableEntry[]>;
  readonly pages: ReadonlyMap<string, TableEntry>;
}

/** The manifest's table entries from the plan and the spans' entries (`entries[i]` for `plan.tables[i]`). */
export function layerContents(plan: BackupPlan, entries: readonly (readonly SpanEntry[])[]): LayerContents {
  const files = new Map<string, string[]>();
  const tables = new Map<string, TableEntry[]>();
  const pages = new Map<string, TableEntry>();
  for (const [ti, t] of plan.tables.entries()) {
    const spans = entries[ti] ?? [];
    const own = spans.flatMap((e) => (e.file?.path.startsWith(`${plan.dir}/`) ? [e.file.path] : []));
    files.set(t.locality, [...(files.get(t.locality) ?? []), ...own]);
    const entry: TableEntry = {
      name: t.info.name,
      createSql: t.info.createSql,
      columns: t.info.columns,
      attributes: t.info.attributes,
      locality: t.locality,
      boundaries: t.boundaries,
      spans,
    };
    if (t.pages && t.info.name === '') pages.set(t.database, entry);
    else tables.set(t.database, [...(tables.get(t.database) ?? []), entry]);
  }
  return { files, tables, pages };
}

/** One sealed descriptor per non-default locality, naming the backup and the files stored there. */
export async function writePartitionDescriptors(
  plan: BackupPlan,
  backupId: string,
  files: LayerContents['files'],
  written: WrittenFiles,
  signal: AbortSignal,
): Promise<Manifest['partitions']> {
  const partitions: { name: string; locality: string }[] = [];
  for (const locality of plan.collection.localities.filter((l) => l !== 'default')) {
    const name = partitionDescriptorName(partitions.length + 1, locality);
    const desc: PartitionDescriptor = {
      version: 1,
      backupId,
      locality,
      files: [...(files.get(locality) ?? [])],
    };
    const target = storeOf(plan.collection, locality);
    const path = `${plan.dir}/${name}`;
    await target.write(path, sealJson(desc, plan.key.key, path), { signal });
    written.add(target, path);
    partitions.push({ name, locality });
  }
  return partitions;
}

export function manifestOf(
  sourceKind: string,
  plan: BackupPlan,
  id: string,
  contents: LayerContents,
  partitions: Manifest['partitions'],
): Manifest {
  return {
    version: 1,
    id,
    backupType: plan.backupType,
    dir: plan.dir,
    fullDir: plan.fullDir,
    startTime: plan.start?.toISOString() ?? null,
    endTime: plan.end.toISOString(),
    sourceKind,
    coverage: plan.selection.coverage,
    targetsKey: plan.targetsKey,
    databases: plan.databases.map((d) => databaseEntry(d.name, d.objects, contents)),
    localities: plan.collection.localities,
    partitions,
    encryption: { mode: plan.key.mode, masterKeyIds: plan.key.masterKeyIds },
    statement: plan.statement,
    seq: plan.seq,
    previous: plan.previousLayer
      ? {
          dir: plan.previousLayer.dir,
          id: plan.previousLayer.manifest.id,
          checksum: plan.previousLayer.checksum,
        }
      : null,
  };
}

function databaseEntry(
  name: string,
  objects: DatabaseEntry['objects'],
  contents: LayerContents,
): DatabaseEntry {
  const pages = contents.pages.get(name);
  return {
    name,
    objects,
    tables: [...(contents.tables.get(name) ?? [])],
    // Written to the manifest: a database backed up as rows has no `pages` field at all.
    ...(pages ? { pages } : {}),
  };
}

/**
 * The checksum first, the manifest last: the manifest's presence is what makes the layer complete.
 * Returns the checksum (what the chain record and the next layer's link name).
 */
export async function writeManifest(
  store: ExternalStorage,
  plan: BackupPlan,
  manifest: Manifest,
  written: WrittenFiles,
  signal: AbortSignal,
): Promise<string> {
  const mpath = `${plan.dir}/${MANIFEST}`;
  const sealed = sealJson(manifest, plan.key.key, mpath);
  const checksum = checksumOf(sealed);
  const cpath = `${plan.dir}/${MANIFEST_CHECKSUM}`;
  await store.write(cpath, Buffer.from(`${checksum}\n`), { signal });
  written.add(store, cpath);
  await store.write(mpath, sealed, { signal });
  written.add(store, mpath);
  return checksum;
}

/** After the manifest: a chain record for an incremental, a LATEST marker for a full backup. */
export async function recordLayer(
  store: ExternalStorage,
  plan: BackupPlan,
  id: string,
  checksum: string,
  signal: AbortSignal,
): Promise<void> {
  if (plan.backupType === 'incremental') await writeChainRecord(plan, store, id, checksum, signal);
  // The marker's name encodes its directory's time: a resumed layer's directory keeps its first attempt's.
  else
    await store.write(latestMarkerName(plan.resumed?.dirTime ?? plan.end), Buffer.from(`/${plan.dir}`), {
      signal,
    });
}

/**
 * Records a completed incremental in its full backup's directory (write-once). Two incrementals appended
 * to one chain at once both build on the same layer; the one that loses the race for the record fails and
 * removes its layer, so the chain stays linear.
 */
async function writeChainRecord(
  plan: BackupPlan,
  store: ExternalStorage,
  id: string,
  checksum: string,
  signal: AbortSignal,
): Promise<void> {
  const path = chainRecordName(plan.fullDir, plan.seq);
  const record: ChainRecord = {
    version: 1,
    seq: plan.seq,
    dir: plan.dir,
    id,
    endTime: plan.end.toISOString(),
    checksum,
  };
  try {
    await store.write(path, sealJson(record, plan.key.key, path), { signal });
  } catch (err) {
    if (isStrongroomError(err, 'STORAGE_ALREADY_EXISTS'))
      throw new StrongroomError(
        'INCOMPATIBLE_CHAIN',
        `another incremental backup was appended to /${plan.fullDir} while this one ran; this one was discarded`,
        { hint: 'run the incremental backup again' },
      );
    throw err;
  }
}
