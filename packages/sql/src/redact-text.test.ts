import assert from 'node:assert/strict';
import { test } from 'vitest';
import { formatDiagnostic } from './diagnostics.js';
import { redactSqlText } from './redact-text.js';
import { parseScript } from './script.js';

const CANARIES = ['canary-pass', 'canary-aws', 'canary-pw', 'canary-esc'];

test('secret literals and URI secrets are masked; other literals are kept', () => {
  const text =
    "BACKUP INTO 's3://b/x?AWS_SECRET_ACCESS_KEY=canary-aws&AWS_ACCESS_KEY_ID=AKID' " +
    "WITH encryption_passphrase = 'canary-pass', detached; SELECT 'plain', e'p\\'w' , password = e'canary-esc\\'x'";
  const r = redactSqlText(text);
  for (const c of CANARIES) assert.ok(!r.text.includes(c), `${c} in ${r.text}`);
  assert.match(r.text, /AWS_SECRET_ACCESS_KEY=redacted&AWS_ACCESS_KEY_ID=AKID/);
  assert.match(r.text, /encryption_passphrase = '\*\*\*\*\*', detached/);
  assert.match(r.text, /SELECT 'plain'/);
});

test('an unterminated secret literal is masked to the end of the text', () => {
  const r = redactSqlText("BACKUP INTO 'nodelocal://1/x' WITH encryption_passphrase = 'canary-pass\nmore");
  assert.equal(r.text, "BACKUP INTO 'nodelocal://1/x' WITH encryption_passphrase = '*****'");
});

test('offsets after a replaced literal move with it; inside one they go to its start', () => {
  const text = "WITH encryption_passphrase = 'a-long-canary-pass', bogus";
  const r = redactSqlText(text);
  const bogus = text.indexOf('bogus');
  assert.equal(r.text.slice(r.mapOffset(bogus)), 'bogus');
  const quote = text.indexOf("'");
  assert.equal(r.mapOffset(quote + 5), quote);
  assert.equal(r.replacementAt(quote), "'*****'");
});

test('the line under a syntax error is redacted and the caret still points at the token', () => {
  const texts = [
    "BACKUP INTO 'nodelocal://1/x?AWS_SECRET_ACCESS_KEY=canary-aws' WITH encryption_passphrase = 'canary-pass' garbage",
    "BACKUP INTO 'nodelocal://1/x' WITH encryption_passphrase 'canary-pass'",
    "BACKUP INTO 's3://b/x?AWS_SECRET_ACCESS_KEY=canary-aws' WITH encryption_passphrase = 'canary-pass",
    "SELECT 1;\nRESTORE FROM LATEST IN 'postgres://u:canary-pw@h/db' WITH encryption_passphrase = 'canary-pass' x",
  ];
  for (const text of texts) {
    const [d] = parseScript(text).errors;
    assert.ok(d, text);
    const shown = formatDiagnostic(d, text, 'f.sql');
    for (const c of CANARIES) assert.ok(!shown.includes(c), `${c} in\n${shown}`);
    const [header, line, caret] = shown.split('\n') as [string, string, string];
    assert.ok(header.startsWith(`f.sql:${d.line}:${d.column}: `), header);
    const col = caret.indexOf('^');
    const original = text.split('\n')[d.line - 1] ?? '';
    const token = original.slice(d.column - 1);
    // The caret points at the same token: the original's token, or its redacted replacement.
    const expected = token.startsWith("'") ? "'" : token.slice(0, 3);
    assert.equal(line.slice(col, col + expected.length), expected, shown);
  }
});
