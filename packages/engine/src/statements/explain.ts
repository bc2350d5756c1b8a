// EXPLAIN <statement>: the job plan as lines of text, from the statement and the source's catalogue only.
// It touches no external storage and no KMS (a plan that listed a bucket or wrapped a key would not be
// "runs nothing"): what depends on the collection (which full backup LATEST is, which spans changed) is
// named as resolved at run time.
import type { ResultSet } from '@strongroom/sources';
import { type ExplainableStatement, format } from '@strongroom/sql';
import { matchLocality, parseLocalityUris, redactUri } from '@strongroom/uri';
import { localityOf } from '../config.js';
import type { EngineContext } from '../context.js';
import { selectTargets } from './targets.js';
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
    case 'backup': {
      const dest = stmt.destination;
      const uris = parseLocalityUris(strs(dest.uris));
      const incremental = dest.kind !== 'collection';
      lines.push(
        `job: BACKUP (${incremental ? 'incremental' : 'full'}${stmt.options.detached ? ', detached' : ''})`,
      );
      lines.push(`collection: ${redactUri(uris.defaultUri)}`);
      lines.push(
        dest.kind === 'collection'
          ? 'directory: a new full backup, named after the snapshot time'
          : dest.kind === 'latest'
            ? 'directory: a new incremental on the newest full backup (resolved at run time)'
            : `directory: a new incremental on /${str(dest.subdir).replace(/^\/+/, '')}`,
      );
      lines.push(`encryption: ${keyMode(stmt.options)}`);
      lines.push(`locality default: ${redactUri(uris.defaultUri)}`);
      for (const [loc, u] of [...uris.byLocality].sort()) lines.push(`locality ${loc}: ${redactUri(u)}`);
      const dbNames = await ctx.source.listDatabases();
      const wanted =
        stmt.targets?.kind === 'databases' ? stmt.targets.names.filter((n) => dbNames.includes(n)) : dbNames;
      const snapshot = await ctx.source.openSnapshot(wanted);
      try {
        const catalog = [];
        for (const name of wanted) {
          const schema = await snapshot.schema(name);
          catalog.push({ name, tables: schema.tables.map((t) => t.name) });
        }
        const selection = selectTargets(catalog, stmt.targets, '');
        for (const [db, tables] of selection.databases)
          for (const t of tables) {
            const tiers = localityOf(ctx.domicile, db, t, ctx.locality);
            const uri =
              uris.localityAware && tiers !== '' ? matchLocality(tiers, uris.byLocality) : uris.defaultUri;
            const loc =
              uri === undefined
                ? 'none (no URI matches)'
                : ([...uris.byLocality].find(([, u]) => u === uri)?.[0] ?? 'default');
            lines.push(
              `table ${db}.${t} → locality ${loc}${incremental ? ' (unchanged spans skipped)' : ''}`,
            );
          }
      } finally {
        await snapshot.close();
      }
      const writes = ['data/*.rows'];
      if (!incremental && keyMode(stmt.options) !== 'none') writes.unshift('ENCRYPTION-INFO');
      if (uris.localityAware) writes.push('BACKUP_PART_* (per non-default locality)');
      writes.push('BACKUP_MANIFEST-CHECKSUM', 'BACKUP_MANIFEST');
      writes.push(incremental ? 'CHAIN-n (in the full backup)' : 'metadata/latest/LATEST-*');
      lines.push(`writes (in order): ${writes.join(', ')}`);
      break;
    }
    case 'restore': {
      const o = stmt.options;
      lines.push(`job: RESTORE${o.detached ? ' (detached)' : ''}${o.schemaOnly ? ' (schema only)' : ''}`);
      const from = str(stmt.from);
      lines.push(
        `backup: ${from.toLowerCase() === 'latest' ? 'the newest full backup (resolved at run time)' : `/${from.replace(/^\/+/, '')}`} in ${strs(
          stmt.uris,
        )
          .map((u) => redactUri(u))
          .join(', ')}`,
      );
      lines.push(
        `layer: ${stmt.asOf ? 'the layer ending at the AS OF SYSTEM TIME' : 'the newest of the chain'}`,
      );
      lines.push(`encryption: ${keyMode(o)}`);
      const t = stmt.targets;
      lines.push(
        `targets: ${t === undefined ? 'everything in the backup' : t.kind === 'databases' ? `database(s) ${t.names.join(', ')}` : `table(s) ${t.tables.map((p) => [...p.parts, ...(p.star ? ['*'] : [])].join('.')).join(', ')}`}`,
      );
      if (o.newDbName) lines.push(`new database: ${str(o.newDbName)}`);
      if (o.intoDb) lines.push(`into database: ${str(o.intoDb)}`);
      break;
    }
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
