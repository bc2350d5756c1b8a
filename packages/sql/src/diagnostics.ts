// What `strongroom check` prints: every error of a file, each as `file:line:col: message`, the source
// line, a caret under the position (tabs kept so it lines up), then the hint.
import { sourceLine } from './position.js';
import { parseScript, type SqlDiagnostic } from './script.js';

/** Every error of a script. `fileName` is accepted for symmetry with formatDiagnostic; positions are in `text`. */
export function checkScript(text: string, _fileName: string): SqlDiagnostic[] {
  return parseScript(text).errors;
}

export function formatDiagnostic(d: SqlDiagnostic, text: string, fileName: string): string {
  const line = sourceLine(text, d.line);
  const pad = line.slice(0, d.column - 1).replace(/[^\t]/g, ' ');
  const out = [`${fileName}:${d.line}:${d.column}: ${d.message}`, line, `${pad}^`];
  if (d.hint !== undefined) out.push(`HINT: ${d.hint}`);
  return out.join('\n');
}
