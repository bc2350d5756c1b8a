// BACKUP stage 3: the snapshot, the targets resolved against its catalogue, the layer's directory and time
// span, and each selected table's spans and locality (or page spans, for a source that offers them).
import { StrongroomError } from '@strongroom/errors';
import type { DatabaseSchema, Snapshot, Source, TableInfo } from '@strongroom/sources';
import type { Targets } from '@strongroom/sql';
import type { ExternalStorage } from '@strongroom/storage';
import { exists } from '../../collection/chain.js';
import { fullSubdir, incrementalDir, MANIFEST } from '../../collection/layout.js';
import type { DatabaseEntry, Manifest, TableEntry } from '../../collection/manifest.js';
import { type Selection, selectTargets } from '../targets.js';

export interface PlannedTable {
  readonly database: string;
  readonly info: TableInfo;
  readonly locality: string;
  readonly boundaries: readonly string[];
  /** The same table in the previous layer, when its definition did not change. */
  readonly previous?: TableEntry | undefined;
  /** Page spans (Snapshot.pages): of this table, or with `info.name` '', of the database's own pages. */
  readonly pages?: boolean;
}

export interface PlannedDatabase {
  readonly name: string;
  readonly objects: DatabaseEntry['objects'];
}

/**
 * Whether a source that offers page spans (sqlite) is backed up as pages. STRONGROOM_SPANS=rows keeps the
 * row spans, to measure one granularity against the other (bench/sqlite.mjs).
 */
export function usePages(snapshot: Snapshot): boolean {
  return snapshot.pages !== undefined && process.env.STRONGROOM_SPANS !== 'rows';
}

/** Page spans and row spans of one table are never compared: a change of granularity writes it anew. */
function sameGranularity(previous: TableEntry, pages: boolean): boolean {
  return (previous.attributes.spans === 'pages') === pages;
}

/** A snapshot of the databases the targets can name (all, or the named ones that exist). */
export async function openTargetSnapshot(
  source: Source,
  targets: Targets | undefined,
  signal?: AbortSignal,
): Promise<{ readonly snapshot: Snapshot; readonly databases: readonly string[] }> {
  const databases = await source.listDatabases();
  const named =
    targets?.kind === 'databases' ? databases.filter((n) => targets.names.includes(n)) : databases;
  return { snapshot: await source.openSnapshot(named, signal), databases };
}

export interface SelectedSchemas {
  readonly schemas: ReadonlyMap<string, DatabaseSchema>;
  readonly selection: Selection;
}

/** The schemas of the databases the targets may name, and the targets resolved against them. */
export async function selectFromSnapshot(
  snapshot: Snapshot,
  databases: readonly string[],
  targets: Targets | undefined,
): Promise<SelectedSchemas> {
  const schemas = new Map<string, DatabaseSchema>();
  const catalog = [];
  for (const name of databases) {
    if (targets?.kind === 'databases' && !targets.names.includes(name)) continue;
    const s = await snapshot.schema(name);
    schemas.set(name, s);
    catalog.push({ name, tables: s.tables.map((t) => t.name) });
  }
  return { schemas, selection: selectTargets(catalog, targets, '') };
}

export interface LayerTimes {
  readonly dir: string;
  readonly start: Date | null;
  readonly end: Date;
}

/**
 * The layer's directory and time span: a full backup's directory is named after its end time, an
 * incremental's after its start and end. Refuses a clock that went backwards and a layer that exists.
 */
export async function layerDirFor(
  store: ExternalStorage,
  fullDir: string | undefined,
  previous: Manifest | undefined,
  end: Date,
): Promise<LayerTimes> {
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
  return { dir, start, end };
}

export interface TablesInput {
  readonly snapshot: Snapshot;
  readonly schemas: ReadonlyMap<string, DatabaseSchema>;
  readonly selection: Selection;
  /** The previous layer's manifest (an incremental's predecessor). */
  readonly previous: Manifest | undefined;
  /** The locality a table's spans go to; undefined when no URI serves its locality tiers (then `tiers`). */
  readonly place: (
    database: string,
    table: string,
  ) => { readonly locality: string | undefined; readonly tiers: string };
  /** `strict storage locality`: a table whose locality has no URI fails the plan instead of going to default. */
  readonly strictLocality: boolean;
}

export interface PlannedTables {
  readonly tables: readonly PlannedTable[];
  readonly databases: readonly PlannedDatabase[];
}

/** Each selected table's spans and locality, in selection order; the database's own pages after its tables. */
export async function planTables(input: TablesInput): Promise<PlannedTables> {
  const pages = usePages(input.snapshot);
  const tables: PlannedTable[] = [];
  const databases: PlannedDatabase[] = [];
  const unplaced: string[] = [];
  for (const [db, names] of input.selection.databases) {
    const schema = input.schemas.get(db);
    if (!schema) continue;
    databases.push({
      name: db,
      objects: schema.objects.filter((x) => x.table === '' || names.includes(x.table)),
    });
    const previousDb = input.previous?.databases.find((d) => d.name === db);
    for (const t of schema.tables.filter((x) => names.includes(x.name))) {
      const placed = input.place(db, t.name);
      if (placed.locality === undefined && input.strictLocality)
        unplaced.push(`${db}.${t.name} (${placed.tiers})`);
      const previous = previousDb?.tables.find(
        (x) => x.name === t.name && x.createSql === t.createSql && sameGranularity(x, pages),
      );
      tables.push(await planTable(input.snapshot, db, t, placed.locality ?? 'default', previous, pages));
    }
    if (pages) tables.push(await planDatabasePages(input.snapshot, db, previousDb?.pages));
  }
  if (unplaced.length > 0)
    throw new StrongroomError(
      'STRICT_LOCALITY',
      `strict storage locality: no storage URI for the locality of ${unplaced.join(', ')}; nothing was written`,
      { hint: 'add a URI with COCKROACH_LOCALITY for that locality, or remove "strict storage locality"' },
    );
  return { tables, databases };
}

async function planTable(
  snapshot: Snapshot,
  db: string,
  t: TableInfo,
  locality: string,
  previous: TableEntry | undefined,
  pages: boolean,
): Promise<PlannedTable> {
  const boundaries =
    pages && snapshot.pages
      ? await snapshot.pages.planSpans(db, t.name)
      : await snapshot.planSpans(db, t.name, previous?.boundaries);
  return {
    database: db,
    info: pages ? { ...t, attributes: { ...t.attributes, spans: 'pages' } } : t,
    locality,
    boundaries,
    previous,
    pages,
  };
}

/** The database's own pages (header, schema, freelist): always in the default locality. */
async function planDatabasePages(
  snapshot: Snapshot,
  db: string,
  previous: TableEntry | undefined,
): Promise<PlannedTable> {
  const own = await (snapshot.pages as NonNullable<Snapshot['pages']>).database(db);
  return {
    database: db,
    info: { database: db, name: '', createSql: '', columns: [], attributes: own.attributes },
    locality: 'default',
    boundaries: own.boundaries,
    previous,
    pages: true,
  };
}
