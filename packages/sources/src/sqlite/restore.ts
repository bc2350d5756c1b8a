// Restores tables and objects into one sqlite database file, on a dedicated connection and in one
// transaction: name clashes are checked before anything is written, tables are created from their
// createSql, rows bulk-loaded (rowids kept), then indexes, views and triggers; any failure rolls back and
// removes a database file this call created. A new database is written under a temporary name and
// published only once committed (temp-files.ts), so a killed restore leaves nothing visible.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import { decodeRowBatches } from '../row-codec.js';
import type { RestoreRequest, RestoreTable } from '../types.js';
import { openDatabase, type SqliteDatabase } from './driver.js';
import { checkAborted, toSourceError } from './errors.js';
import { nameKey, quoteIdent } from './names.js';
import { publish, removeTemporary, tempPath } from './temp-files.js';

/** Restores into `file`; `create` means the file must not exist and is removed again on failure. */
export async function restoreIntoFile(
  file: string,
  create: boolean,
  request: RestoreRequest,
): Promise<number> {
  if (create && existsSync(file)) {
    throw new StrongroomError('TARGET_EXISTS', `database ${request.database} already exists`);
  }
  if (!create && !existsSync(file)) {
    throw new StrongroomError('DATABASE_NOT_FOUND', `database ${request.database} does not exist`);
  }
  let db: SqliteDatabase | undefined;
  const target = create ? tempPath(dirname(file), 'restore') : file;
  try {
    db = openDatabase(target, { fileMustExist: !create });
    // Rows are restored exactly as they were, so foreign keys need no checking, and checking them would
    // make the load depend on table order. This pragma only works outside a transaction.
    db.exec('PRAGMA foreign_keys = OFF');
    checkNoClash(db, request);
    db.exec('BEGIN IMMEDIATE');
    const rows = await createAndLoad(db, request);
    db.exec('COMMIT');
    db.close();
    if (create) publish(target, file, request.database);
    return rows;
  } catch (err) {
    closeAfterFailure(db);
    if (create) removeTemporary(target);
    throw toSourceError(err);
  }
}

/** Tables created and loaded, then the objects on them; the rows loaded. */
async function createAndLoad(db: SqliteDatabase, request: RestoreRequest): Promise<number> {
  let rows = 0;
  for (const table of request.tables) {
    db.exec(table.table.createSql);
    if (!request.schemaOnly) rows += await loadRows(db, table, request);
    restoreSequence(db, table);
  }
  for (const object of request.objects) {
    checkAborted(request.signal);
    db.exec(object.sql);
  }
  return rows;
}

function closeAfterFailure(db: SqliteDatabase | undefined): void {
  try {
    if (db?.inTransaction) db.exec('ROLLBACK');
    db?.close();
  } catch {
    // The original error is what matters; the connection is gone either way.
  }
}

function checkNoClash(db: SqliteDatabase, request: RestoreRequest): void {
  const existing = new Map<string, { type: string; name: string }>();
  for (const row of db.prepare('SELECT type, name FROM main.sqlite_master').all() as {
    type: string;
    name: string;
  }[]) {
    existing.set(nameKey(row.name), row);
  }
  const wanted = [...request.tables.map((t) => t.table.name), ...request.objects.map((o) => o.name)];
  for (const name of wanted) {
    const clash = existing.get(nameKey(name));
    if (clash !== undefined) {
      throw new StrongroomError(
        'TARGET_EXISTS',
        `${clash.type} ${request.database}.${clash.name} already exists`,
        {
          hint: 'restore into a new database (new_db_name) or another one (into_db)',
        },
      );
    }
  }
}

async function loadRows(db: SqliteDatabase, restore: RestoreTable, request: RestoreRequest): Promise<number> {
  const { table } = restore;
  const rowid =
    typeof table.attributes.rowid === 'string' && table.attributes.rowid !== ''
      ? table.attributes.rowid
      : null;
  if (rowid !== null && !['rowid', '_rowid_', 'oid'].includes(rowid)) {
    throw new StrongroomError('CORRUPTED', `table ${table.name}: invalid rowid attribute`);
  }
  const columns = [...(rowid === null ? [] : [rowid]), ...table.columns.map((c) => quoteIdent(c.name))];
  const insert = db.prepare(
    `INSERT INTO ${quoteIdent(table.name)} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  );
  let rows = 0;
  for await (const batch of decodeRowBatches(restore.data())) {
    checkAborted(request.signal);
    for (const row of batch.rows) {
      if (row.length !== columns.length) {
        throw new StrongroomError(
          'CORRUPTED',
          `table ${table.name}: a row has ${row.length} values, expected ${columns.length}`,
        );
      }
      insert.run(...row);
    }
    rows += batch.rows.length;
    request.onRows?.(batch.rows.length, batch.bytes);
  }
  return rows;
}

/** AUTOINCREMENT tables keep their counter, which may be past the largest rowid left in the table. */
function restoreSequence(db: SqliteDatabase, restore: RestoreTable): void {
  const seq = restore.table.attributes.sequence;
  if (typeof seq !== 'string' || !/^-?\d+$/.test(seq)) return;
  const updated = db
    .prepare('UPDATE main.sqlite_sequence SET seq = ? WHERE name = ?')
    .run(BigInt(seq), restore.table.name);
  if (updated.changes === 0) {
    db.prepare('INSERT INTO main.sqlite_sequence (name, seq) VALUES (?, ?)').run(
      restore.table.name,
      BigInt(seq),
    );
  }
}
