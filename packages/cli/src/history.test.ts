import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import { decodeEntry, encodeEntry, HistoryFile, historyEntry, historyPath } from './history.js';
import { loadSqlApi } from './sql-api.js';

const sql = loadSqlApi();
const SECRET_STATEMENT = `BACKUP DATABASE shop
  INTO 's3://bucket/path?AWS_ACCESS_KEY_ID=AKIA1&AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI'
  WITH encryption_passphrase = 'hunter2';`;

test('owned statements are stored through the redacting formatter, as one entry', () => {
  const entry = historyEntry(SECRET_STATEMENT, sql);
  assert.doesNotMatch(entry, /hunter2|wJalrXUtnFEMI/);
  assert.doesNotMatch(entry, /\n/);
  assert.match(entry, /^BACKUP DATABASE shop INTO 's3:\/\/bucket\/path\?/i);
});

test('forwarded statements are stored as typed; several statements make one entry', () => {
  assert.equal(historyEntry('SELECT 1;\nSELECT\n  2;', sql), 'SELECT 1; SELECT\n  2;');
});

test('text that does not parse still never stores a passphrase or a secret URI parameter', () => {
  const broken = `BACKUP INTO 's3://b?AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI' WITH encryption_passphrase = 'hunter2', oops;`;
  assert.ok(sql.parseScript(broken).errors.length > 0);
  const entry = historyEntry(broken, sql);
  assert.doesNotMatch(entry, /hunter2|wJalrXUtnFEMI/);
  assert.match(entry, /encryption_passphrase = '\*\*\*\*\*'/);
});

test('the history file holds one line per entry, mode 0600, and no secret', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'strongroom-history-'));
  t.onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const path = historyPath({}, join(dir, 'home'));
  assert.equal(path, join(dir, 'home', 'history'));
  assert.equal(historyPath({ STRONGROOM_HISTORY: '/x/h' }, dir), '/x/h');
  const file = new HistoryFile(path);
  await file.append(historyEntry(SECRET_STATEMENT, sql));
  await file.append('SELECT 1,\n  2;');
  await file.append('\\x');
  const content = await readFile(path, 'utf8');
  assert.equal(content.split('\n').length, 4);
  assert.doesNotMatch(content, /hunter2|wJalrXUtnFEMI/);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const loaded = await file.load();
  assert.deepEqual(loaded.slice(0, 2), ['\\x', 'SELECT 1,\n  2;']);
});

test('entry encoding round-trips backslashes and newlines', () => {
  for (const s of ['a\\nb', 'x\ny', '\\\\\n\r', "e'\\n'"]) assert.equal(decodeEntry(encodeEntry(s)), s);
  assert.doesNotMatch(encodeEntry('a\nb'), /\n/);
});
