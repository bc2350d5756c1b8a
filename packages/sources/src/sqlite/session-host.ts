// The process that holds a sqlite source's session connection. Forwarded statements run here, not on the
// caller's event loop, so a long query stalls nobody else; canceling one kills this process (better-sqlite3
// cannot interrupt a running statement, and a worker thread cannot be stopped inside native code), which
// ends its transaction as a crash would. Rows go back in batches, each sent after the caller asks for more,
// so a SELECT of any size holds at most a batch or two in memory on either side.
import type { ResultValue } from '../types.js';
import { toSourceError } from './errors.js';
import type { HostError, HostReply, HostRequest } from './host-protocol.js';
import { SqliteSession } from './session.js';

let session: SqliteSession | undefined;
let openError: unknown;
/** The statement whose rows are being sent, waiting for `more` or `stop`. */
let streaming:
  | {
      id: number;
      rows: IterableIterator<ResultValue[]>;
      batchRows: number;
      count: number;
      tag: (n: number) => string;
    }
  | undefined;

function send(reply: HostReply): void {
  process.send?.(reply);
}

function errorOf(err: unknown, sql?: string): HostError {
  const e = toSourceError(err, sql);
  return {
    code: e.code,
    message: e.message,
    sqlstate: e.sqlstate,
    // A message to the session client's process: absent fields rather than undefined ones.
    ...(e.detail === undefined ? {} : { detail: e.detail }),
    ...(e.hint === undefined ? {} : { hint: e.hint }),
    ...(e.position === undefined ? {} : { offset: e.position.offset }),
  };
}

function sendBatch(sql: string): void {
  const s = streaming;
  if (!s) return;
  const batch: ResultValue[][] = [];
  try {
    while (batch.length < s.batchRows) {
      const next = s.rows.next();
      if (next.done) {
        streaming = undefined;
        if (batch.length > 0) send({ id: s.id, type: 'rows', rows: batch });
        send({ id: s.id, type: 'end', tag: s.tag(s.count + batch.length) });
        return;
      }
      batch.push(next.value);
    }
  } catch (err) {
    streaming = undefined;
    send({ id: s.id, type: 'error', error: errorOf(err, sql) });
    return;
  }
  s.count += batch.length;
  send({ id: s.id, type: 'rows', rows: batch });
}

let currentSql = '';

function handle(m: HostRequest): void {
  if (m.op === 'open') {
    try {
      session = new SqliteSession(m.location);
    } catch (err) {
      openError = err;
    }
    return;
  }
  if (m.op === 'more') {
    if (streaming?.id === m.id) sendBatch(currentSql);
    return;
  }
  if (m.op === 'stop') {
    if (streaming?.id === m.id) {
      streaming.rows.return?.();
      streaming = undefined;
    }
    return;
  }
  if (streaming) {
    // A new statement while the previous one's rows were not all read: that one is abandoned.
    streaming.rows.return?.();
    streaming = undefined;
  }
  try {
    if (!session) throw openError;
    if (m.op === 'describe') {
      const d = session.describe(m.sql);
      const count = paramCount(m.sql);
      send({
        id: m.id,
        type: 'described',
        columns: d.columns,
        reader: d.reader,
        paramTypes: session.paramTypes(m.sql, count),
      });
      return;
    }
    const ex = session.execute(m.sql, m.params);
    if (ex.kind === 'done') {
      send({ id: m.id, type: 'result', result: ex.result });
      return;
    }
    send({ id: m.id, type: 'columns', columns: ex.columns });
    currentSql = m.sql;
    streaming = { id: m.id, rows: ex.rows, batchRows: m.batchRows, count: 0, tag: ex.tag };
    sendBatch(m.sql);
  } catch (err) {
    send({ id: m.id, type: 'error', error: errorOf(err, m.sql) });
  }
}

/** The highest `$n` in the text, skipping quoted text and comments. */
function paramCount(sql: string): number {
  const bare = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
  let max = 0;
  for (const m of bare.matchAll(/\$(\d+)/g)) max = Math.max(max, Number(m[1]));
  return max;
}

process.on('message', (m) => handle(m as HostRequest));
// The owner went away (crashed or closed the channel): nothing else will ever ask anything.
process.on('disconnect', () => {
  session?.close();
  process.exit(0);
});
