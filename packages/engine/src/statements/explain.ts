// EXPLAIN <statement>: the job plan as lines of text, from the statement and the source's catalogue only.
// It touches no external storage and no KMS (a plan that listed a bucket or wrapped a key would not be
// "runs nothing"): what depends on the collection (which full backup LATEST is, which spans changed) is
// named as resolved at run time.
import type { ResultSet } from '@strongroom/sources';
import {
  type BackupStatement,
  type ExplainableStatement,
  format,
  type RestoreStatement,
} from '@strongroom/sql';
import { matchLocality, parseLocalityUris, redactUri } from '@strongroom/uri';
import { localityOf } from '../config.js';
import type { EngineContext } from '../context.js';
import { openTargetSnapshot, selectFromSnapshot } from './backup/plan-tables.js';
import { str, strs } from './values.js';

function keyMode(o: { kms?: readonly unknown[]; encryptionPassphrase?: unknown }): string {
  const kms = (o.kms?.length ?? 0) > 0;
  const pass = o.encryptionPassphrase !== undefined;
  return kms && pass ? 'kms+passphrase' : kms ? 'kms' : pass ? 'passphrase' : 'none';
}

export async function explain(
  ctx: EngineContext,
  stmt: ExplainableStatement,
  _opts: { signal?: AbortSignal; onNotice?: (m: string) => void },
): Promise<ResultSet> {
  const lines: string[] = [`statement: ${format(stmt, { redact: true })}`];
  switch (stmt.kind) {
    case 'backup':
      lines.push(...(await explainBackup(ctx, stmt)));
      break;
    case 'restore':
      lines.push(...explainRestore(stmt));
      break;
    case 'alter_backup': {
      lines.push(
        `job: ALTER BACKUP on ${
          format(stmt, { redact: true })
            .replace(/^ALTER BACKUP /i, '')
            .split(/ ADD /i)[0]
        }`,
      );
      lines.push('writes: a new ENCRYPTION-INFO-n per ADD NEW_KMS; no data file is read or rewritten');
      break;
    }
    default:
      lines.push('runs at once; reads only');
  }
  return { columns: [{ name: 'info', type: 'text' }], rows: lines.map((l) => [l]), tag: 'EXPLAIN' };
}

type LocalityUris = ReturnType<typeof parseLocalityUris>;

async function explainBackup(ctx: EngineContext, stmt: BackupStatement): Promise<string[]> {
  const dest = stmt.destination;
  const uris = parseLocalityUris(strs(dest.uris));
  const incremental = dest.kind !== 'collection';
  const lines = [
    `job: BACKUP (${incremental ? 'incremental' : 'full'}${stmt.options.detached ? ', detached' : ''})`,
    `collection: ${redactUri(uris.defaultUri)}`,
    backupDirectory(dest),
    `encryption: ${keyMode(stmt.options)}`,
    `locality default: ${redactUri(uris.defaultUri)}`,
  ];
  for (const [loc, u] of [...uris.byLocality].sort()) lines.push(`locality ${loc}: ${redactUri(u)}`);
  const { snapshot, databases } = await openTargetSnapshot(ctx.source, stmt.targets);
  try {
    const { selection } = await selectFromSnapshot(snapshot, databases, stmt.targets);
    for (const [db, tables] of selection.databases)
      for (const t of tables)
        lines.push(
          `table ${db}.${t} → locality ${tableLocality(ctx, uris, db, t, stmt.options.strictStorageLocality === true)}${incremental ? ' (unchanged spans skipped)' : ''}`,
        );
  } finally {
    await snapshot.close();
  }
  lines.push(`writes (in order): ${backupWrites(stmt, uris, incremental).join(', ')}`);
  return lines;
}

function backupDirectory(dest: BackupStatement['destination']): string {
  if (dest.kind === 'collection') return 'directory: a new full backup, named after the snapshot time';
  if (dest.kind === 'latest')
    return 'directory: a new incremental on the newest full backup (resolved at run time)';
  return `directory: a new incremental on /${str(dest.subdir).replace(/^\/+/, '')}`;
}

/**
 * The locality whose URI a table's spans go to, as the plan would place them (placeSpan): with one URI,
 * default, unless the table has a locality and `strict storage locality` refuses to send it there.
 */
function tableLocality(
  ctx: EngineContext,
  uris: LocalityUris,
  db: string,
  table: string,
  strict: boolean,
): string {
  const tiers = localityOf(ctx.domicile, db, table, ctx.locality);
  const uri = uris.localityAware && tiers !== '' ? matchLocality(tiers, uris.byLocality) : uris.defaultUri;
  if (uri === undefined || (strict && !uris.localityAware && tiers !== '')) return 'none (no URI matches)';
  return [...uris.byLocality].find(([, u]) => u === uri)?.[0] ?? 'default';
}

function backupWrites(stmt: BackupStatement, uris: LocalityUris, incremental: boolean): string[] {
  const writes = ['data/*.rows'];
  if (!incremental && keyMode(stmt.options) !== 'none') writes.unshift('ENCRYPTION-INFO');
  if (uris.localityAware) writes.push('BACKUP_PART_* (per non-default locality)');
  writes.push('BACKUP_MANIFEST-CHECKSUM', 'BACKUP_MANIFEST');
  writes.push(incremental ? 'CHAIN-n (in the full backup)' : 'metadata/latest/LATEST-*');
  return writes;
}

function explainRestore(stmt: RestoreStatement): string[] {
  const o = stmt.options;
  const from = str(stmt.from);
  const backup =
    from.toLowerCase() === 'latest'
      ? 'the newest full backup (resolved at run time)'
      : `/${from.replace(/^\/+/, '')}`;
  const lines = [
    `job: RESTORE${o.detached ? ' (detached)' : ''}${o.schemaOnly ? ' (schema only)' : ''}`,
    `backup: ${backup} in ${strs(stmt.uris)
      .map((u) => redactUri(u))
      .join(', ')}`,
    `layer: ${stmt.asOf ? 'the layer ending at the AS OF SYSTEM TIME' : 'the newest of the chain'}`,
    `encryption: ${keyMode(o)}`,
    `targets: ${restoreTargets(stmt.targets)}`,
  ];
  if (o.newDbName) lines.push(`new database: ${str(o.newDbName)}`);
  if (o.intoDb) lines.push(`into database: ${str(o.intoDb)}`);
  return lines;
}

function restoreTargets(t: RestoreStatement['targets']): string {
  if (t === undefined) return 'everything in the backup';
  if (t.kind === 'databases') return `database(s) ${t.names.join(', ')}`;
  return `table(s) ${t.tables.map((p) => [...p.parts, ...(p.star ? ['*'] : [])].join('.')).join(', ')}`;
}
