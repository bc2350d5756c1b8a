// A raw PostgreSQL protocol client for tests that need exact message sequences (a batch of
// Parse/Bind/Execute before one Sync, Describe of a statement, a Bind with the wrong parameter count):
// messages built and parsed by node-postgres's own pg-protocol, SCRAM by node-postgres's SASL module.
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import { parse, serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';

interface SaslSession {
  readonly mechanism: string;
  readonly response: string;
}
interface Sasl {
  startSession(mechanisms: string[], stream?: unknown): SaslSession;
  continueSession(session: SaslSession, password: string, data: string, stream?: unknown): Promise<void>;
  finalizeSession(session: SaslSession, data: string): void;
}
const sasl = createRequire(import.meta.url)('pg/lib/crypto/sasl.js') as Sasl;

export type Message = BackendMessage & Record<string, unknown>;

export class RawClient {
  private readonly inbox: Message[] = [];
  private waiter: (() => void) | undefined;
  /** BackendKeyData of the session, for CancelRequest. */
  processId = 0;
  secretKey = 0;

  private constructor(readonly socket: Socket) {
    void parse(socket, (m) => {
      this.inbox.push(m as Message);
      this.waiter?.();
    });
  }

  /** Connects without TLS and logs in with SCRAM-SHA-256. */
  static async connect(port: number, user: string, password: string): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const c = new RawClient(socket);
    socket.write(serialize.startup({ user, database: 'defaultdb' }));
    const first = await c.next('authenticationSASL');
    const session = sasl.startSession(first.mechanisms as string[]);
    socket.write(serialize.sendSASLInitialResponseMessage(session.mechanism, session.response));
    const cont = await c.next('authenticationSASLContinue');
    await sasl.continueSession(session, password, cont.data as string);
    socket.write(
      serialize.sendSCRAMClientFinalMessage((session as unknown as { response: string }).response),
    );
    const key = (await c.until('readyForQuery')).find((m) => m.name === 'backendKeyData');
    c.processId = Number(key?.processID);
    c.secretKey = Number(key?.secretKey);
    return c;
  }

  send(...messages: Buffer[]): void {
    this.socket.write(Buffer.concat(messages));
  }

  private async take(): Promise<Message> {
    for (;;) {
      const m = this.inbox.shift();
      if (m) return m;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message from the server within 10 s')), 10_000);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
  }

  /** The next message, which must be `name` (an ErrorResponse fails with its message). */
  async next(name: string): Promise<Message> {
    const m = await this.take();
    if (m.name !== name) throw new Error(`expected ${name}, got ${m.name}: ${String(m.message ?? '')}`);
    return m;
  }

  /** Every message up to and including the next `name` (default ReadyForQuery). */
  async until(name = 'readyForQuery'): Promise<Message[]> {
    const got: Message[] = [];
    for (;;) {
      const m = await this.take();
      got.push(m);
      if (m.name === name) return got;
    }
  }

  /** A simple query's messages, up to ReadyForQuery. */
  async query(text: string): Promise<Message[]> {
    this.send(serialize.query(text));
    return this.until();
  }

  /** Sends CancelRequest for this session from a new connection, as drivers do. */
  async cancel(port: number): Promise<void> {
    const s = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
    s.end(serialize.cancel(this.processId, this.secretKey));
  }

  close(): void {
    this.socket.end(serialize.end());
  }
}

export { serialize };
