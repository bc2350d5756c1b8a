// The caller's side of a sqlite session host (session-host.ts): one child process per source, started on
// the first forwarded statement, one request at a time. Aborting a statement's signal kills the process
// (within milliseconds, whatever SQLite is doing) and rejects with CANCELED; the next statement starts a
// new one. The process is unref'd while idle, so it never keeps the caller alive.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compiledEntry, StrongroomError } from '@strongroom/errors';
import type { ResultSet, ResultValue } from '../types.js';
import type { ColumnDescription } from './driver.js';
import type { HostError, HostReply, HostRequest } from './host-protocol.js';
import type { SqliteLocation } from './location.js';
import { declaredType, toResultSet } from './result-set.js';

/** Rows per batch from the host: bounds the memory a streamed SELECT holds (two batches in flight). */
const BATCH_ROWS = 256;

export interface Described {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly paramTypes: readonly (string | null)[];
}

interface Channel {
  readonly child: ChildProcess;
  /** Replies not yet taken, and whoever waits for the next one. */
  readonly inbox: HostReply[];
  waiter: ((r: HostReply | Error) => void) | undefined;
  dead: Error | undefined;
}

export class SqliteSessionClient {
  readonly #location: SqliteLocation;
  #channel: Channel | undefined;
  #nextId = 1;
  /** Requests run one after another; this is the tail of the line. */
  #line: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(location: SqliteLocation) {
    this.#location = location;
  }

  #spawn(): Channel {
    if (this.#channel && !this.#channel.dead) return this.#channel;
    const child = fork(fileURLToPath(compiledEntry(import.meta.url, './session-host.js')), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [],
    });
    const channel: Channel = { child, inbox: [], waiter: undefined, dead: undefined };
    const deliver = (r: HostReply | Error): void => {
      const w = channel.waiter;
      if (w) {
        channel.waiter = undefined;
        w(r);
      } else if (!(r instanceof Error)) channel.inbox.push(r);
    };
    child.on('message', (m) => deliver(m as HostReply));
    const died = (): void => {
      if (channel.dead) return;
      channel.dead = new StrongroomError('SOURCE_UNAVAILABLE', 'the sqlite session process ended');
      deliver(channel.dead);
    };
    child.on('exit', died);
    child.on('error', died);
    this.#send(channel, { op: 'open', location: this.#location });
    this.#idle(channel);
    this.#channel = channel;
    return channel;
  }

  #send(channel: Channel, m: HostRequest): void {
    if (!channel.dead && channel.child.connected) channel.child.send(m);
  }

  #busy(channel: Channel): void {
    channel.child.ref();
    (channel.child.channel as { ref?: () => void } | undefined)?.ref?.();
  }

  #idle(channel: Channel): void {
    channel.child.unref();
    (channel.child.channel as { unref?: () => void } | undefined)?.unref?.();
  }

  #next(channel: Channel, signal: AbortSignal | undefined): Promise<HostReply> {
    const queued = channel.inbox.shift();
    if (queued) return Promise.resolve(queued);
    if (channel.dead) return Promise.reject(channel.dead);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        channel.waiter = undefined;
        this.#kill(channel);
        reject(canceled(signal));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      channel.waiter = (r) => {
        signal?.removeEventListener('abort', onAbort);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
    });
  }

  #kill(channel: Channel): void {
    channel.dead ??= new StrongroomError('CANCELED', 'canceling statement due to user request');
    channel.child.kill('SIGKILL');
    if (this.#channel === channel) this.#channel = undefined;
  }

  /** Runs `fn` after every earlier request has finished. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#line.then(fn, fn);
    this.#line = run.catch(() => undefined);
    return run;
  }

  /** Runs `fn` on the host process, after every earlier request, with a new request id. */
  #request<T>(fn: (channel: Channel, id: number) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.#serial(async () => {
      if (this.#closed) throw new StrongroomError('SOURCE_UNAVAILABLE', 'the source is closed');
      if (signal?.aborted) throw canceled(signal);
      const channel = this.#spawn();
      const id = this.#nextId++;
      this.#busy(channel);
      try {
        return await fn(channel, id);
      } finally {
        if (!channel.dead) this.#idle(channel);
      }
    });
  }

  /**
   * Runs a statement; rows come through `onColumns`/`onRows` batch by batch (the next batch is asked for
   * once `onRows` resolves). Returns the command tag.
   */
  stream(
    sql: string,
    params: readonly unknown[],
    handlers: StreamHandlers,
    signal?: AbortSignal,
  ): Promise<string> {
    return this.#request(async (channel, id) => {
      this.#send(channel, { op: 'execute', id, sql, params, batchRows: BATCH_ROWS });
      for (;;) {
        const r = await this.#next(channel, signal);
        if (r.id !== id) continue;
        const tag = await this.#streamed(channel, sql, r, handlers, signal);
        if (tag !== undefined) return tag;
      }
    }, signal);
  }

  /** Hands one reply of a streamed statement on; its command tag once the statement is over. */
  async #streamed(
    channel: Channel,
    sql: string,
    r: HostReply,
    handlers: StreamHandlers,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    switch (r.type) {
      case 'result':
        handlers.onResult?.(r.result);
        return r.result.tag;
      case 'columns':
        handlers.onColumns(r.columns);
        return undefined;
      case 'rows': {
        const stop = await handlers.onRows(r.rows);
        if (signal?.aborted) throw canceled(signal);
        this.#send(channel, { op: stop === false ? 'stop' : 'more', id: r.id });
        return stop === false ? '' : undefined;
      }
      case 'end':
        return r.tag;
      case 'error':
        throw hostError(sql, r.error);
      case 'described':
        return undefined;
    }
  }

  /** Runs a statement and collects its rows; column types from the values (result-set.ts). */
  async execute(sql: string, params: readonly unknown[], signal?: AbortSignal): Promise<ResultSet> {
    let columns: readonly ColumnDescription[] = [];
    const rows: ResultValue[][] = [];
    let result: ResultSet | undefined;
    const tag = await this.stream(
      sql,
      params,
      {
        onColumns: (c) => {
          columns = c;
        },
        onRows: (batch) => {
          for (const row of batch) rows.push(row);
          return true;
        },
        onResult: (r) => {
          result = r;
        },
      },
      signal,
    );
    return result ?? toResultSet(columns, rows, tag);
  }

  /** Result columns (by declared type) and parameter types of a statement, without running it. */
  describe(sql: string): Promise<Described> {
    return this.#request(async (channel, id) => {
      this.#send(channel, { op: 'describe', id, sql });
      for (;;) {
        const r = await this.#next(channel, undefined);
        if (r.id !== id) continue;
        if (r.type === 'error') throw hostError(sql, r.error);
        if (r.type === 'described')
          return {
            columns: r.columns.map((c) => ({ name: c.name, type: declaredType(c.type) })),
            paramTypes: r.paramTypes.map((t) => (t === null ? null : declaredType(t))),
          };
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const channel = this.#channel;
    this.#channel = undefined;
    if (!channel || channel.dead) return;
    const exited = new Promise<void>((r) => channel.child.once('exit', () => r()));
    // Wait for the host to close its connection (it commits nothing: an open transaction rolls back).
    this.#busy(channel);
    channel.child.disconnect();
    await exited;
  }
}

interface StreamHandlers {
  readonly onColumns: (columns: readonly ColumnDescription[]) => void;
  readonly onRows: (rows: readonly ResultValue[][]) => Promise<boolean | undefined> | boolean | undefined;
  readonly onResult?: (result: ResultSet) => void;
}

/** The host's error as the caller's, its offset turned into a position in the statement. */
function hostError(sql: string, e: HostError): StrongroomError {
  return new StrongroomError(e.code as 'SOURCE_ERROR', e.message, {
    ...(e.sqlstate === undefined ? {} : { sqlstate: e.sqlstate }),
    ...(e.detail === undefined ? {} : { detail: e.detail }),
    ...(e.hint === undefined ? {} : { hint: e.hint }),
    ...(e.offset === undefined ? {} : { position: positionAt(sql, e.offset) }),
  });
}

function canceled(signal: AbortSignal | undefined): StrongroomError {
  const reason: unknown = signal?.reason;
  if (reason instanceof StrongroomError && reason.code === 'CANCELED') return reason;
  return new StrongroomError('CANCELED', 'canceling statement due to user request', { cause: reason });
}

function positionAt(text: string, offset: number): { offset: number; line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { offset, line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
