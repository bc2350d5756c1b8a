// A lean `COPY … FROM STDIN` writer: each chunk goes to the socket as one CopyData message (a 5-byte header
// and the chunk itself, not copied), with backpressure from the socket. A chunk in a slot of the shared
// chunk arena is given back once the socket has written it, so a restore decompresses into the same few
// buffers instead of allocating one per frame. A failing source sends CopyFail, which rolls the COPY back.
import { StrongroomError } from '@strongroom/errors';
import { releaseChunk as release } from '../chunk-buffers.js';
import type { PgClient } from './connect.js';
import { Submittable } from './submittable.js';

interface WritableSocket {
  write(data: Uint8Array, cb?: (err?: Error | null) => void): boolean;
  once(event: 'drain' | 'close', fn: () => void): void;
  removeListener(event: 'drain' | 'close', fn: () => void): void;
}
interface PgProtocolConnection {
  readonly stream: WritableSocket;
  query(text: string): void;
  sendCopyFail(message: string): void;
}

const MSG_COPY_DATA = 0x64; // d
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]); // c, length 4

/** The submittable node-postgres runs; it reports CopyInResponse, the row count and the command's end. */
class CopyInQuery extends Submittable {
  connection: PgProtocolConnection | undefined;
  ready = false;
  rowCount = 0;

  constructor(readonly text: string) {
    super();
  }

  submit(connection: PgProtocolConnection): void {
    this.connection = connection;
    connection.query(this.text);
  }

  override handleCopyInResponse(): void {
    this.ready = true;
    this.wake();
  }
  override handleCommandComplete(msg: { text?: string }): void {
    const m = /^COPY (\d+)$/.exec(msg.text ?? '');
    if (m) this.rowCount = Number(m[1]);
  }
}

/**
 * Runs `sql` (a COPY … FROM STDIN) with `chunks` as its data; the rows the server loaded. Chunks in arena
 * slots belong to this function, which gives each back once written (or not needed). Returns only once the
 * connection is ready for the next query.
 */
export async function copyIn(
  client: PgClient,
  sql: string,
  chunks: AsyncIterable<Uint8Array>,
): Promise<number> {
  const q = new CopyInQuery(sql);
  client.query(q as unknown as Parameters<PgClient['query']>[0]);
  while (!q.ready && q.error === undefined && !q.finished) await q.wait();
  if (!q.ready && q.error === undefined)
    throw new StrongroomError('SOURCE_ERROR', 'the server did not start the COPY FROM STDIN');
  const failure = q.error === undefined ? await sendData(q, chunks) : undefined;
  // A failed COPY need not wait for its ReadyForQuery: node-postgres holds the next query until then.
  while (!q.finished && q.error === undefined && failure === undefined) await q.wait();
  if (failure !== undefined) throw failure;
  if (q.error !== undefined) throw q.error;
  return q.rowCount;
}

/**
 * Writes the chunks as CopyData messages, then CopyDone; or, when the data source fails, CopyFail (which
 * rolls the COPY back: the server answers with an error, then ReadyForQuery). Returns the source's failure.
 */
async function sendData(q: CopyInQuery, chunks: AsyncIterable<Uint8Array>): Promise<unknown> {
  const connection = q.connection as PgProtocolConnection;
  const socket = connection.stream;
  const it = chunks[Symbol.asyncIterator]();
  let exhausted = false;
  let failure: unknown;
  try {
    exhausted = await writeChunks(q, it, socket);
  } catch (err) {
    failure = err;
  } finally {
    // Stopped early (the server's error, or ours): the source closes its files and connections now.
    if (!exhausted) await it.return?.()?.catch(() => undefined);
  }
  if (failure === undefined && q.error === undefined) socket.write(COPY_DONE);
  else if (q.error === undefined)
    connection.sendCopyFail(failure instanceof Error ? failure.message : 'the data source failed');
  return failure;
}

/** Writes each chunk (giving its slot back once written) until the source ends (true) or the server fails. */
async function writeChunks(
  q: CopyInQuery,
  it: AsyncIterator<Uint8Array>,
  socket: WritableSocket,
): Promise<boolean> {
  for (;;) {
    const r = await it.next();
    if (r.done) return true;
    const data = r.value;
    if (q.error !== undefined) {
      release(data);
      return false;
    }
    if (data.length === 0) {
      release(data);
      continue;
    }
    const head = Buffer.allocUnsafe(5);
    head[0] = MSG_COPY_DATA;
    head.writeUInt32BE(data.length + 4, 1);
    socket.write(head);
    if (!socket.write(data, () => release(data))) await drained(socket);
  }
}

/** Resolves when the socket can take more, or has closed (the next write or the query reports why). */
function drained(socket: WritableSocket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.removeListener('drain', done);
      socket.removeListener('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}
