// BACKUP stage 4: every span of the plan read from the snapshot, compressed and encrypted, and written to
// its locality's store, SPAN_CONCURRENCY at a time, so a source read, the compression workers and the
// storage upload overlap. Each span is a unit of the job, claimed before it is worked on and recorded when
// done (the job's checkpoint). A span whose fingerprint matches the previous layer's (an incremental) or an
// earlier attempt's of this job (a resumed backup, resume.ts) reuses that file; an empty span writes none.
import { StrongroomError } from '@strongroom/errors';
import { forEachPooled, type SpanChunk } from '@strongroom/sources';
import { storeOf } from '../../collection/collection.js';
import { dataFileName } from '../../collection/layout.js';
import type { SpanEntry } from '../../collection/manifest.js';
import { writeSpan } from '../../collection/spans.js';
import type { JobHandle } from '../../jobs/job-runner.js';
import { fingerprintSpan } from '../../pipeline/compress-pool.js';
import type { BackupPlan, BackupUnit } from './plan.js';
import type { PlannedTable } from './plan-tables.js';
import { type RunUnits, stillThere, unitResult } from './resume.js';
import type { WrittenFiles } from './written.js';

/**
 * Spans in flight at once during a backup (STRONGROOM_SPAN_CONCURRENCY overrides it for measurements). On 2 cores
 * with PostgreSQL, 1 was slower (8.3 s vs 7.4 s at bench scale 70): one COPY backend leaves a core idle.
 */
export const SPAN_CONCURRENCY = Math.max(
  1,
  Math.min(16, Number(process.env.STRONGROOM_SPAN_CONCURRENCY) || 2),
);

/** Called when a unit is done (its entry is final), in completion order: where a job runner checkpoints. */
export type OnUnitDone = (unit: BackupUnit, entry: SpanEntry) => void;

export interface SpansBackedUp {
  /** Per planned table, its span entries in span order. */
  readonly entries: readonly (readonly SpanEntry[])[];
  readonly rows: number;
  readonly bytes: number;
}

/** The running totals the job's progress reports. */
interface Progress {
  readonly totalSpans: number;
  doneSpans: number;
  rows: number;
  bytes: number;
}

export async function backUpSpans(
  plan: BackupPlan,
  job: JobHandle,
  written: WrittenFiles,
  onUnitDone?: OnUnitDone,
  run: RunUnits = { units: plan.units, candidates: [] },
): Promise<SpansBackedUp> {
  const progress: Progress = { totalSpans: run.units.length || 1, doneSpans: 0, rows: 0, bytes: 0 };
  // File names come from the unit's place in the plan, so they do not depend on completion order.
  const entries = plan.tables.map((t) => new Array<SpanEntry>(t.boundaries.length + 1));
  const order = reusableFirst(run);
  const claim = batchClaims(job, order);
  await forEachPooled(
    order,
    SPAN_CONCURRENCY,
    async (index, _i, signal) => {
      const unit = run.units[index] as BackupUnit;
      await job.checkpoint();
      await claim(index);
      const c: SpanContext = { job, written, progress, signal, candidate: run.candidates[index] };
      const entry = await backUpSpan(plan, unit, c);
      await job.units?.done(index, unitResult(entry));
      (entries[unit.table] as SpanEntry[])[unit.span] = entry;
      progress.doneSpans++;
      job.report(progress.doneSpans / progress.totalSpans, progress.rows, progress.bytes);
      onUnitDone?.(unit, entry);
    },
    { signal: job.signal },
  );
  await job.units?.flush();
  return { entries, rows: progress.rows, bytes: progress.bytes };
}

/**
 * The order units are worked on: those an earlier attempt finished first (they are only read and
 * fingerprinted when unchanged), so a resumed job's fraction_completed soon regains what it had.
 */
function reusableFirst(run: RunUnits): number[] {
  const indices = run.units.map((_, i) => i);
  return [
    ...indices.filter((i) => run.candidates[i] !== undefined),
    ...indices.filter((i) => run.candidates[i] === undefined),
  ];
}

/** Units claimed in one round trip to the state store (bench/units.mjs measures what one costs). */
const CLAIM_BATCH = 8;

/**
 * Claims the run's units in batches, in the order they are worked on: the first unit not yet claimed
 * claims itself and the next ones with it. A unit this node did not get is another node's; today only the
 * job's coordinator claims units, so that means the job itself passed to another node.
 */
function batchClaims(job: JobHandle, order: readonly number[]): (unit: number) => Promise<void> {
  const ledger = job.units;
  if (!ledger) return async () => undefined;
  const position = new Map(order.map((u, i) => [u, i]));
  const claimed = new Map<number, Promise<boolean>>();
  return async (unit) => {
    if (!claimed.has(unit)) {
      const from = position.get(unit) ?? 0;
      const batch = order.slice(from, from + CLAIM_BATCH).filter((u) => !claimed.has(u));
      const got = ledger.claim(batch).then((units) => new Set(units));
      for (const u of batch) {
        const mine = got.then((s) => s.has(u));
        // A batch's failure is reported by the unit that waits for it; the others' may never be awaited.
        mine.catch(() => undefined);
        claimed.set(u, mine);
      }
    }
    if (!(await claimed.get(unit)))
      throw new StrongroomError('JOB_STATE', `job ${job.id}: unit ${unit} was claimed by another node`);
  };
}

interface SpanContext {
  readonly job: JobHandle;
  readonly written: WrittenFiles;
  readonly progress: Progress;
  /** Aborts when the job is canceled or another span failed. */
  readonly signal: AbortSignal;
  /** An earlier attempt's entry for this span (a resumed backup), reused when the span did not change. */
  readonly candidate: SpanEntry | undefined;
}

/** One unit: its entry reused (previous layer, earlier attempt), empty, or written to a new file. */
async function backUpSpan(plan: BackupPlan, unit: BackupUnit, c: SpanContext): Promise<SpanEntry> {
  const t = plan.tables[unit.table] as PlannedTable;
  const read = (): AsyncIterable<SpanChunk> => readSpan(plan, t, unit, c.signal);
  const earlier = c.candidate && (await stillThere(plan, c.candidate)) ? c.candidate : undefined;
  const unchanged = await unchangedEntry(t, unit, read, earlier);
  if (unchanged) return unchanged;
  // Most page spans between a table's windows are empty: known before any file is written.
  const chunks = t.pages ? await nonEmpty(read()) : undefined;
  if (chunks === null) return emptyEntry(unit);
  return writeSpanFile(plan, t, unit, chunks ?? read(), c);
}

function readSpan(
  plan: BackupPlan,
  t: PlannedTable,
  b: BackupUnit,
  signal: AbortSignal,
): AsyncIterable<SpanChunk> {
  const bounds = { lo: b.lo, hi: b.hi };
  return t.pages && plan.snapshot.pages
    ? plan.snapshot.pages.readSpan(t.database, t.info.name, bounds, signal)
    : plan.snapshot.readSpan(t.database, t.info.name, bounds, signal);
}

/**
 * An existing entry for this span — the previous layer's, or an earlier attempt's of this job — whose
 * fingerprint equals the span's now: the span did not change, so that entry's file holds it. The span is
 * fingerprinted once, only when there is something to compare with.
 */
async function unchangedEntry(
  t: PlannedTable,
  b: BackupUnit,
  read: () => AsyncIterable<SpanChunk>,
  earlier: SpanEntry | undefined,
): Promise<SpanEntry | undefined> {
  const prev = t.previous?.spans.find((x) => x.lo === b.lo && x.hi === b.hi);
  const candidates = [earlier, prev].filter((e): e is SpanEntry => e !== undefined);
  if (candidates.length === 0) return undefined;
  const fp = await fingerprintSpan(read());
  return candidates.find((e) => e.fingerprint === fp.fingerprint);
}

async function* noChunks(): AsyncGenerator<SpanChunk> {
  // An empty span: nothing to yield.
}

/** An empty span's entry: no file, and the fingerprint of no bytes. */
async function emptyEntry(b: BackupUnit): Promise<SpanEntry> {
  const { fingerprint } = await fingerprintSpan(noChunks());
  return { lo: b.lo, hi: b.hi, fingerprint, rows: 0, file: null };
}

async function writeSpanFile(
  plan: BackupPlan,
  t: PlannedTable,
  b: BackupUnit,
  chunks: AsyncIterable<SpanChunk>,
  c: SpanContext,
): Promise<SpanEntry> {
  const path = dataFileName(plan.dir, b.file);
  const target = storeOf(plan.collection, t.locality);
  c.written.add(target, path);
  const p = c.progress;
  const w = await writeSpan(
    target,
    path,
    plan.key.key,
    chunks,
    (r, by) => {
      p.rows += r;
      p.bytes += by;
      c.job.report(p.doneSpans / p.totalSpans, p.rows, p.bytes, `backing up ${t.database}.${t.info.name}`);
    },
    c.signal,
  );
  // A page span without rows still holds pages (an empty table's root, an index); only no bytes is empty.
  const empty = w.logicalBytes === 0 || (w.rows === 0 && !t.pages);
  if (empty) await target.delete(path);
  return {
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
          // Written to the manifest: gzip, the first format, is the absence of the field.
          ...(w.compression === 'gzip' ? {} : { compression: w.compression }),
        },
  };
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
