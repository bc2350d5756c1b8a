// The REPL's logic without a terminal: it takes typed lines, collects a statement until endsStatement,
// runs it, and says which prompt comes next. Backslash commands are recognised only when no statement is
// open. Each complete input becomes one redacted history entry. repl.ts wires it to node:readline.
import { historyEntry } from './history.js';
import { runMeta } from './meta-commands.js';
import { runScriptText } from './run-script.js';
import type { Session } from './session.js';

export const PROMPT = 'strongroom> ';
export const CONTINUATION_PROMPT = '        -> ';

export class ReplSession {
  private buffer = '';

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

  /** Ctrl-C at the prompt: forget the open statement. */
  clearInput(): void {
    this.buffer = '';
  }

  async handleLine(line: string): Promise<'continue' | 'quit'> {
    if (this.buffer === '' && line.trimStart().startsWith('\\')) {
      this.onHistory(line.trim());
      const result = await runMeta(this.session, line, {
        baseDir: this.session.cwd,
        depth: 0,
        include: async (text, name, depth) => {
          const r = await runScriptText(this.session, text, name, depth);
          return r === 'quit' ? 0 : r;
        },
      });
      return result === 'quit' ? 'quit' : 'continue';
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
    const result = await runScriptText(this.session, text, '<stdin>');
    return result === 'quit' ? 'quit' : 'continue';
  }
}
