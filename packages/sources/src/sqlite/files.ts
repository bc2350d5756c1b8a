// The database files of directory mode: listing `*.db`, and deleting a database with its WAL, shared
// memory and rollback journal companions.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDatabaseName } from './names.js';

/** Database names in `dir`, sorted. Files whose names are not valid database names are ignored. */
export function databasesInDirectory(dir: string): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (!entry.endsWith('.db')) continue;
    const name = entry.slice(0, -3);
    if (isDatabaseName(name) && statSync(join(dir, entry)).isFile()) names.push(name);
  }
  return names.sort();
}

export function deleteDatabaseFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
}
