// What `strongroom check` prints: every error of a file, each as `file:line:col: message`, the source
// line, a caret under the position (tabs kept so it lines up), then the hint. The source line is shown
// redacted (a secret typed in a statement never reaches a terminal or a log through its error); the
// header keeps the position in the original text, the caret the same place in the redacted line.
import { lineColumnAt, sourceLine } from './position.js';
import { redactSqlText } from './redact-text.js';
import { parseScript, type SqlDiagnostic } from './script.js';

/** Every error of a script. `fileName` is accepted for symmetry with formatDiagnostic; positions are in `text`. */
export function checkScript(text: string, _fileName: string): SqlDiagnostic[] {
  return parseScript(text).errors;
}

export function formatDiagnostic(d: SqlDiagnostic, text: string, fileName: string): string {
  const redacted = redactSqlText(text);
  const at = lineColumnAt(redacted.text, redacted.mapOffset(d.offset));
  const line = sourceLine(redacted.text, at.line);
  const pad = line.slice(0, at.column - 1).replace(/[^\t]/g, ' ');
  const out = [`${fileName}:${d.line}:${d.column}: ${d.message}`, line, `${pad}^`];
  if (d.hint !== undefined) out.push(`HINT: ${d.hint}`);
  return out.join('\n');
}
