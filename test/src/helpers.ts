// Shared helpers of the end-to-end tests: throwaway homes, key files, direct SQLite access to compare
// source and restored data, and a walk over every file of a collection.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Engine, openEngine } from '@strongroom/engine';
import type { ResultSet } from '@strongroom/sources';
import type { StorageRegistry } from '@strongroom/storage';
import Database from 'better-sqlite3';

export interface Fixture {
  readonly home: string;
  readonly dataDir: string;
  readonly extern: string;
  readonly engine: Engine;
  key(name: string): string;
  run(sql: string, params?: (string | null)[]): Promise<ResultSet>;
  /** All rows of a table, via a separate connection, sorted by rowid/primary key order. */
  rows(db: string, table: string): unknown[][];
}

export async function fixture(
  options: {
    locality?: string;
    configPath?: string;
    source?: string;
    storage?: StorageRegistry;
    now?: () => number;
    /** Reuse a state directory (a second engine on it, or after a restart). */
    home?: string;
  } = {},
): Promise<Fixture> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'strongroom-e2e-'));
  const dataDir = join(home, 'data');
  const extern = join(home, 'extern');
  const engine = await openEngine({ home, ...options });
  const keys = new Map<string, string>();
  return {
    home,
    dataDir,
    extern,
    engine,
    key(name) {
      let uri = keys.get(name);
      if (!uri) {
        const path = join(home, `${name}.key`);
        writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
        uri = `local://${path}`;
        keys.set(name, uri);
      }
      return uri;
    },
    run: (sql, params) => engine.execute(sql, params ? { params } : {}),
    rows(db, table) {
      const d = new Database(join(dataDir, `${db}.db`), { readonly: true });
      try {
        d.defaultSafeIntegers(true);
        return d
          .prepare(`SELECT * FROM "${table.replaceAll('"', '""')}"`)
          .raw()
          .all() as unknown[][];
      } finally {
        d.close();
      }
    },
  };
}

export function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out.sort();
}

export function snapshotFiles(dir: string): Map<string, string> {
  return new Map(walk(dir).map((p) => [p, readFileSync(p).toString('base64')]));
}

export async function expectCode(p: Promise<unknown>, code: string): Promise<Error> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code !== code)
      throw new Error(`expected error ${code}, got ${e.code}: ${e.message}`, { cause: err });
    return err as Error;
  }
  throw new Error(`expected error ${code}, but the statement succeeded`);
}

/**
 * `execArgv` for a test's own helper process or worker thread written in TypeScript (`*-child.ts`): tests run
 * from source, so their helpers do too, through tsx's loader.
 */
export const TS_CHILD: readonly string[] = ['--import', 'tsx'];
