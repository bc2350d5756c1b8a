// BACKUP: plan (destination, chain, keys, spans and their localities: everything that can fail before a
// byte is written), then run (ENCRYPTION-INFO, changed spans, partition descriptors, and last the
// manifest's checksum, the manifest, and a chain record (incremental) or a LATEST marker (full)).
import { randomUUID } from 'node:crypto';
import type { EncryptionInfo } from '@strongroom/crypto';
import { isStrongroomError, StrongroomError } from '@strongroom/errors';
import type { Snapshot, SpanChunk, TableInfo } from '@strongroom/sources';
import { type BackupStatement, format } from '@strongroom/sql';
import type { ExternalStorage } from '@strongroom/storage';
import { checkAnchor, collectionName, recordAnchor } from '../collection/anchor.js';
import { checksumOf, exists, type Layer, latestFullDir, readChain } from '../collection/chain.js';
import { cleanupCollection } from '../collection/cleanup.js';
import { openForWrite, placeSpan, storeOf, type WriteCollection } from '../collection/collection.js';
import { type ChainKey, newChainKey, unlockChain, writeInfo } from '../collection/encryption.js';
import {
  chainRecordName,
  dataFileName,
  fullSubdir,
  incrementalDir,
  latestMarkerName,
  MANIFEST,
  MANIFEST_CHECKSUM,
  normaliseFullSubdir,
  partitionDescriptorName,
} from '../collection/layout.js';
import type {
  ChainRecord,
  DatabaseEntry,
  Manifest,
  PartitionDescriptor,
  SpanEntry,
  TableEntry,
} from '../collection/manifest.js';
import { sealJson } from '../collection/sealed-json.js';
import { writeSpan } from '../collection/spans.js';
import { localityOf } from '../config.js';
import type { EngineContext } from '../context.js';
import type { JobHandle } from '../jobs/job-runner.js';
import { fingerprintSpan } from '../pipeline/compress-pool.js';
import { type Selection, selectTargets } from './targets.js';
import { bool, str, strs } from './values.js';

export interface PlannedTable {
  readonly database: string;
  readonly info: TableInfo;
  readonly locality: string;
  readonly boundaries: readonly string[];
  /** The same table in the previous layer, when its definition did not change. */
  readonly previous?: TableEntry;
  /** Page spans (Snapshot.pages): of this table, or with `info.name` '', of the database's own pages. */
  readonly pages?: boolean;
}

/**
 * Whether a source that offers page spans (sqlite) is backed up as pages. STRONGROOM_SPANS=rows keeps the
 * row spans, to measure one granularity against the other (bench/sqlite.mjs).
 */
function usePages(snapshot: Snapshot): boolean {
  return snapshot.pages !== undefined && process.env.STRONGROOM_SPANS !== 'rows';
}

/** Page spans and row spans of one table are never compared: a change of granularity writes it anew. */
function sameGranularity(previous: TableEntry, pages: boolean): boolean {
  return (previous.attributes.spans === 'pages') === pages;
}

export interface BackupPlan {
  readonly statement: string;
  readonly collection: WriteCollection;
  readonly backupType: 'full' | 'incremental';
  readonly fullDir: string;
  readonly dir: string;
  readonly start: Date | null;
  readonly end: Date;
  readonly key: ChainKey;
  readonly info: EncryptionInfo | undefined;
  readonly selection: Selection;
  readonly tables: readonly PlannedTable[];
  readonly databases: readonly { name: string; objects: DatabaseEntry['objects'] }[];
  readonly snapshot: Snapshot;
  readonly detached: boolean;
  readonly targetsKey: string;
  /** The layer this one builds on (an incremental's predecessor), and this layer's place in the chain. */
  readonly previousLayer: Layer | undefined;
  readonly seq: number;
}

function targetsKey(s: BackupStatement): string {
  return JSON.stringify(s.targets ?? null);
}

export async function planBackup(
  ctx: EngineContext,
  stmt: BackupStatement,
  signal?: AbortSignal,
): Promise<BackupPlan> {
  const o = stmt.options;
  if (stmt.asOf)
    throw new StrongroomError(
      'UNSUPPORTED_STATEMENT',
      `AS OF SYSTEM TIME is not supported for ${ctx.source.kind} sources`,
      {
        hint: 'a backup always captures a consistent snapshot of the present',
      },
    );
  if (bool(o.revisionHistory))
    throw new StrongroomError('UNSUPPORTED_STATEMENT', 'revision_history is not supported yet');
  if (o.incrementalLocation)
    throw new StrongroomError(
      'UNSUPPORTED_STATEMENT',
      'incremental_location is not supported (removed in CockroachDB v26.2)',
    );
  const keyOpts = {
    kms: strs(o.kms),
    ...(o.encryptionPassphrase ? { passphrase: str(o.encryptionPassphrase) } : {}),
  };
  const collection = await openForWrite(ctx, strs(stmt.destination.uris));
  const store = collection.defaultStore;
  for (const s of [store, ...collection.stores.values()]) await refuseInsideBackup(s);

  // Destination and chain.
  let fullDir: string | undefined;
  let chain: Layer[] = [];
  let key: ChainKey;
  let info: EncryptionInfo | undefined;
  const dest = stmt.destination;
  if (dest.kind === 'collection') {
    ({ chain: key, info } = await newChainKey(ctx, keyOpts, signal));
  } else {
    if (dest.kind === 'latest') fullDir = await latestFullDir(store);
    else {
      const sub = str(dest.subdir);
      fullDir = normaliseFullSubdir(sub);
      if (!fullDir || !(await exists(store, `${fullDir}/${MANIFEST}`)))
        throw new StrongroomError(
          'BACKUP_NOT_FOUND',
          `No full backup exists in ${JSON.stringify(sub)} to append an incremental backup to. To take a full backup, remove the subdirectory from the backup command`,
        );
    }
    key = await unlockChain(ctx, store, fullDir, keyOpts, { sameFile: true, ...(signal ? { signal } : {}) });
    chain = await readChain(store, fullDir, key.key);
    checkAnchor(ctx, store, chain, { latest: dest.kind === 'latest', skip: o.skipRollbackCheck === true });
    const base = chain[0]?.manifest;
    if (base && JSON.stringify(base.localities) !== JSON.stringify(collection.localities))
      throw new StrongroomError(
        'INCOMPATIBLE_CHAIN',
        `the localities of this backup (${collection.localities.join(', ')}) differ from the chain's (${base.localities.join(', ')})`,
        { hint: 'an incremental backup must use the same locality URIs as its full backup' },
      );
    if (base && base.coverage === 'all' && stmt.targets !== undefined)
      throw new StrongroomError(
        'INCOMPATIBLE_CHAIN',
        'cannot append a backup of specific tables or databases to a cluster backup',
        { hint: `the full backup was: ${base.statement}` },
      );
    if (base && base.targetsKey !== targetsKey(stmt))
      throw new StrongroomError(
        'INCOMPATIBLE_CHAIN',
        'the targets of an incremental backup must match its full backup',
        {
          hint: `the full backup was: ${base.statement}`,
        },
      );
  }
  const previous = chain.at(-1)?.manifest;

  // Targets, snapshot and spans.
  const dbNames = await ctx.source.listDatabases();
  const snapshot = await ctx.source.openSnapshot(
    stmt.targets?.kind === 'databases' ? stmt.targets.names.filter((n) => dbNames.includes(n)) : dbNames,
    signal,
  );
  try {
    const schemas = new Map<string, Awaited<ReturnType<Snapshot['schema']>>>();
    const catalog = [];
    for (const name of dbNames) {
      if (stmt.targets?.kind === 'databases' && !stmt.targets.names.includes(name)) continue;
      const s = await snapshot.schema(name);
      schemas.set(name, s);
      catalog.push({ name, tables: s.tables.map((t) => t.name) });
    }
    const selection = selectTargets(catalog, stmt.targets, '');
    const end = snapshot.time;
    const start = previous ? new Date(previous.endTime) : null;
    if (start && end.getTime() <= start.getTime())
      throw new StrongroomError(
        'INVALID_TIME',
        'the previous backup of this chain ends in the future; check the clock',
      );
    const dir = fullDir ? incrementalDir(fullDir, start ?? end, end) : fullSubdir(end);
    if (await exists(store, `${dir}/${MANIFEST}`))
      throw new StrongroomError(
        'BACKUP_EXISTS',
        `A full backup already exists in ${dir}. Consider running an incremental backup to this full backup via BACKUP INTO '${dir}' IN '${store.redactedUri}'`,
      );

    const pages = usePages(snapshot);
    const tables: PlannedTable[] = [];
    const databases: { name: string; objects: DatabaseEntry['objects'] }[] = [];
    const unplaced: string[] = [];
    for (const [db, names] of selection.databases) {
      const schema = schemas.get(db);
      if (!schema) continue;
      databases.push({
        name: db,
        objects: schema.objects.filter((x) => x.table === '' || names.includes(x.table)),
      });
      for (const t of schema.tables.filter((x) => names.includes(x.name))) {
        const tiers = localityOf(ctx.domicile, db, t.name, ctx.locality);
        const placed = placeSpan(collection, tiers);
        if (placed === undefined) {
          if (o.strictStorageLocality) unplaced.push(`${db}.${t.name} (${tiers})`);
        }
        const prevTable = previous?.databases
          .find((d) => d.name === db)
          ?.tables.find((x) => x.name === t.name && x.createSql === t.createSql && sameGranularity(x, pages));
        const boundaries =
          pages && snapshot.pages
            ? await snapshot.pages.planSpans(db, t.name)
            : await snapshot.planSpans(db, t.name, prevTable?.boundaries);
        tables.push({
          database: db,
          info: pages ? { ...t, attributes: { ...t.attributes, spans: 'pages' } } : t,
          locality: placed ?? 'default',
          boundaries,
          ...(prevTable ? { previous: prevTable } : {}),
          ...(pages ? { pages } : {}),
        });
      }
      if (pages && snapshot.pages) {
        // The database's own pages (header, schema, freelist) always go to the default locality.
        const own = await snapshot.pages.database(db);
        const prevPages = previous?.databases.find((d) => d.name === db)?.pages;
        tables.push({
          database: db,
          info: { database: db, name: '', createSql: '', columns: [], attributes: own.attributes },
          locality: 'default',
          boundaries: own.boundaries,
          ...(prevPages ? { previous: prevPages } : {}),
          pages,
        });
      }
    }
    if (unplaced.length > 0)
      throw new StrongroomError(
        'STRICT_LOCALITY',
        `strict storage locality: no storage URI for the locality of ${unplaced.join(', ')}; nothing was written`,
        { hint: 'add a URI with COCKROACH_LOCALITY for that locality, or remove "strict storage locality"' },
      );
    return {
      statement: format(stmt, { redact: true }),
      collection,
      backupType: fullDir ? 'incremental' : 'full',
      fullDir: fullDir ?? dir,
      dir,
      start,
      end,
      key,
      info,
      selection,
      tables,
      databases,
      snapshot,
      detached: bool(o.detached),
      targetsKey: targetsKey(stmt),
      previousLayer: chain.at(-1),
      seq: chain.length + 1,
    };
  } catch (err) {
    await snapshot.close();
    throw err;
  }
}

/**
 * Spans in flight at once during a backup (STRONGROOM_SPAN_CONCURRENCY overrides it for measurements). On 2 cores
 * with PostgreSQL, 1 was slower (8.3 s vs 7.4 s at bench scale 70): one COPY backend leaves a core idle.
 */
export const SPAN_CONCURRENCY = Math.max(
  1,
  Math.min(16, Number(process.env.STRONGROOM_SPAN_CONCURRENCY) || 2),
);

function spansOf(boundaries: readonly string[]): { lo: string | null; hi: string | null }[] {
  const out: { lo: string | null; hi: string | null }[] = [];
  for (let i = 0; i <= boundaries.length; i++)
    out.push({ lo: boundaries[i - 1] ?? null, hi: boundaries[i] ?? null });
  return out;
}

/** `src` when it yields anything (its first chunk already read), null when it is empty. */
async function nonEmpty(src: AsyncIterable<SpanChunk>): Promise<AsyncIterable<SpanChunk> | null> {
  const it = src[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return null;
  return (async function* () {
    let done = false;
    try {
      yield first.value;
      for (;;) {
        const next = await it.next();
        if (next.done) {
          done = true;
          return;
        }
        yield next.value;
      }
    } finally {
      if (!done) await it.return?.();
    }
  })();
}

async function* nonEmptyDone(): AsyncGenerator<SpanChunk> {
  // An empty span: nothing to yield.
}

export interface BackupOutcome {
  readonly rows: number;
  readonly bytes: number;
  readonly dir: string;
}

export async function runBackup(
  ctx: EngineContext,
  plan: BackupPlan,
  job: JobHandle,
): Promise<BackupOutcome> {
  const { collection, key } = plan;
  const store = collection.defaultStore;
  const written: { store: typeof store; path: string }[] = [];
  const signal = job.signal;
  try {
    await cleanupBefore(ctx, plan, job);
    if (plan.info)
      written.push({
        store,
        path: `${plan.fullDir}/${await writeInfo(store, plan.fullDir, 1, plan.info, signal)}`,
      });
    const totalSpans = plan.tables.reduce((n, t) => n + t.boundaries.length + 1, 0) || 1;
    let doneSpans = 0;
    let rows = 0;
    let bytes = 0;
    const files = new Map<string, string[]>();
    const dbEntries = new Map<string, TableEntry[]>();
    const dbPages = new Map<string, TableEntry>();
    // Spans are read, compressed, encrypted and written `SPAN_CONCURRENCY` at a time, so a source read,
    // the zlib thread pool and the storage upload overlap. File names come from the span's position in
    // the plan, so they do not depend on completion order (gaps are fine).
    const units = plan.tables.flatMap((t, ti) => spansOf(t.boundaries).map((b, si) => ({ t, ti, b, si })));
    const entries: SpanEntry[][] = plan.tables.map((t) => new Array<SpanEntry>(t.boundaries.length + 1));
    const failed = new AbortController();
    const unitSignal = AbortSignal.any([signal, failed.signal]);
    const runUnit = async ({ t, ti, b, si }: (typeof units)[number], n: number): Promise<void> => {
      await job.checkpoint();
      const read = () =>
        t.pages && plan.snapshot.pages
          ? plan.snapshot.pages.readSpan(t.database, t.info.name, b, unitSignal)
          : plan.snapshot.readSpan(t.database, t.info.name, b, unitSignal);
      const prev = t.previous?.spans.find((x) => x.lo === b.lo && x.hi === b.hi);
      let entry: SpanEntry | undefined;
      if (prev) {
        const fp = await fingerprintSpan(read());
        if (fp.fingerprint === prev.fingerprint) entry = prev;
      }
      // Most page spans between a table's windows are empty: known before any file is written.
      const chunks = entry || !t.pages ? undefined : await nonEmpty(read());
      if (!entry && chunks === null) {
        const { fingerprint } = await fingerprintSpan(nonEmptyDone());
        entry = { lo: b.lo, hi: b.hi, fingerprint, rows: 0, file: null };
      }
      if (!entry) {
        const path = dataFileName(plan.dir, n);
        const target = storeOf(collection, t.locality);
        written.push({ store: target, path });
        const w = await writeSpan(
          target,
          path,
          key.key,
          chunks ?? read(),
          (r, by) => {
            rows += r;
            bytes += by;
            job.report(doneSpans / totalSpans, rows, bytes, `backing up ${t.database}.${t.info.name}`);
          },
          unitSignal,
        );
        // A page span without rows still holds pages (an empty table's root, an index); only no bytes is empty.
        const empty = w.logicalBytes === 0 || (w.rows === 0 && !t.pages);
        if (empty) await target.delete(path);
        entry = {
          lo: b.lo,
          hi: b.hi,
          fingerprint: w.fingerprint,
          rows: w.rows,
          file: empty
            ? null
            : {
                path,
                locality: t.locality,
                logicalBytes: w.logicalBytes,
                storedBytes: w.storedBytes,
                rows: w.rows,
                ...(w.compression === 'gzip' ? {} : { compression: w.compression }),
              },
        };
      }
      (entries[ti] as SpanEntry[])[si] = entry;
      doneSpans++;
      job.report(doneSpans / totalSpans, rows, bytes);
    };
    let next = 0;
    let rootCause: unknown;
    const worker = async (): Promise<void> => {
      while (next < units.length) {
        const i = next++;
        try {
          await runUnit(units[i] as (typeof units)[number], i + 1);
        } catch (err) {
          // The first failure is the cause; the others are the abort it triggers.
          if (!failed.signal.aborted) {
            rootCause = err;
            failed.abort(err);
          }
          throw err;
        }
      }
    };
    const results = await Promise.allSettled(Array.from({ length: SPAN_CONCURRENCY }, worker));
    if (results.some((r) => r.status === 'rejected')) throw rootCause;
    for (const [ti, t] of plan.tables.entries()) {
      const spans = entries[ti] ?? [];
      for (const e of spans)
        if (e.file?.path.startsWith(`${plan.dir}/`)) {
          const list = files.get(t.locality) ?? [];
          list.push(e.file.path);
          files.set(t.locality, list);
        }
      const entry: TableEntry = {
        name: t.info.name,
        createSql: t.info.createSql,
        columns: t.info.columns,
        attributes: t.info.attributes,
        locality: t.locality,
        boundaries: t.boundaries,
        spans,
      };
      if (t.pages && t.info.name === '') {
        dbPages.set(t.database, entry);
        continue;
      }
      const list = dbEntries.get(t.database) ?? [];
      list.push(entry);
      dbEntries.set(t.database, list);
    }
    await job.checkpoint();
    const id = randomUUID();
    const partitions: { name: string; locality: string }[] = [];
    let n = 0;
    for (const loc of collection.localities) {
      if (loc === 'default') continue;
      const name = partitionDescriptorName(++n, loc);
      const desc: PartitionDescriptor = {
        version: 1,
        backupId: id,
        locality: loc,
        files: files.get(loc) ?? [],
      };
      const target = storeOf(collection, loc);
      const path = `${plan.dir}/${name}`;
      await target.write(path, sealJson(desc, key.key, path), { signal });
      written.push({ store: target, path });
      partitions.push({ name, locality: loc });
    }
    const manifest: Manifest = {
      version: 1,
      id,
      backupType: plan.backupType,
      dir: plan.dir,
      fullDir: plan.fullDir,
      startTime: plan.start?.toISOString() ?? null,
      endTime: plan.end.toISOString(),
      sourceKind: ctx.source.kind,
      coverage: plan.selection.coverage,
      targetsKey: plan.targetsKey,
      databases: plan.databases.map((d) => ({
        name: d.name,
        objects: d.objects,
        tables: dbEntries.get(d.name) ?? [],
        ...(dbPages.has(d.name) ? { pages: dbPages.get(d.name) } : {}),
      })),
      localities: collection.localities,
      partitions,
      encryption: { mode: key.mode, masterKeyIds: key.masterKeyIds },
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
    const mpath = `${plan.dir}/${MANIFEST}`;
    const sealed = sealJson(manifest, key.key, mpath);
    const checksum = checksumOf(sealed);
    // The checksum first, the manifest last: the manifest's presence is what makes the layer complete.
    const cpath = `${plan.dir}/${MANIFEST_CHECKSUM}`;
    await store.write(cpath, Buffer.from(`${checksum}\n`), { signal });
    written.push({ store, path: cpath });
    await store.write(mpath, sealed, { signal });
    written.push({ store, path: mpath });
    if (plan.backupType === 'incremental') await writeChainRecord(plan, store, id, checksum, signal);
    else await store.write(latestMarkerName(plan.end), Buffer.from(`/${plan.dir}`), { signal });
    recordAnchor(ctx, store, plan.fullDir, plan.seq, plan.dir, plan.end);
    return { rows, bytes, dir: plan.dir };
  } catch (err) {
    // Best effort: remove what this job wrote; without a manifest it is not a backup either way.
    for (const w of written.reverse()) await w.store.delete(w.path).catch(() => undefined);
    throw err;
  } finally {
    await plan.snapshot.close();
  }
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

/** A path component sequence that only exists inside a collection: a full backup's or a layer's directory. */
const INSIDE_BACKUP = /(^|\/)(\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}|incrementals|metadata\/latest)(\/|$)/;

/**
 * A collection inside a backup's directory would be listed as part of that backup and cleaned up with it:
 * refused, whether the URI names a backup's directory (or a path under one) or a directory holding a
 * backup's own files.
 */
async function refuseInsideBackup(store: ExternalStorage): Promise<void> {
  const uri = store.redactedUri;
  const q = uri.indexOf('?');
  const path = (q < 0 ? uri : uri.slice(0, q)).replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  const insideByName = INSIDE_BACKUP.test(path);
  if (
    insideByName ||
    (await exists(store, MANIFEST)) ||
    (await exists(store, MANIFEST_CHECKSUM)) ||
    (await exists(store, 'ENCRYPTION-INFO'))
  )
    throw new StrongroomError(
      'INVALID_URI',
      `${uri} is ${insideByName ? "inside a backup's directory" : "a backup's directory itself"}; a collection cannot be nested in a backup`,
      { hint: 'back up into the collection (its root URI) or into a new, separate location' },
    );
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
