// One authenticated session: the simple and extended query protocols over an Engine of its own.
// Messages are handled one at a time, in order; after an error in an extended-protocol batch everything
// up to Sync is discarded, as PostgreSQL does. Forwarded statements of an extended-protocol batch (and of
// a simple query with several statements) run in an implicit transaction that Sync commits, or rolls
// back after an error. Statements are described at Parse (owned ones by kind and options, forwarded ones
// by the source), so Describe answers before anything runs and Execute sends exactly those columns.
// Rows are streamed from the source to the socket batch by batch, waiting for the socket to drain, so
// a SELECT of any size holds a bounded number of rows. Notices (job progress) are written at once.
import type { Engine, Progress } from '@strongroom/engine';
import { StrongroomError } from '@strongroom/errors';
import type { ResultColumn, ResultSet, ResultValue } from '@strongroom/sources';
import { parseScriptOrThrow, placeholderCount, type ScriptStatement } from '@strongroom/sql';
import { answerLocally, type CatalogContext, INITIAL_SETTINGS } from './catalog.js';
import type { FrontendMessage } from './messages.js';
import * as out from './serializer.js';
import { localSet } from './session-settings.js';
import { type TxKind, txKind } from './transactions.js';
import {
  decodeParam,
  encodeBinary,
  encodeText,
  forwardedParamCount,
  paramOid,
  TEXT_OID,
  wireType,
} from './values.js';
import { CANCELED, StateError, wireError } from './wire-error.js';

/** Where a session's bytes go; `write` resolves once the socket can take more (backpressure). */
export interface Output {
  write(data: Buffer): Promise<void>;
}

export interface SessionOptions {
  readonly user: string;
  readonly serverVersion: string;
  readonly log?: (line: string) => void;
}

interface Prepared {
  /** Undefined for an empty query string. */
  readonly statement: ScriptStatement | undefined;
  readonly paramTypes: readonly number[];
  /** The result columns, known before running; undefined when only running tells. */
  readonly columns: readonly ResultColumn[] | undefined;
}

interface Portal {
  readonly prepared: Prepared;
  readonly params: readonly unknown[];
  readonly resultFormats: readonly number[];
  /** The whole result, when it had to be computed before Execute (Describe of an undescribed statement, or a row limit). */
  result?: ResultSet;
  sent: number;
}

const PROGRESS_INTERVAL_MS = 1000;
const FLUSH_AT_BYTES = 64 * 1024;
/** Statements SQLite refuses inside a transaction: they never open the implicit one. */
const NO_TRANSACTION = /^\s*(VACUUM|ATTACH|DETACH|PRAGMA|CREATE\s+DATABASE|DROP\s+DATABASE)\b/i;

export class Session {
  private readonly statements = new Map<string, Prepared>();
  private readonly portals = new Map<string, Portal>();
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private skipUntilSync = false;
  private tx: 'I' | 'T' | 'E' = 'I';
  /** An implicit transaction is open on the source (until Sync or the end of a simple query). */
  private implicit = false;
  /** Whether forwarded statements now join an implicit transaction (extended protocol, multi-statement query). */
  private batch = false;
  private batchFailed = false;
  private running: AbortController | undefined;
  private closed = false;
  private readonly settings = new Map<string, string>(INITIAL_SETTINGS);
  private readonly catalog: CatalogContext;

  constructor(
    private readonly engine: Engine,
    private readonly output: Output,
    private readonly options: SessionOptions = { user: 'root', serverVersion: '16.0' },
  ) {
    this.settings.set('server_version', options.serverVersion);
    // A SQLite source has one schema per database, and the session's is `main`.
    if (engine.sourceKind === 'sqlite') this.settings.set('search_path', 'main');
    this.catalog = {
      sourceKind: engine.sourceKind ?? 'sqlite',
      serverVersion: options.serverVersion,
      user: options.user,
      settings: this.settings,
      listDatabases: () => engine.listDatabases?.() ?? Promise.resolve([]),
      query: (sql) => engine.execute(sql),
    };
  }

  /** Aborts the running statement or job (CancelRequest, or the client went away). */
  cancel(reason: 'cancel' | 'disconnect' = 'cancel'): void {
    if (reason === 'disconnect') this.closed = true;
    this.running?.abort(new StrongroomError('CANCELED', 'canceling statement due to user request'));
  }

  /** Handles one message; returns false when the session is over (Terminate). */
  async handle(m: FrontendMessage): Promise<boolean> {
    if (m.kind === 'terminate') return false;
    if (this.skipUntilSync && m.kind !== 'sync') return true;
    try {
      switch (m.kind) {
        case 'query':
          await this.simpleQuery(m.text);
          break;
        case 'parse':
          this.batch = true;
          await this.parse(m.name, m.text, m.paramTypes);
          break;
        case 'bind':
          this.batch = true;
          this.bind(m);
          break;
        case 'describe':
          await this.describe(m.target, m.name);
          break;
        case 'execute':
          this.batch = true;
          await this.execute(m.portal, m.maxRows);
          break;
        case 'close':
          if (m.target === 'S') this.statements.delete(m.name);
          else this.portals.delete(m.name);
          this.send(out.closeComplete());
          break;
        case 'sync':
          this.skipUntilSync = false;
          this.portals.delete('');
          await this.endBatch();
          this.send(out.readyForQuery(this.tx));
          await this.flush();
          break;
        case 'flush':
          await this.flush();
          break;
        case 'password':
          throw new StrongroomError('INVALID_PARAMETER', 'unexpected password message');
      }
    } catch (err) {
      this.fail(err);
      this.skipUntilSync = true;
      await this.flush();
    }
    return true;
  }

  private fail(err: unknown): void {
    const aborted = this.running?.signal.aborted === true;
    const fields = aborted ? CANCELED : wireError(err);
    if (fields.code === 'XX000') this.options.log?.(`internal error in a session of ${this.options.user}`);
    if (fields.code === '08P01')
      this.options.log?.(`protocol error in a session of ${this.options.user}: ${fields.message}`);
    this.send(out.errorResponse(fields));
    if (this.tx === 'T') this.tx = 'E';
    if (this.batch) this.batchFailed = true;
  }

  /** Ends an implicit transaction: committed, or rolled back after an error. */
  private async endBatch(): Promise<void> {
    const failed = this.batchFailed;
    this.batch = false;
    this.batchFailed = false;
    if (!this.implicit) return;
    this.implicit = false;
    try {
      await this.engine.execute(failed ? 'ROLLBACK' : 'COMMIT');
    } catch (err) {
      this.fail(err);
    }
  }

  private async simpleQuery(text: string): Promise<void> {
    try {
      const statements = parseScriptOrThrow(text);
      if (statements.length === 0) this.send(out.emptyQueryResponse());
      this.batch = statements.length > 1;
      for (const st of statements) await this.runAndSend(st, [], [], undefined);
    } catch (err) {
      this.fail(err);
    }
    await this.endBatch();
    this.send(out.readyForQuery(this.tx));
    await this.flush();
  }

  private async parse(name: string, text: string, paramTypes: readonly number[]): Promise<void> {
    if (name !== '' && this.statements.has(name))
      throw new StateError('42P05', `prepared statement "${name}" already exists`);
    const statements = parseScriptOrThrow(text);
    if (statements.length > 1)
      throw new StrongroomError('SYNTAX_ERROR', 'cannot insert multiple commands into a prepared statement');
    const statement = statements[0];
    const count = statement === undefined ? 0 : paramCount(statement);
    const described = statement === undefined ? undefined : await this.describeStatement(statement);
    const types = Array.from(
      { length: Math.max(count, paramTypes.length) },
      (_, i) => paramTypes[i] || paramOid(described?.paramTypes[i] ?? null),
    );
    this.statements.set(name, {
      statement,
      paramTypes: types,
      columns: statement === undefined ? [] : described?.columns,
    });
    this.send(out.parseComplete());
  }

  /** What a statement returns and takes, before it runs (undefined columns: only running tells). */
  private async describeStatement(
    st: ScriptStatement,
  ): Promise<{ columns: readonly ResultColumn[] | undefined; paramTypes: readonly (string | null)[] }> {
    if (st.kind === 'forward') {
      if (/^\s*(SET|RESET|DISCARD|BEGIN|START|COMMIT|END|ROLLBACK|ABORT)\b/i.test(st.text))
        return { columns: [], paramTypes: [] };
      if (/^\s*(SELECT|SHOW)\b/i.test(st.text) && forwardedParamCount(st.text) === 0) {
        const local = await answerLocally(st.text, this.catalog).catch(() => undefined);
        if (local) return { columns: local.columns, paramTypes: [] };
      }
      if (
        this.catalog.sourceKind === 'sqlite' &&
        /\b(pg_catalog|pg_[a-z_]+|information_schema)\b/i.test(st.text)
      )
        return { columns: undefined, paramTypes: [] };
    }
    if (!this.engine.describe) return { columns: undefined, paramTypes: [] };
    return this.engine.describe(st);
  }

  private bind(m: Extract<FrontendMessage, { kind: 'bind' }>): void {
    const prepared = this.statements.get(m.statement);
    if (!prepared) throw new StateError('26000', `prepared statement "${m.statement}" does not exist`);
    if (m.portal !== '' && this.portals.has(m.portal))
      throw new StateError('42P03', `portal "${m.portal}" already exists`);
    // Too few or too many: a protocol error, and nothing runs (PostgreSQL's words).
    if (m.params.length !== prepared.paramTypes.length)
      throw new StateError(
        '08P01',
        `bind message supplies ${m.params.length} parameters, but prepared statement "${m.statement}" requires ${prepared.paramTypes.length}`,
      );
    const params = m.params.map((p, i) =>
      decodeParam(p, m.paramFormats[i] ?? 0, prepared.paramTypes[i] ?? TEXT_OID, i + 1),
    );
    this.portals.set(m.portal, { prepared, params, resultFormats: m.resultFormats, sent: 0 });
    this.send(out.bindComplete());
  }

  private async describe(target: 'S' | 'P', name: string): Promise<void> {
    if (target === 'S') {
      const prepared = this.statements.get(name);
      if (!prepared) throw new StateError('26000', `prepared statement "${name}" does not exist`);
      this.send(out.parameterDescription(prepared.paramTypes));
      const columns = prepared.columns ?? [];
      this.send(columns.length === 0 ? out.noData() : out.rowDescription(fields(columns, [])));
      return;
    }
    const portal = this.portal(name);
    let columns = portal.prepared.columns;
    // Only running tells this statement's columns: run it now, Execute sends what it returned.
    if (columns === undefined) columns = (await this.resultOf(portal)).columns;
    this.send(
      columns.length === 0 ? out.noData() : out.rowDescription(fields(columns, portal.resultFormats)),
    );
  }

  private async execute(name: string, maxRows: number): Promise<void> {
    const portal = this.portal(name);
    const st = portal.prepared.statement;
    if (st === undefined) {
      this.send(out.emptyQueryResponse());
      return;
    }
    if (portal.result === undefined && maxRows === 0) {
      // Streamed: rows go out as the source produces them, in the described columns' types.
      const described = portal.prepared.columns;
      await this.runAndSend(st, portal.params, portal.resultFormats, described, false);
      portal.sent = Number.POSITIVE_INFINITY;
      return;
    }
    const result = await this.resultOf(portal);
    const limit = maxRows > 0 ? maxRows : Number.POSITIVE_INFINITY;
    const columns = portal.prepared.columns ?? result.columns;
    const end = Math.min(result.rows.length, portal.sent + limit);
    await this.sendRows(result.rows.slice(portal.sent, end), columns, portal.resultFormats);
    portal.sent = end;
    if (portal.sent < result.rows.length) this.send(out.portalSuspended());
    else this.send(out.commandComplete(result.tag));
  }

  private portal(name: string): Portal {
    const p = this.portals.get(name);
    if (!p) throw new StateError('34000', `portal "${name}" does not exist`);
    return p;
  }

  /** Runs a portal's statement once, collecting its rows; Describe and Execute share the result. */
  private async resultOf(portal: Portal): Promise<ResultSet> {
    if (portal.result) return portal.result;
    const st = portal.prepared.statement;
    portal.result = st === undefined ? { columns: [], rows: [], tag: '' } : await this.run(st, portal.params);
    return portal.result;
  }

  /**
   * Runs a statement and sends its result: RowDescription first when `describe` (simple protocol), the
   * rows as they come, then CommandComplete.
   */
  private async runAndSend(
    st: ScriptStatement,
    params: readonly unknown[],
    formats: readonly number[],
    described: readonly ResultColumn[] | undefined,
    describe = true,
  ): Promise<void> {
    let columns = described;
    let headerSent = false;
    const header = (c: readonly ResultColumn[]): void => {
      columns ??= c;
      if (describe && !headerSent && c.length > 0) this.send(out.rowDescription(fields(columns, formats)));
      headerSent = true;
    };
    const result = await this.run(st, params, {
      columns: header,
      rows: (batch) => this.sendRows(batch, columns ?? [], formats),
    });
    if (!headerSent) header(result.columns);
    if (result.rows.length > 0) await this.sendRows(result.rows, columns ?? result.columns, formats);
    this.send(out.commandComplete(result.tag));
    if (this.pendingBytes > FLUSH_AT_BYTES) await this.flush();
  }

  private async run(
    st: ScriptStatement,
    params: readonly unknown[],
    sink?: {
      columns(c: readonly ResultColumn[]): void;
      rows(b: readonly (readonly ResultValue[])[]): Promise<void>;
    },
  ): Promise<ResultSet> {
    if (st.kind === 'owned') return this.runOwned(st, params);
    const local = await this.local(st.text);
    if (local) return local;
    const kind = txKind(st.text);
    if (this.tx === 'E' && kind !== 'commit' && kind !== 'rollback' && kind !== 'rollback-to')
      throw abortedTransaction();
    const answered = await this.answerTransactionStatement(st, kind);
    if (answered) return answered;
    const result = await this.runEngine(this.sourceForm(st, kind), params, sink);
    if (kind === 'begin') this.tx = 'T';
    else if (kind === 'commit' || kind === 'rollback') {
      this.tx = 'I';
      this.implicit = false;
    } else if (kind === 'rollback-to' && this.tx === 'E') this.tx = 'T';
    return result;
  }

  /** A statement strongroom runs itself; BACKUP and RESTORE only DETACHED inside a transaction. */
  private runOwned(
    st: Extract<ScriptStatement, { kind: 'owned' }>,
    params: readonly unknown[],
  ): Promise<ResultSet> {
    if (this.tx === 'E') throw abortedTransaction();
    const ast = st.ast;
    if ((ast.kind === 'backup' || ast.kind === 'restore') && this.tx === 'T' && !isDetached(ast, params)) {
      const what = ast.kind.toUpperCase();
      throw new StateError(
        '25001',
        `${what} cannot be used inside a multi-statement transaction without the DETACHED option`,
      );
    }
    return this.runEngine(st, params, undefined);
  }

  /**
   * The answer to a transaction statement that the session gives without the source (BEGIN inside a
   * transaction or a batch, COMMIT/ROLLBACK with none open or after an error), or undefined; before another
   * statement of an extended-protocol batch, opens the batch's implicit transaction.
   */
  private async answerTransactionStatement(
    st: Extract<ScriptStatement, { kind: 'forward' }>,
    kind: TxKind,
  ): Promise<ResultSet | undefined> {
    switch (kind) {
      case 'begin':
        return this.answerBegin();
      case 'commit':
      case 'rollback':
        return this.answerEnd(st, kind);
      default:
        if (this.batch && this.tx === 'I' && !this.implicit && !NO_TRANSACTION.test(st.text)) {
          await this.engine.execute('BEGIN');
          this.implicit = true;
        }
        return undefined;
    }
  }

  private answerBegin(): ResultSet | undefined {
    if (this.implicit) {
      // BEGIN inside an extended-protocol batch turns its implicit transaction into an explicit one.
      this.implicit = false;
      this.tx = 'T';
      return { columns: [], rows: [], tag: 'BEGIN' };
    }
    if (this.tx !== 'I') {
      this.notice('there is already a transaction in progress', 'WARNING', '25001');
      return { columns: [], rows: [], tag: 'BEGIN' };
    }
    return undefined;
  }

  private async answerEnd(
    st: Extract<ScriptStatement, { kind: 'forward' }>,
    kind: 'commit' | 'rollback',
  ): Promise<ResultSet | undefined> {
    if (this.tx === 'I' && !this.implicit) {
      this.notice('there is no transaction in progress', 'WARNING', '25P01');
      return { columns: [], rows: [], tag: kind === 'commit' ? 'COMMIT' : 'ROLLBACK' };
    }
    if (this.tx === 'E') {
      await this.runEngine({ ...st, text: 'ROLLBACK' }, [], undefined);
      this.tx = 'I';
      this.implicit = false;
      return { columns: [], rows: [], tag: 'ROLLBACK' };
    }
    return undefined;
  }

  /**
   * PostgreSQL's transaction statements in the form SQLite knows: START TRANSACTION, BEGIN ISOLATION
   * LEVEL …, BEGIN READ WRITE, ABORT, END are plain BEGIN, ROLLBACK, COMMIT to it (it is always
   * serializable). Other sources get them as written.
   */
  private sourceForm(st: Extract<ScriptStatement, { kind: 'forward' }>, kind: TxKind): ScriptStatement {
    if (this.catalog.sourceKind !== 'sqlite') return st;
    const own =
      /^\s*(BEGIN(\s+(DEFERRED|IMMEDIATE|EXCLUSIVE))?|COMMIT|END|ROLLBACK)(\s+TRANSACTION)?\s*;?\s*$/i;
    if (own.test(st.text)) return st;
    const text =
      kind === 'begin'
        ? 'BEGIN'
        : kind === 'commit'
          ? 'COMMIT'
          : kind === 'rollback'
            ? 'ROLLBACK'
            : undefined;
    return text === undefined ? st : { ...st, text };
  }

  /** Statements the session answers itself (settings, catalog questions of drivers and psql). */
  private async local(text: string): Promise<ResultSet | undefined> {
    const set = localSet(text);
    if (set?.name === 'application_name') this.send(out.parameterStatus('application_name', set.value));
    const result = await answerLocally(text, this.catalog);
    if (result?.tag === 'DISCARD ALL') {
      if (this.tx !== 'I') throw new StateError('25001', 'DISCARD ALL cannot run inside a transaction block');
      this.statements.clear();
      this.portals.clear();
      this.settings.clear();
      for (const [k, v] of INITIAL_SETTINGS) this.settings.set(k, v);
      this.settings.set('server_version', this.options.serverVersion);
      if (this.catalog.sourceKind === 'sqlite') this.settings.set('search_path', 'main');
    }
    return result;
  }

  private async runEngine(
    st: ScriptStatement,
    params: readonly unknown[],
    sink: Parameters<Session['run']>[2],
  ): Promise<ResultSet> {
    const controller = new AbortController();
    this.running = controller;
    let lastProgress = 0;
    try {
      return await this.engine.execute(st, {
        params,
        signal: controller.signal,
        ...(sink ? { sink } : {}),
        onNotice: (message) => this.notice(message),
        onProgress: (p) => {
          const now = Date.now();
          if (now - lastProgress < PROGRESS_INTERVAL_MS && p.fraction < 1) return;
          lastProgress = now;
          this.notice(progressText(p));
        },
      });
    } finally {
      if (this.running === controller) this.running = undefined;
    }
  }

  private async sendRows(
    rows: readonly (readonly ResultValue[])[],
    columns: readonly ResultColumn[],
    formats: readonly number[],
  ): Promise<void> {
    for (const row of rows) {
      this.send(
        out.dataRow(
          row.map((v, c) => {
            const type = columns[c]?.type ?? 'text';
            return formatOf(formats, c) === 1 ? encodeBinary(v, type) : encodeText(v, type);
          }),
        ),
      );
      if (this.pendingBytes > FLUSH_AT_BYTES) await this.flush();
    }
  }

  private notice(message: string, severity: 'NOTICE' | 'WARNING' = 'NOTICE', code = '00000'): void {
    if (this.closed) return;
    this.send(out.noticeResponse({ severity, code, message }));
    void this.flush();
  }

  private send(b: Buffer): void {
    this.pending.push(b);
    this.pendingBytes += b.length;
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    await this.output.write(data);
  }

  async close(): Promise<void> {
    this.cancel('disconnect');
    await this.engine.close();
  }
}

function abortedTransaction(): StateError {
  return new StateError(
    '25P02',
    'current transaction is aborted, commands ignored until end of transaction block',
  );
}

function isDetached(
  ast: { readonly options: { readonly detached?: unknown } },
  params: readonly unknown[],
): boolean {
  const d = ast.options.detached as
    | { kind: 'bool'; value: boolean }
    | { kind: 'placeholder'; index: number }
    | undefined;
  if (d === undefined) return false;
  if (d.kind === 'bool') return d.value;
  const v = params[d.index - 1];
  return v === true || (typeof v === 'string' && /^(t|true|on|yes|1)$/i.test(v.trim()));
}

function paramCount(st: ScriptStatement): number {
  return st.kind === 'owned' ? placeholderCount(st.ast) : forwardedParamCount(st.text);
}

function formatOf(formats: readonly number[], column: number): number {
  return formats.length === 1 ? formats[0]! : (formats[column] ?? 0);
}

function fields(columns: readonly ResultColumn[], formats: readonly number[]): out.FieldDescription[] {
  return columns.map((c, i) => {
    const t = wireType(c.type);
    return { name: c.name, typeOid: t.oid, typeSize: t.size, format: formatOf(formats, i) };
  });
}

function progressText(p: Progress): string {
  const pct = (p.fraction * 100).toFixed(1);
  const mib = (p.bytes / 1048576).toFixed(1);
  return `job ${p.jobId} ${p.jobType}: ${pct}% (${p.rows} rows, ${mib} MiB)`;
}
