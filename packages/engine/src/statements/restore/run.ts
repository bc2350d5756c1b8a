// RESTORE's run, as a job: each unit (database) handed to the source with its tables' data read from
// wherever in the chain and in whichever locality each span lives, one unit after the other.
import {
  type PageFileTarget,
  type RestoreRequest,
  type RestoreTable,
  releaseChunk,
} from '@strongroom/sources';
import type { TableEntry } from '../../collection/manifest.js';
import { type OpenedBackup, storeForFile } from '../../collection/open-backup.js';
import { readSpanFile } from '../../collection/spans.js';
import type { EngineContext } from '../../context.js';
import type { JobHandle } from '../../jobs/job-runner.js';
import { decodeSpan, decodeSpansAhead, writePageSpans } from '../../pipeline/decode-pool.js';
import { type RestoreCheckpoint, restoreCheckpoint } from './checkpoint.js';
import type { RestorePlan, RestoreUnit } from './plan.js';

export interface RunRestoreOptions {
  /** Called as each unit of `plan.units` is restored (in plan order), with the rows the source loaded. */
  readonly onUnitDone?: (unit: RestoreUnit, rows: number) => void;
}

export async function runRestore(
  ctx: EngineContext,
  plan: RestorePlan,
  job: JobHandle,
  options: RunRestoreOptions = {},
): Promise<{ rows: number }> {
  // An adopted job continues its predecessor's count, so fraction_completed goes on from where it was.
  const resumed = restoreCheckpoint(job.resumeFrom);
  const totalRows = (resumed?.rows ?? 0) + plan.totalRows;
  const progress = { rows: resumed?.rows ?? 0, bytes: resumed?.bytes ?? 0, total: Math.max(totalRows, 1) };
  let loaded = resumed?.rows ?? 0;
  const restored = [...(resumed?.restored ?? [])];
  const save = (current?: string): Promise<void> =>
    job.saveCheckpoint(
      {
        restored,
        ...(current ? { current } : {}),
        rows: progress.rows,
        bytes: progress.bytes,
        totalRows,
      } satisfies RestoreCheckpoint,
      `${restored.length} database(s) restored${current ? `, restoring ${current}` : ''}`,
    );
  for (const u of plan.units) {
    await job.checkpoint();
    await save(u.targetDb);
    const res = await ctx.source.restore(
      restoreRequest(plan, u, job.signal, (r, b) => {
        progress.rows += r;
        progress.bytes += b;
        // running_status stays the checkpoint's line, which names the database being restored.
        job.report(progress.rows / progress.total, progress.rows, progress.bytes);
      }),
    );
    loaded += res.rows;
    restored.push(u.targetDb);
    await save();
    options.onUnitDone?.(u, res.rows);
  }
  return { rows: loaded };
}

/** What the source is asked to restore for one unit. */
function restoreRequest(
  plan: RestorePlan,
  u: RestoreUnit,
  signal: AbortSignal,
  onRows: (rows: number, bytes: number) => void,
): RestoreRequest {
  const data = (t: TableEntry) => (options?: { readonly slots?: boolean }) =>
    spanData(plan.backup, t, options?.slots === true, signal);
  const writePages = (t: TableEntry) => pagesWriter(plan.backup, t, signal);
  return {
    database: u.targetDb,
    createDatabase: u.createDatabase,
    tables: u.tables.map((t) => restoreTable(u.targetDb, t, data(t), writePages(t))),
    objects: u.objects,
    // A schema-only restore needs no pages: the tables are created from their statements.
    databasePages:
      u.pages && !plan.schemaOnly
        ? { attributes: u.pages.attributes, data: data(u.pages), writePages: writePages(u.pages) }
        : undefined,
    schemaOnly: plan.schemaOnly,
    skipMissingForeignKeys: plan.skipMissingForeignKeys,
    noOwner: plan.noOwner,
    noPrivileges: plan.noPrivileges,
    signal,
    onRows,
  };
}

function restoreTable(
  database: string,
  t: TableEntry,
  data: RestoreTable['data'],
  writePages: RestoreTable['writePages'],
): RestoreTable {
  return {
    table: { database, name: t.name, createSql: t.createSql, columns: t.columns, attributes: t.attributes },
    expected: t.spans.reduce(
      (sum, s) => ({
        rows: sum.rows + (s.file ? s.rows : 0),
        bytes: sum.bytes + (s.file?.logicalBytes ?? 0),
      }),
      { rows: 0, bytes: 0 },
    ),
    data,
    writePages,
  };
}

/** Page spans are written into the source's file by the decoder threads themselves; other spans cannot. */
function pagesWriter(
  backup: OpenedBackup,
  t: TableEntry,
  signal: AbortSignal,
): ((target: PageFileTarget) => Promise<number>) | undefined {
  if (t.attributes.spans !== 'pages') return undefined;
  const spans = t.spans.flatMap((s) => {
    const file = s.file;
    if (!file) return [];
    const store = storeForFile(backup, file);
    const localFile = store.localFile?.bind(store);
    return [
      {
        read: () => store.read(file.path, { signal }),
        local:
          localFile === undefined
            ? undefined
            : { file: () => localFile(file.path, signal), redactedUri: store.redactedUri },
        key: backup.key.key,
        path: file.path,
        compression: file.compression,
      },
    ];
  });
  return (target) => writePageSpans(spans, target);
}

/** A table's data: its spans' files decrypted and decompressed, in span order. */
function spanData(
  backup: OpenedBackup,
  t: TableEntry,
  slots: boolean,
  signal: AbortSignal,
): AsyncIterable<Uint8Array> {
  return t.attributes.spans === 'pages'
    ? pageSpanData(backup, t, slots, signal)
    : rowSpanData(backup, t, slots, signal);
}

async function* rowSpanData(
  backup: OpenedBackup,
  t: TableEntry,
  slots: boolean,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  for (const s of t.spans) {
    if (!s.file) continue;
    yield* readSpanFile(
      storeForFile(backup, s.file),
      s.file.path,
      backup.key.key,
      signal,
      s.file.compression,
      slots,
    );
  }
}

/** Page spans are at most a window each: decoded ahead on other cores, into arena slots. */
async function* pageSpanData(
  backup: OpenedBackup,
  t: TableEntry,
  slots: boolean,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const decoded = decodeSpansAhead(
    t.spans.flatMap((s) => {
      const file = s.file;
      if (!file) return [];
      return [
        () =>
          decodeSpan(
            storeForFile(backup, file).read(file.path, { signal }),
            backup.key.key,
            file.path,
            file.compression,
          ),
      ];
    }),
  );
  for await (const c of decoded) {
    if (slots) yield c;
    else {
      // Not the caller's to give back: a copy, and the slot released at once.
      const copy = Buffer.from(c);
      releaseChunk(c);
      yield copy;
    }
  }
}
