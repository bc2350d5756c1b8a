// `strongroom serve`: the PostgreSQL wire-protocol server over this host's engine settings, until SIGINT
// or SIGTERM; `--add-user NAME` instead stores a SCRAM verifier of a password read from stdin. The
// server package is imported lazily, so other commands never load it.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ServeCommand } from '../args.js';
import type { CliDeps } from '../deps.js';
import { engineFlagOptions } from './engine-options.js';
import { DEFAULT_SCHEDULE_INTERVAL_MS, startSchedulerLoop } from './scheduler-loop.js';
import { readAll } from './sql.js';

export async function serveCommand(cmd: ServeCommand, deps: CliDeps): Promise<number> {
  const server = await import('@strongroom/server');
  const { openEngine, defaultHome } = await deps.loadEngine();
  const home = resolve(deps.cwd, cmd.home ?? defaultHome(deps.env));
  const usersPath = resolve(deps.cwd, cmd.usersPath ?? join(home, 'users'));
  if (cmd.addUser !== undefined) {
    const password = (await readAll(deps.stdin)).replace(/\r?\n$/, '');
    const replaced = server.addUser(usersPath, cmd.addUser, password);
    deps.stderr.write(`${replaced ? 'replaced' : 'added'} user ${cmd.addUser} in ${usersPath}\n`);
    return 0;
  }
  const engineOptions = { ...engineFlagOptions(cmd, home, deps.cwd), env: deps.env };
  const scheduler = await startSchedulerLoop(
    openEngine,
    engineOptions,
    cmd.scheduleIntervalMs ?? DEFAULT_SCHEDULE_INTERVAL_MS,
    (line) => deps.stderr.write(`strongroom serve: ${line}\n`),
    { schedules: !cmd.noScheduler },
  );
  if (cmd.schedulerOnly) {
    deps.stderr.write(`strongroom serve: running schedules of ${home} (not listening)\n`);
    await untilStopped(deps);
    deps.stderr.write('strongroom serve: shutting down\n');
    await scheduler.stop();
    return 0;
  }
  if (server.loadUsers(usersPath).size === 0) {
    deps.stderr.write(
      `strongroom: no users in ${usersPath}; nobody can log in until one is added:\n` +
        `  strongroom serve --add-user NAME --users ${usersPath}   (password on stdin)\n`,
    );
  }
  const running = await server.startServer({
    host: cmd.host,
    port: cmd.port,
    tls: tlsFiles(cmd, deps.cwd),
    requireTls: cmd.requireTls,
    // Read at each login, so users added while the server runs can log in.
    users: () => server.loadUsers(usersPath),
    openEngine: (info) => openEngine({ ...engineOptions, user: info.user }),
    log: (line) => deps.stderr.write(`strongroom serve: ${line}\n`),
  });
  const tls = cmd.tlsCert ? (cmd.requireTls ? 'TLS required' : 'TLS available') : 'no TLS';
  deps.stderr.write(`strongroom serve: listening on ${running.host}:${running.port} (${tls})\n`);
  await untilStopped(deps);
  deps.stderr.write('strongroom serve: shutting down\n');
  await running.close();
  await scheduler.stop();
  return 0;
}

function tlsFiles(cmd: ServeCommand, cwd: string): { cert: Buffer; key: Buffer } | undefined {
  if (!cmd.tlsCert || !cmd.tlsKey) return undefined;
  return { cert: readFileSync(resolve(cwd, cmd.tlsCert)), key: readFileSync(resolve(cwd, cmd.tlsKey)) };
}

function untilStopped(deps: CliDeps): Promise<void> {
  return new Promise<void>((done) => {
    const stop = (): void => {
      off();
      process.off('SIGTERM', stop);
      done();
    };
    const off = deps.onInterrupt(stop);
    process.on('SIGTERM', stop);
  });
}
