import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStrongroomError } from '@strongroom/errors';
import { parseStatement } from '@strongroom/sql';
import { keyOptionsOf } from './values.js';

function options(text: string): Parameters<typeof keyOptionsOf>[0] {
  const s = parseStatement(text);
  if (s.kind !== 'backup' && s.kind !== 'restore' && s.kind !== 'show_backup') assert.fail(s.kind);
  return s.options;
}

describe('keyOptionsOf', () => {
  it('takes every KMS URI in order and the passphrase, from BACKUP, RESTORE and SHOW BACKUP alike', () => {
    const kms = "kms = ('local:///k/a.key', 'local:///k/b.key'), encryption_passphrase = 'fake pass'";
    for (const text of [
      `BACKUP INTO 'nodelocal://1/x' WITH ${kms}`,
      `RESTORE FROM LATEST IN 'nodelocal://1/x' WITH ${kms}`,
      `SHOW BACKUP FROM LATEST IN 'nodelocal://1/x' WITH ${kms}`,
    ])
      assert.deepEqual(keyOptionsOf(options(text)), {
        kms: ['local:///k/a.key', 'local:///k/b.key'],
        passphrase: 'fake pass',
      });
  });

  it('gives no keys for a statement without them, and an empty passphrase as given', () => {
    assert.deepEqual(keyOptionsOf(options("BACKUP INTO 'nodelocal://1/x'")), {
      kms: [],
      passphrase: undefined,
    });
    assert.equal(
      keyOptionsOf(options("BACKUP INTO 'nodelocal://1/x' WITH encryption_passphrase = ''")).passphrase,
      '',
    );
  });

  it('refuses a placeholder without a value', () => {
    assert.throws(
      () => keyOptionsOf(options("BACKUP INTO 'nodelocal://1/x' WITH kms = $1")),
      (err) => isStrongroomError(err, 'MISSING_PARAMETER'),
    );
  });
});
