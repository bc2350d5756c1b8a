// The temporary name a new PostgreSQL database is restored under until it is complete. Apart from the
// rest of the restore (which loads pg): the engine names it without loading the driver.
import { createHash } from 'node:crypto';

export const TEMPORARY_PREFIX = 'strongroom_restore_';

/** The name a new database is restored under until it is complete: one per target, so a retry finds it. */
export function temporaryDatabase(target: string): string {
  return `${TEMPORARY_PREFIX}${createHash('sha256').update(target).digest('hex').slice(0, 16)}`;
}
