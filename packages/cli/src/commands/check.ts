// `strongroom check FILE… | -e "…"`: parses and validates every input without running anything and
// prints each problem with its position, source line and caret on stderr. stdout stays empty; one summary
// line goes to stderr. Exit 1 if any input has an error.
import type { ScriptInput } from '../args.js';
import type { OutStream } from '../session.js';
import type { SqlApi } from '../sql-api.js';

export interface CheckIo {
  readonly stderr: OutStream;
  readonly sql: Pick<SqlApi, 'checkScript' | 'formatDiagnostic'>;
  /** Reads a file (`-` = stdin). */
  readonly readInput: (path: string) => Promise<string>;
}

export async function check(inputs: readonly ScriptInput[], io: CheckIo): Promise<number> {
  let errors = 0;
  let failedInputs = 0;
  let exprIndex = 0;
  for (const input of inputs) {
    let name: string;
    let text: string;
    if (input.kind === 'expr') {
      name = `-e[${++exprIndex}]`;
      text = input.text;
    } else {
      name = input.path === '-' ? '<stdin>' : input.path;
      try {
        text = await io.readInput(input.path);
      } catch (err) {
        io.stderr.write(`${name}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
        errors++;
        failedInputs++;
        continue;
      }
    }
    const diagnostics = io.sql.checkScript(text, name);
    for (const d of diagnostics) io.stderr.write(`${io.sql.formatDiagnostic(d, text, name).trimEnd()}\n`);
    errors += diagnostics.length;
    if (diagnostics.length > 0) failedInputs++;
  }
  const inputsWord = inputs.length === 1 ? 'input' : 'inputs';
  io.stderr.write(
    errors === 0
      ? `check: ${inputs.length} ${inputsWord} ok\n`
      : `check: ${errors} error${errors === 1 ? '' : 's'} in ${failedInputs} of ${inputs.length} ${inputsWord}\n`,
  );
  return errors === 0 ? 0 : 1;
}
