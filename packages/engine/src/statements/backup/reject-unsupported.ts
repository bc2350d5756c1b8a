// BACKUP stage 1: options strongroom parses (they are CockroachDB's) but does not implement are refused
// before anything is opened.
import { StrongroomError } from '@strongroom/errors';
import type { BackupStatement } from '@strongroom/sql';
import { bool } from '../values.js';

export function rejectUnsupported(sourceKind: string, stmt: BackupStatement): void {
  const o = stmt.options;
  if (stmt.asOf)
    throw new StrongroomError(
      'UNSUPPORTED_STATEMENT',
      `AS OF SYSTEM TIME is not supported for ${sourceKind} sources`,
      {
        hint: 'a backup always captures a consistent snapshot of the present',
      },
    );
  if (bool(o.revisionHistory))
    throw new StrongroomError('UNSUPPORTED_STATEMENT', 'revision_history is not supported yet');
  if (o.incrementalLocation)
    throw new StrongroomError(
      'UNSUPPORTED_STATEMENT',
      'incremental_location is not supported (removed in CockroachDB v26.2)',
    );
}
