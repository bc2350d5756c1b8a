// RESTORE's checkpoint (durable jobs): after each unit (database) the job records the target databases
// completely restored, and before each the one it starts. A node that adopts the job after its node died
// plans the RESTORE again without them: a database appears only once complete, so one that exists and was
// being restored is done too, and a partly restored one (absent) is restored whole again — never twice.
import type { RestoreStatement } from '@strongroom/sql';

export interface RestoreCheckpoint {
  readonly restored: readonly string[];
  readonly current?: string;
  readonly rows: number;
  readonly bytes: number;
  readonly totalRows: number;
}

/** The checkpoint a job's record holds, or undefined when it has none (or not a RESTORE's). */
export function restoreCheckpoint(v: unknown): RestoreCheckpoint | undefined {
  const c = v as Partial<RestoreCheckpoint> | undefined;
  if (c === undefined || c === null || !Array.isArray(c.restored)) return undefined;
  return {
    restored: c.restored.map(String),
    ...(typeof c.current === 'string' ? { current: c.current } : {}),
    rows: Number(c.rows ?? 0),
    bytes: Number(c.bytes ?? 0),
    totalRows: Number(c.totalRows ?? 0),
  };
}

/**
 * The target databases a resumed RESTORE skips. Only for restores that create their databases (RESTORE
 * DATABASE, a full restore): tables restored into an existing database (`into_db`) cannot be told done by
 * the database's presence, and such a restore starts again.
 */
export function resumedDatabases(
  stmt: RestoreStatement,
  resume: RestoreCheckpoint | undefined,
  existing: readonly string[],
): Set<string> {
  if (resume === undefined || stmt.targets?.kind === 'tables') return new Set();
  const done = new Set(resume.restored.filter((d) => existing.includes(d)));
  if (resume.current !== undefined && existing.includes(resume.current)) done.add(resume.current);
  return done;
}
