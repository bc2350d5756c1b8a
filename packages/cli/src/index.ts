// The `strongroom` command: `main(argv)` parses the command line, runs one command and resolves to the
// process exit code (0 ok, 1 error, 64 usage, 130 interrupted). bin/strongroom.js calls it; tests pass
// their own streams, engine and parser through `deps`.
import type { Statement } from '@strongroom/sql';
import { parseCommandLine } from './args.js';
import { check } from './commands/check.js';
import { keygen } from './commands/keygen.js';
import { serveCommand } from './commands/serve.js';
import { readAll, sqlCommand } from './commands/sql.js';
import { type CliDeps, defaultDeps } from './deps.js';
import { CHECK_USAGE, KEYGEN_USAGE, MAIN_USAGE, SERVE_USAGE, SQL_USAGE } from './help.js';
import { checkScriptWith } from './sql-api.js';
import { UsageError } from './usage-error.js';
import { cliVersion } from './version.js';

export type { CliDeps } from './deps.js';
export { EX_USAGE, UsageError } from './usage-error.js';

const USAGE = {
  main: MAIN_USAGE,
  sql: SQL_USAGE,
  check: CHECK_USAGE,
  keygen: KEYGEN_USAGE,
  serve: SERVE_USAGE,
} as const;

export async function main(argv: readonly string[], overrides: Partial<CliDeps> = {}): Promise<number> {
  const deps: CliDeps = { ...defaultDeps(), ...overrides };
  try {
    const cmd = parseCommandLine(argv);
    switch (cmd.kind) {
      case 'help':
        deps.stdout.write(USAGE[cmd.topic]);
        return 0;
      case 'version':
        deps.stdout.write(`strongroom ${cliVersion()}\n`);
        return 0;
      case 'sql':
        return await sqlCommand(cmd, deps);
      case 'check': {
        // The engine's statement checks come with it; only check (and sql) load it.
        const engine = await deps.loadEngine();
        const checkStatement = (ast: Statement): void => engine.checkStatement?.(ast);
        return await check(cmd.inputs, {
          stderr: deps.stderr,
          sql: {
            checkScript: (text) => checkScriptWith(deps.sql, checkStatement, text),
            formatDiagnostic: deps.sql.formatDiagnostic,
          },
          readInput: (path) => (path === '-' ? readAll(deps.stdin) : deps.readFile(path)),
        });
      }
      case 'keygen':
        return await keygen(cmd.path, deps);
      case 'serve':
        return await serveCommand(cmd, deps);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      deps.stderr.write(`strongroom: ${err.message}\n\n${USAGE[err.command]}`);
      return err.exitCode;
    }
    deps.stderr.write(`strongroom: ${err instanceof Error ? err.message : String(err)}\n`);
    return typeof (err as { exitCode?: unknown }).exitCode === 'number'
      ? (err as { exitCode: number }).exitCode
      : 1;
  }
}
