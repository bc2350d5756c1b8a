import assert from 'node:assert/strict';
import { isStrongroomError } from '@strongroom/errors';
import { parseStatement } from '@strongroom/sql';
import { describe, it } from 'vitest';
import { evalTime, keyOptionsOf } from './values.js';

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

describe('evalTime', () => {
  const now = new Date('2026-12-04T12:00:00.000Z');
  const at = (value: string): Date => evalTime({ kind: 'string', value }, now);
  it('reads durations before now, timestamps (UTC unless zoned) and decimal nanoseconds', () => {
    assert.equal(at('-10s').toISOString(), '2026-12-04T11:59:50.000Z');
    assert.equal(at('-1h30m').toISOString(), '2026-12-04T10:30:00.000Z');
    assert.equal(at('-250ms').toISOString(), '2026-12-04T11:59:59.750Z');
    assert.equal(at('2026-12-01 10:00:00').toISOString(), '2026-12-01T10:00:00.000Z');
    assert.equal(at('2026-12-01T10:00:00+02:00').toISOString(), '2026-12-01T08:00:00.000Z');
    assert.equal(at('1764583200000000000').toISOString(), '2025-12-01T10:00:00.000Z');
    assert.equal(
      evalTime({ kind: 'number', text: '1764583200000000000.5' }, now).toISOString(),
      '2025-12-01T10:00:00.000Z',
    );
    assert.equal(
      evalTime({ kind: 'call', name: 'follower_read_timestamp' }, now).toISOString(),
      '2026-12-04T11:59:55.200Z',
    );
  });
  it('refuses what is not a time', () => {
    assert.throws(
      () => at('yesterday'),
      (err) => isStrongroomError(err, 'INVALID_TIME'),
    );
    assert.throws(
      () => evalTime({ kind: 'call', name: 'now' }, now),
      (err) => isStrongroomError(err, 'INVALID_TIME'),
    );
  });
});
