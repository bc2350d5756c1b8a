// RESTORE's no_owner / no_privileges (issue 13) are PostgreSQL's: on a source without owners or privileges
// they are refused before anything is read, instead of silently doing nothing. Their effect on PostgreSQL
// is tested in postgres-fidelity.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { expectCode, fixture } from './helpers.js';

describe('RESTORE no_owner / no_privileges on SQLite', () => {
  it('is refused, naming the option, before the backup is opened', async () => {
    const f = await fixture();
    try {
      for (const option of ['no_owner', 'no_privileges']) {
        const err = await expectCode(
          f.run(`RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/none' WITH ${option}`),
          'INVALID_OPTION',
        );
        assert.match(err.message, new RegExp(`^${option} applies to PostgreSQL sources only`));
      }
    } finally {
      await f.engine.close();
    }
  });
});
