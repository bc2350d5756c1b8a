// EXPLAIN <statement>: the job plan as lines of text. Planning reads the source's catalogue and the
// backup's metadata; nothing is written and no job is created.
import type { ResultSet } from '@strongroom/sources';
import { type ExplainableStatement, format } from '@strongroom/sql';
import { planAlter } from './alter.js';
import { planBackup } from './backup.js';
import type { EngineContext } from './context.js';
import { planRestore } from './restore.js';

export async function explain(
  ctx: EngineContext,
  stmt: ExplainableStatement,
  opts: { signal?: AbortSignal; onNotice?: (m: string) => void },
): Promise<ResultSet> {
  const lines: string[] = [`statement: ${format(stmt, { redact: true })}`];
  switch (stmt.kind) {
    case 'backup': {
      const p = await planBackup(ctx, stmt, opts.signal);
      try {
        lines.push(`job: BACKUP (${p.backupType}${p.detached ? ', detached' : ''})`);
        lines.push(`collection: ${p.collection.defaultStore.redactedUri}`);
        lines.push(
          `directory: /${p.dir}${p.backupType === 'incremental' ? ` (chain of /${p.fullDir})` : ''}`,
        );
        lines.push(`snapshot time: ${p.end.toISOString()}`);
        lines.push(
          `encryption: ${p.key.mode}${p.key.masterKeyIds.length ? ` (${p.key.masterKeyIds.join(', ')})` : ''}`,
        );
        for (const loc of p.collection.localities)
          lines.push(
            `locality ${loc}: ${(loc === 'default' ? p.collection.defaultStore : p.collection.stores.get(loc))?.redactedUri}`,
          );
        for (const t of p.tables)
          lines.push(
            `${t.info.name === '' ? `database ${t.database} own pages` : `table ${t.database}.${t.info.name}`}: ${t.boundaries.length + 1} ${t.pages ? 'page ' : ''}span(s) → locality ${t.locality}${t.previous ? ' (unchanged spans skipped)' : ''}`,
          );
        const writes = ['data/*.rows'];
        if (p.info) writes.unshift('ENCRYPTION-INFO');
        if (p.collection.localities.length > 1) writes.push('BACKUP_PART_* (per non-default locality)');
        writes.push('BACKUP_MANIFEST', 'BACKUP_MANIFEST-CHECKSUM');
        if (p.backupType === 'full') writes.push('metadata/latest/LATEST-*');
        lines.push(`writes (in order): ${writes.join(', ')}`);
      } finally {
        await p.snapshot.close();
      }
      break;
    }
    case 'restore': {
      const p = await planRestore(ctx, stmt, opts);
      lines.push(`job: RESTORE${p.detached ? ' (detached)' : ''}${p.schemaOnly ? ' (schema only)' : ''}`);
      lines.push(`backup: /${p.backup.fullDir}, layer /${p.layer.dir} (end time ${p.layer.endTime})`);
      lines.push(`encryption: ${p.backup.key.mode}`);
      for (const u of p.units)
        lines.push(
          `${u.createDatabase ? 'create database' : 'into database'} ${u.targetDb}: ${u.tables.map((t) => t.name).join(', ') || '(no tables)'} from ${u.sourceDb}`,
        );
      lines.push(`rows: ${p.totalRows}`);
      break;
    }
    case 'alter_backup': {
      const p = await planAlter(ctx, stmt);
      lines.push(`job: ALTER BACKUP on /${p.fullDir} in ${p.store.redactedUri}`);
      lines.push('writes: a new ENCRYPTION-INFO-n per ADD NEW_KMS; no data file is read or rewritten');
      break;
    }
    default:
      lines.push('runs at once; reads only');
  }
  return { columns: [{ name: 'info', type: 'text' }], rows: lines.map((l) => [l]), tag: 'EXPLAIN' };
}
