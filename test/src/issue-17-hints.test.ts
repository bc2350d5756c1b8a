// Issue #17: the hints that sent users the wrong way. RESTORE … WITH into_db on a missing database,
// a wrong key, BACKUP INTO a URI that names a file, and no help or completion offering options the
// engine refuses.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'vitest';
import { fixture } from './helpers.js';

test('hints say what to do, not what was already done', async () => {
  const f = await fixture();
  try {
    await f.run('CREATE TABLE t (x)');
    await f.run('INSERT INTO t VALUES (1)');
    await f.run(`BACKUP INTO 'nodelocal://1/h' WITH kms = '${f.key('k1')}'`);
    await assert.rejects(
      f.run(`RESTORE TABLE t FROM LATEST IN 'nodelocal://1/h' WITH kms = '${f.key('k1')}', into_db = 'r1'`),
      (e: { code?: string; hint?: string }) => {
        assert.equal(e.code, 'DATABASE_NOT_FOUND');
        assert.match(e.hint ?? '', /create database "r1" first/);
        assert.doesNotMatch(e.hint ?? '', /or use into_db/);
        return true;
      },
    );
    await assert.rejects(
      f.run(
        `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/h' WITH kms = '${f.key('other')}', new_db_name = 'r2'`,
      ),
      (e: { hint?: string }) => {
        assert.doesNotMatch(e.hint ?? '', /SHOW BACKUP/);
        assert.match(e.hint ?? '', /encrypted with/);
        return true;
      },
    );
    mkdirSync(join(f.extern, 'junk'), { recursive: true });
    writeFileSync(join(f.extern, 'junk', 'readme.txt'), 'not a collection\n');
    await assert.rejects(
      f.run("BACKUP INTO 'nodelocal://1/junk/readme.txt'"),
      (e: { message: string; hint?: string }) => {
        assert.match(e.message, /part of the path is a file, not a directory/);
        assert.doesNotMatch(e.message, /not found/);
        assert.match(e.hint ?? '', /names a directory/);
        return true;
      },
    );
  } finally {
    await f.engine.close();
  }
});
