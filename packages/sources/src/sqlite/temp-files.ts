// Temporary files next to the databases: snapshot copies and restores in progress. A restore is written
// under a temporary name and published (hard-linked to its final name, which fails if that name exists,
// then the temporary name removed), so a killed restore never leaves a half-written database visible.
// Temporary names carry the pid of the process that made them, so the next snapshot or restore removes
// those whose process is gone, and never another live process's.
import { randomBytes } from 'node:crypto';
import { linkSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StrongroomError } from '@strongroom/errors';

const PREFIX = '.strongroom-';
const NAME = /^\.strongroom-(?:snapshot|restore)-(\d+)-[0-9a-f]+\.tmp(?:-wal|-shm|-journal)?$/;

/** A new temporary path in `dir` (never `*.db`, so never listed as a database). */
export function tempPath(dir: string, kind: 'snapshot' | 'restore'): string {
  return join(dir, `${PREFIX}${kind}-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporaries in `dir` left by processes that no longer run (a killed backup or restore). */
export function removeStaleTemporaries(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const m = NAME.exec(entry);
    if (m && !alive(Number(m[1]))) rmSync(join(dir, entry), { force: true });
  }
}

export function removeTemporary(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

/**
 * Gives the complete file at `temp` its final name `file`, atomically and without replacing anything:
 * fails with TARGET_EXISTS (and keeps `temp` for the caller to remove) when `file` exists.
 */
export function publish(temp: string, file: string, database: string): void {
  if (dirname(temp) !== dirname(file)) throw new Error('a temporary must be in its target directory');
  try {
    linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new StrongroomError('TARGET_EXISTS', `database ${database} already exists`);
    throw err;
  }
  unlinkSync(temp);
}
