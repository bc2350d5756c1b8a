// One authenticated session: the simple and extended query protocols over an Engine of its own.
// Messages are handled one at a time, in order; after an error in an extended-protocol batch everything
// up to Sync is discarded, as PostgreSQL does. Results are buffered per batch and written at Sync,
// Flush or ReadyForQuery; notices (job progress) are written at once.
import type { Engine, Progress } from '@strongroom/engine';
import { StrongroomError } from '@strongroom/errors';
import type { ResultSet } from '@strongroom/sources';
import { parseScriptOrThrow, placeholderCount, type ScriptStatement } from '@strongroom/sql';
import type { FrontendMessage } from './messages.js';
import * as out from './serializer.js';
import { localSet } from './session-settings.js';
import { decodeParam, encodeBinary, encodeText, forwardedParamCount, TEXT_OID, wireType } from './values.js';
import { CANCELED, StateError, wireError } from './wire-error.js';

/** Where a session's bytes go; `write` resolves once the socket can take more (backpressure). */
export interface Output {
  write(data: Buffer): Promise<void>;
}

interface Prepared {
  /** Undefined for an empty query string. */
  readonly statement: ScriptStatement | undefined;
  readonly paramTypes: readonly number[];
}

interface Portal {
  readonly prepared: Prepared;
  readonly params: readonly (string | null)[];
  readonly resultFormats: readonly number[];
  result?: ResultSet;
  sent: number;
}

const PROGRESS_INTERVAL_MS = 1000;
const FLUSH_AT_BYTES = 64 * 1024;

export class Session {
  private readonly statements = new Map<string, Prepared>();
  private readonly portals = new Map<string, Portal>();
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private skipUntilSync = false;
  private tx: 'I' | 'T' | 'E' = 'I';
  private running: AbortController | undefined;
  private closed = false;

  constructor(
    private readonly engine: Engine,
    private readonly output: Output,
  ) {}

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
          this.parse(m.name, m.text, m.paramTypes);
          break;
        case 'bind':
          this.bind(m);
          break;
        case 'describe':
          await this.describe(m.target, m.name);
          break;
        case 'execute':
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
    this.send(out.errorResponse(aborted ? CANCELED : wireError(err)));
    if (this.tx === 'T') this.tx = 'E';
  }

  private async simpleQuery(text: string): Promise<void> {
    try {
      const statements = parseScriptOrThrow(text);
      if (statements.length === 0) this.send(out.emptyQueryResponse());
      for (const st of statements) {
        const result = await this.run(st, []);
        this.sendResult(result, [], 0, 0);
        if (this.pendingBytes > FLUSH_AT_BYTES) await this.flush();
      }
    } catch (err) {
      this.fail(err);
    }
    this.send(out.readyForQuery(this.tx));
    await this.flush();
  }

  private parse(name: string, text: string, paramTypes: readonly number[]): void {
    if (name !== '' && this.statements.has(name))
      throw new StateError('42P05', `prepared statement "${name}" already exists`);
    const statements = parseScriptOrThrow(text);
    if (statements.length > 1)
      throw new StrongroomError('SYNTAX_ERROR', 'cannot insert multiple commands into a prepared statement');
    const statement = statements[0];
    const count = statement === undefined ? 0 : paramCount(statement);
    const types = Array.from(
      { length: Math.max(count, paramTypes.length) },
      (_, i) => paramTypes[i] || TEXT_OID,
    );
    this.statements.set(name, { statement, paramTypes: types });
    this.send(out.parseComplete());
  }

  private bind(m: Extract<FrontendMessage, { kind: 'bind' }>): void {
    const prepared = this.statements.get(m.statement);
    if (!prepared) throw new StateError('26000', `prepared statement "${m.statement}" does not exist`);
    if (m.portal !== '' && this.portals.has(m.portal))
      throw new StateError('42P03', `portal "${m.portal}" already exists`);
    if (m.params.length < prepared.paramTypes.length)
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
      // Result columns are known only once a statement runs (they depend on the backup read), so a
      // statement description has none; drivers describe the portal, which runs it (see describePortal).
      this.send(out.noData());
      return;
    }
    const portal = this.portal(name);
    const result = await this.resultOf(portal);
    if (result.columns.length === 0) this.send(out.noData());
    else this.send(out.rowDescription(fields(result, portal.resultFormats)));
  }

  private async execute(name: string, maxRows: number): Promise<void> {
    const portal = this.portal(name);
    if (portal.prepared.statement === undefined) {
      this.send(out.emptyQueryResponse());
      return;
    }
    const result = await this.resultOf(portal);
    const limit = maxRows > 0 ? maxRows : Number.POSITIVE_INFINITY;
    portal.sent = this.sendRows(result, portal.resultFormats, portal.sent, limit);
    if (portal.sent < result.rows.length) this.send(out.portalSuspended());
    else this.send(out.commandComplete(result.tag));
  }

  private portal(name: string): Portal {
    const p = this.portals.get(name);
    if (!p) throw new StateError('34000', `portal "${name}" does not exist`);
    return p;
  }

  /** Runs a portal's statement once; Describe and Execute share the result. */
  private async resultOf(portal: Portal): Promise<ResultSet> {
    if (portal.result) return portal.result;
    const st = portal.prepared.statement;
    portal.result = st === undefined ? { columns: [], rows: [], tag: '' } : await this.run(st, portal.params);
    return portal.result;
  }

  private async run(st: ScriptStatement, params: readonly (string | null)[]): Promise<ResultSet> {
    const set = st.kind === 'forward' ? localSet(st.text) : undefined;
    if (set) {
      if (set.name === 'application_name') this.send(out.parameterStatus('application_name', set.value));
      return { columns: [], rows: [], tag: 'SET' };
    }
    const controller = new AbortController();
    this.running = controller;
    let lastProgress = 0;
    try {
      const result = await this.engine.execute(st, {
        params,
        signal: controller.signal,
        onNotice: (message) => this.notice(message),
        onProgress: (p) => {
          const now = Date.now();
          if (now - lastProgress < PROGRESS_INTERVAL_MS && p.fraction < 1) return;
          lastProgress = now;
          this.notice(progressText(p));
        },
      });
      if (st.kind === 'forward') this.tx = txAfter(st.text, this.tx);
      return result;
    } finally {
      if (this.running === controller) this.running = undefined;
    }
  }

  private sendResult(result: ResultSet, formats: readonly number[], from: number, limit: number): void {
    if (result.columns.length > 0) this.send(out.rowDescription(fields(result, formats)));
    this.sendRows(result, formats, from, limit || Number.POSITIVE_INFINITY);
    this.send(out.commandComplete(result.tag));
  }

  private sendRows(result: ResultSet, formats: readonly number[], from: number, limit: number): number {
    const end = Math.min(result.rows.length, from + limit);
    for (let i = from; i < end; i++) {
      const row = result.rows[i]!;
      this.send(
        out.dataRow(
          row.map((v, c) =>
            formatOf(formats, c) === 1 ? encodeBinary(v, result.columns[c]?.type ?? 'text') : encodeText(v),
          ),
        ),
      );
    }
    return end;
  }

  private notice(message: string): void {
    if (this.closed) return;
    this.send(out.noticeResponse({ severity: 'NOTICE', code: '00000', message }));
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

function paramCount(st: ScriptStatement): number {
  return st.kind === 'owned' ? placeholderCount(st.ast) : forwardedParamCount(st.text);
}

function formatOf(formats: readonly number[], column: number): number {
  return formats.length === 1 ? formats[0]! : (formats[column] ?? 0);
}

function fields(result: ResultSet, formats: readonly number[]): out.FieldDescription[] {
  return result.columns.map((c, i) => {
    const t = wireType(c.type);
    return { name: c.name, typeOid: t.oid, typeSize: t.size, format: formatOf(formats, i) };
  });
}

function progressText(p: Progress): string {
  const pct = (p.fraction * 100).toFixed(1);
  const mib = (p.bytes / 1048576).toFixed(1);
  return `job ${p.jobId} ${p.jobType}: ${pct}% (${p.rows} rows, ${mib} MiB)`;
}

/** Transaction status after a forwarded statement, from its leading keyword. */
export function txAfter(sql: string, tx: 'I' | 'T' | 'E'): 'I' | 'T' | 'E' {
  const words = sql
    .replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, '')
    .toLowerCase()
    .split(/[\s;]+/, 2);
  const [a, b] = words;
  if (a === 'begin' || (a === 'start' && b === 'transaction')) return 'T';
  if (a === 'commit' || a === 'end' || a === 'abort') return 'I';
  if (a === 'rollback') return b === 'to' ? (tx === 'E' ? 'T' : tx) : 'I';
  return tx;
}
