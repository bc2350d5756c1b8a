// The REPL's logic without a terminal: it takes typed lines, collects a statement until endsStatement,
// runs it, and says which prompt comes next. Backslash commands are recognised at the start of any line,
// also in the middle of a statement (the statement buffer stays as it was), unless the line continues
// an open string; `help`, `exit` and `quit` alone on the first line mean what they say. Each complete
// input becomes one redacted history entry. repl.ts wires it to node:readline.
import { historyEntry } from './history.js';
import { runMeta } from './meta-commands.js';
import { runScriptText } from './run-script.js';
import type { Session } from './session.js';

export const PROMPT = 'strongroom> ';
export const CONTINUATION_PROMPT = '        -> ';

export const HELP_TEXT = `You are using strongroom, the shell for BACKUP and RESTORE statements.
Type:  \\h           for help with statements (\\h BACKUP)
       \\?           for help with backslash commands
       \\q or quit   to quit
Statements end with ';' and may span lines; other SQL goes to the source database.
`;

const URI_LIMIT = 50;

export class ReplSession {
  private buffer = '';
  private readonly seenUris: string[] = [];

  constructor(
    private readonly session: Session,
    /** Called with each history entry (already redacted). */
    private readonly onHistory: (entry: string) => void,
  ) {}

  get prompt(): string {
    return this.buffer === '' ? PROMPT : CONTINUATION_PROMPT;
  }

  /** What has been typed of the open statement, for completion. */
  get pending(): string {
    return this.buffer;
  }

  /** Collection and KMS URIs of earlier statements, newest first, without secret parameters or passwords. */
  get uris(): readonly string[] {
    return this.seenUris;
  }

  /** Ctrl-C at the prompt: forget the open statement. */
  clearInput(): void {
    this.buffer = '';
  }

  async handleLine(line: string): Promise<'continue' | 'quit'> {
    if (line.trimStart().startsWith('\\') && !inOpenString(this.buffer)) {
      this.onHistory(line.trim());
      const result = await runMeta(this.session, line, {
        baseDir: this.session.cwd,
        depth: 0,
        include: async (text, name, depth) => {
          const r = await runScriptText(this.session, text, name, depth);
          return r === 'quit' ? 0 : r;
        },
        buffer: {
          text: this.buffer,
          reset: () => {
            this.buffer = '';
          },
        },
      });
      return result === 'quit' ? 'quit' : 'continue';
    }
    if (this.buffer === '') {
      const word = line.trim().replace(/;$/, '').trim().toLowerCase();
      if (word === 'exit' || word === 'quit') return 'quit';
      if (word === 'help') {
        this.session.stdout.write(HELP_TEXT);
        return 'continue';
      }
    }
    this.buffer = this.buffer === '' ? line : `${this.buffer}\n${line}`;
    if (this.buffer.trim() === '') {
      this.buffer = '';
      return 'continue';
    }
    if (!this.session.sql.endsStatement(this.buffer)) return 'continue';
    const text = this.buffer;
    this.buffer = '';
    this.onHistory(historyEntry(text, this.session.sql));
    this.rememberUris(text);
    const result = await runScriptText(this.session, text, '<stdin>');
    return result === 'quit' ? 'quit' : 'continue';
  }

  private rememberUris(text: string): void {
    for (const m of text.matchAll(/'([a-z][a-z0-9+.-]*:\/\/[^']*)'/gi)) {
      const uri = m[1] ?? '';
      // Only the part a user can share: a URI with secrets is kept up to its parameters, without password.
      const safe =
        this.session.sql.redactUri(uri) === uri
          ? uri
          : uri.replace(/\?.*$/s, '').replace(/\/\/[^/@]*@/, '//');
      const at = this.seenUris.indexOf(safe);
      if (at >= 0) this.seenUris.splice(at, 1);
      this.seenUris.unshift(safe);
    }
    this.seenUris.length = Math.min(this.seenUris.length, URI_LIMIT);
  }
}

/** True when `buffer` ends inside a string literal (so a line starting with `\` is part of it). */
function inOpenString(buffer: string): boolean {
  let open = false;
  for (const ch of buffer) if (ch === "'") open = !open;
  return open;
}
