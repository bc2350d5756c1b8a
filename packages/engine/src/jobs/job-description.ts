// What a job's description says (CockroachDB's job descriptions): the redacted statement, with KMS URIs
// shown as 'redacted' (a key's path says which key protects a backup) and `LATEST` replaced by the full
// backup it resolved to, so the record stays true after newer backups are taken.
import { format, type Statement, type StringValue } from '@strongroom/sql';

const REDACTED: StringValue = { kind: 'string', value: 'redacted' };
const hide = (vs: readonly StringValue[] | undefined) => vs?.map(() => REDACTED);

export function jobDescription(stmt: Statement, resolvedFullDir?: string): string {
  switch (stmt.kind) {
    case 'backup': {
      const d = stmt.destination;
      const destination =
        d.kind === 'latest' && resolvedFullDir !== undefined
          ? {
              kind: 'subdir' as const,
              subdir: { kind: 'string' as const, value: `/${resolvedFullDir}` },
              uris: d.uris,
            }
          : d;
      const kms = hide(stmt.options.kms);
      return format({ ...stmt, destination, options: { ...stmt.options, ...(kms ? { kms } : {}) } });
    }
    case 'restore': {
      const kms = hide(stmt.options.kms);
      return format({ ...stmt, options: { ...stmt.options, ...(kms ? { kms } : {}) } });
    }
    case 'alter_backup':
      return format({
        ...stmt,
        commands: stmt.commands.map((c) => ({ ...c, newKms: hide(c.newKms)!, oldKms: hide(c.oldKms)! })),
      });
    default:
      return format(stmt);
  }
}
