// The subset of @strongroom/sql the CLI uses, as one injectable object: the script runner, the REPL and
// `check` take it as a parameter, so their tests can run against the real parser or a stand-in.
// `loadSqlApi` binds it to the real package.
import { isStrongroomError } from '@strongroom/errors';
import {
  checkScript,
  complete,
  endsStatement,
  format,
  formatDiagnostic,
  parseScript,
  redactionMarkers,
  redactSqlText,
  redactUri,
  type ScriptStatement,
  type SqlDiagnostic,
  type Statement,
  withPassphrase,
} from '@strongroom/sql';

/** A positioned problem found in a script (1-based line and column, 0-based offset). */
export type Diagnostic = SqlDiagnostic;

export interface SqlApi {
  /** Splits and parses a whole text; never throws for bad input. */
  parseScript(text: string): { statements: readonly ScriptStatement[]; errors: readonly Diagnostic[] };
  /** True when the buffer ends with a `;` outside strings and comments (a complete statement). */
  endsStatement(buffer: string): boolean;
  /** Canonical SQL; redacted unless `{ redact: false }`. */
  format(ast: Statement, options?: { redact?: boolean }): string;
  /** Words that may come next (keywords), for tab completion. */
  complete(textBeforeCursor: string): string[];
  /** Parses and validates without executing. */
  checkScript(text: string, fileName: string): readonly Diagnostic[];
  /** `file:line:col: message`, the source line, a caret and a `HINT:` line. */
  formatDiagnostic(d: Diagnostic, text: string, fileName: string): string;
  /** The URI with secret parameters and passwords replaced. */
  redactUri(uri: string): string;
  /** Text that may not parse, with secret-looking literals masked and URIs redacted. */
  redactText(text: string): string;
  /** Where `ast` holds a redaction marker (`*****`, `redacted`) in place of a secret. */
  redactionMarkers(ast: Statement): readonly { readonly where: 'encryption_passphrase' | 'URI' }[];
  /** `ast` with its passphrase replaced. */
  withPassphrase(ast: Statement, passphrase: string): Statement;
}

/**
 * Parse errors, then what the engine would refuse before running each statement (its checkStatement:
 * refused forms and options, option combinations, URIs, job queries), positioned at the statement. The
 * engine is passed in, so only `check` loads it.
 */
export function checkScriptWith(
  sql: Pick<SqlApi, 'parseScript'>,
  checkStatement: (ast: Statement) => void,
  text: string,
): Diagnostic[] {
  const { statements, errors } = sql.parseScript(text);
  const out: Diagnostic[] = [...errors];
  for (const st of statements) {
    if (st.kind !== 'owned') continue;
    try {
      checkStatement(st.ast);
    } catch (err) {
      if (!isStrongroomError(err)) throw err;
      const { startOffset: offset, line, column } = st.span;
      out.push({
        message: err.message,
        line,
        column,
        offset,
        code: err.code,
        ...(err.hint === undefined ? {} : { hint: err.hint }),
      });
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/** The real parser, formatter and completer. */
export function loadSqlApi(): SqlApi {
  return {
    parseScript,
    endsStatement,
    format,
    complete,
    checkScript,
    formatDiagnostic,
    redactUri,
    redactText: (text) => redactSqlText(text).text,
    redactionMarkers,
    withPassphrase,
  };
}
