// Restores a database backed up as pages: the pages are written into a temporary file at their places,
// which makes a copy of the backed-up database (with only the backed-up tables' pages filled in). When the
// restore asks for exactly what that file holds, in a new database, the file itself is published under
// the database's name; otherwise the chosen tables' rows are copied from it like any row restore.
import { closeSync, existsSync, fdatasync, fdatasyncSync, ftruncateSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StrongroomError } from '@strongroom/errors';
import { releaseChunk } from '../chunk-buffers.js';
import type { PageFileTarget, RestoreRequest, RestoreTable } from '../types.js';
import { openDatabase, type SqliteDatabase } from './driver.js';
import { checkAborted, sqliteCall, toSourceError } from './errors.js';
import { nameKey } from './names.js';
import { PageRunWriter } from './page-runs.js';
import { restoreIntoFile } from './restore.js';
import { readSchema } from './schema.js';
import { readTableSpan } from './spans.js';
import { publish, removeTemporary, tempPath } from './temp-files.js';

function positive(value: unknown, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new StrongroomError('CORRUPTED', `invalid ${what} in the backup`);
  return n;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  const x = a.map(nameKey).sort();
  const y = b.map(nameKey).sort();
  return x.length === y.length && x.every((n, i) => n === y[i]);
}

type PageStream = Pick<RestoreTable, 'data' | 'writePages'>;

/** Writes every stream's pages into a new file at `path`. */
async function assemble(
  path: string,
  size: Omit<PageFileTarget, 'fd'>,
  streams: readonly PageStream[],
  signal: AbortSignal | undefined,
  publishable: boolean,
): Promise<void> {
  const fd = openSync(path, 'wx');
  // A file that is only read from and then removed (some tables, into_db) need not reach the disk.
  const flushing = publishable ? flushWhileWriting(fd) : undefined;
  try {
    ftruncateSync(fd, size.pageSize * size.pageCount);
    for (const stream of streams) {
      checkAborted(signal);
      if (stream.writePages) await stream.writePages({ fd, ...size });
      else await writeChunks(fd, size, stream, signal);
    }
  } finally {
    await flushing?.stop();
    closeSync(fd);
  }
  flushing?.check();
}

/** Pause between two background flushes that found little to write. */
const FLUSH_PAUSE_MS = 5;

/**
 * Flushes the file's pages to disk while they are still being written: fdatasync on a libuv thread, again
 * as soon as it returns. The disk then writes while the decoders decode, and the sync before publishing
 * (syncFile) finds little left: on the 1.1 GB bench database that sync took 0.3–0.5 s after the last
 * page, and takes milliseconds this way. A flush that fails fails the restore (check): a later fsync may
 * report success for pages an earlier one failed to write.
 */
export function flushWhileWriting(fd: number): { stop: () => Promise<void>; check: () => void } {
  let stopped = false;
  let failed: NodeJS.ErrnoException | undefined;
  const loop = (async () => {
    while (!stopped && failed === undefined) {
      const started = performance.now();
      failed = await new Promise<NodeJS.ErrnoException | undefined>((resolve) =>
        fdatasync(fd, (err) => resolve(err ?? undefined)),
      );
      if (performance.now() - started < FLUSH_PAUSE_MS) await sleep(FLUSH_PAUSE_MS);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
    check: () => {
      if (failed !== undefined) throw failed;
    },
  };
}

/**
 * One fsync of a file about to be published, after its last page: the name then never points at pages
 * that are only in the page cache (a crash or power loss leaves the database absent or complete).
 */
function syncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The pages of a stream whose decoded bytes come to this thread. */
async function writeChunks(
  fd: number,
  size: Omit<PageFileTarget, 'fd'>,
  stream: PageStream,
  signal: AbortSignal | undefined,
): Promise<void> {
  const writer = new PageRunWriter(fd, size.pageSize, size.pageCount);
  // Chunks in the shared arena are written out at once and given back: no allocation per chunk.
  for await (const chunk of stream.data({ slots: true })) {
    try {
      checkAborted(signal);
      writer.write(chunk);
    } finally {
      releaseChunk(chunk);
    }
  }
  writer.end();
}

export async function restoreFromPages(
  file: string,
  create: boolean,
  request: RestoreRequest,
): Promise<number> {
  const pages = request.databasePages;
  if (pages === undefined) throw new Error('restoreFromPages needs the database pages');
  if (create && existsSync(file))
    throw new StrongroomError('TARGET_EXISTS', `database ${request.database} already exists`);
  if (!create && !existsSync(file))
    throw new StrongroomError('DATABASE_NOT_FOUND', `database ${request.database} does not exist`);
  const pageSize = positive(pages.attributes.pageSize, 'page size');
  const pageCount = positive(pages.attributes.pageCount, 'page count');
  const assembled = tempPath(dirname(file), 'restore');
  let db: SqliteDatabase | undefined;
  try {
    let rows = 0;
    await assemble(assembled, { pageSize, pageCount }, [pages, ...request.tables], request.signal, create);
    for (const t of request.tables) {
      rows += t.expected?.rows ?? 0;
      request.onRows?.(t.expected?.rows ?? 0, t.expected?.bytes ?? 0);
    }
    const snapshot = sqliteCall(() => openDatabase(assembled, { fileMustExist: true }));
    db = snapshot;
    const { schema, layouts } = sqliteCall(() => readSchema(snapshot, request.database));
    const whole =
      create &&
      !request.schemaOnly &&
      sameNames(
        schema.tables.map((t) => t.name),
        request.tables.map((t) => t.table.name),
      ) &&
      sameNames(
        schema.objects.map((o) => o.name),
        request.objects.map((o) => o.name),
      );
    if (whole) {
      // Closing the last connection leaves no WAL behind: the file is complete in itself.
      snapshot.close();
      db = undefined;
      syncFile(assembled);
      publish(assembled, file, request.database);
      return rows;
    }
    const { databasePages: _, ...rest } = request;
    return await restoreIntoFile(file, create, {
      ...rest,
      tables: request.tables.map((t) => {
        const layout = layouts.get(nameKey(t.table.name));
        if (layout === undefined)
          throw new StrongroomError('CORRUPTED', `table ${t.table.name} is missing from the backed-up pages`);
        return {
          table: t.table,
          data: async function* () {
            for await (const c of readTableSpan(snapshot, layout, { lo: null, hi: null }, request.signal))
              yield c.data;
          },
        };
      }),
    });
  } catch (err) {
    throw toSourceError(err);
  } finally {
    if (db?.open) db.close();
    removeTemporary(assembled);
  }
}
