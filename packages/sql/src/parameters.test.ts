import assert from 'node:assert/strict';
import { isStrongroomError } from '@strongroom/errors';
import { test } from 'vitest';
import { bindParameters, parseStatement, placeholderCount } from './index.js';

const stmt = parseStatement(
  'BACKUP INTO $2 IN $1 AS OF SYSTEM TIME $3 WITH encryption_passphrase = $4, detached = $5, revision_history = $6',
);

test('placeholderCount is the highest $n', () => {
  assert.equal(placeholderCount(stmt), 6);
  assert.equal(placeholderCount(parseStatement('SHOW JOBS')), 0);
  assert.equal(placeholderCount(parseStatement('CANCEL JOB $7')), 7);
});

test('bindParameters replaces each placeholder by its typed value', () => {
  const bound = bindParameters(stmt, ['coll', 'sub', '-10s', 'pw', 'TRUE', 'f']);
  assert.deepEqual(bound, {
    kind: 'backup',
    destination: {
      kind: 'subdir',
      subdir: { kind: 'string', value: 'sub' },
      uris: [{ kind: 'string', value: 'coll' }],
    },
    asOf: { kind: 'string', value: '-10s' },
    options: {
      encryptionPassphrase: { kind: 'string', value: 'pw' },
      detached: { kind: 'bool', value: true },
      revisionHistory: { kind: 'bool', value: false },
    },
  });
  assert.equal(placeholderCount(bound), 0);
  assert.deepEqual(bindParameters(parseStatement('EXPLAIN PAUSE JOB $1'), [' 42 ']), {
    kind: 'explain',
    statement: { kind: 'pause_job', jobs: { kind: 'job', jobId: { kind: 'int', value: 42n } } },
  });
});

test('missing, null and ill-typed values are rejected without echoing the value', () => {
  const code = (f: () => unknown) => {
    try {
      f();
      return 'none';
    } catch (err) {
      assert.ok(isStrongroomError(err));
      assert.ok(!err.message.includes('s3cret'), err.message);
      return err.code;
    }
  };
  assert.equal(
    code(() => bindParameters(stmt, ['a', 'b'])),
    'MISSING_PARAMETER',
  );
  assert.equal(
    code(() => bindParameters(stmt, ['a', 'b', 'c', null, 'true', 'true'])),
    'INVALID_PARAMETER',
  );
  assert.equal(
    code(() => bindParameters(stmt, ['a', 'b', 'c', 'd', 's3cret', 'true'])),
    'INVALID_PARAMETER',
  );
  assert.equal(
    code(() => bindParameters(parseStatement('SHOW JOB $1'), ['s3cret'])),
    'INVALID_PARAMETER',
  );
});
