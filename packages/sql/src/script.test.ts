import assert from 'node:assert/strict';
import { test } from 'vitest';
import { checkScript, endsStatement, formatDiagnostic, isOwned, parseScript } from './index.js';

test('endsStatement: a top-level ; at the end, ignoring trailing blanks and comments', () => {
  assert.equal(endsStatement('BACKUP INTO x;'), true);
  assert.equal(endsStatement('BACKUP INTO x;  -- done\n'), true);
  assert.equal(endsStatement('BACKUP INTO x; /* c */ '), true);
  assert.equal(endsStatement('BACKUP INTO x'), false);
  assert.equal(endsStatement("BACKUP INTO 'x;"), false);
  assert.equal(endsStatement('BACKUP INTO x /* ; '), false);
  assert.equal(endsStatement('BACKUP INTO x -- ;'), false);
  assert.equal(endsStatement('SELECT $$;$$'), false);
  assert.equal(endsStatement(''), false);
});

test('isOwned: strongroom statements by their leading keywords, anything else forwarded', () => {
  for (const s of [
    'backup into x',
    'RESTORE FROM',
    'show backups in',
    'SHOW BACKUP x',
    'alter backup x',
    'SHOW JOBS',
    'show job 1',
    'pause job 1',
    'RESUME JOB 1',
    'cancel job 1',
    '-- c\n/* d */ EXPLAIN backup',
    'PAUSE JOBS (SELECT 1)',
    'pause all backup jobs',
    'show tables',
    'show databases',
    'SELECT job_id FROM [ show  JOBS ] WHERE true',
    "WITH j AS (SELECT * FROM [SHOW JOBS]) SELECT job_id FROM j WHERE status = 'failed'",
  ]) {
    assert.equal(isOwned(s), true, s);
  }
  for (const s of [
    'SELECT 1',
    'CREATE TABLE backup (a int)',
    'explain select 1',
    "SELECT '[SHOW JOBS]'",
    'SELECT 1 -- [SHOW JOBS]',
    'SHOW search_path',
    '"backup" into',
    'backups',
    'alter table t',
  ]) {
    assert.equal(isOwned(s), false, s);
  }
});

test('parseScript positions errors in the whole script and keeps going', () => {
  const text = "SELECT 1;\nBACKUP INTO 'x'\n  WITH kms = 'a', kms = 'b';\nSHOW JOBS;\nRESTORE FROM 'y'";
  const { statements, errors } = parseScript(text);
  assert.deepEqual(
    statements.map((s) => [s.kind, s.text]),
    [
      ['forward', 'SELECT 1'],
      ['owned', 'SHOW JOBS'],
    ],
  );
  assert.equal(errors.length, 2);
  const [dup, legacy] = errors;
  assert.deepEqual(
    { ...dup, message: undefined },
    {
      message: undefined,
      line: 3,
      column: 19,
      offset: text.indexOf("kms = 'b'"),
      hint: 'try \\h BACKUP',
      code: 'DUPLICATE_OPTION',
    },
  );
  assert.equal(legacy!.line, 5);
  assert.equal(legacy!.offset, text.length);
  assert.deepEqual(checkScript(text, 'f.sql'), errors);
});

test('formatDiagnostic: file:line:col, source line, caret (tabs kept), hint', () => {
  const text = "SHOW JOBS;\n\tBACKUP INTO 'x' WITH detached, detached";
  const [d] = checkScript(text, 'nightly.sql');
  assert.equal(
    formatDiagnostic(d!, text, 'nightly.sql'),
    [
      'nightly.sql:2:33: at or near "detached": syntax error: detached option specified multiple times',
      "\tBACKUP INTO 'x' WITH detached, detached",
      '\t                               ^',
      'HINT: try \\h BACKUP',
    ].join('\n'),
  );
});
