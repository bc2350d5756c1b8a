import assert from 'node:assert/strict';
import type { ResultSet } from '@strongroom/sources';
import { test } from 'vitest';
import { formatJson } from './json.js';
import { formatRecords } from './records.js';
import { renderResult } from './render.js';
import { formatTable } from './table.js';
import { formatDelimited } from './tsv.js';
import { displayText } from './values.js';
import { displayWidth } from './width.js';

const people: ResultSet = {
  columns: [
    { name: 'id', type: 'int8' },
    { name: 'name', type: 'text' },
  ],
  rows: [
    [1n, 'ada'],
    [12345678901234567890n, '日本語'],
    [3, null],
  ],
  tag: 'SELECT 3',
};

test('table: numbers right-aligned, text left-aligned, wide characters take two cells, (N rows)', () => {
  assert.equal(
    formatTable(people),
    [
      '          id          |  name',
      '----------------------+--------',
      '                    1 | ada',
      ' 12345678901234567890 | 日本語',
      '                    3 | NULL',
      '(3 rows)',
      '',
    ].join('\n'),
  );
});

test('table: (1 row) footer, multi-line values take several lines', () => {
  const rs: ResultSet = { columns: [{ name: 'note', type: 'text' }], rows: [['a\nbb']], tag: 'SELECT 1' };
  assert.equal(formatTable(rs), [' note', '------', ' a', ' bb', '(1 row)', ''].join('\n'));
  assert.match(formatTable({ ...rs, rows: [] }), /\(0 rows\)\n$/);
});

test('display width counts CJK and emoji as two cells and combining marks as none', () => {
  assert.equal(displayWidth('abc'), 3);
  assert.equal(displayWidth('日本'), 4);
  assert.equal(displayWidth('e\u0301'), 1);
  assert.equal(displayWidth('🙂'), 2);
});

test('TSV: header row, empty NULL, quoting of tabs, quotes and newlines', () => {
  const rs: ResultSet = {
    columns: [
      { name: 'a', type: 'text' },
      { name: 'b', type: 'bytea' },
      { name: 'c', type: 'bool' },
    ],
    rows: [
      ['x\ty', new Uint8Array([0, 255, 16]), true],
      ['say "hi"\n', null, false],
    ],
    tag: 'SELECT 2',
  };
  assert.equal(formatDelimited(rs, '\t'), 'a\tb\tc\n"x\ty"\t\\x00ff10\ttrue\n"say ""hi""\n"\t\tfalse\n');
  assert.equal(formatDelimited(rs, ','), 'a,b,c\nx\ty,\\x00ff10,true\n"say ""hi""\n",,false\n');
});

test('JSON: one object per result set with exact bigints, hex bytes and null', () => {
  const rs: ResultSet = {
    columns: [
      { name: 'n', type: 'int8' },
      { name: 'b', type: 'bytea' },
      { name: 't', type: 'timestamptz' },
    ],
    rows: [
      [9007199254740993n, new Uint8Array([1, 2]), new Date(Date.UTC(2026, 10, 22, 10, 15))],
      [null, null, null],
    ],
    tag: 'SELECT 2',
  };
  const out = formatJson(rs);
  assert.equal(out.split('\n').length, 2);
  assert.match(
    out,
    /"rows":\[\[9007199254740993,"\\\\x0102","2026-11-22T10:15:00.000Z"\],\[null,null,null\]\]/,
  );
  const parsed = JSON.parse(out) as { columns: { name: string }[]; tag: string };
  assert.deepEqual(
    parsed.columns.map((c) => c.name),
    ['n', 'b', 't'],
  );
  assert.equal(parsed.tag, 'SELECT 2');
});

test('statements without columns print their tag; expanded display prints records', () => {
  const ddl: ResultSet = { columns: [], rows: [], tag: 'CREATE TABLE' };
  assert.equal(renderResult(ddl, { format: 'table' }), 'CREATE TABLE\n');
  assert.equal(renderResult(ddl, { format: 'tsv' }), 'CREATE TABLE\n');
  assert.equal(renderResult(ddl, { format: 'json' }), '{"columns":[],"rows":[],"tag":"CREATE TABLE"}\n');
  assert.equal(
    formatRecords(people),
    [
      '-[ RECORD 1 ]',
      'id   | 1',
      'name | ada',
      '-[ RECORD 2 ]',
      'id   | 12345678901234567890',
      'name | 日本語',
      '-[ RECORD 3 ]',
      'id   | 3',
      'name | NULL',
      '(3 rows)',
      '',
    ].join('\n'),
  );
  assert.equal(renderResult(people, { format: 'table', expanded: true }), formatRecords(people));
});

test('timestamps read as cockroach sql shows them; a timestamp column (SHOW BACKUP) has no zone (issue #18)', () => {
  const d = new Date('2026-12-04T16:38:11.892Z');
  assert.equal(displayText(d, 'timestamp'), '2026-12-04 16:38:11.892');
  assert.equal(displayText(d, 'timestamptz'), '2026-12-04 16:38:11.892+00');
  assert.equal(displayText(new Date('2026-12-04T16:38:11Z'), 'timestamp'), '2026-12-04 16:38:11');
  const rs = { columns: [{ name: 'end_time', type: 'timestamp' }], rows: [[d]], tag: 'SHOW 1' };
  assert.equal(formatDelimited(rs, '\t'), 'end_time\n2026-12-04 16:38:11.892\n');
});

test('SHOW JOBS in the table format shows six columns and short descriptions; TSV keeps all (issue #17)', () => {
  const names =
    'job_id job_type description user_name status running_status created started finished modified fraction_completed error coordinator_id';
  const long = `BACKUP INTO 'nodelocal://1/${'x'.repeat(80)}' WITH detached`;
  const t = new Date('2026-12-04T10:00:00Z');
  const rs: ResultSet = {
    columns: names.split(' ').map((name) => ({ name, type: 'text' })),
    rows: [[1n, 'BACKUP', long, 'root', 'running', null, t, t, null, t, 0.5, '', 7n]],
    tag: 'SHOW 1',
  };
  const table = renderResult(rs, { format: 'table' });
  assert.match(
    table,
    /^ job_id \| job_type \| status {2}\| fraction_completed \| +created +\| +description\n/,
  );
  assert.ok(table.includes(`${long.slice(0, 60)} … ${long.slice(-7)}`));
  assert.ok(!table.includes('coordinator_id'));
  assert.match(table, /narrow view/);
  const tsv = renderResult(rs, { format: 'tsv' });
  assert.ok(tsv.includes(long));
  assert.ok(tsv.startsWith(names.replaceAll(' ', '\t')));
});
