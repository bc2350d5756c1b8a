// `strongroom serve`: a PostgreSQL v3 wire-protocol server over strongroom engines. Each session opens
// its own Engine (so its own source connection: transactions, ATTACHes and temp tables stay private to
// it); jobs are shared through the jobs store, so SHOW JOBS / CANCEL JOB see every session's jobs.
import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { Engine } from '@strongroom/engine';
import { Connection, type ConnectionContext, type SessionInfo } from './connection.js';
import type { UserDirectory } from './users.js';

export interface ServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 26257; 0 picks a free port. */
  readonly port?: number;
  /** PEM certificate chain and private key; enables SSLRequest → TLS. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Refuse sessions that did not upgrade to TLS. */
  readonly requireTls?: boolean;
  /** SCRAM verifiers by user name; a function is called at each login (so the file can be reloaded). */
  readonly users: UserDirectory | (() => UserDirectory);
  /** Opens the engine of a new session; closed when the session ends. */
  readonly openEngine: (info: SessionInfo) => Promise<Engine>;
  /** Largest frontend message accepted; default 1 MiB. */
  readonly maxMessageBytes?: number;
  /** Time allowed from accept to authenticated; default 5 s. */
  readonly startupTimeoutMs?: number;
  /** Authenticated connections beyond this are refused; default 256. */
  readonly maxConnections?: number;
  /**
   * Connections not yet authenticated, in all and per client address; default 128 and 64 (a pool opening
   * its connections at once fits). When a new one would exceed either, an unauthenticated connection (of
   * that address) is closed to make room: the oldest that never sent anything, else the oldest quiet for a
   * second, else the oldest. So a flood of idle sockets cannot lock out a client that authenticates.
   */
  readonly maxUnauthenticated?: number;
  readonly maxUnauthenticatedPerAddress?: number;
  readonly serverVersion?: string;
  /** Operational messages (never secrets). */
  readonly log?: (line: string) => void;
}

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** Open connections (including ones still in startup). */
  readonly connections: number;
  /** Connections that have not authenticated (yet). */
  readonly unauthenticated: number;
  /** Stops accepting, closes every connection and waits for their engines to close. */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const connections = new Set<Connection>();
  const sockets = new Set<Socket>();
  const byProcessId = new Map<number, { secretKey: number; conn: Connection }>();
  const users = options.users;
  const maxConnections = options.maxConnections ?? 256;
  const maxUnauthenticated = options.maxUnauthenticated ?? 128;
  const maxPerAddress = options.maxUnauthenticatedPerAddress ?? 64;
  /** Unauthenticated connections, oldest first (a Set keeps insertion order). */
  const unauthenticated = new Set<Connection>();
  const unauthenticatedByAddress = new Map<string, Set<Connection>>();
  let authenticatedCount = 0;
  const log = options.log ?? (() => {});
  const forget = (conn: Connection): void => {
    unauthenticated.delete(conn);
    const set = unauthenticatedByAddress.get(conn.address);
    set?.delete(conn);
    if (set?.size === 0) unauthenticatedByAddress.delete(conn.address);
  };
  const evictOldest = (from: Set<Connection>, why: string): void => {
    // Silent ones first (never sent a byte), then the ones quiet for a second, then the oldest: a client
    // in the middle of its handshake is the last to go.
    const quietSince = Date.now() - 1000;
    let silent: Connection | undefined;
    let quiet: Connection | undefined;
    let first: Connection | undefined;
    for (const c of from) {
      first ??= c;
      if (c.lastActivity === 0) {
        silent = c;
        break;
      }
      if (c.lastActivity <= quietSince) quiet ??= c;
    }
    const oldest = silent ?? quiet ?? first;
    if (!oldest) return;
    forget(oldest);
    log(`closing unauthenticated connection from ${oldest.address}: ${why}`);
    oldest.abort();
  };
  const ctx: ConnectionContext = {
    secureContext: options.tls
      ? createSecureContext({ cert: options.tls.cert, key: options.tls.key })
      : undefined,
    requireTls: options.requireTls === true,
    users: typeof users === 'function' ? users : () => users,
    mockSecret: randomBytes(32),
    maxMessageBytes: options.maxMessageBytes ?? 1 << 20,
    startupTimeoutMs: options.startupTimeoutMs ?? 5_000,
    serverVersion: options.serverVersion ?? '16.0',
    openEngine: options.openEngine,
    register(conn) {
      let processId: number;
      do processId = randomInt(1, 2 ** 31 - 1);
      while (byProcessId.has(processId));
      const secretKey = randomInt(-(2 ** 31), 2 ** 31 - 1);
      byProcessId.set(processId, { secretKey, conn });
      return { processId, secretKey };
    },
    unregister(conn) {
      for (const [id, e] of byProcessId) if (e.conn === conn) byProcessId.delete(id);
    },
    cancel(processId, secretKey) {
      const e = byProcessId.get(processId);
      if (e && e.secretKey === secretKey) e.conn.cancel();
    },
    log,
    authenticated(conn) {
      forget(conn);
      if (authenticatedCount >= maxConnections) return false;
      authenticatedCount++;
      void conn.closed.then(() => authenticatedCount--);
      return true;
    },
  };
  const server: Server = createServer((socket) => {
    const address = socket.remoteAddress ?? '';
    const fromAddress = unauthenticatedByAddress.get(address);
    if (fromAddress && fromAddress.size >= maxPerAddress)
      evictOldest(fromAddress, 'too many from one address');
    if (unauthenticated.size >= maxUnauthenticated) evictOldest(unauthenticated, 'too many unauthenticated');
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    sockets.add(socket);
    const conn = new Connection(socket, ctx, address);
    connections.add(conn);
    unauthenticated.add(conn);
    const set = unauthenticatedByAddress.get(address) ?? new Set<Connection>();
    unauthenticatedByAddress.set(address, set);
    set.add(conn);
    void conn.closed.then(() => {
      connections.delete(conn);
      forget(conn);
    });
    socket.on('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 26257, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 26257);
  return {
    host,
    port,
    get connections() {
      return sockets.size;
    },
    get unauthenticated() {
      return unauthenticated.size;
    },
    async close() {
      const stopped = new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
      await Promise.all([...connections].map((c) => c.closed));
      await stopped;
    },
  };
}
