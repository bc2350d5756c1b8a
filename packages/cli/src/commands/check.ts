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

type Loaded =
  | { readonly name: string; readonly text: string }
  | { readonly name: string; readonly error: string };

async function load(input: ScriptInput, exprIndex: number, io: CheckIo): Promise<Loaded> {
  if (input.kind === 'expr') return { name: `-e[${exprIndex}]`, text: input.text };
  const name = input.path === '-' ? '<stdin>' : input.path;
  try {
    return { name, text: await io.readInput(input.path) };
  } catch (err) {
    return { name, error: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
}

/** The number of problems found in one input (a file that cannot be read is one). */
async function checkInput(input: ScriptInput, exprIndex: number, io: CheckIo): Promise<number> {
  const loaded = await load(input, exprIndex, io);
  if ('error' in loaded) {
    io.stderr.write(`${loaded.name}: cannot read: ${loaded.error}\n`);
    return 1;
  }
  const diagnostics = io.sql.checkScript(loaded.text, loaded.name);
  for (const d of diagnostics)
    io.stderr.write(`${io.sql.formatDiagnostic(d, loaded.text, loaded.name).trimEnd()}\n`);
  return diagnostics.length;
}

export async function check(inputs: readonly ScriptInput[], io: CheckIo): Promise<number> {
  let errors = 0;
  let failedInputs = 0;
  let exprIndex = 0;
  for (const input of inputs) {
    if (input.kind === 'expr') exprIndex++;
    const found = await checkInput(input, exprIndex, io);
    errors += found;
    if (found > 0) failedInputs++;
  }
  const inputsWord = inputs.length === 1 ? 'input' : 'inputs';
  io.stderr.write(
    errors === 0
      ? `check: ${inputs.length} ${inputsWord} ok\n`
      : `check: ${errors} error${errors === 1 ? '' : 's'} in ${failedInputs} of ${inputs.length} ${inputsWord}\n`,
  );
  return errors === 0 ? 0 : 1;
}
