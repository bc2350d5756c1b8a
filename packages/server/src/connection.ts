// One client connection: startup (SSLRequest → TLS upgrade, GSSENCRequest refused, CancelRequest), SCRAM
// authentication, then a Session. Messages are handled one at a time; while one is being handled the
// socket is paused, so a client that pipelines or floods cannot make the server buffer more than the
// parser's bound. Startup (TLS handshake and authentication included) must finish within a deadline.
import type { Socket } from 'node:net';
import { type SecureContext, TLSSocket } from 'node:tls';
import type { Engine } from '@strongroom/engine';
import { BufferReader } from './buffer-reader.js';
import type { FrontendMessage, StartupPacket } from './messages.js';
import { MessageParser } from './parser.js';
import { ProtocolError } from './protocol-error.js';
import { mockVerifier, ScramExchange } from './scram.js';
import * as out from './serializer.js';
import { Session } from './session.js';
import type { UserDirectory } from './users.js';
import { wireError } from './wire-error.js';

export interface SessionInfo {
  readonly user: string;
  readonly database: string;
  readonly applicationName: string;
}

/** What a connection needs from its server. */
export interface ConnectionContext {
  readonly secureContext: SecureContext | undefined;
  readonly requireTls: boolean;
  readonly users: () => UserDirectory;
  readonly mockSecret: Buffer;
  readonly maxMessageBytes: number;
  readonly startupTimeoutMs: number;
  readonly serverVersion: string;
  openEngine(info: SessionInfo): Promise<Engine>;
  register(conn: Connection): { processId: number; secretKey: number };
  unregister(conn: Connection): void;
  cancel(processId: number, secretKey: number): void;
  log(line: string): void;
  /** Called once authenticated; false when the server is full (the connection is then refused). */
  authenticated(conn: Connection): boolean;
}

type Phase = 'startup' | 'sasl-initial' | 'sasl-final' | 'opening' | 'ready' | 'closed';

export class Connection {
  private stream: Socket;
  private readonly parser: MessageParser;
  private phase: Phase = 'startup';
  private readonly queue: (StartupPacket | FrontendMessage)[] = [];
  private busy = false;
  private tls = false;
  private user = '';
  private params: Readonly<Record<string, string>> = {};
  private scram: ScramExchange | undefined;
  private session: Session | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  /** Resolves once the connection and its session are fully closed. */
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  constructor(
    socket: Socket,
    private readonly ctx: ConnectionContext,
    /** The client's address, for limits and logs. */
    readonly address = '',
  ) {
    this.closed = new Promise((r) => {
      this.resolveClosed = r;
    });
    this.parser = new MessageParser(ctx.maxMessageBytes);
    this.stream = socket;
    this.timer = setTimeout(() => {
      ctx.log(`connection from ${address} did not authenticate within ${ctx.startupTimeoutMs} ms`);
      this.destroy();
    }, ctx.startupTimeoutMs);
    this.timer.unref();
    this.attach(socket);
  }

  private attach(s: Socket): void {
    s.on('data', this.onData);
    s.on('error', () => this.destroy());
    s.on('close', () => this.destroy());
  }

  /** Closes a connection that has not authenticated (to make room for others). */
  abort(): void {
    this.destroy();
  }

  /** Aborts whatever the session is running (CancelRequest). */
  cancel(): void {
    this.session?.cancel();
  }

  /** When the client last sent something (ms since the epoch); 0 while it has sent nothing. */
  lastActivity = 0;

  private receive(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    this.lastActivity = Date.now();
    try {
      this.queue.push(...this.parser.parse(chunk));
    } catch (err) {
      this.fatal(err);
      return;
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.stream.pause();
    try {
      while (this.queue.length > 0 && this.phase !== 'closed') {
        await this.dispatch(this.queue.shift()!);
      }
    } catch (err) {
      this.fatal(err);
    } finally {
      this.busy = false;
      if (this.phase === 'closed') void this.finish();
      else this.stream.resume();
    }
  }

  private async dispatch(m: StartupPacket | FrontendMessage): Promise<void> {
    switch (this.phase) {
      case 'startup':
        return this.startup(m);
      case 'sasl-initial':
        return this.saslInitial(m);
      case 'sasl-final':
        return this.saslFinal(m);
      case 'ready':
        if (!this.session || !isFrontend(m)) throw new ProtocolError('unexpected startup packet');
        if (!(await this.session.handle(m))) this.end();
        return;
      default:
        throw new ProtocolError(`unexpected message during ${this.phase}`);
    }
  }

  private startup(m: StartupPacket | FrontendMessage): void {
    switch (m.kind) {
      case 'sslRequest':
        // Bytes pipelined after SSLRequest would be trusted as if encrypted (CVE-2021-23214): refuse.
        if (this.tls || this.parser.pending > 0) throw new ProtocolError('unexpected data after SSLRequest');
        if (this.ctx.secureContext) this.upgrade(this.ctx.secureContext);
        else this.stream.write('N');
        this.parser.expectStartup();
        return;
      case 'gssEncRequest':
        this.stream.write('N');
        this.parser.expectStartup();
        this.queue.push(...this.parser.parse(Buffer.alloc(0)));
        return;
      case 'cancelRequest':
        this.ctx.cancel(m.processId, m.secretKey);
        this.destroy();
        return;
      case 'startup':
        this.authenticate(m.params);
        return;
      default:
        throw new ProtocolError('expected a startup packet');
    }
  }

  private upgrade(secureContext: SecureContext): void {
    const raw = this.stream;
    raw.off('data', this.onData);
    raw.write('S');
    const secure = new TLSSocket(raw, { isServer: true, secureContext });
    this.tls = true;
    this.stream = secure;
    this.attach(secure);
  }

  private authenticate(params: Readonly<Record<string, string>>): void {
    if (this.ctx.requireTls && !this.tls) {
      this.fatal(null, { code: '28000', message: 'this server requires TLS (use sslmode=require)' });
      return;
    }
    const user = params.user;
    if (!user) {
      this.fatal(null, {
        code: '28000',
        message: 'no PostgreSQL user name specified in startup packet',
      });
      return;
    }
    // Names from the client go into log lines: no control characters.
    this.user = user.replace(/[\x00-\x1f\x7f]/g, '?');
    this.params = params;
    const verifier = this.ctx.users().get(user);
    this.scram = new ScramExchange(
      verifier ?? mockVerifier(user, this.ctx.mockSecret),
      verifier !== undefined,
    );
    this.phase = 'sasl-initial';
    this.stream.write(out.authenticationSasl(['SCRAM-SHA-256']));
  }

  private saslInitial(m: StartupPacket | FrontendMessage): void {
    if (m.kind !== 'password') throw new ProtocolError('expected SASLInitialResponse');
    const r = new BufferReader(m.body);
    const mechanism = r.cstring();
    const length = r.int32();
    if (mechanism !== 'SCRAM-SHA-256' || length < 0) {
      this.fatal(null, { code: '28000', message: 'invalid SASL authentication mechanism' });
      return;
    }
    const step = this.scram!.first(r.bytes(length).toString('utf8'));
    if (!step.ok) {
      this.authFailed();
      return;
    }
    this.phase = 'sasl-final';
    this.stream.write(out.authenticationSaslContinue(step.reply));
  }

  private async saslFinal(m: StartupPacket | FrontendMessage): Promise<void> {
    if (m.kind !== 'password') throw new ProtocolError('expected SASLResponse');
    const step = this.scram!.final(m.body.toString('utf8'));
    this.scram = undefined;
    if (!step.ok) {
      this.authFailed();
      return;
    }
    this.phase = 'opening';
    clearTimeout(this.timer);
    if (!this.ctx.authenticated(this)) {
      this.ctx.log(`refusing ${this.user} from ${this.address}: too many connections`);
      this.fatal(null, { code: '53300', message: 'sorry, too many clients already' });
      return;
    }
    this.started = Date.now();
    this.ctx.log(
      `connection authorized: user=${this.user} database=${this.params.database ?? this.user} from ${this.address}${this.tls ? ' (TLS)' : ''}`,
    );
    let engine: Engine;
    const info = {
      user: this.user,
      database: this.params.database ?? this.user,
      applicationName: this.params.application_name ?? '',
    };
    try {
      engine = await this.ctx.openEngine(info);
    } catch (err) {
      this.ctx.log(
        `session for ${this.user}: cannot open the engine: ${err instanceof Error ? err.message : err}`,
      );
      this.fatal(err);
      return;
    }
    if ((this.phase as Phase) === 'closed') {
      await engine.close();
      return;
    }
    const session = new Session(
      engine,
      { write: (data) => this.write(data) },
      { user: this.user, serverVersion: this.ctx.serverVersion, log: (line) => this.ctx.log(line) },
    );
    this.session = session;
    const { processId, secretKey } = this.ctx.register(this);
    const status: [string, string][] = [
      ['server_version', this.ctx.serverVersion],
      ['server_encoding', 'UTF8'],
      ['client_encoding', 'UTF8'],
      ['DateStyle', 'ISO, MDY'],
      ['IntervalStyle', 'postgres'],
      ['integer_datetimes', 'on'],
      ['standard_conforming_strings', 'on'],
      ['TimeZone', 'UTC'],
      ['is_superuser', 'off'],
      ['session_authorization', this.user],
      ['application_name', info.applicationName],
    ];
    this.stream.write(
      Buffer.concat([
        out.authenticationSaslFinal(step.reply),
        out.authenticationOk(),
        ...status.map(([k, v]) => out.parameterStatus(k, v)),
        out.backendKeyData(processId, secretKey),
        out.readyForQuery('I'),
      ]),
    );
    this.phase = 'ready';
  }

  private authFailed(): void {
    this.ctx.log(`password authentication failed for user "${this.user}" from ${this.address}`);
    // Same words for an unknown user and a wrong password (no user enumeration).
    this.fatal(null, { code: '28P01', message: `password authentication failed for user "${this.user}"` });
  }

  private write(data: Buffer): Promise<void> {
    const s = this.stream;
    if (this.phase === 'closed' || s.destroyed) return Promise.resolve();
    if (s.write(data)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        s.off('drain', done);
        s.off('close', done);
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
    });
  }

  /** A FATAL ErrorResponse, then the connection ends. */
  private fatal(err: unknown, fields?: { code: string; message: string }): void {
    if (this.phase === 'closed') return;
    const f = fields
      ? { severity: 'FATAL' as const, ...fields }
      : { ...wireError(err), severity: 'FATAL' as const };
    if (err instanceof ProtocolError) this.ctx.log(`protocol error from ${this.address}: ${f.message}`);
    else if (err !== null && fields === undefined) this.ctx.log(`connection error: ${f.message}`);
    else if (fields !== undefined && fields.code !== '28P01')
      this.ctx.log(`refusing connection from ${this.address}: ${fields.message}`);
    this.stream.write(out.errorResponse(f));
    this.end();
  }

  private end(): void {
    this.stream.end();
    // A client that never reads would keep the socket open; give it a moment, then cut it.
    setTimeout(() => this.destroy(), 1000).unref();
    this.phase = 'closed';
    this.queue.length = 0;
    if (!this.busy) void this.finish();
  }

  private destroy(): void {
    if (!this.stream.destroyed) this.stream.destroy();
    if (this.phase !== 'closed') {
      this.phase = 'closed';
      this.queue.length = 0;
      this.session?.cancel('disconnect');
    }
    if (!this.busy) void this.finish();
  }

  private finishing = false;
  /** When the session was authorized (0: never). */
  private started = 0;

  /** Closes the session's engine once no message is being handled any more. */
  private async finish(): Promise<void> {
    if (this.finishing) return;
    this.finishing = true;
    clearTimeout(this.timer);
    this.ctx.unregister(this);
    if (this.started > 0) {
      const seconds = ((Date.now() - this.started) / 1000).toFixed(3);
      this.ctx.log(`disconnection: user=${this.user} from ${this.address}, session time ${seconds} s`);
    }
    try {
      await this.session?.close();
    } catch (err) {
      this.ctx.log(`closing a session: ${err instanceof Error ? err.message : err}`);
    }
    this.resolveClosed();
  }
}

const STARTUP_KINDS = new Set(['startup', 'sslRequest', 'gssEncRequest', 'cancelRequest']);

function isFrontend(m: StartupPacket | FrontendMessage): m is FrontendMessage {
  return !STARTUP_KINDS.has(m.kind);
}
