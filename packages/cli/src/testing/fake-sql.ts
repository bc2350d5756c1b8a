// A stand-in for @strongroom/sql in the runner's tests: splits on `;` outside single quotes, calls
// statements starting with SHOW JOBS or PAUSE JOB "owned" and everything else "forward", and reports a
// syntax error at any word `oops`. Enough to test ordering, positions and pass-through in the CLI without
// depending on the real grammar's details.
import type { ScriptStatement, Statement } from '@strongroom/sql';
import type { Diagnostic, SqlApi } from '../sql-api.js';

function lineCol(text: string, offset: number) {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

function statementEnds(text: string): number[] {
  const ends: number[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "'") quoted = !quoted;
    else if (text[i] === ';' && !quoted) ends.push(i + 1);
  }
  return ends;
}

export const fakeSql: SqlApi = {
  parseScript(text) {
    const statements: ScriptStatement[] = [];
    const errors: Diagnostic[] = [];
    let start = 0;
    const ends = statementEnds(text);
    if (text.slice(ends.at(-1) ?? 0).trim() !== '') ends.push(text.length);
    for (const end of ends) {
      const raw = text.slice(start, end);
      const lead = raw.length - raw.trimStart().length;
      const at = start + lead;
      const body = text.slice(at, end);
      start = end;
      if (body.trim() === '') continue;
      const oops = body.search(/\boops\b/);
      if (oops >= 0) {
        errors.push({
          message: 'at or near "oops": syntax error',
          offset: at + oops,
          code: 'SYNTAX_ERROR',
          ...lineCol(text, at + oops),
        });
        continue;
      }
      const span = { startOffset: at, endOffset: end, ...lineCol(text, at) };
      const owned = /^(show jobs|pause job)/i.test(body);
      const ast = { kind: 'show_jobs' } as Statement;
      statements.push(
        owned ? { kind: 'owned', ast, text: body, span } : { kind: 'forward', text: body, span },
      );
    }
    return { statements, errors };
  },
  endsStatement: (buffer) => {
    const ends = statementEnds(buffer);
    return ends.length > 0 && buffer.slice(ends.at(-1)).trim() === '';
  },
  format: () => 'SHOW JOBS',
  complete: () => ['BACKUP', 'RESTORE', 'SHOW'],
  checkScript(text) {
    return this.parseScript(text).errors;
  },
  formatDiagnostic(d, text, fileName) {
    const line = text.split('\n')[d.line - 1] ?? '';
    return `${fileName}:${d.line}:${d.column}: ${d.message}\n${line}\n${' '.repeat(d.column - 1)}^\n`;
  },
  redactUri: (uri) => uri.replace(/\?.*$/, '?redacted'),
  redactText: (text) => text.replace(/'[^']*'/g, "'*****'"),
  redactionMarkers: () => [],
  withPassphrase: (ast) => ast,
};
